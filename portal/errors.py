"""Error pages in Norwegian for people, JSON bodies for the API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale, gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response

from portal.cases.permissions import CaseGone
from portal.logs import security_event


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: gettext("The request could not be understood."),
        403: gettext("You do not have access to this page."),
        404: gettext("We could not find the page you asked for."),
        405: gettext("That method is not allowed here."),
        410: gettext("This page has been removed."),
        413: gettext("The upload is too large."),
        422: gettext("Some of the request's parameters are not valid; see errors."),
        429: gettext("Too many requests. Wait a little and try again."),
        500: gettext("Something went wrong on our side. Please try again later."),
        503: gettext("The search index is being rebuilt. Try again in a minute or two."),
    }


def handle_http_error(error: HTTPException) -> tuple[Response | str, int, dict]:
    code = error.code or 500
    # Headers the status needs (Allow with 405, Retry-After, WWW-Authenticate) are kept.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if isinstance(error, SecurityError):
        # A Host header outside TRUSTED_HOSTS: no page is built for it, not even a link.
        security_event("host_refused", level=logging.WARNING,
                       host=request.headers.get("Host", ""))  # fmt: skip
        if _wants_json():
            return jsonify(code=400, status="Bad Request", message="Unknown host."), 400
        return Response("400 Bad Request: unknown host\n", 400, mimetype="text/plain"), 400
    if code == 403:
        security_event("permission_denied", level=logging.WARNING, user_id=_user_id())
    if _wants_json():
        # The API speaks one language whatever the browser's: English, with the status code
        # and, for invalid parameters, marshmallow's messages per field.
        with force_locale("en"):
            message = _messages().get(code, error.description or "")
    else:
        message = _messages().get(code, error.description or "")
    if isinstance(error, CaseGone):
        return _case_gone(error), code, headers
    if _wants_json():
        body = {"code": code, "status": error.name, "message": message}
        # webargs validation failures (422) carry per-field messages; keep them.
        details = getattr(error, "data", None) or {}
        if details.get("messages"):
            body["errors"] = details["messages"]
        return jsonify(body), code, headers
    return render_template("errors/error.html", code=code, message=message), code, headers


def _case_gone(error: CaseGone) -> Response | str:
    """An unpublished case answers 410 with the editors' reason, on the page and in the API."""
    if _wants_json():
        return jsonify(code=410, status="Gone", message="This case has been unpublished.",
                       reason=error.case.unpublished_reason or None)  # fmt: skip
    return render_template("cases/gone.html", case=error.case)


def handle_csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    security_event("csrf_failed", level=logging.WARNING, user_id=_user_id(),
                   reason=error.description)  # fmt: skip
    message = gettext("The form expired. Go back, reload the page and try again.")
    return render_template("errors/error.html", code=400, message=message), 400


def register(app: Flask) -> None:
    # Registered after flask-smorest's own HTTPException handler so that pages get HTML.
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
