"""The editorial workflow: state changes, each recorded in the audit log. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.cases import images
from portal.cases.errors import CaseError
from portal.cases.models import BODY_SECTIONS, Case, CaseEvent, CaseStatus, Revision
from portal.cases.permissions import is_author, is_editor
from portal.dates import DatePrecision
from portal.db import utcnow
from portal.extensions import db
from portal.media import storage


@dataclass(frozen=True)
class Transition:
    """One move of the workflow: from which states, to which, by whom, and whether a comment
    is required."""

    sources: frozenset[CaseStatus]
    target: CaseStatus
    by: str  # "author" (a contributor of the case's organisation) or "editor"
    needs_comment: bool = False


# The only ways a case's status changes. A published case changes only by an editor's
# unpublishing; its content changes through a pending revision an editor approves.
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({CaseStatus.DRAFT, CaseStatus.CHANGES_REQUESTED}), CaseStatus.SUBMITTED, "author"
    ),
    "request_changes": Transition(
        frozenset({CaseStatus.SUBMITTED}), CaseStatus.CHANGES_REQUESTED, "editor", True
    ),
    "publish": Transition(
        frozenset({CaseStatus.SUBMITTED, CaseStatus.UNPUBLISHED}), CaseStatus.PUBLISHED, "editor"
    ),
    "reject": Transition(frozenset({CaseStatus.SUBMITTED}), CaseStatus.REJECTED, "editor", True),
    "unpublish": Transition(
        frozenset({CaseStatus.PUBLISHED}), CaseStatus.UNPUBLISHED, "editor", True
    ),
}


def may(user: Any, case: Case, action: str) -> bool:
    """Whether this user may take this action on the case in its present state."""
    move = TRANSITIONS.get(action)
    if move is None or case.status not in move.sources:
        return False
    return is_editor(user) if move.by == "editor" else is_author(user, case)


def allowed_actions(case: Case, user: Any, *, by: str = "editor") -> list[str]:
    """The actions of one kind (editor's or author's) the user may take on the case now."""
    return [name for name, move in TRANSITIONS.items() if move.by == by and may(user, case, name)]


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


def transition(*, case: Case, actor: User, action: str, comment: str = "") -> CaseEvent:
    """Move a case on in the workflow; raises CaseError when the state or role forbids it.

    Whatever a form sent (a stale tab, a forged action), this is where it is decided.
    """
    if not may(actor, case, action):
        raise CaseError(f"{action!r} is not allowed on a {case.status} case for this user")
    move = TRANSITIONS[action]
    comment = comment.strip()
    if move.needs_comment and not comment:
        raise CaseError("a comment is required")
    before = case.status
    case.status = move.target
    revision = None
    if move.target is CaseStatus.PUBLISHED:
        case.published_at = utcnow()
        case.unpublished_reason = None
        db.session.flush()
        revision = Revision(case=case, author=actor, content=case.content_snapshot(),
                            note="Publisert")  # fmt: skip
        db.session.add(revision)
    elif move.target is CaseStatus.UNPUBLISHED:
        case.unpublished_reason = comment
    elif move.target is CaseStatus.SUBMITTED:
        case.updated_at = utcnow()  # the queue's waiting time starts now
        db.session.flush()
        revision = Revision(case=case, author=actor, content=case.content_snapshot(),
                            note="Sendt inn")  # fmt: skip
        db.session.add(revision)
    return record(case, actor=actor, action=action, comment=comment, from_status=before,
                  revision=revision)  # fmt: skip


def comment_thread(case: Case) -> list[CaseEvent]:
    """Every comment between the editors and the authors (requests for changes, rejections,
    approvals, declined changes, unpublishing), oldest first."""
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.comment.is_not(None))
            .options(selectinload(CaseEvent.actor))
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def published_revision(case: Case) -> Revision | None:
    """The snapshot taken when the case was last published."""
    return db.session.scalars(
        select(Revision)
        .join(CaseEvent, CaseEvent.revision_id == Revision.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "publish")
        .order_by(CaseEvent.at.desc())
    ).first()


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
            measured_on=date.fromisoformat(row["measured_on"]) if row.get("measured_on") else None,
            measured_precision=DatePrecision(row.get("measured_precision") or "day"),
            evidence_level=EvidenceLevel(row["evidence_level"]),
            source=row.get("source"),
            note=row.get("note"),
        )
        for i, row in enumerate(content.get("results", []))
    ]


def _apply_images(case: Case, content: dict[str, Any]) -> None:
    if "images" in content:  # revisions saved before images were recorded leave them alone
        images.apply_entries(case, content["images"], storage.media_store())


def restore_revision(*, case: Case, editor: User, revision: Revision) -> Revision:
    """Make an earlier revision the case's current content (kept as a new revision)."""
    if not is_editor(editor):
        raise CaseError("only editors can restore revisions")
    if revision.case_id != case.id:
        raise CaseError("that revision belongs to another case")
    apply_content(case, revision.content)
    _apply_images(case, revision.content)
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


def working_content(case: Case) -> dict[str, Any]:
    """What an author continues from: the change waiting for the editors, else the case."""
    waiting = pending_revision(case)
    content = dict(waiting.content) if waiting else case.content_snapshot()
    if "images" not in content:
        content["images"] = [image.as_entry() for image in case.live_images]
    return content


def propose_change(
    *, case: Case, author: User, content: dict[str, Any], note: str, comment: str = ""
) -> Revision:
    """Store an author's change to a published case as a revision waiting for an editor
    (with the author's message to the editors, if any)."""
    revision = Revision(case=case, author=author, content=content, note=note, is_pending=True)
    db.session.add(revision)
    db.session.flush()
    record(case, actor=author, action="propose_change", from_status=case.status,
           revision=revision, comment=comment.strip())  # fmt: skip
    return revision


def pending_revision(case: Case) -> Revision | None:
    """The newest change an author proposed to the published case, if any is waiting."""
    return db.session.scalars(
        select(Revision)
        .where(Revision.case_id == case.id, Revision.is_pending.is_(True))
        .order_by(Revision.id.desc())
    ).first()


def is_waiting(revision: Revision | None) -> bool:
    """The change waits for the editors (not sent back to its author)."""
    return revision is not None and revision.is_pending and revision.returned_at is None


def return_pending(*, case: Case, editor: User, comment: str) -> CaseEvent:
    """Ask the author to rework the change to a published case; it stays their working copy
    and comes back to the queue when they send it again."""
    if not is_editor(editor):
        raise CaseError("only editors can do that")
    revision = pending_revision(case)
    if not is_waiting(revision):
        raise CaseError("no change is waiting")
    if not comment.strip():
        raise CaseError("a comment is required")
    now = utcnow()
    for waiting in db.session.scalars(
        select(Revision).where(
            Revision.case_id == case.id,
            Revision.is_pending.is_(True),
            Revision.returned_at.is_(None),
        )
    ):
        waiting.returned_at = now
    return record(case, actor=editor, action="request_changes", comment=comment.strip(),
                  from_status=case.status, revision=revision)  # fmt: skip


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
        _apply_images(case, revision.content)
        db.session.flush()
        snapshot = Revision(case=case, author=editor, content=case.content_snapshot(),
                            note="Publisert")  # fmt: skip
        db.session.add(snapshot)
        return record(case, actor=editor, action="publish", comment=comment or None,
                      from_status=case.status, revision=snapshot)  # fmt: skip
    images.drop_pending(case, storage.media_store())
    return record(case, actor=editor, action="decline_change", comment=comment,
                  from_status=case.status, revision=revision)  # fmt: skip
