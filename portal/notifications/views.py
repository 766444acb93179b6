"""The signed-in user's notifications."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import desc, select, update

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.get("/varsler/")
@login_required
def list_notifications() -> str:
    """Newest first; opening the page marks them as read."""
    notes = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(desc(Notification.created_at), desc(Notification.id))
        .limit(100)
    ).all()
    unread = {n.id for n in notes if n.read_at is None}
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return render_template("notifications/list.html", notes=notes, unread=unread)
