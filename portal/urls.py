"""Helpers for URLs that come from users."""

from __future__ import annotations

from urllib.parse import urlsplit


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
