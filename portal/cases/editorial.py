"""The editors' pages: the queue, the review page and the workflow actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.cases import diff, workflow
from portal.cases import queue as queue_service
from portal.cases.errors import CaseError
from portal.cases.models import Case, CaseStatus, Revision
from portal.db import norwegian_order
from portal.extensions import db
from portal.labels import CASE_STATUS
from portal.notifications.services import notify_case_event
from portal.organizations.models import Organization
from portal.security import role_required
from portal.translating import lazy_gettext as _l

bp = Blueprint("editorial", __name__, url_prefix="/redaksjon")

# A change to a published case: approve it, send it back for more work, or decline it.
CHANGE_DECISIONS = {
    "godkjenn": ("approve_change", "cases.show_case"),
    "endringer": ("request_changes", "authoring.edit_case"),
    "avvis": ("decline_change", "authoring.edit_case"),
}
CHANGE_DECIDED = {
    "godkjenn": _l("The change was approved and published."),
    "endringer": _l("The change was sent back to the author with your comment."),
    "avvis": _l("The change was declined."),
}


@bp.get("/")
@login_required
@role_required(Role.EDITOR)
def queue() -> str:
    """What waits for the editors (new cases and changes to published ones), oldest first;
    or the cases in one state. Filter by organisation and by how long they have waited."""
    view = request.args.get("status", queue_service.WAITING)
    if view not in {queue_service.WAITING, *map(str, CaseStatus)}:
        view = queue_service.WAITING
    organization = request.args.get("organisasjon", "")
    age = request.args.get("eldre_enn", "")
    return render_template(
        "editorial/queue.html",
        items=queue_service.queue_items(view, organization, age),
        view=view,
        waiting_view=queue_service.WAITING,
        organization=organization,
        age=age,
        organizations=db.session.scalars(
            select(Organization).order_by(norwegian_order(Organization.name))
        ).all(),
    )


def _refused(slug: str) -> Response:
    db.session.rollback()
    flash(gettext("That could not be done: check the case's state, and write a comment "
                  "where one is asked for."), "error")  # fmt: skip
    return redirect(url_for("editorial.review", slug=slug))


def _case(slug: str) -> Case:
    case = db.session.scalars(select(Case).where(Case.slug == slug)).first()
    if case is None:
        abort(404)
    return case


@bp.get("/eksempler/<slug>")
@login_required
@role_required(Role.EDITOR)
def review(slug: str) -> str:
    """The case, what changed since it was last published, its history and the actions."""
    case = _case(slug)
    current = case.content_snapshot()
    published = workflow.published_revision(case)
    # Seeded cases were published without a snapshot: while published, they are their own.
    base = published.content if published else (current if case.is_published else None)
    waiting = workflow.pending_revision(case)
    return render_template(
        "editorial/review.html",
        case=case,
        pending_diff=diff.content_diff(current, waiting.content) if waiting else None,
        change_waits=workflow.is_waiting(waiting),
        diff=diff.content_diff(base, current),
        has_published_version=base is not None,
        actions=workflow.allowed_actions(case, current_user),
        thread=workflow.comment_thread(case),
    )


@bp.post("/eksempler/<slug>/<action>")
@login_required
@role_required(Role.EDITOR)
def act(slug: str, action: str) -> Response | tuple[str, int]:
    """Request changes, publish, reject or unpublish."""
    case = _case(slug)
    comment = request.form.get("comment", "")
    try:
        workflow.transition(case=case, actor=current_user, action=action, comment=comment)
    except CaseError:
        return _refused(slug)
    notify_case_event(
        case=case,
        action=action,
        actor=current_user,
        comment=comment.strip(),
        # The author acts on a request for changes on the edit page; the rest is news.
        url=url_for(
            "authoring.edit_case" if action == "request_changes" else "cases.show_case",
            slug=case.slug,
            _external=True,
        ),
    )
    db.session.commit()
    flash(
        gettext("Done: the case is now “%(status)s”.", status=CASE_STATUS[case.status]), "success"
    )
    return redirect(url_for("editorial.review", slug=slug))


@bp.get("/eksempler/<slug>/historikk")
@login_required
@role_required(Role.EDITOR)
def history(slug: str) -> str:
    """Every saved revision; the difference between any two; restoring an earlier one."""
    case = _case(slug)
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.case_id == case.id)
        .options(selectinload(Revision.author))
        .order_by(Revision.created_at, Revision.id)
    ).all()
    by_id = {r.id: r for r in revisions}
    newest = revisions[-1] if revisions else None
    older = revisions[-2] if len(revisions) > 1 else newest
    left = by_id.get(request.args.get("fra", type=int)) or older
    right = by_id.get(request.args.get("til", type=int)) or newest
    changes = diff.content_diff(left.content, right.content) if left and right else []
    return render_template(
        "editorial/history.html",
        case=case,
        revisions=revisions,
        left=left,
        right=right,
        diff=changes,
    )


@bp.post("/eksempler/<slug>/gjenopprett/<int:revision_id>")
@login_required
@role_required(Role.EDITOR)
def restore(slug: str, revision_id: int) -> Response:
    """Make an earlier revision current again."""
    case = _case(slug)
    revision = db.session.get(Revision, revision_id)
    if revision is None or revision.case_id != case.id:
        abort(404)
    workflow.restore_revision(case=case, editor=current_user, revision=revision)
    db.session.commit()
    flash(gettext("The revision was restored."), "success")
    return redirect(url_for("editorial.history", slug=slug))


@bp.post("/eksempler/<slug>/endring/<decision>")
@login_required
@role_required(Role.EDITOR)
def decide_change(slug: str, decision: str) -> Response:
    """Approve or decline an author's change to a published case."""
    if decision not in CHANGE_DECISIONS:
        abort(404)
    case = _case(slug)
    comment = request.form.get("comment", "")
    try:
        if decision == "endringer":
            workflow.return_pending(case=case, editor=current_user, comment=comment)
        else:
            workflow.decide_pending(
                case=case, editor=current_user, approve=decision == "godkjenn", comment=comment
            )
    except CaseError:
        return _refused(slug)
    action, page = CHANGE_DECISIONS[decision]
    notify_case_event(
        case=case,
        action=action,
        actor=current_user,
        comment=comment.strip(),
        url=url_for(page, slug=case.slug, _external=True),
    )
    db.session.commit()
    flash(str(CHANGE_DECIDED[decision]), "success")
    return redirect(url_for("editorial.review", slug=slug))
