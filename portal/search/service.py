"""Keeping the index in step with the database, and the queries the views use.

Changes are collected when the session flushes (documents are built then, from the flushed
state), applied after the transaction commits and dropped when it rolls back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from portal.cases.models import Case, CaseResult, Image, case_organizations, case_terms
from portal.cases.permissions import is_listed, visible_cases
from portal.extensions import db
from portal.organizations.models import Organization
from portal.search import health
from portal.search.backend import SearchRequest, SearchResult, VerifyReport
from portal.search.documents import case_document
from portal.search.whoosh_backend import WhooshBackend
from portal.taxonomy.models import Term

log = logging.getLogger(__name__)

PENDING_IDS = "search_dirty_case_ids"
PENDING_CHANGES = "search_changes"


def init_search(app: Flask) -> None:
    root = Path(app.config.get("SEARCH_INDEX_DIR") or Path(app.instance_path) / "search")
    synonyms = Path(
        app.config.get("SEARCH_SYNONYMS") or Path(app.config["SEED_DIR"]) / "synonyms.txt"
    )
    app.extensions["search"] = WhooshBackend(root, synonyms)


def _empty_facets() -> dict[str, dict[str, int]]:
    from portal.search.documents import FACETS

    return {facet: {} for facet in FACETS}


def backend() -> WhooshBackend:
    return current_app.extensions["search"]


# -- reading -------------------------------------------------------------------------------------


def search_cases(request: SearchRequest) -> SearchResult:
    """Full-text search with facets over published cases (the only ones indexed).

    A search that finds nothing, where the spelling has a clear correction, shows the hits for
    the correction at once and says so (the page offers the search as typed instead).
    """
    if not health.is_healthy(backend(), published_count, rebuild_index):
        # Not a false "0 eksempler": the page says the index is being rebuilt.
        return SearchResult(total=0, hits=[], facets=_empty_facets(), degraded=True)
    try:
        result = backend().search(request)
    except Exception:
        log.exception("the search index could not be read")
        health.report_unreadable(rebuild_index)
        return SearchResult(total=0, hits=[], facets=_empty_facets(), degraded=True)
    if result.total or not result.suggestion or not request.correct:
        return result
    corrected = backend().search(replace(request, text=result.suggestion))
    if not corrected.total:
        return result
    corrected.corrected_from, corrected.corrected_to = request.text, result.suggestion
    corrected.suggestion = None
    return corrected


def load_hits(result: SearchResult) -> list[tuple[Case, dict[str, str]]]:
    """The cases behind a page of hits, in hit order, published ones only."""
    ids = [hit.case_id for hit in result.hits]
    if not ids:
        return []
    cases = {
        case.id: case
        for case in db.session.scalars(
            visible_cases(None)
            .where(Case.id.in_(ids))
            .options(selectinload(Case.organizations), selectinload(Case.terms))
        )
    }
    return [(cases[hit.case_id], hit.highlights) for hit in result.hits if hit.case_id in cases]


def similar_cases(text: str, limit: int) -> list[Case]:
    """Published cases whose words overlap most with the text (more-like-this), best first."""
    hits = backend().more_like(text, limit)
    return [case for case, _highlights in load_hits(SearchResult(len(hits), hits, {}))]


# -- documents from the database -------------------------------------------------------------------


def _published_cases() -> Any:
    return (
        visible_cases(None)
        .options(
            selectinload(Case.organizations),
            selectinload(Case.terms),
            selectinload(Case.results),
        )
        .order_by(Case.id)
    )


def published_documents(version: int | None = None) -> Iterator[dict[str, Any]]:
    for case in db.session.scalars(_published_cases().execution_options(yield_per=500)):
        yield case_document(case, version)


def published_count() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(visible_cases(None).subquery()))


def verify_index() -> VerifyReport:
    return backend().verify(published_documents(version=0))


def rebuild_index(progress=None, *, wait: bool = True) -> int:
    """Build a fresh index from the database and swap it in; reconcile writes made meanwhile.

    A damaged live index is simply replaced: what cannot be read is not reconciled.
    """
    with backend().rebuilding(wait=wait):
        started = time.time_ns()
        total = published_count()
        retired = backend().rebuild(published_documents(), total, progress)
        if retired:
            try:
                versions = backend().versions_in(retired)
            except Exception:
                log.warning("the replaced index %s could not be read; it is dropped", retired)
                versions = {}
            changed = [doc_id for doc_id, version in versions.items() if version >= started]
            reindex_cases([int(i) for i in changed])
            backend().drop(retired)
    return total


def reindex_cases(case_ids: list[int]) -> None:
    """Bring the given cases' documents in line with the database now."""
    if not case_ids:
        return
    version = time.time_ns()
    cases = {c.id: c for c in db.session.scalars(_published_cases().where(Case.id.in_(case_ids)))}
    upserts = [case_document(cases[i], version) for i in case_ids if i in cases]
    deletes = {str(i): version for i in case_ids if i not in cases}
    backend().apply(upserts, deletes)


# -- session events ------------------------------------------------------------------------------


def _dirty_case_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    org_ids: set[int] = set()
    term_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Case) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, CaseResult | Image) and obj.case_id is not None:
            ids.add(obj.case_id)
        elif isinstance(obj, Organization) and obj.id is not None:
            org_ids.add(obj.id)
        elif isinstance(obj, Term) and obj.id is not None:
            term_ids.add(obj.id)
    with session.no_autoflush:
        if org_ids:
            ids.update(
                session.scalars(
                    select(case_organizations.c.case_id).where(
                        case_organizations.c.organization_id.in_(org_ids)
                    )
                )
            )
        if term_ids:
            ids.update(
                session.scalars(
                    select(case_terms.c.case_id).where(case_terms.c.term_id.in_(term_ids))
                )
            )
    return ids


def _after_flush(session: Session, _context) -> None:
    if not has_app_context() or "search" not in current_app.extensions:
        return
    session.info.setdefault(PENDING_IDS, set()).update(_dirty_case_ids(session))


def _after_flush_postexec(session: Session, _context) -> None:
    ids = session.info.pop(PENDING_IDS, None)
    if not ids:
        return
    version = time.time_ns()
    changes: dict[int, dict[str, Any] | int] = session.info.setdefault(PENDING_CHANGES, {})
    with session.no_autoflush:
        for case_id in ids:
            case = session.get(Case, case_id)
            if case is not None and is_listed(case):
                changes[case_id] = case_document(case, version)
            else:
                changes[case_id] = version  # a tombstone: remove from the index


def _after_commit(session: Session) -> None:
    changes = session.info.pop(PENDING_CHANGES, None)
    session.info.pop(PENDING_IDS, None)
    if not changes or not has_app_context() or "search" not in current_app.extensions:
        return
    upserts = [doc for doc in changes.values() if isinstance(doc, dict)]
    deletes = {str(i): v for i, v in changes.items() if not isinstance(v, dict)}
    try:
        backend().apply(upserts, deletes)
    except Exception:
        # The database is the source of truth; `flask search verify` will show the gap.
        log.exception("search index update failed for cases %s", sorted(changes))


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_CHANGES, None)
    session.info.pop(PENDING_IDS, None)


def register_session_events() -> None:
    from flask_sqlalchemy.session import Session as FlaskSession

    if event.contains(FlaskSession, "after_commit", _after_commit):
        return
    event.listen(FlaskSession, "after_flush", _after_flush)
    event.listen(FlaskSession, "after_flush_postexec", _after_flush_postexec)
    event.listen(FlaskSession, "after_commit", _after_commit)
    event.listen(FlaskSession, "after_soft_rollback", lambda s, _t: _after_rollback(s))


def popular_categories(limit: int = 6) -> list[tuple[Term, int]]:
    """The categories with the most published cases, for pages that found nothing."""
    from portal.cases.queries import filter_options
    from portal.taxonomy.models import Vocabulary

    rows = filter_options()["terms"][Vocabulary.CATEGORY]
    return sorted(rows, key=lambda row: -row[1])[:limit]
