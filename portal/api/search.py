"""GET /api/v1/search: the search page as JSON, with the same visibility (published only)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.cases.schemas import OrganizationRefSchema
from portal.cases.search_page import facet_rows
from portal.i18n import current_language
from portal.schema_fields import NO_NUL, facet_args
from portal.search.backend import MAX_PAGE, MAX_VALUES_PER_FACET, SORTS, SearchRequest
from portal.search.engine import backend
from portal.search.query import MAX_QUERY_LENGTH
from portal.search.related import Related, find_related
from portal.search.service import load_hits, search_cases
from portal.taxonomy.facets import FACETS

blp = Blueprint("api_search", __name__, url_prefix="/search", description="Full-text search")


class SearchArgsSchema(facet_args(FACETS)):
    q = fields.String(
        load_default="",
        validate=[validate.Length(max=MAX_QUERY_LENGTH * 5), NO_NUL],
        metadata={"description": "Words to find; all must match. Quotes for a phrase."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE),
                          metadata={"description": "The page, from 1."})  # fmt: skip
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100),
                              metadata={"description": "Hits per page."})  # fmt: skip
    sort = fields.String(
        load_default=None,
        validate=validate.OneOf(SORTS),
        metadata={"description": "Default: relevance with words, newest without."},
    )
    year_from = fields.Integer(load_default=None, validate=validate.Range(1900, 2100),
                               metadata={"description": "The first year, included."})  # fmt: skip
    year_to = fields.Integer(load_default=None, validate=validate.Range(1900, 2100),
                             metadata={"description": "The last year, included."})  # fmt: skip
    exact = fields.Boolean(
        load_default=False,
        metadata={"description": "Search the text as typed, never a spelling correction."},
    )


class SearchItemSchema(Schema):
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    organizations = fields.List(fields.Nested(OrganizationRefSchema))
    year = fields.Integer(allow_none=True)
    url = fields.String()
    highlights = fields.Dict(keys=fields.String(), values=fields.String())


class FacetValueSchema(Schema):
    value = fields.String()
    label = fields.String()
    count = fields.Integer()


class RelatedTermSchema(Schema):
    vocabulary = fields.String()
    slug = fields.String()
    label = fields.String()
    cases = fields.Integer()
    url = fields.String()


class RelatedGoalSchema(Schema):
    id = fields.Integer()
    heading = fields.String()
    strategy = fields.String()
    url = fields.String()


class RelatedOrganizationSchema(Schema):
    slug = fields.String()
    name = fields.String()
    url = fields.String()


class RelatedSchema(Schema):
    terms = fields.List(fields.Nested(RelatedTermSchema))
    goals = fields.List(fields.Nested(RelatedGoalSchema))
    organizations = fields.List(fields.Nested(RelatedOrganizationSchema))


class SearchResultSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(SearchItemSchema))
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValueSchema)))
    suggestion = fields.String(allow_none=True)
    partial = fields.Boolean()
    corrected_from = fields.String(
        allow_none=True,
        metadata={
            "description": "Nothing matched this text as typed; the items are for corrected_to."
        },
    )
    corrected_to = fields.String(allow_none=True)
    related = fields.Nested(RelatedSchema)


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchResultSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search published cases; facets count values with the other filters applied.

        Highlights are HTML: the case text escaped, with matched words wrapped in <mark>.
        """
        search = _request(args)
        result = search_cases(search)
        rows = facet_rows(result.facets, search.filters, current_language())
        return {
            "total": result.total,
            "page": search.page,
            "per_page": search.per_page,
            "items": [
                {
                    "slug": case.slug,
                    "title": case.title,
                    "summary": case.summary,
                    "organizations": case.organizations,
                    "year": case.year,
                    "url": url_for("cases.show_case", slug=case.slug, _external=True),
                    "highlights": {k: str(v) for k, v in highlights.items()},
                }
                for case, highlights in load_hits(result)
            ],
            "facets": {
                row.facet.api: [
                    {"value": v.value, "label": v.label, "count": v.count} for v in row.values
                ]  # fmt: skip
                for row in rows
            },
            "suggestion": result.suggestion,
            "partial": result.partial,
            "corrected_from": result.corrected_from,
            "corrected_to": result.corrected_to,
            "related": _related(result.corrected_to or search.text),
        }


def _request(args: dict[str, Any]) -> SearchRequest:
    """The validated arguments as a search (unknown facet values simply match nothing)."""
    filters = {}
    for facet in FACETS:
        values = tuple(dict.fromkeys(v for v in args[facet.api] if v))
        if values:
            filters[facet.field] = values[:MAX_VALUES_PER_FACET]
    text = args["q"]
    return SearchRequest(
        text=text,
        filters=filters,
        sort=args["sort"] or ("relevance" if text.strip() else "newest"),
        page=args["page"],
        per_page=args["per_page"],
        correct=not args["exact"],
        year_from=args["year_from"],
        year_to=args["year_to"],
    )


def _related(text: str) -> dict[str, list[dict[str, Any]]]:
    """Topics, adopted strategies' goals and organisations the search names."""
    found = find_related(text, None, backend().synonyms()) if text.strip() else Related()
    language = current_language()
    return {
        "terms": [
            {"vocabulary": str(term.vocabulary), "slug": term.slug, "label": term.label(language),
             "cases": count, "url": url_for("taxonomy.show_term", _external=True,
                                            vocabulary_slug=term.vocabulary.url_slug,
                                            slug=term.slug)}
            for term, count in found.terms
        ],
        "goals": [
            {"id": item.goal.id, "heading": item.goal.heading, "strategy": item.strategy.title,
             "url": url_for("strategies.show_strategy", strategy_id=item.strategy.id,
                            _external=True) + f"#mal-{item.goal.id}"}
            for item in found.goals
        ],
        "organizations": [
            {"slug": org.slug, "name": org.name,
             "url": url_for("organizations.show_organization", slug=org.slug, _external=True)}
            for org in found.organizations
        ],
    }  # fmt: skip
