"""Dates as precise as their source: "andre kvartal 2024" is not 30 June 2024.

A partial date is stored as the first day of the span it names plus its precision; it is shown
the way the source put it, in the reader's language.
"""

from __future__ import annotations

import enum
from datetime import date

from flask_babel import format_date, gettext

from portal.translating import lazy_gettext as _l


class DatePrecision(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    EARLY_YEAR = "early"  # "begynnelsen av 2017"
    SUMMER = "summer"  # "sommeren 2017"


PRECISION_LABELS = {
    DatePrecision.DAY: _l("Exact day"),
    DatePrecision.MONTH: _l("Month"),
    DatePrecision.QUARTER: _l("Quarter"),
    DatePrecision.YEAR: _l("Year"),
    DatePrecision.EARLY_YEAR: _l("Early in the year"),
    DatePrecision.SUMMER: _l("Summer"),
}


def span_start(value: date, precision: DatePrecision) -> date:
    """The first day of the span a date of this precision names (what is stored)."""
    if precision is DatePrecision.DAY:
        return value
    if precision is DatePrecision.MONTH:
        return value.replace(day=1)
    if precision is DatePrecision.QUARTER:
        return date(value.year, 3 * ((value.month - 1) // 3) + 1, 1)
    if precision is DatePrecision.SUMMER:
        return date(value.year, 6, 1)
    return date(value.year, 1, 1)


def is_span_start(value: date, precision: DatePrecision) -> bool:
    """Whether a stored date claims no more than its precision (no invented day)."""
    return span_start(value, precision) == value


def format_partial(value: date | None, precision: DatePrecision | str | None = None) -> str:
    """The date as precisely as it is known: "22. juni 2016", "november 2024", "2. kvartal
    2024", "2024", "begynnelsen av 2017", "sommeren 2017"."""
    if value is None:
        return ""
    precision = DatePrecision(precision or DatePrecision.DAY)
    if precision is DatePrecision.DAY:
        return format_date(value, format="long")
    if precision is DatePrecision.MONTH:
        return format_date(value, format="LLLL y")
    if precision is DatePrecision.QUARTER:
        return gettext("Q%(quarter)d %(year)s", quarter=(value.month - 1) // 3 + 1,
                       year=value.year)  # fmt: skip
    if precision is DatePrecision.EARLY_YEAR:
        return gettext("early %(year)s", year=value.year)
    if precision is DatePrecision.SUMMER:
        return gettext("summer %(year)s", year=value.year)
    return str(value.year)
