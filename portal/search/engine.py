"""The one search backend of the app, made at start from the configuration."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from portal.search.backend import SearchBackend
from portal.search.whoosh_backend import WhooshBackend


def init_search(app: Flask) -> None:
    root = Path(app.config.get("SEARCH_INDEX_DIR") or Path(app.instance_path) / "search")
    synonyms = Path(
        app.config.get("SEARCH_SYNONYMS") or Path(app.config["SEED_DIR"]) / "synonyms.txt"
    )
    app.extensions["search"] = WhooshBackend(root, synonyms)


def backend() -> SearchBackend:
    return current_app.extensions["search"]


def is_enabled() -> bool:
    """Whether this app searches at all (scripts and some tests run without an index)."""
    return "search" in current_app.extensions
