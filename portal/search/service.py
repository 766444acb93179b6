"""The searches the pages, the API and the evidence picker make: a thin facade over the backend.

Only published cases are indexed; every case shown is loaded through `visible_cases` again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.pagecache.cache import do_not_cache
from portal.search import health
from portal.search.backend import SearchRequest, SearchResult
from portal.search.engine import backend
from portal.search.maintenance import published_count, rebuild_index
from portal.taxonomy.facets import FACET_FIELDS
from portal.taxonomy.models import Term, Vocabulary

log = logging.getLogger(__name__)
RESULTS_KEPT = 500


def _degraded() -> SearchResult:
    # Not a false "0 eksempler": the page says the index is being rebuilt (and is not cached).
    do_not_cache()
    return SearchResult(total=0, hits=[], facets={f: {} for f in FACET_FIELDS}, degraded=True)


def search_cases(request: SearchRequest) -> SearchResult:
    """Full-text search with facets over published cases (the only ones indexed).

    A search that finds nothing, or only cases with some of its words, where the spelling has
    a clear correction that finds cases with all of them, shows the hits for the correction at
    once and says so (the page offers the search as typed instead).
    """
    if not health.is_healthy(backend(), published_count, rebuild_index):
        return _degraded()
    try:
        kept = _kept_results()
        key = _request_key(request)
        result = kept.get(key)
        if result is None:
            result = _corrected(request, backend().search(request))
            if len(kept) >= RESULTS_KEPT:
                kept.clear()
            kept[key] = result
    except Exception:
        log.exception("the search index could not be read")
        health.report_unreadable(rebuild_index)
        return _degraded()
    return replace(result)  # the caller may change its copy


def _kept_results() -> dict[tuple, SearchResult]:
    """This process's search results for the index generation (and synonym list) it reads now:
    the same search again, by anyone, signed in or not, through a page or the API, costs a
    lookup. The index holds only published cases, and every case shown is loaded through
    `visible_cases` again, so a result is the same for every visitor."""
    generation, _count = backend().generation()
    synonyms = backend().synonyms()  # the same object until the file changes
    kept = current_app.extensions.get("search_results")
    if kept is None or kept["generation"] != generation or kept["synonyms"] is not synonyms:
        kept = current_app.extensions["search_results"] = {
            "generation": generation,
            "synonyms": synonyms,
            "results": {},
        }
    return kept["results"]


def _request_key(request: SearchRequest) -> tuple:
    filters = tuple(sorted((name, tuple(values)) for name, values in request.filters.items()))
    return (request.text, filters, request.sort, request.page, request.per_page,
            request.correct, request.year_from, request.year_to, request.highlight,
            request.only_ids)  # fmt: skip


def _corrected(request: SearchRequest, result: SearchResult) -> SearchResult:
    """The result for the spelling's correction instead, where that finds what this did not."""
    if (result.total and not result.partial) or not result.suggestion or not request.correct:
        return result
    corrected = backend().search(replace(request, text=result.suggestion))
    if not corrected.total or (result.total and corrected.partial):
        return result
    corrected.corrected_from, corrected.corrected_to = request.text, result.suggestion
    corrected.suggestion = None
    return corrected


def load_hits(result: SearchResult, *options: Any) -> list[tuple[Case, dict[str, str]]]:
    """The cases behind a page of hits, in hit order, published ones only (`options` load
    more of each case at once)."""
    ids = [hit.case_id for hit in result.hits]
    if not ids:
        return []
    cases = {
        case.id: case
        for case in db.session.scalars(
            visible_cases(None)
            .where(Case.id.in_(ids))
            .options(selectinload(Case.organizations), selectinload(Case.terms), *options)
        )
    }
    return [(cases[hit.case_id], hit.highlights) for hit in result.hits if hit.case_id in cases]


def matching_cases(
    request: SearchRequest, limit: int, *options: Any, newest_first: bool = False
) -> tuple[list[Case], SearchResult]:
    """Up to `limit` published cases a search finds, in its order (or newest first), without
    excerpts: for feeds, exports and digests. The result says the total and if it degraded."""
    wanted = replace(request, page=1, per_page=limit, highlight=False)
    if newest_first:
        wanted.sort = "newest"
    result = search_cases(wanted)
    return [case for case, _highlights in load_hits(result, *options)], result


def similar_cases(text: str, limit: int) -> list[Case]:
    """Published cases whose words overlap most with the text (more-like-this), best first."""
    hits = backend().more_like(text, limit)
    return [case for case, _highlights in load_hits(SearchResult(len(hits), hits, {}))]


def popular_categories(limit: int = 6) -> list[tuple[Term, int]]:
    """The categories with the most published cases, for pages that found nothing (counted by
    the index's facet table where it keeps one: no count over every case per page)."""
    from portal.search.related import published_per_term

    categories = list(
        db.session.scalars(
            select(Term)
            .where(Term.vocabulary == Vocabulary.CATEGORY)
            .order_by(Term.position, norwegian_order(Term.label_nb))
        )
    )
    counts = published_per_term(categories)
    rows = [(term, counts.get(term.id, 0)) for term in categories]
    return sorted((row for row in rows if row[1]), key=lambda row: -row[1])[:limit]
