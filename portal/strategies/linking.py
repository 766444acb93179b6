"""Strategy authors cite cases as evidence: from a goal (search or suggestions) or a case page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.extensions import csrf, db
from portal.security import role_required
from portal.strategies import evidence
from portal.strategies.forms import LinkForm, LinkToGoalForm
from portal.strategies.lookup import goal_of, link_of, strategy_for_author
from portal.strategies.models import Strategy, StrategyGoal
from portal.strategies.services import StrategyError

bp = Blueprint("strategy_linking", __name__)


def _case_form(case: Case, formdata=None) -> LinkForm:
    return LinkForm(prefix=f"case-{case.id}", formdata=formdata)


def _render_evidence(
    strategy: Strategy,
    goal: StrategyGoal,
    failed: LinkForm | None = None,
    failed_case: Case | None = None,
    failed_link_id: int | None = None,
):
    query = request.args.get("q", "").strip()
    suggestions = evidence.suggest_cases(goal)
    linked = {link.case_id for link in goal.case_links}
    results = [case for case in evidence.find_cases(query) if case.id not in linked]
    forms: dict[int, LinkForm] = {case.id: _case_form(case) for case in suggestions + results}
    if failed_case is not None and failed is not None:
        forms[failed_case.id] = failed
        if failed_case not in suggestions and failed_case not in results:
            results.insert(0, failed_case)
    link_forms = {
        link.id: (
            failed
            if link.id == failed_link_id
            else LinkForm(prefix=f"link-{link.id}", formdata=None, obj=link)
        )
        for link in goal.case_links
    }
    status = 400 if failed is not None else 200
    return render_template(
        "strategies/evidence.html",
        strategy=strategy,
        goal=goal,
        query=query,
        suggestions=suggestions,
        results=results,
        forms=forms,
        link_forms=link_forms,
    ), status


def _linked(form: LinkForm, goal: StrategyGoal, case: Case) -> bool:
    """Link the case; a refusal (already linked, say) becomes an error on the form."""
    try:
        evidence.link_case(goal=goal, case=case, rationale=form.rationale.data,
                           author=current_user)  # fmt: skip
    except StrategyError as error:
        form.rationale.errors.append(str(error))
        return False
    return True


@bp.get("/strategier/<int:strategy_id>/mal/<int:goal_id>/eksempler")
@role_required(Role.STRATEGY_AUTHOR)
def goal_evidence(strategy_id: int, goal_id: int):
    """The goal's linked cases, suggestions from its own text, and a search of the bank."""
    strategy = strategy_for_author(strategy_id)
    return _render_evidence(strategy, goal_of(strategy, goal_id))


@bp.post("/strategier/<int:strategy_id>/mal/<int:goal_id>/eksempler/<slug>")
@csrf.exempt  # the FlaskForm checks its token itself, so an expired one keeps the rationale
@role_required(Role.STRATEGY_AUTHOR)
def link_case(strategy_id: int, goal_id: int, slug: str):
    """Link a published case to the goal with a rationale."""
    strategy = strategy_for_author(strategy_id)
    goal = goal_of(strategy, goal_id)
    case = evidence.published_case(slug)
    if case is None:
        abort(404)
    form = _case_form(case, request.form)
    if form.validate() and _linked(form, goal, case):
        db.session.commit()
        flash(gettext("“%(case)s” now supports the goal.", case=case.title), "success")
        return redirect(
            url_for(".goal_evidence", strategy_id=strategy.id, goal_id=goal.id,
                    q=request.args.get("q") or None) + "#koblet"
        )  # fmt: skip
    return _render_evidence(strategy, goal, failed=form, failed_case=case)


@bp.post("/strategier/<int:strategy_id>/koblinger/<int:link_id>")
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def update_link(strategy_id: int, link_id: int):
    """Change the rationale of a link."""
    strategy = strategy_for_author(strategy_id)
    link = link_of(strategy, link_id)
    form = LinkForm(prefix=f"link-{link.id}")
    if form.validate():
        try:
            evidence.update_link(link=link, rationale=form.rationale.data, editor=current_user)
        except StrategyError as error:
            form.rationale.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("The rationale was saved."), "success")
            return redirect(
                url_for(".goal_evidence", strategy_id=strategy.id, goal_id=link.goal_id) + "#koblet"
            )
    return _render_evidence(strategy, link.goal, failed=form, failed_link_id=link.id)


@bp.post("/strategier/<int:strategy_id>/koblinger/<int:link_id>/slett")
@role_required(Role.STRATEGY_AUTHOR)
def remove_link(strategy_id: int, link_id: int) -> Response:
    """Remove a case from the goal's evidence."""
    strategy = strategy_for_author(strategy_id)
    link = link_of(strategy, link_id)
    goal_id, title = link.goal_id, link.case.title
    evidence.unlink(link=link)
    db.session.commit()
    flash(gettext("“%(case)s” no longer supports the goal.", case=title), "success")
    return redirect(url_for(".goal_evidence", strategy_id=strategy.id, goal_id=goal_id) + "#koblet")


@bp.route("/eksempler/<slug>/koble", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def link_from_case(slug: str):
    """From a case page: link the case to one of the author's own goals."""
    case = evidence.published_case(slug)
    if case is None:
        abort(404)
    goals = evidence.linkable_goals(current_user)
    linked = {link.goal_id for link in case.goal_links}
    form = LinkToGoalForm()
    choices: dict[str, list[tuple[str, str]]] = {}
    for goal in goals:
        if goal.id not in linked:
            choices.setdefault(goal.strategy.title, []).append((str(goal.id), goal.heading))
    form.goal.choices = choices
    if form.validate_on_submit():
        goal = next(g for g in goals if str(g.id) == form.goal.data)
        if _linked(form, goal, case):
            db.session.commit()
            flash(gettext("The case now supports “%(goal)s”.", goal=goal.heading), "success")
            return redirect(url_for("cases.show_case", slug=case.slug) + "#strategier")
    status = 400 if form.errors else 200
    return render_template(
        "strategies/link_case.html", case=case, form=form, has_goals=bool(goals)
    ), status
