"""What changed between two revisions of a case, field by field, in words a person reads:
"Procurement status: Planned → Completed", "Category: + Waste", lines of text added and
removed, result rows, contact, organisations and images."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from portal.cases.models import BODY_SECTIONS, EvidenceLevel, ProcurementStatus
from portal.dates import format_partial
from portal.extensions import db
from portal.i18n import current_language
from portal.labels import EVIDENCE_LEVEL, PROCUREMENT_STATUS, SECTION, VOCABULARY
from portal.organizations.models import Organization
from portal.taxonomy.models import Term, Vocabulary
from portal.templating import format_number
from portal.translating import lazy_gettext as _l

TEXT_LABELS = {"title": _l("Title"), "summary": _l("Summary"), **SECTION}
CONTACT_LABELS = {
    "name": _l("Contact name"),
    "role": _l("Contact role"),
    "email": _l("Contact e-mail"),
    "consent": _l("Contact shown publicly"),
}


@dataclass
class Change:
    """One changed field. Text fields carry `lines`; single values `before` → `after`;
    lists (tags, results, organisations, images) what was `added` and `removed`, and `notes`
    for changes within the list (order, cover, alternative text)."""

    label: str
    kind: str  # "text", "value" or "list"
    lines: list[dict[str, str]] = field(default_factory=list)
    before: str = ""
    after: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _text(label: str, before: str, after: str) -> Change:
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        tag = line[:2]
        if tag == "? ":
            continue
        lines.append({"kind": {"- ": "removed", "+ ": "added"}.get(tag, "kept"), "text": line[2:]})
    return Change(label=label, kind="text", lines=lines)


def _lines(content: dict[str, Any], name: str) -> list[str]:
    """A text field's lines, whatever line endings it was saved with."""
    return [line.rstrip() for line in (content.get(name) or "").strip().splitlines()]


def _listed(label: str, before: list[str], after: list[str]) -> Change | None:
    added = [item for item in after if item not in before]
    removed = [item for item in before if item not in after]
    if not added and not removed:
        return None
    return Change(label=label, kind="list", added=added, removed=removed)


def _not_stated(value: Any) -> str:
    return gettext("(not stated)") if value in (None, "") else str(value)


def _status(value: str | None) -> str:
    try:
        return str(PROCUREMENT_STATUS[ProcurementStatus(value)])
    except ValueError:
        return _not_stated(value)


def _number(value: Any) -> str:
    if value in (None, ""):
        return _not_stated(None)
    try:
        return format_number(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _result_row(row: dict[str, Any]) -> str:
    text = f"{row.get('indicator', '')}: {_number(row.get('value'))} {row.get('unit', '')}"
    if row.get("baseline") is not None:
        text += " (" + gettext("baseline %(b)s", b=_number(row["baseline"])) + ")"
    if row.get("period"):
        text += f", {row['period']}"
    if row.get("measured_on"):
        measured = date.fromisoformat(row["measured_on"])
        text += f", {format_partial(measured, row.get('measured_precision'))}"
    if row.get("source"):
        text += " (" + gettext("source: %(source)s", source=row["source"]) + ")"
    if row.get("evidence_level") in set(EvidenceLevel):
        text += f" · {EVIDENCE_LEVEL[EvidenceLevel(row['evidence_level'])]}"
    return text.strip()


def _term_names(keys: set[str]) -> dict[str, tuple[Vocabulary | None, str]]:
    """vocabulary:slug → (vocabulary, label in the reader's language)."""
    language = current_language()
    names: dict[str, tuple[Vocabulary | None, str]] = {}
    for term in db.session.scalars(select(Term)):
        key = f"{term.vocabulary}:{term.slug}"
        if key in keys:
            names[key] = (term.vocabulary, term.label(language))
    for key in keys - names.keys():  # a term since removed from the vocabulary
        vocabulary, _, slug = key.partition(":")
        names[key] = (Vocabulary(vocabulary) if vocabulary in set(Vocabulary) else None, slug)
    return names


def _term_changes(before: list[str], after: list[str]) -> list[Change]:
    names = _term_names(set(before) | set(after))
    changes = []
    for vocabulary in Vocabulary:
        old = [names[k][1] for k in before if names[k][0] is vocabulary]
        new = [names[k][1] for k in after if names[k][0] is vocabulary]
        if change := _listed(str(VOCABULARY[vocabulary]), old, new):
            changes.append(change)
    return changes


def _organization_change(before: list[str], after: list[str]) -> Change | None:
    if before == after:
        return None
    slugs = set(before) | set(after)
    names = dict(
        db.session.execute(
            select(Organization.slug, Organization.name).where(Organization.slug.in_(slugs))
        ).all()
    )
    return _listed(
        gettext("Organisations"),
        [names.get(s, s) for s in before],
        [names.get(s, s) for s in after],
    )


def _image_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Change | None:
    old = {e["key"]: e for e in before}
    new = {e["key"]: e for e in after}
    change = Change(label=gettext("Images"), kind="list")
    change.added = [e["alt_text"] for e in after if e["key"] not in old]
    change.removed = [e["alt_text"] for e in before if e["key"] not in new]
    for key, entry in new.items():
        if key not in old:
            continue
        was = old[key]
        if was["alt_text"] != entry["alt_text"]:
            change.notes.append(
                gettext("Alternative text: “%(old)s” → “%(new)s”",
                        old=was["alt_text"], new=entry["alt_text"])
            )  # fmt: skip
        if (was.get("credit") or "") != (entry.get("credit") or ""):
            change.notes.append(
                gettext("Photo credit for “%(alt)s”: %(old)s → %(new)s", alt=entry["alt_text"],
                        old=_not_stated(was.get("credit")), new=_not_stated(entry.get("credit")))
            )  # fmt: skip
    kept_old = [k for k in old if k in new]
    kept_new = [k for k in new if k in old]
    if kept_old != kept_new:
        change.notes.append(gettext("New order: %(order)s",
                                    order=", ".join(new[k]["alt_text"] for k in new)))  # fmt: skip
    old_cover = next((e["key"] for e in before if e.get("cover")), None)
    new_cover = next((e["key"] for e in after if e.get("cover")), None)
    if new_cover and old_cover != new_cover and new_cover in old:
        change.notes.append(gettext("New cover image: %(alt)s", alt=new[new_cover]["alt_text"]))
    if change.added or change.removed or change.notes:
        return change
    return None


def content_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """Every field that differs between two revisions' content, in reading order."""
    old = old or {}
    changes: list[Change] = []
    for name in ("title", "summary"):
        if _lines(old, name) != _lines(new, name):
            changes.append(_text(str(TEXT_LABELS[name]), old.get(name) or "", new.get(name) or ""))
    values = [
        (gettext("Year"), old.get("year"), new.get("year"), _not_stated),
        (gettext("Procurement status"), old.get("procurement_status"),
         new.get("procurement_status"), _status),
        (gettext("Estimated value (NOK)"), old.get("estimated_value_nok"),
         new.get("estimated_value_nok"), _number),
    ]  # fmt: skip
    for label, before, after, show in values:
        if before != after:
            changes.append(
                Change(label=label, kind="value", before=show(before), after=show(after))
            )
    for name in BODY_SECTIONS:
        if _lines(old, name) != _lines(new, name):
            changes.append(_text(str(TEXT_LABELS[name]), old.get(name) or "", new.get(name) or ""))
    changes.extend(_term_changes(old.get("terms", []), new.get("terms", [])))
    results = _listed(
        gettext("Measured results"),
        [_result_row(r) for r in old.get("results", [])],
        [_result_row(r) for r in new.get("results", [])],
    )
    if results:
        changes.append(results)
    old_contact, new_contact = old.get("contact") or {}, new.get("contact") or {}
    for key, label in CONTACT_LABELS.items():
        before, after = old_contact.get(key), new_contact.get(key)
        if (before or None) != (after or None):
            if key == "consent":
                before, after = (gettext("yes") if v else gettext("no") for v in (before, after))
            changes.append(Change(label=str(label), kind="value", before=_not_stated(before),
                                  after=_not_stated(after)))  # fmt: skip
    if org_change := _organization_change(
        old.get("organizations", []), new.get("organizations", [])
    ):
        changes.append(org_change)
    # Revisions saved before images were recorded say nothing about them.
    if (
        "images" in old
        and "images" in new
        and (image_change := _image_change(old["images"], new["images"]))
    ):
        changes.append(image_change)
    return changes
