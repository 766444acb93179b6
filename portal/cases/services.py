"""Operations on cases: drafts, saving and submitting. They flush; the caller commits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.cases import permissions, workflow
from portal.cases.errors import CaseError
from portal.cases.models import (
    BODY_SECTIONS,
    Case,
    CaseResult,
    CaseStatus,
    EvidenceLevel,
    ProcurementStatus,
    Revision,
)
from portal.cases.permissions import can_edit, edits_need_approval, is_editor
from portal.dates import DatePrecision, span_start
from portal.extensions import db
from portal.media import storage
from portal.taxonomy.models import Term

_TRANSLITERATE = str.maketrans({
    "æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a",
    "–": "-", "—": "-",  # "2026–2029" keeps its dash: 2026-2029
})  # fmt: skip


@dataclass
class ResultData:
    indicator: str
    value: Decimal
    unit: str
    evidence_level: EvidenceLevel
    baseline: Decimal | None = None
    period: str | None = None
    measured_on: date | None = None
    measured_precision: DatePrecision = DatePrecision.DAY
    source: str | None = None
    note: str | None = None


@dataclass
class CaseData:
    """Everything an author edits, already validated by the form."""

    title: str
    summary: str
    year: int | None
    procurement_status: ProcurementStatus
    sections: dict[str, str] = field(default_factory=dict)
    estimated_value_nok: int | None = None
    contact_name: str | None = None
    contact_role: str | None = None
    contact_email: str | None = None
    contact_consent: bool = False
    term_ids: list[int] = field(default_factory=list)
    results: list[ResultData] = field(default_factory=list)


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "eksempel"


def _unique_slug(title: str) -> str:
    base = slugify(title)
    slug, n = base, 2
    while db.session.scalar(select(Case.id).where(Case.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(case: Case, data: CaseData) -> None:
    case.title = data.title.strip()
    case.summary = data.summary.replace("\r\n", "\n").strip()
    case.year = data.year
    case.procurement_status = data.procurement_status
    for name in BODY_SECTIONS:
        # Browsers send textarea lines ending in CRLF; store them as the seed does, with LF.
        text = (data.sections.get(name) or "").replace("\r\n", "\n").replace("\r", "\n")
        setattr(case, name, text.strip())
    case.estimated_value_nok = data.estimated_value_nok
    case.contact_name = data.contact_name or None
    case.contact_role = data.contact_role or None
    case.contact_email = data.contact_email or None
    case.contact_consent = data.contact_consent
    case.terms = list(db.session.scalars(select(Term).where(Term.id.in_(data.term_ids))))
    case.results = [
        CaseResult(
            position=i,
            indicator=r.indicator,
            value=r.value,
            unit=r.unit,
            baseline=r.baseline,
            period=r.period,
            measured_on=span_start(r.measured_on, r.measured_precision) if r.measured_on else None,
            measured_precision=r.measured_precision,
            evidence_level=r.evidence_level,
            source=r.source,
            note=r.note,
        )
        for i, r in enumerate(data.results)
    ]


def _save_revision(case: Case, author: User, note: str) -> Revision:
    db.session.flush()
    revision = Revision(case=case, author=author, content=case.content_snapshot(), note=note)
    db.session.add(revision)
    db.session.flush()
    return revision


def create_draft(*, author: User, data: CaseData) -> Case:
    """A new draft for the author's organization, with its first revision."""
    if author.organization is None:
        raise CaseError("the author belongs to no organization")
    case = Case(slug=_unique_slug(data.title), status=CaseStatus.DRAFT, title="", summary="")
    _apply(case, data)
    case.organizations = [author.organization]
    db.session.add(case)
    _save_revision(case, author, "Opprettet")
    workflow.record(case, actor=author, action="create")
    return case


def save_draft(*, case: Case, author: User, data: CaseData, message: str = "") -> Revision:
    """Save the author's changes; every save is kept as a revision.

    On a published case the change waits for an editor: it is stored as a pending revision
    and the public version stays as it is until the change is approved.
    """
    if not can_edit(author, case):
        raise CaseError("this case cannot be edited by this user now")
    if edits_need_approval(author, case):
        proposed = Case(slug=case.slug, title="", summary="", status=CaseStatus.DRAFT)
        _apply(proposed, data)
        proposed.organizations = list(case.organizations)
        content = proposed.content_snapshot()
        content["images"] = workflow.working_content(case)["images"]  # the form has no images
        return workflow.propose_change(
            case=case, author=author, content=content, note="Endring til vurdering",
            comment=message,
        )  # fmt: skip
    _apply(case, data)
    return _save_revision(
        case, author, "Redigert av redaksjonen" if is_editor(author) else "Lagret"
    )


def submit_case(*, case: Case, author: User, message: str = "") -> None:
    """Send a draft (or a case the editors sent back) to the editors, with an optional message
    for the comment thread; nothing else."""
    workflow.transition(case=case, actor=author, action="submit", comment=message)


def delete_draft(*, case: Case, author: User) -> None:
    """Delete a never-published draft, with its revisions, log and images (files go once the
    deletion is committed)."""
    if not permissions.can_delete(author, case):
        raise CaseError("only the author of a never-published draft may delete it")
    store = storage.media_store()
    for image in case.images:
        storage.delete_on_commit(db.session, store, image.storage_key)
    db.session.delete(case)
    db.session.flush()
