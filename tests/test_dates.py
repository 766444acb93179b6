"""Partial dates are shown as precisely as they are known, in the reader's language."""

from __future__ import annotations

from datetime import date

import pytest

from portal.dates import DatePrecision, format_partial, is_span_start, span_start


@pytest.mark.parametrize(
    ("day", "precision", "nb", "en"),
    [
        (date(2016, 6, 22), "day", "22. juni 2016", "June 22, 2016"),
        (date(2024, 11, 1), "month", "november 2024", "November 2024"),
        (date(2024, 4, 1), "quarter", "2. kvartal 2024", "Q2 2024"),
        (date(2023, 1, 1), "year", "2023", "2023"),
        (date(2017, 1, 1), "early", "begynnelsen av 2017", "early 2017"),
        (date(2017, 6, 1), "summer", "sommeren 2017", "summer 2017"),
    ],
)
def test_a_date_reads_as_precisely_as_its_source(app, day, precision, nb, en):
    with app.test_request_context("/"):
        assert format_partial(day, precision) == nb
    with app.test_request_context("/", headers={"Cookie": "sprak=en"}):
        assert format_partial(day, precision) == en


def test_a_day_inside_a_span_is_stored_as_the_spans_first_day():
    assert span_start(date(2024, 5, 17), DatePrecision.QUARTER) == date(2024, 4, 1)
    assert span_start(date(2017, 7, 15), DatePrecision.SUMMER) == date(2017, 6, 1)
    assert span_start(date(2024, 11, 30), DatePrecision.MONTH) == date(2024, 11, 1)
    assert not is_span_start(date(2024, 6, 30), DatePrecision.QUARTER)
    assert is_span_start(date(2024, 6, 30), DatePrecision.DAY)
