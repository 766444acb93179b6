"""Index loss is never silent.

Whenever a process opens a new generation of the index (at start, after a rebuild or a write),
it compares the number of documents with the published cases in the database. When they differ
by more than writes in flight can explain, or the index cannot be read at all, it logs an error,
the pages say that search is being rebuilt instead of showing a false "0", and one process
rebuilds the index in the background under the rebuild lock.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app

log = logging.getLogger("portal.search")

_checked: dict[int, tuple[Any, bool]] = {}  # id(backend) → (generation, healthy)
_rebuilding = threading.Event()


def tolerance(published: int) -> int:
    """How far the counts may differ while writes are still on their way to the index."""
    return max(2, published // 100)


def is_healthy() -> bool:
    """Whether this process's index matches the database (checked once per generation)."""
    from portal.search.service import backend, published_count

    search = backend()
    try:
        generation, indexed = search.generation()
    except Exception:
        log.exception("the search index cannot be opened")
        _repair(current_app._get_current_object())  # type: ignore[attr-defined]
        return False
    known = _checked.get(id(search))
    if known is not None and known[0] == generation:
        return known[1]
    published = published_count()
    healthy = abs(published - indexed) <= tolerance(published)
    if not healthy:
        log.error("the search index holds %d documents but %d cases are published: rebuilding",
                  indexed, published)  # fmt: skip
        _repair(current_app._get_current_object())  # type: ignore[attr-defined]
    _checked[id(search)] = (generation, healthy)
    return healthy


def _repair(app: Flask) -> None:
    """Rebuild in a background thread of this process, unless one is already under way here or
    another process holds the rebuild lock."""
    if _rebuilding.is_set():
        return
    _rebuilding.set()

    def run() -> None:
        from portal.search.service import rebuild_index
        from portal.search.whoosh_backend import RebuildRunning

        try:
            with app.app_context():
                rebuild_index(wait=False)
                log.warning("the search index was rebuilt from the database")
        except RebuildRunning:
            log.info("another process is rebuilding the search index")
        except Exception:
            log.exception("rebuilding the search index failed")
        finally:
            _checked.clear()
            _rebuilding.clear()

    threading.Thread(target=run, name="search-repair", daemon=True).start()


def report_unreadable() -> None:
    """A search failed on the index itself (damaged files): rebuild it."""
    _checked.clear()
    _repair(current_app._get_current_object())  # type: ignore[attr-defined]
