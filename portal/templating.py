"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_decimal, format_timedelta, gettext

from portal import labels
from portal.dates import format_partial
from portal.i18n import current_language
from portal.taxonomy.facets import FACETS
from portal.text import markdown_to_text, render_markdown, xml_text


def format_number(value: Decimal | float | int | None) -> str:
    """Norwegian number formatting without trailing zeros (1,4; 20 000; 12,7)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    return format_decimal(value, format="#,##0.##")


def format_day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return format_date(value, format="long")


def format_waited(value: timedelta) -> str:
    """How long something has waited, in the reader's language ("3 days", "5 hours")."""
    return gettext("waited %(time)s", time=format_timedelta(value, threshold=1.0))


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def url_without(key: str, value: str) -> str:
    """The current URL with one value of a repeated query argument removed."""
    args = request.args.to_dict(flat=False)
    args[key] = [v for v in args.get(key, []) if v != value]
    args.pop("side", None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def combine_invalid(attributes: dict, field: Any, extra: dict | None = None) -> dict:
    """Field attributes (and any extra ones), plus aria-invalid when the field has errors."""
    attributes = {**(extra or {}), **attributes}
    return {**attributes, "aria-invalid": "true"} if field.errors else attributes


def form_errors(form: Any) -> list[tuple[str, str]]:
    """(field id, first message) for every field with errors, nested forms included."""
    out: list[tuple[str, str]] = []

    def visit(fields: Any) -> None:
        for field in fields:
            if field.type in ("FormField", "FieldList"):
                visit(field.form if field.type == "FormField" else field.entries)
            elif field.type == "CSRFTokenField":
                if field.errors:
                    out.append(("", gettext("The form expired. Save again to keep your text.")))
            elif field.errors:
                out.append((field.id, str(field.errors[0])))

    visit(form)
    return out


def register(app: Flask) -> None:
    from portal.strategies.coverage import coverage_sentence, evidence_label

    app.jinja_env.filters.update(
        markdown=render_markdown,
        number=format_number,
        day=format_day,
        combine_invalid=combine_invalid,
        xml_text=xml_text,
        plain=markdown_to_text,
        when=format_partial,
        waited=format_waited,
        iso=lambda value: value.isoformat(timespec="seconds"),
    )
    app.jinja_env.globals.update(
        labels.as_globals(),
        FACETS=FACETS,
        form_errors=form_errors,
        coverage_sentence=coverage_sentence,
        evidence_label=evidence_label,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from portal.cases.queue import waiting_count
    from portal.cases.search_page import search_url
    from portal.notifications.views import unread_count

    app.jinja_env.globals.update(editorial_waiting=waiting_count, unread_notifications=unread_count)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "lang": current_language(),
            "url_with": url_with,
            "url_without": url_without,
            "search_url": search_url,
        }
