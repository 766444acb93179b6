"""Checking and rebuilding the index from the database (the CLI and the health check)."""

from __future__ import annotations

import logging
import time

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
