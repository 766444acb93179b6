"""The signed-in user's notifications: the list, opening one, marking all as read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import desc, func, select, update
from werkzeug.wrappers import Response

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import ACCOUNT_MESSAGES

bp = Blueprint("notifications", __name__)


def _mine():
    # Account mail (reset and invitation links) is for the inbox only, never shown here.
    return select(Notification).where(
        Notification.user_id == current_user.id, Notification.kind.not_in(ACCOUNT_MESSAGES)
    )


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    stmt = _mine().where(Notification.read_at.is_(None)).with_only_columns(func.count())
    return db.session.scalar(stmt) or 0


@bp.get("/varsler/")
@login_required
def list_notifications() -> str:
    """Newest first; unread ones are marked until opened."""
    notes = db.session.scalars(
        _mine().order_by(desc(Notification.created_at), desc(Notification.id)).limit(100)
    ).all()
    return render_template("notifications/list.html", notes=notes)


@bp.post("/varsler/<int:note_id>")
@login_required
def open_notification(note_id: int) -> Response:
    """Mark one notification as read and go to the page it is about."""
    note = db.session.scalars(_mine().where(Notification.id == note_id)).first()
    if note is None:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(note.link or url_for("notifications.list_notifications"))


@bp.post("/varsler/lest")
@login_required
def mark_all_read() -> Response:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("notifications.list_notifications"))
