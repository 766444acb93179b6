"""A search's cases as a spreadsheet: CSV for any tool, Excel (openpyxl) for most people.

One row per case, with its organisations, year, tags per vocabulary, its results and its
address; the Excel file has a second sheet with one row per result, values as numbers.
Text from cases is data, never a formula: a cell that a spreadsheet would evaluate (it starts
with =, +, -, @ or a control character) is escaped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext, to_user_timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.cases.models import Case, CaseResult
from portal.db import utcnow
from portal.taxonomy.facets import VOCABULARY_FACETS
from portal.templating import format_number

EXPORT_LIMIT = 5000  # rows; the list page says so when a search finds more
# What spreadsheet programs read as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class Table:
    """Headings and rows of plain values (text, whole numbers or None)."""

    headings: list[str]
    rows: list[list[str | int | None]]


def case_table(cases: Sequence[Case], language: str) -> Table:
    """One row per case, headings in the reader's language."""
    headings = [gettext("Title"), gettext("Organisations"), gettext("Year")]
    headings += [str(facet.plural) for facet in VOCABULARY_FACETS]
    headings += [gettext("Results"), gettext("Address")]
    rows: list[list[str | int | None]] = []
    for case in cases:
        row: list[str | int | None] = [
            case.title,
            "; ".join(org.name for org in case.organizations),
            case.year,
        ]
        for facet in VOCABULARY_FACETS:
            row.append("; ".join(t.label(language) for t in case.terms_in(facet.vocabulary)))
        row.append("\n".join(_result_line(result) for result in case.results))
        row.append(url_for("cases.show_case", slug=case.slug, _external=True))
        rows.append(row)
    return Table(headings, rows)


def _result_line(result: CaseResult) -> str:
    return f"{result.indicator}: {format_number(result.value)} {result.unit}".strip()


def neutralised(value: str | int | None) -> str | int | None:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark and semicolons: what Excel in Norway opens with æøå
    intact and columns split."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow(["" if v is None else neutralised(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(table: Table, cases: Sequence[Case], title: str) -> bytes:
    """A workbook with the cases, their results one per row, and what was searched for."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Cases")[:31]
    _fill(sheet, table.headings, table.rows, widths=[50, 35, 8] + [30] * 6 + [50, 45])
    results = book.create_sheet(gettext("Results")[:31])
    headings = [gettext("Case"), gettext("Indicator"), gettext("Value"), gettext("Unit"),
                gettext("Baseline"), gettext("Address")]  # fmt: skip
    rows = [
        [
            case.title,
            result.indicator,
            result.value,
            result.unit,
            result.baseline,
            url_for("cases.show_case", slug=case.slug, _external=True),
        ]  # fmt: skip
        for case in cases
        for result in case.results
    ]
    _fill(results, headings, rows, widths=[50, 45, 12, 14, 12, 45])
    about = book.create_sheet(gettext("About this export")[:31])
    _fill(
        about,
        [gettext("Eksempelbanken"), ""],
        [
            [gettext("Search"), title],
            [gettext("Exported"), to_user_timezone(utcnow()).date().isoformat()],
            [gettext("Cases"), len(cases)],
        ],  # fmt: skip
        widths=[20, 80],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(sheet, headings: list[str], rows: Iterable[list], widths: list[int]) -> None:
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Always text: openpyxl would otherwise store "=…" as a formula. The quote
                # prefix makes Excel show "+47 …" or "-20 %" as typed, without evaluating.
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
