"""The one search backend of the app, made at start from the configuration.

PORTAL_SEARCH_BACKEND chooses it: `whoosh` (the default: an index in files on this machine) or
`postgres` (tables in the portal's PostgreSQL database, shared by every web server).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app

from portal.search.backend import SearchBackend
from portal.search.whoosh_backend import WhooshBackend

BACKENDS = ("whoosh", "postgres")
T = TypeVar("T")
log = logging.getLogger(__name__)


def init_search(app: Flask) -> None:
    from portal.config import ConfigError

    synonyms = Path(
        app.config.get("SEARCH_SYNONYMS") or Path(app.config["SEED_DIR"]) / "synonyms.txt"
    )
    kind = str(app.config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if kind not in BACKENDS:
        raise ConfigError(
            f"PORTAL_SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {kind!r}"
        )
    if kind == "postgres":
        from portal.extensions import db
        from portal.search.pg_backend import PostgresBackend

        with app.app_context():
            engine = db.engine
        if engine.dialect.name != "postgresql":
            raise ConfigError("PORTAL_SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
        app.extensions["search"] = PostgresBackend(engine, synonyms)
        return
    root = Path(app.config.get("SEARCH_INDEX_DIR") or Path(app.instance_path) / "search")
    app.extensions["search"] = WhooshBackend(root, synonyms)


def backend() -> SearchBackend:
    return current_app.extensions["search"]


def from_index(read: Callable[[SearchBackend], T]) -> T | None:
    """What the index says, for pages that can also ask the database: None (the caller asks
    the database instead) when the index cannot be read; the search page says so itself."""
    try:
        return read(backend())
    except Exception:
        log.exception("the search index could not be read; asking the database instead")
        return None


def is_enabled() -> bool:
    """Whether this app searches at all (scripts and some tests run without an index)."""
    return "search" in current_app.extensions
