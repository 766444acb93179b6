"""Error pages in Norwegian for people, JSON bodies for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: gettext("The request could not be understood."),
        404: gettext("We could not find the page you asked for."),
        405: gettext("That method is not allowed here."),
        410: gettext("This page has been removed."),
        413: gettext("The upload is too large."),
        500: gettext("Something went wrong on our side. Please try again later."),
    }


def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    message = _messages().get(code, error.description or "")
    if _wants_json():
        body = {"code": code, "status": error.name, "message": message}
        # webargs validation failures (422) carry per-field messages; keep them.
        details = getattr(error, "data", None) or {}
        if details.get("messages"):
            body["errors"] = details["messages"]
        return jsonify(body), code
    return render_template("errors/error.html", code=code, message=message), code


def handle_csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    message = gettext("The form expired. Go back, reload the page and try again.")
    return render_template("errors/error.html", code=400, message=message), 400


def register(app: Flask) -> None:
    # Registered after flask-smorest's own HTTPException handler so that pages get HTML.
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
