"""The front door: a page this worker already keeps, served before Flask handles the request.

A page for an anonymous visitor that the cache holds (cache.py) still cost a whole Flask request:
the request context, the session, routing, every before- and after-request hook. Here it costs
one read of the content generation and a dictionary lookup. The front door answers only when it
is sure the answer is the one Flask would give:

- a GET or HEAD;
- no sign-in and no flash message in the session (and no remember-me cookie);
- a page kept under the same key Flask uses: content generation, index generation, language,
  host and address. Flask stores only pages of the public endpoints, so a key that is found was
  such a page.

Everything else, and anything that fails here (the database is down, say), goes on to Flask,
which renders, keeps and serves pages as before. The response carries the headers Flask gives
a kept page (ETag, Last-Modified, public caching, the security headers, a fresh request id),
answers 304 to a browser that has the page, and leaves the same log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from flask import Flask, g
from werkzeug.http import is_resource_modified, remove_entity_headers
from werkzeug.wrappers import Request

from portal.extensions import db
from portal.headers import REQUEST_ID_HEADER, new_request_id, security_headers
from portal.i18n import language_of
from portal.logs import MAX_FIELD, log_request
from portal.pagecache import generation
from portal.pagecache.cache import etag_of, page_key, public_headers, store

log = logging.getLogger(__name__)
SIGNED_IN_KEY = "_user_id"  # where Flask-Login keeps who is signed in
Answer = tuple[str, list[tuple[str, str]], bytes]


class FrontDoor:
    """WSGI middleware in front of the Flask app `app` (whose `wsgi_app` it wraps)."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._generation = generation.DirectReader()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            started = time.perf_counter()
            asked = Request(environ)
            answer = self._kept(asked) if self._anonymous(asked) else None
            if answer is not None:
                status, headers, body = answer
                request_id = new_request_id(asked.headers.get(REQUEST_ID_HEADER, ""),
                                            self.app.config)  # fmt: skip
                headers.append((REQUEST_ID_HEADER, request_id))
                start_response(status, headers)
                duration = round((time.perf_counter() - started) * 1000, 1)
                log_request(request_id, asked.method, asked.path[:MAX_FIELD],
                            int(status[:3]), duration, asked.remote_addr,
                            signed_in=False)  # fmt: skip
                return [] if asked.method == "HEAD" else [body]
        return self.wsgi_app(environ, start_response)

    def _anonymous(self, asked: Request) -> bool:
        """Whether the request surely comes from nobody signed in, with no message waiting."""
        config = self.app.config
        cookies = asked.cookies
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return False
        if config["SESSION_COOKIE_NAME"] not in cookies:
            return True
        session = self.app.session_interface.open_session(self.app, asked)  # type: ignore[arg-type]
        return session is not None and SIGNED_IN_KEY not in session and not session.get("_flashes")

    def _kept(self, asked: Request) -> Answer | None:
        with self.app.app_context():
            try:
                g.content_generation = self._generation.read(db.engine)
                language = language_of(asked.cookies, self.app.config)
                key = page_key(asked, language)
                entry = None if g.get("page_uncacheable") else store().get(key)
                if entry is None:  # Flask renders it, and need not read the generation again
                    asked.environ[generation.FRONT_DOOR_READ] = g.content_generation
                    return None
                return self._answer(entry.body, entry.content_type, key, asked)
            except Exception:  # Flask answers instead, with its error handling
                log.debug("the front door passed a request on to Flask", exc_info=True)
                return None

    def _answer(self, body: bytes, content_type: str, key: tuple, asked: Request) -> Answer:
        """Status, headers and body, as Flask gives a kept page (cache._public, headers.py)."""
        security = tuple(security_headers(self.app.config))
        headers = list(_kept_headers(key, content_type, len(body), security))
        environ = asked.environ
        if ("HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ) or (
            is_resource_modified(environ, etag=etag_of(key), last_modified=generation.current()[1])
        ):
            return "200 OK", headers, body
        remove_entity_headers(headers)
        return "304 NOT MODIFIED", headers, b""


@lru_cache(maxsize=4096)  # the same for every answer from one kept page
def _kept_headers(key: tuple, content_type: str, length: int, security: tuple) -> tuple:
    """A kept page's headers but the request id (the key holds the content generation, and
    with it when that changed)."""
    return (
        ("Content-Type", content_type),
        ("Content-Length", str(length)),
        *public_headers(key),
        ("Vary", "Cookie"),
        *security,
    )
