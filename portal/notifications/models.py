"""Notifications to users, doubling as the e-mail outbox."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Integer, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.cases.models import Case


class Notification(db.Model):
    """A message to one user: shown in the portal, and e-mailed by `flask mail send`."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A user, or an address without an account (a subscriber, a case's contact person).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str | None] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))  # a contact message's sender
    # Digests carry a one-click unsubscribe link (RFC 8058) in their headers.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The page the notification is about (absolute, from BASE_URL); none for account mail.
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False when the user asked for notifications in the portal only: never e-mailed.
    by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The outbox: delivered once the mail server accepted it (or it was written to a file);
    # otherwise retried from next_attempt_at, and given up after MAIL_MAX_ATTEMPTS.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    case: Mapped[Case | None] = relationship()

    @classmethod
    def awaiting_mail(cls) -> ColumnElement[bool]:
        """What the outbox still has to deliver: not sent, not given up, meant for e-mail."""
        return and_(cls.sent_at.is_(None), cls.failed_at.is_(None), cls.by_email.is_(True))

    @property
    def address(self) -> str:
        """Where the e-mail goes."""
        return self.user.email if self.user is not None else self.recipient or ""

    @property
    def text(self) -> str:
        """The message as shown in the portal: without the link the e-mail ends with."""
        body = self.body.rstrip()
        if self.link and body.endswith(self.link):
            body = body[: -len(self.link)].rstrip()
        return body
