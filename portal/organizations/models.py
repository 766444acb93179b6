"""Organizations that publish cases and own strategies."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

if TYPE_CHECKING:
    from portal.cases.models import Case
    from portal.strategies.models import Strategy


class OrganizationType(enum.StrEnum):
    KOMMUNE = "kommune"
    FYLKESKOMMUNE = "fylkeskommune"
    STATLIG = "statlig"
    INNKJOPSSAMARBEID = "innkjopssamarbeid"
    SELSKAP = "selskap"
    UTENLANDSK = "utenlandsk"


class Organization(db.Model):
    """A municipality, county, state agency, purchasing cooperation or company."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[OrganizationType] = mapped_column(
        Enum(OrganizationType, native_enum=False, length=30, validate_strings=True)
    )
    org_number: Mapped[str | None] = mapped_column(String(9))
    municipality_number: Mapped[str | None] = mapped_column(String(4))
    county: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2), default="NO")
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    cases: Mapped[list[Case]] = relationship(
        secondary="case_organizations", back_populates="organizations", viewonly=True
    )
    strategies: Mapped[list[Strategy]] = relationship(back_populates="organization")

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"
