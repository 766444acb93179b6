"""Contributors write cases: their list, the case form, submitting to the editors."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import desc, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.cases import permissions, services, workflow
from portal.cases.forms import CaseForm, case_data_from, fill_form_from
from portal.cases.models import BODY_SECTIONS, Case
from portal.extensions import csrf, db
from portal.i18n import current_language
from portal.media.services import images_for_editing
from portal.notifications.services import notify_case_event
from portal.organizations.models import Organization
from portal.security import role_required
from portal.taxonomy.models import Term, Vocabulary
from portal.text import render_markdown

bp = Blueprint("authoring", __name__)


def _terms_by_vocabulary() -> dict[Vocabulary, list[Term]]:
    out: dict[Vocabulary, list[Term]] = {v: [] for v in Vocabulary}
    for term in db.session.scalars(select(Term).order_by(Term.vocabulary, Term.position)):
        out[term.vocabulary].append(term)
    return out


def _tell_editors(case: Case, action: str = "submit", message: str = "") -> None:
    notify_case_event(
        case=case,
        action=action,
        actor=current_user,
        comment=message,
        url=url_for("editorial.review", slug=case.slug, _external=True),
    )


def _case_for_author(slug: str) -> Case:
    case = db.session.scalars(select(Case).where(Case.slug == slug)).first()
    if case is None or not permissions.can_view(current_user, case):
        abort(404)  # 404, not 403: others must not learn that the draft exists
    return case


@bp.get("/mine-eksempler/")
@login_required
@role_required(Role.CONTRIBUTOR)
def my_cases() -> str:
    """The cases of the contributor's organization, in every state."""
    cases = db.session.scalars(
        select(Case)
        .where(Case.organizations.any(Organization.id == current_user.organization_id))
        .options(selectinload(Case.organizations))
        .order_by(desc(Case.updated_at))
    ).all()
    return render_template("authoring/my_cases.html", cases=cases)


def _edit(case: Case | None) -> str | Response:
    form = CaseForm()
    form.set_term_choices(_terms_by_vocabulary(), current_language())
    action = request.form.get("action", "save")
    preview = None
    if form.restored:
        flash(gettext("Here is the text you sent when you were signed out. "
                      "Check it and save again."), "success")  # fmt: skip
    elif request.method == "GET" and case is not None:
        waiting = (
            workflow.pending_revision(case)
            if permissions.edits_need_approval(current_user, case)
            else None
        )
        if waiting is not None:
            # Continue from the change already waiting for the editors, not the public text.
            proposed = Case(slug=case.slug, title="", summary="")
            workflow.apply_content(proposed, waiting.content)
            fill_form_from(form, proposed)
        else:
            fill_form_from(form, case)
        form.set_term_choices(_terms_by_vocabulary(), current_language())
    elif request.method == "POST":
        if action == "add_result" and len(form.results) < form.results.max_entries:
            form.results.append_entry()
        elif action == "preview":
            preview = {name: render_markdown(getattr(form, name).data) for name in BODY_SECTIONS}
        elif action.startswith("remove_result_") and action[14:].isdigit():
            index = int(action[14:])
            kept = [entry.data for i, entry in enumerate(form.results) if i != index]
            while len(form.results):
                form.results.pop_entry()
            for data in kept or [{}]:
                form.results.append_entry(data)
        elif form.validate_on_submit():
            data = case_data_from(form)
            message = (form.message.data or "").strip()
            if case is None:
                case = services.create_draft(author=current_user, data=data)
            else:
                services.save_draft(case=case, author=current_user, data=data, message=message)
            if action == "submit" and workflow.may(current_user, case, "submit"):
                services.submit_case(case=case, author=current_user, message=message)
                _tell_editors(case, "submit", message)
                db.session.commit()
                flash(gettext("The case was sent to the editors."), "success")
                return redirect(url_for("cases.show_case", slug=case.slug))
            # "Send" from a tab opened before the case was published: the edit above became
            # a change for the editors to approve; the case itself stays published.
            if permissions.edits_need_approval(current_user, case):
                _tell_editors(case, "propose_change", message)
                db.session.commit()
                flash(gettext("Your change was sent to the editors. The published text stays "
                              "until they approve it."), "success")  # fmt: skip
                return redirect(url_for("authoring.edit_case", slug=case.slug))
            db.session.commit()
            flash(gettext("The draft was saved."), "success")
            return redirect(url_for("authoring.edit_case", slug=case.slug))
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template(
        "authoring/form.html",
        form=form,
        case=case,
        preview=preview,
        images=images_for_editing(case, current_user) if case else [],
        thread=workflow.comment_thread(case) if case else [],
        proposal=workflow.pending_revision(case) if case else None,
        can_delete=case is not None and permissions.can_delete(current_user, case),
    ), status


@bp.route("/eksempler/ny", methods=["GET", "POST"])
@csrf.exempt  # CaseForm checks the token itself, so an expired one re-shows the text
@login_required
@role_required(Role.CONTRIBUTOR)
def new_case() -> str | Response:
    """Start a new case for the contributor's organization."""
    if current_user.organization_id is None:
        abort(403)
    return _edit(None)


@bp.route("/eksempler/<slug>/rediger", methods=["GET", "POST"])
@csrf.exempt  # CaseForm checks the token itself, so an expired one re-shows the text
@login_required
@role_required(Role.CONTRIBUTOR, Role.EDITOR)
def edit_case(slug: str) -> str | Response:
    """Edit a draft (or a case the editors sent back)."""
    case = _case_for_author(slug)
    if not permissions.can_edit(current_user, case):
        abort(403)
    return _edit(case)


@bp.route("/eksempler/<slug>/slett", methods=["GET", "POST"])
@login_required
@role_required(Role.CONTRIBUTOR, Role.EDITOR)
def delete_case(slug: str) -> str | Response:
    """Delete a draft its author made by mistake (never one that was published): confirm first."""
    case = _case_for_author(slug)
    if not permissions.can_delete(current_user, case):
        abort(403)
    if request.method == "POST":  # the CSRF token is checked for every POST
        title = case.title
        services.delete_draft(case=case, author=current_user)
        db.session.commit()
        flash(gettext("The draft “%(title)s” was deleted.", title=title), "success")
        return redirect(url_for("authoring.my_cases"))
    return render_template("authoring/confirm_delete.html", case=case)
