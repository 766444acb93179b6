"""A followed search and where its digests go."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class Subscription(db.Model):
    """Someone follows a search (a topic and an organisation are searches too): a digest of
    the cases published or changed since the last one goes out daily or weekly."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("email", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Signed-in followers; anyone else follows by address alone, after confirming it.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    # The case list's query arguments (canonical order), as in /eksempler/?…
    query: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500))  # the search in words, in Norwegian
    frequency: Mapped[Frequency] = mapped_column(
        Enum(Frequency, native_enum=False, length=10, validate_strings=True),
        default=Frequency.WEEKLY,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Cases published or changed after this went into a digest already (or predate following).
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
