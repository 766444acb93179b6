"""The terms of the six controlled vocabularies, held in one table."""

from __future__ import annotations

from sqlalchemy import Enum, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.taxonomy.facets import Vocabulary

__all__ = ["Term", "Vocabulary"]


class Term(db.Model):
    """One entry of a vocabulary, e.g. category "Bygg og anlegg"."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("vocabulary", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[Vocabulary] = mapped_column(
        Enum(Vocabulary, native_enum=False, length=30, validate_strings=True)
    )
    slug: Mapped[str] = mapped_column(String(120))
    label_nb: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    description_nb: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_nb

    def description(self, language: str) -> str:
        return (self.description_en if language == "en" else self.description_nb) or ""

    def __repr__(self) -> str:
        return f"<Term {self.vocabulary}:{self.slug}>"
