"""Users and their roles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.organizations.models import Organization


class Role(enum.StrEnum):
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    STRATEGY_AUTHOR = "strategy_author"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    """A person who signs in: contributor, editor, strategy author and/or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session identifier: raising it ends every session of this user.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # E-mail preferences: workflow notifications are always shown in the portal; these say
    # whether they are also mailed, and whether the digests of followed searches go out.
    mails_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    mails_digests: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    organization: Mapped[Organization | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class LoginAttempt(db.Model):
    """One sign-in attempt, kept to throttle guessing across every server process."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(45), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=30, validate_strings=True), primary_key=True
    )

    user: Mapped[User] = relationship(back_populates="role_rows")
