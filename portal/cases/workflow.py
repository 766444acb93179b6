"""The editorial workflow: state changes, each recorded in the audit log. Never commits."""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cases.models import BODY_SECTIONS, Case, CaseEvent, CaseStatus, Revision
from portal.cases.services import CaseError
from portal.db import utcnow
from portal.extensions import db

# action → (states it may start from, state it leads to, comment required)
TRANSITIONS: dict[str, tuple[set[CaseStatus], CaseStatus, bool]] = {
    "request_changes": ({CaseStatus.SUBMITTED}, CaseStatus.CHANGES_REQUESTED, True),
    "publish": ({CaseStatus.SUBMITTED, CaseStatus.UNPUBLISHED}, CaseStatus.PUBLISHED, False),
    "reject": ({CaseStatus.SUBMITTED}, CaseStatus.REJECTED, True),
    "unpublish": ({CaseStatus.PUBLISHED}, CaseStatus.UNPUBLISHED, True),
}


def is_editor(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.EDITOR))


def allowed_actions(case: Case) -> list[str]:
    return [name for name, (sources, _, _) in TRANSITIONS.items() if case.status in sources]


def record(
    case: Case,
    *,
    actor: User | None,
    action: str,
    comment: str | None = None,
    from_status: CaseStatus | None = None,
    revision: Revision | None = None,
) -> CaseEvent:
    """Add an entry to the case's audit log."""
    event = CaseEvent(
        case=case,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=case.status,
        comment=comment or None,
        revision=revision,
    )
    db.session.add(event)
    db.session.flush()
    return event


def transition(*, case: Case, editor: User, action: str, comment: str = "") -> CaseEvent:
    """Move a case on in the workflow; raises CaseError when the move is not allowed."""
    if not is_editor(editor):
        raise CaseError("only editors can do that")
    if action not in TRANSITIONS:
        raise CaseError(f"unknown action {action!r}")
    sources, target, needs_comment = TRANSITIONS[action]
    if case.status not in sources:
        raise CaseError(f"a {case.status} case cannot be moved by {action}")
    comment = comment.strip()
    if needs_comment and not comment:
        raise CaseError("a comment is required")
    before = case.status
    case.status = target
    revision = None
    if target is CaseStatus.PUBLISHED:
        case.published_at = utcnow()
        case.unpublished_reason = None
        db.session.flush()
        revision = Revision(case=case, author=editor, content=case.content_snapshot(),
                            note="Publisert")  # fmt: skip
        db.session.add(revision)
    elif target is CaseStatus.UNPUBLISHED:
        case.unpublished_reason = comment
    return record(case, actor=editor, action=action, comment=comment, from_status=before,
                  revision=revision)  # fmt: skip


def published_revision(case: Case) -> Revision | None:
    """The snapshot taken when the case was last published."""
    return db.session.scalars(
        select(Revision)
        .join(CaseEvent, CaseEvent.revision_id == Revision.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "publish")
        .order_by(CaseEvent.at.desc())
    ).first()


def content_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """Per changed field, its lines marked as kept, removed or added (plain text)."""
    fields = ["title", "summary", *BODY_SECTIONS]
    changes = []
    for name in fields:
        before = (old or {}).get(name) or ""
        after = new.get(name) or ""
        if before == after:
            continue
        lines = []
        for line in difflib.ndiff(before.splitlines(), after.splitlines()):
            tag = line[:2]
            if tag == "? ":
                continue
            kind = {"- ": "removed", "+ ": "added"}.get(tag, "kept")
            lines.append({"kind": kind, "text": line[2:]})
        changes.append({"field": name, "lines": lines})
    return changes


def apply_content(case: Case, content: dict[str, Any]) -> None:
    """Put a revision's content on a case (organizations and state stay as they are)."""
    from decimal import Decimal

    from portal.cases.models import CaseResult, EvidenceLevel, ProcurementStatus
    from portal.taxonomy.models import Term

    case.title = content["title"]
    case.summary = content["summary"]
    for name in BODY_SECTIONS:
        setattr(case, name, content.get(name) or "")
    case.year = content.get("year")
    case.procurement_status = ProcurementStatus(content["procurement_status"])
    case.estimated_value_nok = content.get("estimated_value_nok")
    contact = content.get("contact") or {}
    case.contact_name = contact.get("name")
    case.contact_role = contact.get("role")
    case.contact_email = contact.get("email")
    case.contact_consent = bool(contact.get("consent"))
    wanted = set(content.get("terms", []))
    case.terms = [
        term
        for term in db.session.scalars(select(Term))
        if f"{term.vocabulary}:{term.slug}" in wanted
    ]
    case.results = [
        CaseResult(
            position=i,
            indicator=row["indicator"],
            value=Decimal(row["value"]),
            unit=row["unit"],
            baseline=None if row.get("baseline") is None else Decimal(row["baseline"]),
            period=row.get("period"),
            evidence_level=EvidenceLevel(row["evidence_level"]),
            note=row.get("note"),
        )
        for i, row in enumerate(content.get("results", []))
    ]


def restore_revision(*, case: Case, editor: User, revision: Revision) -> Revision:
    """Make an earlier revision the case's current content (kept as a new revision)."""
    if not is_editor(editor):
        raise CaseError("only editors can restore revisions")
    if revision.case_id != case.id:
        raise CaseError("that revision belongs to another case")
    apply_content(case, revision.content)
    db.session.flush()
    restored = Revision(
        case=case,
        author=editor,
        content=case.content_snapshot(),
        note=f"Gjenopprettet fra revisjon {revision.id}",
    )
    db.session.add(restored)
    record(case, actor=editor, action="restore", from_status=case.status, revision=restored)
    return restored


def pending_revision(case: Case) -> Revision | None:
    """The newest change an author proposed to the published case, if any is waiting."""
    return db.session.scalars(
        select(Revision)
        .where(Revision.case_id == case.id, Revision.is_pending.is_(True))
        .order_by(Revision.id.desc())
    ).first()


def decide_pending(*, case: Case, editor: User, approve: bool, comment: str = "") -> CaseEvent:
    """Apply an author's proposed change to the published case, or turn it down."""
    if not is_editor(editor):
        raise CaseError("only editors can do that")
    revision = pending_revision(case)
    if revision is None:
        raise CaseError("no change is waiting")
    if not approve and not comment.strip():
        raise CaseError("a comment is required")
    for waiting in db.session.scalars(
        select(Revision).where(Revision.case_id == case.id, Revision.is_pending.is_(True))
    ):
        waiting.is_pending = False
    if approve:
        apply_content(case, revision.content)
        db.session.flush()
        snapshot = Revision(case=case, author=editor, content=case.content_snapshot(),
                            note="Publisert")  # fmt: skip
        db.session.add(snapshot)
        return record(case, actor=editor, action="publish", comment=comment or None,
                      from_status=case.status, revision=snapshot)  # fmt: skip
    return record(case, actor=editor, action="decline_change", comment=comment,
                  from_status=case.status, revision=revision)  # fmt: skip
