"""Text posted after the session ended is kept, tied to the person, and given back after sign-in.

Someone signed out elsewhere, or whose password changed, still holds the old session cookie
with their user id. A form they post then cannot be saved (they are not signed in), but it is
not thrown away either: it is parked here for a day, and the form page fills itself from it
once the same person has signed in again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import session
from sqlalchemy import JSON, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import MultiDict

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

KEEP_FOR = timedelta(days=1)
MAX_CHARACTERS = 200_000
SESSION_KEY = "parked_form"
# Never stored: tokens and passwords, and the button that was pressed.
_NOT_KEPT = {"csrf_token", "action", "password", "confirm", "current_password"}


class ParkedForm(db.Model):
    """The fields of one form post that arrived after its author's session had ended."""

    __tablename__ = "parked_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    fields: Mapped[list[list[str]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def park_form(*, user_id: int, path: str, form: MultiDict) -> ParkedForm | None:
    """Keep the text fields of a post for its author; None when there is nothing to keep."""
    fields = [
        [name, value]
        for name, value in form.items(multi=True)
        if name not in _NOT_KEPT and not name.endswith("csrf_token") and value.strip()
    ]
    if not fields or sum(len(v) for _, v in fields) > MAX_CHARACTERS:
        return None
    db.session.execute(delete(ParkedForm).where(ParkedForm.created_at < utcnow() - KEEP_FOR))
    parked = ParkedForm(user_id=user_id, path=path[:500], fields=fields)
    db.session.add(parked)
    db.session.flush()
    return parked


def remember_in_session(parked: ParkedForm) -> None:
    session[SESSION_KEY] = parked.id


def take_parked_form(*, user: Any, path: str, names: set[str]) -> MultiDict | None:
    """The parked text for this person, page and form (by its field names), once: the session
    forgets it on reading."""
    parked_id = session.get(SESSION_KEY)
    if parked_id is None or not getattr(user, "is_authenticated", False):
        return None
    parked = db.session.scalars(
        select(ParkedForm).where(
            ParkedForm.id == parked_id,
            ParkedForm.user_id == user.id,
            ParkedForm.path == path,
            ParkedForm.created_at >= utcnow() - KEEP_FOR,
        )
    ).first()
    if parked is None or not any(
        name == field or name.startswith(field + "-")
        for name, _ in parked.fields
        for field in names
    ):
        return None
    session.pop(SESSION_KEY)
    return MultiDict([tuple(pair) for pair in parked.fields])
