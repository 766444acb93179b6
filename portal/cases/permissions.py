"""Who may see, edit, delete and decide on a case. Every page, list, feed, API endpoint, image
and search hit asks here, and nowhere else."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Gone, NotFound

from portal.accounts.models import Role
from portal.cases.models import Case, CaseEvent, CaseStatus, Image
from portal.extensions import db

# Authors may change these; a published case changes through a change the editors approve.
EDITABLE_BY_AUTHORS = frozenset(
    {CaseStatus.DRAFT, CaseStatus.CHANGES_REQUESTED, CaseStatus.PUBLISHED}
)
DELETABLE_BY_AUTHORS = frozenset({CaseStatus.DRAFT, CaseStatus.CHANGES_REQUESTED})


class CaseGone(Gone):
    """An unpublished case: the page and the API say so, with the editors' reason."""

    def __init__(self, case: Case) -> None:
        super().__init__(description=case.unpublished_reason or "")
        self.case = case


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_editor(user: Any) -> bool:
    return _signed_in(user) and user.has_role(Role.EDITOR)


def is_member(user: Any, case: Case) -> bool:
    """The user belongs to one of the case's organisations."""
    return (
        _signed_in(user)
        and user.organization_id is not None
        and any(org.id == user.organization_id for org in case.organizations)
    )


def is_author(user: Any, case: Case) -> bool:
    """A contributor of one of the case's organisations (editors may act as authors too)."""
    if is_editor(user):
        return True
    return _signed_in(user) and user.has_role(Role.CONTRIBUTOR) and is_member(user, case)


def can_view(user: Any, case: Case) -> bool:
    """Published cases are public; the rest only to their organisations and the editors."""
    return case.status is CaseStatus.PUBLISHED or is_editor(user) or is_member(user, case)


def can_edit(user: Any, case: Case) -> bool:
    """Editors edit any case (SPEC §3); authors their organisation's drafts and, through a
    change the editors approve, its published cases."""
    return is_editor(user) or (case.status in EDITABLE_BY_AUTHORS and is_author(user, case))


def is_public_image(image: Image) -> bool:
    return image.case.status is CaseStatus.PUBLISHED and not image.is_pending


def can_view_image(user: Any, image: Image) -> bool:
    """A published case's images are public; an image waiting in a change is not."""
    if is_public_image(image):
        return True
    return is_editor(user) or is_member(user, image.case)


def edits_need_approval(user: Any, case: Case) -> bool:
    """An author's edits to a published case wait for the editors; an editor's apply at once."""
    return case.status is CaseStatus.PUBLISHED and not is_editor(user)


def was_ever_published(case: Case) -> bool:
    return case.published_at is not None or bool(
        db.session.scalar(
            select(CaseEvent.id)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "publish")
            .limit(1)
        )
    )


def creator_id(case: Case) -> int | None:
    return db.session.scalar(
        select(CaseEvent.actor_id)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "create")
        .order_by(CaseEvent.id)
        .limit(1)
    )


def can_delete(user: Any, case: Case) -> bool:
    """The person who started a draft may delete it, as long as it was never published."""
    return (
        _signed_in(user)
        and case.status in DELETABLE_BY_AUTHORS
        and is_author(user, case)
        and creator_id(case) == user.id
        and not was_ever_published(case)
    )


def is_listed(case: Case) -> bool:
    """The case appears in public lists, feeds, search and the API (see visible_cases)."""
    return case.status is CaseStatus.PUBLISHED


def visible_cases(user: Any = None) -> Select[tuple[Case]]:
    """Cases shown in lists, feeds, search and the API: published ones, for everyone.

    Drafts reach their organisation through "My cases" and the editors through the queue,
    never through a public channel.
    """
    return select(Case).where(Case.status == CaseStatus.PUBLISHED)


def case_for_viewer(slug: str, user: Any) -> Case:
    """The case this user may see, or NotFound (missing, or not theirs to see), or CaseGone
    (unpublished: its reason is public, its story no longer)."""
    case = db.session.scalars(
        select(Case)
        .where(Case.slug == slug)
        .options(
            selectinload(Case.organizations), selectinload(Case.terms), selectinload(Case.results)
        )
    ).first()
    if case is None:
        raise NotFound()
    if can_view(user, case):
        return case
    if case.status is CaseStatus.UNPUBLISHED:
        raise CaseGone(case)
    raise NotFound()  # not 403: others must not learn that a draft exists
