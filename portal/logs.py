"""Logging: the portal's own handler, and security events as one JSON object per line.

A security event (sign-in, throttling, CSRF failure, refused permission, account change) is
logged to `portal.security` as JSON, so a value a person typed (an e-mail address with a line
break, say) is escaped and can never start a line of its own. Passwords and tokens are never
passed in.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from flask import Flask, has_request_context, request
from flask_login import current_user

security_log = logging.getLogger("portal.security")
MAX_FIELD = 200


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
    security_log.log(level, json.dumps(record, ensure_ascii=False, default=str))


def register(app: Flask) -> None:
    """Give the portal's loggers a handler when the server has configured none (gunicorn)."""
    portal_log = logging.getLogger("portal")
    if portal_log.level == logging.NOTSET:
        portal_log.setLevel(logging.INFO)
    if not portal_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        portal_log.addHandler(handler)
