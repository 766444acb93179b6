"""Helpers for URLs that come from users."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter, Map


def safe_next_url(target: str | None, fallback: str = "/") -> str:
    """Return target only if it is a local path on this site, else the fallback."""
    if not target:
        return fallback
    target = target.strip()
    # Browsers treat backslashes as slashes, so "/\\evil" would leave the site.
    if "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


# Ids are 32-bit in PostgreSQL and 64-bit in SQLite; a larger number in a URL names nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a non-negative id a database column can hold, else 404.

    Without the bound, /strategier/99999999999999999999999 reached the database driver and
    came back as a 500.
    """

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002  # fmt: skip
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
