"""Language choice: Norwegian bokmål by default, English on request (stored in a cookie)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request
from flask_babel import get_locale
from werkzeug.wrappers import Response

from portal.urls import safe_next_url

bp = Blueprint("i18n", __name__)

COOKIE = "sprak"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


@bp.post("/sprak")
def set_language() -> Response:
    """Store the chosen interface language and go back to where the user was."""
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
