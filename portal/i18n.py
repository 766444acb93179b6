"""Language choice: Norwegian bokmål by default, English on request (stored in a cookie)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request
from flask_babel import get_locale, get_translations
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


def _translations() -> Any:
    """This request's translations. Flask-Babel looks them up anew for every string, through
    the application context several times, and a page has some forty strings: here they are
    kept for the request, per locale (so that `force_locale` gets its own)."""
    # Flask-Babel keeps the request's locale (and `force_locale`'s) in `g._flask_babel`.
    babel = g.get("_flask_babel") if g else None
    locale = getattr(babel, "babel_locale", None)
    if locale is None:  # outside a request, or the locale is not chosen yet
        return get_translations()
    kept = getattr(babel, "portal_translations", None)
    if kept is None or kept[0] is not locale:
        kept = babel.portal_translations = (locale, get_translations())
    return kept[1]


def install_template_gettext(app: Flask) -> None:
    """The templates' `_`, `gettext` and `ngettext`, as Flask-Babel installs them, but with the
    request's translations looked up once."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


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
