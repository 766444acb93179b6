"""Procurement strategies: goal trees, actions, indicators and the cases that evidence them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dates import DatePrecision
from portal.db import UTCDateTime, utcnow
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.cases.models import Case
    from portal.organizations.models import Organization


class StrategyStatus(enum.StrEnum):
    DRAFT = "draft"  # seen only by its own organisation
    PUBLISHED = "published"  # public, but no adoption is recorded (the source shows none)
    ADOPTED = "adopted"  # adopted by a named body on a date


PUBLIC_STRATEGY_STATUSES = (StrategyStatus.PUBLISHED, StrategyStatus.ADOPTED)


class ActionStatus(enum.StrEnum):
    UNKNOWN = "unknown"  # a historic strategy's measure whose outcome the source does not tell
    PLANNED = "planned"
    ONGOING = "ongoing"
    DONE = "done"


class Direction(enum.StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class Strategy(db.Model):
    """An organization's procurement strategy (anskaffelsesstrategi)."""

    __tablename__ = "strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[int] = mapped_column(Integer)
    period_to: Mapped[int] = mapped_column(Integer)
    status: Mapped[StrategyStatus] = mapped_column(
        _enum(StrategyStatus), default=StrategyStatus.DRAFT, index=True
    )
    adopted_by: Mapped[str | None] = mapped_column(String(200))
    adopted_on: Mapped[date | None] = mapped_column(Date)
    vision: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="strategies")
    goals: Mapped[list[StrategyGoal]] = relationship(
        back_populates="strategy", cascade="all, delete-orphan", order_by="StrategyGoal.position"
    )

    @property
    def is_adopted(self) -> bool:
        return self.status is StrategyStatus.ADOPTED

    @property
    def is_public(self) -> bool:
        """Anyone may read it (adopted, or published without a recorded adoption)."""
        return self.status in PUBLIC_STRATEGY_STATUSES

    @property
    def root_goals(self) -> list[StrategyGoal]:
        return [goal for goal in self.goals if goal.parent_id is None]

    def __repr__(self) -> str:
        return f"<Strategy {self.slug}>"


class StrategyGoal(db.Model):
    """A node in a strategy's goal tree: hovedmål, delmål, satsingsområde or tiltaksområde."""

    __tablename__ = "strategy_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy_goals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    code: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    strategy: Mapped[Strategy] = relationship(back_populates="goals")
    parent: Mapped[StrategyGoal | None] = relationship(
        back_populates="children", remote_side="StrategyGoal.id"
    )
    children: Mapped[list[StrategyGoal]] = relationship(
        back_populates="parent", order_by="StrategyGoal.position"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Action.position"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Indicator.position"
    )
    case_links: Mapped[list[CaseGoalLink]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="CaseGoalLink.created_at"
    )

    @property
    def heading(self) -> str:
        return f"{self.code}: {self.title}" if self.code else self.title

    def __repr__(self) -> str:
        return f"<StrategyGoal {self.code or self.id}>"


class Action(db.Model):
    """A measure (tiltak) that carries out a goal."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("strategy_goals.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[date | None] = mapped_column(Date)
    # How precise the deadline is: "innen sommeren 2017" is stored as 2017-06-01 and "summer".
    deadline_precision: Mapped[DatePrecision] = mapped_column(
        _enum(DatePrecision), default=DatePrecision.DAY, server_default=DatePrecision.DAY.name
    )
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus), default=ActionStatus.PLANNED)
    position: Mapped[int] = mapped_column(Integer, default=0)

    goal: Mapped[StrategyGoal] = relationship(back_populates="actions")


class Indicator(db.Model):
    """A KPI (måleindikator/styringsparameter) with a baseline, a target and measurements."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("strategy_goals.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(60))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    target_date: Mapped[date | None] = mapped_column(Date)
    direction: Mapped[Direction] = mapped_column(
        _enum(Direction), default=Direction.HIGHER_IS_BETTER
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    goal: Mapped[StrategyGoal] = relationship(back_populates="indicators")
    action: Mapped[Action | None] = relationship()
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="Measurement.measured_on"
    )

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None


class Measurement(db.Model):
    """One reading of an indicator."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("indicator_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    note: Mapped[str | None] = mapped_column(Text)

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")


class CaseGoalLink(db.Model):
    """A case cited as evidence for a strategy goal, with the author's reason."""

    __tablename__ = "case_goal_links"
    __table_args__ = (UniqueConstraint("case_id", "goal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("strategy_goals.id", ondelete="CASCADE"), index=True
    )
    rationale: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last change of the rationale, and who made it.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="goal_links")
    goal: Mapped[StrategyGoal] = relationship(back_populates="case_links")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
