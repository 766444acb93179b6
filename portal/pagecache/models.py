"""One row that says which generation of the public content is current."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class ContentState(db.Model):
    """Bumped in the same transaction as every change to what anonymous visitors can see, so
    that every worker's cached pages (and every browser's copy) know when they went stale."""

    __tablename__ = "content_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
