"""Limits on what anyone can make the portal send (contact messages, confirmation mail),
counted in the database so that every server process sees the same numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

KEPT_FOR = timedelta(days=2)  # longer than any window below


class RateEvent(db.Model):
    """One counted action: a scope ("contact-case"), whose it was (an address, a case) and when."""

    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def allowed(limits: dict[tuple[str, str], int], window: timedelta) -> bool:
    """Whether each (scope, key) has had fewer than its limit of actions within the window."""
    since = utcnow() - window
    for (scope, key), limit in limits.items():
        count = db.session.scalar(
            select(func.count(RateEvent.id)).where(
                RateEvent.scope == scope, RateEvent.key == key.lower(), RateEvent.at > since
            )
        )
        if (count or 0) >= limit:
            return False
    return True


def count(*pairs: tuple[str, str]) -> None:
    """Record an action under each (scope, key), and forget those too old to matter."""
    now = utcnow()
    db.session.execute(delete(RateEvent).where(RateEvent.at < now - KEPT_FOR))
    for scope, key in pairs:
        db.session.add(RateEvent(scope=scope, key=key.lower()[:254], at=now))
    db.session.flush()
