"""Index loss is never silent.

Whenever a process opens a new generation of the index (at start, after a rebuild or a write),
it compares the number of documents with the published cases in the database. When they differ
by more than writes in flight can explain, or the index cannot be read at all, it logs an error,
the pages say that search is being rebuilt instead of showing a false "0", and one process
rebuilds the index in the background under the rebuild lock.

The caller (the search service) hands in the backend, the count of published cases and the
rebuild, so that this module depends on neither.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from portal.search.backend import RebuildRunning

log = logging.getLogger("portal.search")

Rebuild = Callable[..., int]  # rebuild(wait=False) → documents indexed

_checked: dict[int, tuple[Any, bool]] = {}  # id(backend) → (generation, healthy)
_rebuilding = threading.Event()


def is_rebuilding() -> bool:
    """Whether this process is rebuilding a damaged index in the background."""
    return _rebuilding.is_set()


def tolerance(published: int) -> int:
    """How far the counts may differ while writes are still on their way to the index."""
    return max(2, published // 100)


def is_healthy(search: Any, published_count: Callable[[], int], rebuild: Rebuild) -> bool:
    """Whether this process's index matches the database (checked once per generation)."""
    try:
        generation, indexed = search.generation()
    except Exception:
        log.exception("the search index cannot be opened")
        _repair(_app(), rebuild)
        return False
    known = _checked.get(id(search))
    if known is not None and known[0] == generation:
        return known[1]
    published = published_count()
    healthy = abs(published - indexed) <= tolerance(published)
    if not healthy:
        log.error("the search index holds %d documents but %d cases are published: rebuilding",
                  indexed, published)  # fmt: skip
        _repair(_app(), rebuild)
    _checked[id(search)] = (generation, healthy)
    return healthy


def report_unreadable(rebuild: Rebuild) -> None:
    """A search failed on the index itself (damaged files): rebuild it."""
    _checked.clear()
    _repair(_app(), rebuild)


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _repair(app: Flask, rebuild: Rebuild) -> None:
    """Rebuild in a background thread of this process, unless one is already under way here or
    another process holds the rebuild lock."""
    if _rebuilding.is_set():
        return
    _rebuilding.set()

    def run() -> None:
        try:
            with app.app_context():
                rebuild(wait=False)
                log.warning("the search index was rebuilt from the database")
        except RebuildRunning:
            log.info("another process is rebuilding the search index")
        except Exception:
            log.exception("rebuilding the search index failed")
        finally:
            _checked.clear()
            _rebuilding.clear()

    threading.Thread(target=run, name="search-repair", daemon=True).start()
