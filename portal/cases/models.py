"""Cases (eksempler): the procurement stories the bank is made of."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dates import DatePrecision
from portal.db import UTCDateTime, norwegian_order, utcnow
from portal.extensions import db
from portal.taxonomy.models import Term, Vocabulary

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.organizations.models import Organization
    from portal.strategies.models import CaseGoalLink


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    UNPUBLISHED = "unpublished"


class ProcurementStatus(enum.StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"


class EvidenceLevel(enum.StrEnum):
    EXPECTED = "expected"
    SELF_REPORTED = "self_reported"
    DOCUMENTED = "documented"
    INDEPENDENTLY_EVALUATED = "independently_evaluated"


# The Markdown body sections, in reading order.
BODY_SECTIONS: tuple[str, ...] = (
    "background",
    "what_was_done",
    "results_text",
    "not_as_planned",
    "lessons",
)

case_organizations = Table(
    "case_organizations",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
)

case_terms = Table(
    "case_terms",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


def _by_organization_name():
    from portal.organizations.models import Organization

    return norwegian_order(Organization.name)


class Case(db.Model):
    """One procurement example with its story, tags, results and links to strategy goals."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    background: Mapped[str] = mapped_column(Text, default="")
    what_was_done: Mapped[str] = mapped_column(Text, default="")
    results_text: Mapped[str] = mapped_column(Text, default="")
    not_as_planned: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    # Some published stories give no year; such cases sort last and show "not stated".
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    procurement_status: Mapped[ProcurementStatus] = mapped_column(
        _enum(ProcurementStatus), default=ProcurementStatus.COMPLETED
    )
    estimated_value_nok: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_role: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CaseStatus] = mapped_column(
        _enum(CaseStatus), default=CaseStatus.DRAFT, index=True
    )
    unpublished_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    organizations: Mapped[list[Organization]] = relationship(
        secondary=case_organizations, order_by=_by_organization_name
    )
    terms: Mapped[list[Term]] = relationship(
        secondary=case_terms, order_by=(Term.vocabulary, Term.position)
    )
    results: Mapped[list[CaseResult]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseResult.position"
    )
    images: Mapped[list[Image]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Image.position"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Revision.created_at"
    )
    goal_links: Mapped[list[CaseGoalLink]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.at"
    )

    @property
    def is_published(self) -> bool:
        return self.status is CaseStatus.PUBLISHED

    @property
    def live_images(self) -> list[Image]:
        """The images on the case; those uploaded with a change still under review are not."""
        return [image for image in self.images if not image.is_pending]

    def terms_in(self, vocabulary: Vocabulary) -> list[Term]:
        return [term for term in self.terms if term.vocabulary is vocabulary]

    @property
    def categories(self) -> list[Term]:
        return self.terms_in(Vocabulary.CATEGORY)

    @property
    def themes(self) -> list[Term]:
        return self.terms_in(Vocabulary.THEME)

    @property
    def shows_contact(self) -> bool:
        return bool(self.contact_consent and self.contact_name)

    def content_snapshot(self) -> dict[str, Any]:
        """The editable content as plain data, as stored in a Revision."""
        return {
            "title": self.title,
            "summary": self.summary,
            **{name: getattr(self, name) for name in BODY_SECTIONS},
            "year": self.year,
            "procurement_status": str(self.procurement_status),
            "estimated_value_nok": self.estimated_value_nok,
            "contact": {
                "name": self.contact_name,
                "role": self.contact_role,
                "email": self.contact_email,
                "consent": self.contact_consent,
            },
            "organizations": [org.slug for org in self.organizations],
            "terms": sorted(f"{term.vocabulary}:{term.slug}" for term in self.terms),
            "results": [result.as_dict() for result in self.results],
            "images": [image.as_entry() for image in self.live_images],
        }

    def __repr__(self) -> str:
        return f"<Case {self.slug}>"


class CaseResult(db.Model):
    """A measured or expected effect of a case, with its evidence level."""

    __tablename__ = "case_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    indicator: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit: Mapped[str] = mapped_column(String(60))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    measured_on: Mapped[date | None] = mapped_column(Date)
    # "andre kvartal 2024" is stored as 2024-04-01 and "quarter", never as a made-up day.
    measured_precision: Mapped[DatePrecision] = mapped_column(
        _enum(DatePrecision), default=DatePrecision.DAY, server_default=DatePrecision.DAY.name
    )
    period: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(300))  # where the figure is stated
    evidence_level: Mapped[EvidenceLevel] = mapped_column(_enum(EvidenceLevel))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="results")

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "value": str(self.value),
            "unit": self.unit,
            "baseline": None if self.baseline is None else str(self.baseline),
            "measured_on": self.measured_on.isoformat() if self.measured_on else None,
            "measured_precision": str(self.measured_precision or DatePrecision.DAY),
            "period": self.period,
            "source": self.source,
            "evidence_level": str(self.evidence_level),
            "note": self.note,
        }


class Image(db.Model):
    """An illustration of a case; the original is private, web sizes are generated."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    alt_text: Mapped[str] = mapped_column(String(300))
    credit: Mapped[str | None] = mapped_column(String(200))
    caption: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_cover: Mapped[bool] = mapped_column(Boolean, default=False)
    # Uploaded as part of an author's change to a published case: shown only to the case's
    # organisation and the editors until the change is approved.
    is_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="images")

    def as_entry(self) -> dict[str, Any]:
        """How a revision records the image: which file, its texts and whether it is the cover."""
        return {
            "key": self.storage_key,
            "alt_text": self.alt_text,
            "credit": self.credit,
            "cover": self.is_cover,
        }


class Revision(db.Model):
    """A saved version of a case's editable content."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(300))
    # An author's change to a published case, waiting for an editor; not yet on the case.
    is_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The editors asked the author to rework the change: it stays the author's working copy
    # but waits for nobody until the author sends it again (as a new revision).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class CaseEvent(db.Model):
    """The audit log: every state change and editorial comment, who made it and when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus))
    to_status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus))
    comment: Mapped[str | None] = mapped_column(Text)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    revision: Mapped[Revision | None] = relationship()
