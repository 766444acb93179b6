"""What every response carries: a request id, the security headers and private caching.

One `after_request` covers HTML, JSON, error pages, feeds, files and exports alike (error
responses pass through `after_request` too, so they get the same headers).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.wrappers import Response

# The site runs no script of its own today and no inline style: keep it that way.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
        "payment", "usb",
    )
)  # fmt: skip
HSTS = "max-age=63072000; includeSubDomains"
REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Endpoints whose responses are public files, never personal: caching them is harmless.
_SHARED_ENDPOINTS = {"static"}


def request_id() -> str:
    """This request's id (also sent back as X-Request-Id and written to every log line)."""
    return g.get("request_id") or "-"


def _first_of_all() -> None:
    """Before anything else looks at the request (CSRF, sessions): its id and its host."""
    _assign_request_id()
    if isinstance(request.routing_exception, SecurityError):
        # Flask found a Host outside TRUSTED_HOSTS; answer 400 before any work is done.
        raise request.routing_exception
    if _has_nul():
        # No text a person types holds a NUL; PostgreSQL refuses to store or compare one.
        raise BadRequest("NUL character in the request")


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    values = request.args.listvalues()
    if request.method in ("POST", "PUT", "PATCH"):
        values = [*values, *request.form.listvalues()]
    return any("\x00" in value for group in values for value in group)


def new_request_id(incoming: str, config: Mapping[str, Any]) -> str:
    """The id of a request that came with `incoming` in its X-Request-Id header."""
    # A proxy the operator declared may pass its own id on, so logs on both sides match.
    trusted = int(config.get("PROXY_COUNT") or 0) > 0
    return incoming if trusted and _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = new_request_id(incoming, current_app.config)


def security_headers(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The headers every response carries, whoever asked (see also pagecache/front.py)."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if config.get("SESSION_COOKIE_SECURE"):
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers[REQUEST_ID_HEADER] = request_id()
    for name, value in security_headers(current_app.config):
        headers.setdefault(name, value)  # a view may have set its own
    if request.endpoint not in _SHARED_ENDPOINTS and is_signed_in():
        # Pages for a signed-in person (drafts, queues, forms) stay out of every cache.
        headers["Cache-Control"] = "private, no-store"
        headers.add("Vary", "Cookie")
    return response


def is_signed_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except SQLAlchemyError:  # the database is down: the error page still gets its headers
        return False


def register(app: Flask) -> None:
    """Call before the extensions are initialised, so these hooks run first."""
    app.before_request(_first_of_all)
    app.after_request(_add_headers)
