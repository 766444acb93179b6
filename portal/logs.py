"""Logging: the portal's own handler, one line per request, and security events as JSON.

Every request is logged to `portal.request` once it is answered: method, path, status,
duration and the request id that is also sent back as `X-Request-Id`. A path's secret parts
(the token of a reset or invitation link) are replaced by "…" before they are written.

PORTAL_LOG_LEVEL sets the least level written (INFO by default; WARNING leaves out the request
lines). With PORTAL_LOG_FORMAT=json every line the portal writes is one JSON object (time, level,
logger, message, request id and the record's fields), ready for a log collector. A security
event (sign-in, throttling, CSRF failure, refused permission, account change) is logged to
`portal.security` as JSON in either format, so a value a person typed (an e-mail address with
a line break, say) is escaped and can never start a line of its own. Passwords and tokens are
never passed in.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from werkzeug.wrappers import Response

security_log = logging.getLogger("portal.security")
request_log = logging.getLogger("portal.request")
MAX_FIELD = 200
SECRET_VIEW_ARGS = frozenset({"token"})


def security_event(event: str, *, user_id: int | None = None, level: int = logging.INFO,
                   **fields: Any) -> None:  # fmt: skip
    """Log one security event with who, from where and in which request."""
    from portal.headers import request_id

    record: dict[str, Any] = {"event": event, "user_id": user_id}
    if has_request_context():
        actor = getattr(current_user, "id", None) if current_user.is_authenticated else None
        if actor is not None and actor != user_id:
            record["actor_id"] = actor  # an admin acting on someone else's account
        record.update(
            address=request.remote_addr, request_id=request_id(), method=request.method,
            path=request.path[:MAX_FIELD],
        )  # fmt: skip
    for key, value in fields.items():
        record[key] = value[:MAX_FIELD] if isinstance(value, str) else value
    security_log.log(level, json.dumps(record, ensure_ascii=False, default=str),
                     extra={"fields": record})  # fmt: skip


def logged_path() -> str:
    """The request's path with the values of secret URL parts (tokens) left out."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_VIEW_ARGS and isinstance(value, str) and value:
            path = path.replace(value, "…")
    return path[:MAX_FIELD]


def _start_clock() -> None:
    g.started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    from portal.headers import is_signed_in, request_id

    log_request(request_id(), request.method, logged_path(), response.status_code, duration,
                request.remote_addr, signed_in=is_signed_in())  # fmt: skip
    return response


def log_request(request_id: str, method: str, path: str, status: int, duration: float | None,
                address: str | None, *, signed_in: bool) -> None:  # fmt: skip
    """The one line each request leaves in the log."""
    if not request_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "request_id": request_id, "method": method, "path": path, "status": status,
        "duration_ms": duration, "address": address, "signed_in": signed_in,
    }  # fmt: skip
    request_log.info("%s %s %s %s ms", method, path, status, duration, extra={"fields": fields})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name != security_log.name:  # a security event's message is its fields
            line["message"] = record.getMessage()
        if "request_id" not in fields and has_request_context():
            from portal.headers import request_id

            line["request_id"] = request_id()
        line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(config: Any) -> logging.Formatter:
    if str(config.get("LOG_FORMAT") or "text").lower() == "json":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def register(app: Flask) -> None:
    """Give the portal's loggers a handler when the server has configured none (gunicorn),
    and log every request. Call first, so that the request is timed from its start."""
    portal_log = logging.getLogger("portal")
    if level := app.config.get("LOG_LEVEL"):  # PORTAL_LOG_LEVEL=WARNING: no request lines
        portal_log.setLevel(str(level).upper())
    elif portal_log.level == logging.NOTSET:
        portal_log.setLevel(logging.INFO)
    ours = [h for h in portal_log.handlers if getattr(h, "portal_handler", False)]
    if not ours and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.portal_handler = True  # type: ignore[attr-defined]
        portal_log.addHandler(handler)
        ours = [handler]
    for handler in ours:  # the format of the app made last wins (one app per process)
        handler.setFormatter(formatter(app.config))
    app.before_request(_start_clock)
    app.after_request(_log_request)
