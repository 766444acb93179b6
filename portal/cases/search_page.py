"""The case search page's side of search: its query string as a search, and facets to show.

The page's parameters are Norwegian (they appear in shared links); the API builds its request
from its own validated arguments and shares only `facet_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import select

from portal.extensions import db
from portal.labels import ORGANIZATION_TYPE
from portal.letters import norwegian_sort_key
from portal.organizations.models import Organization, OrganizationType
from portal.pagecache import generation
from portal.search.backend import MAX_PAGE, MAX_VALUES_PER_FACET, SORTS, SearchRequest
from portal.search.query import MAX_QUERY_LENGTH
from portal.taxonomy.facets import FACETS
from portal.taxonomy.models import Term

SORT_PARAMS = {"relevans": "relevance", "nyeste": "newest"}


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet as the filter form offers it."""

    value: str
    label: str
    count: int
    chosen: bool


@dataclass(frozen=True, slots=True)
class FacetRow:
    """A facet with its values (attributes rather than a dictionary: the page reads each of
    a hundred values' four fields, and a template's attribute lookup on a dictionary fails
    over to an item lookup each time)."""

    facet: Any
    values: list[FacetValue]

    @property
    def any_chosen(self) -> bool:
        return any(item.chosen for item in self.values)

    def checkboxes(self) -> Markup:
        """The values' checkboxes as one piece of HTML, escaped as the template escapes: a
        search page offers about a hundred, and a template loop over them took a third of
        the page's rendering."""
        param = escape(self.facet.param)
        boxes = "".join(
            f'<div class="check"><input type="checkbox" id="f-{param}-{number}" name="{param}" '
            f'value="{escape(item.value)}"{" checked" if item.chosen else ""}>'
            f'<label for="f-{param}-{number}">{escape(item.label)} '
            f'<span class="count">({item.count:d})</span></label></div>'
            for number, item in enumerate(self.values, start=1)
        )
        return Markup(boxes)  # noqa: S704 - every value is escaped above


def request_from_args(args: Any, *, per_page: int = 20) -> SearchRequest:
    """A SearchRequest from the case list's query string (Norwegian parameter names); unknown
    or excess values are ignored, never fatal. The API builds its own from validated args."""
    filters = {}
    for facet in FACETS:
        name = facet.param
        values = tuple(dict.fromkeys(v[:100] for v in args.getlist(name) if v))
        if values:
            filters[facet.field] = values[:MAX_VALUES_PER_FACET]
    text = (args.get("q") or "")[: MAX_QUERY_LENGTH * 5]
    raw_sort = args.get("sorter", "")
    sort = raw_sort if raw_sort in SORTS else SORT_PARAMS.get(raw_sort)
    if sort is None:
        sort = "relevance" if text.strip() else "newest"
    page = args.get("side", 1, type=int) or 1
    return SearchRequest(
        text=text,
        filters=filters,
        sort=sort,
        page=min(max(page, 1), MAX_PAGE),
        per_page=per_page,
        correct=not args.get("eksakt"),
        year_from=_year(args.get("ar_fra")),
        year_to=_year(args.get("ar_til")),
    )


def query_args(search: SearchRequest) -> dict[str, list[str]]:
    """What the search looks for, as the case list's query arguments: text, filters and years,
    without page or sort. Feeds, exports and followed searches share these addresses."""
    args: dict[str, list[str]] = {}
    if search.text.strip():
        args["q"] = [search.text.strip()]
    for facet in FACETS:
        if values := search.filters.get(facet.field):
            args[facet.param] = list(values)
    if search.year_from:
        args["ar_fra"] = [str(search.year_from)]
    if search.year_to:
        args["ar_til"] = [str(search.year_to)]
    return args


def search_url(endpoint: str, search: SearchRequest, **extra: Any) -> str:
    """The address of `endpoint` (the list, its feed, its exports) for the same search."""
    return url_for(endpoint, **query_args(search), **extra)


def describe(search: SearchRequest, language: str) -> str:
    """The search in words, for feed titles, exports and followed searches:
    «bonus malus» · Kategori: Bygg og anlegg · År: 2019–2023."""
    labels = label_map(language) if search.filters else {}
    parts = [f"«{search.text.strip()}»"] if search.text.strip() else []
    for facet in FACETS:
        if values := search.filters.get(facet.field):
            names = ", ".join(labels[facet.field].get(v, v) for v in values)
            parts.append(f"{facet.label}: {names}")
    if search.year_from or search.year_to:
        span = f"{search.year_from or ''}–{search.year_to or ''}"
        parts.append(f"{gettext('Years')}: {span}")
    return " · ".join(parts) or gettext("All cases")


def _year(value: str | None) -> int | None:
    """A four-digit year from a query string, or None (anything else is ignored)."""
    return int(value) if value and value.isdigit() and len(value) == 4 else None


def label_map(language: str) -> dict[str, dict[str, str]]:
    """field → value → label, for every facet value that can appear (read once per content
    generation and language; do not change what it returns)."""
    kept = generation.kept("facet_labels")
    if language not in kept:
        kept[language] = _read_labels(language)
    return kept[language]


def _read_labels(language: str) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {facet.field: {} for facet in FACETS}
    for term in db.session.scalars(select(Term)):
        labels[str(term.vocabulary)][term.slug] = term.label(language)
    for slug, name, county in db.session.execute(
        select(Organization.slug, Organization.name, Organization.county)
    ):
        labels["organization"][slug] = name
        if county:
            labels["county"][county] = county
    for org_type in OrganizationType:
        labels["org_type"][str(org_type)] = str(ORGANIZATION_TYPE[org_type])
    labels["has_results"]["ja"] = gettext("With measured results")
    return labels


def term_order() -> dict[tuple[str, str], int]:
    """(vocabulary, slug) → position of every topic (read once per content generation)."""
    kept = generation.kept("term_order")
    if "order" not in kept:
        kept["order"] = {
            (str(vocabulary), slug): position
            for vocabulary, slug, position in db.session.execute(
                select(Term.vocabulary, Term.slug, Term.position)
            )
        }
    return kept["order"]


def facet_rows(
    counts: dict[str, dict[str, int]], filters: dict[str, tuple[str, ...]], language: str
) -> list[FacetRow]:
    """Facets for display: values with labels and counts; chosen values always included."""
    labels = label_map(language)
    order = term_order()
    rows = []
    for facet in FACETS:
        chosen = set(filters.get(facet.field, ()))
        values = dict(counts.get(facet.field, {}))
        for value in chosen:
            values.setdefault(value, 0)
        if facet.field == "year":
            ordered = sorted(values, reverse=True)
        elif any((facet.field, v) in order for v in values):
            ordered = sorted(values, key=lambda v: order.get((facet.field, v), 999))
        else:
            ordered = sorted(
                values, key=lambda v: norwegian_sort_key(labels[facet.field].get(v, v))
            )
        rows.append(
            FacetRow(
                facet,
                [FacetValue(v, labels[facet.field].get(v, v), values[v], v in chosen)
                 for v in ordered],
            )
        )  # fmt: skip
    return rows
