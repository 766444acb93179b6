"""Pages for anonymous visitors, rendered once per content generation.

Anonymous visitors all see the same page for the same address and language, so a worker keeps
what it rendered, keyed by the content generation (see generation.py), the search index's
generation, the language and the address, and serves it again without running the view. Every
request reads the current generation from the database first, so a page cached by one worker
is never served after another worker has unpublished what it shows.

The same key gives the page's ETag: a browser that already has the page gets 304 Not Modified.
Anonymous pages are public for a minute (`Cache-Control: public, max-age=60`); signed-in pages
are never cached here and stay `private, no-store` (headers.py).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, g, request, session
from werkzeug.http import http_date, quote_etag
from werkzeug.wrappers import Request, Response

from portal.headers import is_signed_in
from portal.i18n import current_language
from portal.pagecache import generation

# Pages whose content depends only on the address, the language and the public content.
CACHED_ENDPOINTS = frozenset(
    {
        "pages.home", "pages.about", "pages.accessibility", "pages.privacy",
        "cases.list_cases", "cases.show_case",
        "strategies.list_strategies", "strategies.show_strategy", "strategies.print_strategy",
        "organizations.list_organizations", "organizations.show_organization",
        "taxonomy.list_vocabularies", "taxonomy.show_term",
        "feeds.atom", "feeds.sitemap", "statistics.show", "api_docs.show",
    }
)  # fmt: skip
BROWSER_MAX_AGE = 60


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: str
    stored_at: float


class PageCache:
    """A least-recently-used store of rendered pages, bounded in bytes and in age."""

    def __init__(self, max_bytes: int, max_age: float) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry.stored_at > self.max_age:
                if entry is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return  # one page never crowds out the rest
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= len(self._entries.pop(key).body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def do_not_cache() -> None:
    """This response says something temporary (the index is being rebuilt): keep it out."""
    g.page_uncacheable = True


def store() -> PageCache:
    return current_app.extensions["page_cache"]


def _index_generation():
    from portal.search.engine import backend, is_enabled

    if not is_enabled():
        return None
    try:
        return backend().generation()[0]
    except Exception:  # a damaged index: the page will say so, and is not cached
        do_not_cache()
        return None


def _cacheable_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHED_ENDPOINTS
        and not is_signed_in()
        and not session.get("_flashes")
    )


def page_key(asked: Request, language: str) -> tuple:
    """What the page a request asks for depends on (in an app context)."""
    content, _changed = generation.current()
    return (content, _index_generation(), language, asked.scheme, asked.host, asked.full_path)


@lru_cache(maxsize=4096)  # asked for every page the front door answers
def etag_of(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def public_headers(key: tuple) -> list[tuple[str, str]]:
    """The headers that let browsers and proxies keep the page for a minute."""
    headers = [
        ("ETag", quote_etag(etag_of(key))),
        ("Cache-Control", f"public, max-age={BROWSER_MAX_AGE}"),
    ]
    _content, changed_at = generation.current()
    if changed_at is not None:
        headers.append(("Last-Modified", http_date(changed_at)))
    return headers


def _public(response: Response, key: tuple) -> Response:
    """A public page, or 304 Not Modified if the browser has it already."""
    for name, value in public_headers(key):
        response.headers[name] = value
    response.vary.add("Cookie")  # the language is chosen by a cookie
    return response.make_conditional(request)


def _serve_cached() -> Response | None:
    if not _cacheable_request():
        return None
    key = page_key(request, current_language())
    if g.get("page_uncacheable"):
        return None
    entry = store().get(key)
    if entry is not None:
        return _public(Response(entry.body, content_type=entry.content_type), key)
    if etag_of(key) in request.if_none_match:
        return _public(Response(status=304), key)
    g.page_cache_key = key  # render it, then keep it (see _remember)
    return None


def _remember(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if key is None or g.get("page_uncacheable") or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers:
        return response
    store().put(key, Entry(response.get_data(), response.content_type, time.monotonic()))
    return _public(response, key)


def init_page_cache(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(
        max_bytes=int(app.config.get("PAGE_CACHE_BYTES", 32 * 1024 * 1024)),
        max_age=float(app.config.get("PAGE_CACHE_SECONDS", 300)),
    )
    from portal.pagecache.generation import register_session_events

    register_session_events()
    app.before_request(_serve_cached)
    app.after_request(_remember)
