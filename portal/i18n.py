"""Language choice: Norwegian bokmål by default, English on request (stored in a cookie)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from portal.extensions import csrf
from portal.urls import safe_next_url

bp = Blueprint("i18n", __name__)

COOKIE = "sprak"


def language_of(cookies: Mapping[str, str], config: Mapping[str, Any]) -> str:
    """The language a request with these cookies gets."""
    chosen = cookies.get(COOKIE)
    if chosen in config["LANGUAGES"]:
        return chosen
    return config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    return language_of(request.cookies, current_app.config)


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _is_same_origin() -> bool:
    """Whether the form was sent from one of this site's own pages. Browsers name the sending
    page's origin on every POST (Origin, else Referer); a cross-site form cannot fake it."""
    sender = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(sender)
    own = urlsplit(request.host_url)
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


@bp.post("/sprak")
@csrf.exempt
def set_language() -> Response:
    """Store the chosen interface language and go back to where the user was.

    The switch is in the header of every page, including the pages served from the shared page
    cache to anonymous visitors: it carries no per-visitor token. It is protected against
    cross-site requests by the origin check instead of a CSRF token.
    """
    if not _is_same_origin():
        raise CSRFError("The language form was not sent from this site.")
    language = request.form.get("language", "")
    response = redirect(safe_next_url(request.form.get("next")))
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(
            COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
