"""The editors' queue: what waits for them (new submissions and changes to published cases),
oldest first, with how long each has waited; and the other states for looking things up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case, CaseEvent, CaseStatus, Revision
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization

WAITING = "venter"  # the default view: everything an editor must decide on
AGES = {"uke": timedelta(days=7), "maned": timedelta(days=30)}


@dataclass(frozen=True)
class QueueItem:
    case: Case
    kind: str | None  # "new" (a submission), "change" (to a published case) or None
    since: datetime

    @property
    def waited(self) -> timedelta:
        return utcnow() - self.since


def _pending_since():
    """When the change waiting on a published case was first sent (None if none waits)."""
    return (
        select(func.min(Revision.created_at))
        .where(*_waiting_revision())
        .correlate(Case)
        .scalar_subquery()
    )


def _submitted_since():
    return (
        select(func.max(CaseEvent.at))
        .where(CaseEvent.case_id == Case.id, CaseEvent.action == "submit")
        .correlate(Case)
        .scalar_subquery()
    )


def _waiting_revision():
    """A change to a published case the editors have not decided on nor sent back."""
    return (
        Revision.case_id == Case.id,
        Revision.is_pending.is_(True),
        Revision.returned_at.is_(None),
    )


def has_pending_change():
    return exists().where(*_waiting_revision())


def queue_items(view: str, organization: str = "", age: str = "") -> list[QueueItem]:
    """The cases in one view of the queue ("venter" or a CaseStatus value), oldest first."""
    pending_since = _pending_since()
    since = func.coalesce(pending_since, _submitted_since(), Case.updated_at)
    if view == WAITING:
        condition = or_(
            Case.status == CaseStatus.SUBMITTED,
            and_(Case.status == CaseStatus.PUBLISHED, has_pending_change()),
        )
    else:
        condition = Case.status == CaseStatus(view)
        if view != CaseStatus.PUBLISHED:
            since = func.coalesce(_submitted_since(), Case.updated_at)
            if view != CaseStatus.SUBMITTED:
                since = Case.updated_at
    stmt = (
        select(Case, pending_since.label("pending"), since.label("since"))
        .where(condition)
        .options(selectinload(Case.organizations))
        .order_by(since, Case.id)
    )
    if organization:
        stmt = stmt.where(Case.organizations.any(Organization.slug == organization))
    if age in AGES:
        stmt = stmt.where(since <= utcnow() - AGES[age])
    items = []
    for case, pending, when in db.session.execute(stmt):
        if case.status is CaseStatus.SUBMITTED:
            kind = "new"
        elif case.status is CaseStatus.PUBLISHED and pending is not None:
            kind = "change"
        else:
            kind = None
        items.append(QueueItem(case=case, kind=kind, since=_aware(when)))
    return items


def waiting_count() -> int:
    """How many cases wait for an editor (for the header)."""
    return (
        db.session.scalar(
            select(func.count(Case.id)).where(
                or_(
                    Case.status == CaseStatus.SUBMITTED,
                    and_(Case.status == CaseStatus.PUBLISHED, has_pending_change()),
                )
            )
        )
        or 0
    )


def _aware(value: datetime | str) -> datetime:
    """SQLite hands computed datetimes back as text; every stored time is UTC."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
