"""The one search backend of the app, made at start from the configuration.

PORTAL_SEARCH_BACKEND chooses it: `whoosh` (the default: an index in files on this machine) or
`postgres` (tables in the portal's PostgreSQL database, shared by every web server).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from portal.search.backend import SearchBackend
from portal.search.whoosh_backend import WhooshBackend

BACKENDS = ("whoosh", "postgres")


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


def is_enabled() -> bool:
    """Whether this app searches at all (scripts and some tests run without an index)."""
    return "search" in current_app.extensions
