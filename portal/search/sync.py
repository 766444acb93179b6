"""Keeping the index in step with the database.

Changes are collected when the session flushes (documents are built then, from the flushed
state), applied after the transaction commits and dropped when it rolls back.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from flask import has_app_context
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from portal.cases.models import (
    BODY_SECTIONS,
    Case,
    CaseResult,
    Image,
    case_organizations,
    case_terms,
)
from portal.cases.permissions import is_listed, visible_cases
from portal.db_events import listen_on_sessions
from portal.extensions import db
from portal.organizations.models import Organization
from portal.search.documents import case_document
from portal.search.engine import backend, is_enabled
from portal.taxonomy.models import Term

log = logging.getLogger(__name__)

PENDING_IDS = "search_dirty_case_ids"
PENDING_CHANGES = "search_changes"


def published_cases() -> Select[tuple[Case]]:
    """Published cases with what their documents are made of, in id order."""
    return (
        visible_cases(None)
        .options(
            selectinload(Case.organizations),
            selectinload(Case.terms),
            selectinload(Case.results),
        )
        .order_by(Case.id)
    )


READ_BATCH = 500
FIRST_READ = 32  # rows read first, so that the first documents go out soon
# What a document takes from a topic and from an organisation.
_TERM = ("vocabulary", "position", "slug", "label_nb", "label_en", "description_nb",
         "description_en")  # fmt: skip
_ORGANIZATION = ("name", "county", "org_type", "slug")


def published_documents(version: int | None = None) -> Iterator[dict[str, Any]]:
    """Every published case's document, in id order, as `case_document` makes it.

    What a rebuild reads, so it reads plain rows in batches rather than loading cases through
    the ORM (whose objects and identity map took as long as making the documents): the terms
    and organisations once each, then per batch the cases' columns and their links."""
    terms, organizations = _by_id(Term, _TERM), _by_id(Organization, _ORGANIZATION)
    columns = [Case.id, Case.slug, Case.title, Case.summary, Case.year, Case.published_at]
    columns += [getattr(Case, name) for name in BODY_SECTIONS]
    rows = db.session.execute(
        visible_cases(None).with_only_columns(*columns).order_by(Case.id),
        execution_options={"yield_per": READ_BATCH},
    )
    for batch in itertools.chain([rows.fetchmany(FIRST_READ)], rows.partitions()):
        if not batch:
            continue
        ids = [row.id for row in batch]
        linked_terms = _grouped(select(case_terms).where(case_terms.c.case_id.in_(ids)))
        linked_orgs = _grouped(
            select(case_organizations).where(case_organizations.c.case_id.in_(ids))
        )
        results = _grouped(
            select(CaseResult.case_id, CaseResult.indicator, CaseResult.note)
            .where(CaseResult.case_id.in_(ids))
            .order_by(CaseResult.case_id, CaseResult.position),
            whole=True,
        )
        for row in batch:
            case = SimpleNamespace(
                **row._mapping,
                terms=[terms[i] for i in linked_terms.get(row.id, ())],
                organizations=[organizations[i] for i in linked_orgs.get(row.id, ())],
                results=results.get(row.id, []),
            )
            yield case_document(case, version)


def _by_id(model: Any, names: tuple[str, ...]) -> dict[int, SimpleNamespace]:
    """Every row of a model's table, as plain objects with these columns, by id."""
    columns = [getattr(model, name) for name in names]
    return {row.id: SimpleNamespace(**row._mapping)
            for row in db.session.execute(select(model.id, *columns))}  # fmt: skip


def _grouped(statement: Select, *, whole: bool = False) -> dict[int, list]:
    """Rows whose first column is a case id, grouped by it: their second column (or the
    whole row), in the statement's order."""
    grouped: dict[int, list] = {}
    for row in db.session.execute(statement):
        grouped.setdefault(row[0], []).append(row if whole else row[1])
    return grouped


def reindex_cases(case_ids: list[int]) -> None:
    """Bring the given cases' documents in line with the database now."""
    if not case_ids:
        return
    version = time.time_ns()
    cases = {c.id: c for c in db.session.scalars(published_cases().where(Case.id.in_(case_ids)))}
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
    if not has_app_context() or not is_enabled():
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


def _split(changes: dict[int, dict[str, Any] | int]):
    upserts = [doc for doc in changes.values() if isinstance(doc, dict)]
    deletes = {str(i): v for i, v in changes.items() if not isinstance(v, dict)}
    return upserts, deletes


def _transactional() -> bool:
    return has_app_context() and is_enabled() and backend().transactional


def _before_commit(session: Session) -> None:
    """A backend in the database writes its documents in the case's own transaction."""
    if not _transactional():
        return
    session.flush()  # every change of this transaction is collected by now
    changes = session.info.pop(PENDING_CHANGES, None)
    session.info.pop(PENDING_IDS, None)
    if changes:
        backend().apply(*_split(changes), connection=session.connection())


def _after_commit(session: Session) -> None:
    changes = session.info.pop(PENDING_CHANGES, None)
    session.info.pop(PENDING_IDS, None)
    if not changes or not has_app_context() or not is_enabled():
        return
    upserts, deletes = _split(changes)
    try:
        backend().apply(upserts, deletes)
    except Exception:
        # The database is the source of truth; `flask search verify` will show the gap.
        log.exception("search index update failed for cases %s", sorted(changes))


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_CHANGES, None)
    session.info.pop(PENDING_IDS, None)


def _after_soft_rollback(session: Session, _transaction) -> None:
    _after_rollback(session)


def register_session_events() -> None:
    listen_on_sessions(
        {
            "after_flush": _after_flush,
            "after_flush_postexec": _after_flush_postexec,
            "before_commit": _before_commit,
            "after_commit": _after_commit,
            "after_soft_rollback": _after_soft_rollback,
        }
    )
