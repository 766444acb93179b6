"""Declarative base, naming convention and column types shared by every feature."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.expression import ColumnElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (used as a column default callable)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# -- Norwegian alphabetical order ------------------------------------------------------------
#
# Names are listed as a Norwegian reader expects: case does not matter, accents are ignored
# (é as e), and Æ, Ø, Å come after Z in that order. Byte order (SQLite's default, and
# PostgreSQL's C collation) puts "Ålesund" before "Ørland" and "asker" after "Zebra"; a
# PostgreSQL created with an English locale puts Å with A. So every ordering by a name goes
# through `norwegian_order`: ICU's Norwegian collation on PostgreSQL, and on SQLite the
# collation `nb` the portal registers (portal.letters.compare_norwegian).


class NorwegianOrder(ColumnElement):
    inherit_cache = True

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(NorwegianOrder)
def _compile_sqlite(element: NorwegianOrder, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} COLLATE nb"


@compiles(NorwegianOrder, "postgresql")
def _compile_postgresql(element: NorwegianOrder, compiler, **kw) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "nb-NO-x-icu"'


def norwegian_order(column) -> NorwegianOrder:
    """`column` in Norwegian alphabetical order, for ORDER BY."""
    return NorwegianOrder(column)
