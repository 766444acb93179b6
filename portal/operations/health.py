"""`GET /helse`: whether this instance can serve, for load balancers and monitoring.

`ok` (200) when everything works; `degraded` (200) while the portal still serves but something
needs an operator (the index out of step with the database or being rebuilt, mail given up or
not being sent, migrations not run); `down` (503) when the database cannot be reached. The
answer holds counts and states only: no address, path, setting or secret.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification

bp = Blueprint("operations", __name__)
log = logging.getLogger(__name__)

# Mail waiting this long past its time means `flask mail send` is not running.
MAIL_LATE_AFTER = timedelta(hours=1)
MAIL_FAILED_WINDOW = timedelta(days=1)


@cache
def migration_head(directory: str) -> str | None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config).get_current_head()


def _database() -> dict[str, Any]:
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = migration_head(str(Path(current_app.extensions["migrate"].directory)))
    return {
        "status": "ok" if revision == head else "degraded",
        "dialect": db.engine.dialect.name,
        "migration": revision,
        "migration_head": head,
    }


def _search() -> dict[str, Any]:
    from portal.search import health as search_health
    from portal.search.engine import backend, is_enabled
    from portal.search.maintenance import published_count

    if not is_enabled():
        return {"status": "off"}
    search = backend()
    published = published_count()
    report: dict[str, Any] = {"backend": search.name, "published": published}
    try:
        generation, documents = search.generation()
    except Exception:
        log.exception("health: the search index cannot be opened")
        return {**report, "status": "degraded", "documents": None, "generation": None}
    in_step = abs(published - documents) <= search_health.tolerance(published)
    return {
        **report,
        "status": "ok" if in_step and not search_health.is_rebuilding() else "degraded",
        "documents": documents,
        "generation": "/".join(str(part) for part in generation)
        if isinstance(generation, tuple) else str(generation),
    }  # fmt: skip


def _mail_outbox() -> dict[str, Any]:
    now = utcnow()
    undelivered = Notification.awaiting_mail()
    counted = func.count(Notification.id)
    waiting, late, failed, failed_recently = db.session.execute(
        select(
            counted.filter(undelivered),
            counted.filter(undelivered, Notification.created_at < now - MAIL_LATE_AFTER),
            counted.filter(Notification.failed_at.is_not(None)),
            counted.filter(Notification.failed_at >= now - MAIL_FAILED_WINDOW),
        ).where(or_(undelivered, Notification.failed_at.is_not(None)))
    ).one()  # one pass over the messages not delivered, not four
    return {
        "status": "degraded" if late or failed_recently else "ok",
        "waiting": waiting,
        "late": late,
        "failed": failed,
        "failed_last_day": failed_recently,
    }


def report() -> tuple[dict[str, Any], int]:
    """The health report and its HTTP status."""
    try:
        database = _database()
    except SQLAlchemyError as error:
        # One line per probe, not a traceback: a load balancer asks every few seconds.
        reason = str(getattr(error, "orig", None) or error)[:200]
        log.warning("health: the database cannot be used: %s", reason)
        db.session.rollback()
        return {"status": "down", "database": {"status": "down"}, "search": None,
                "mail_outbox": None}, 503  # fmt: skip
    parts = {"database": database, "search": _search(), "mail_outbox": _mail_outbox()}
    degraded = any(part.get("status") == "degraded" for part in parts.values())
    return {"status": "degraded" if degraded else "ok", **parts}, 200


@bp.get("/helse")
def health():
    body, status = report()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
