"""Checking and rebuilding the index from the database (the CLI and the health check)."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from portal.cases.permissions import visible_cases
from portal.extensions import db
from portal.search.backend import Progress, VerifyReport
from portal.search.engine import backend
from portal.search.sync import published_documents, reindex_cases

log = logging.getLogger(__name__)


def published_count() -> int:
    return db.session.scalar(select(func.count()).select_from(visible_cases(None).subquery()))


def verify_index() -> VerifyReport:
    return backend().verify(published_documents(version=0))


def rebuild_index(progress: Progress | None = None, *, wait: bool = True) -> int:
    """Build a fresh index from the database and swap it in; then write again, from the
    database, the cases written while it ran (a damaged live index is simply replaced)."""
    with backend().rebuilding(wait=wait):
        total = published_count()
        retired = backend().rebuild(published_documents(), total, progress)
        reindex_cases(sorted(int(i) for i in backend().written_during_rebuild(retired)))
        if retired:
            backend().drop(retired)
    return total
