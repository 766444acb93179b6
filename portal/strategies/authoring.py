"""Strategy authors write strategies: their list, the strategy form, and the goal tree."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import desc, select
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.db import norwegian_order
from portal.extensions import csrf, db
from portal.security import role_required
from portal.strategies import services
from portal.strategies.forms import GOAL_KINDS, ActionForm, GoalForm, IndicatorForm, StrategyForm
from portal.strategies.lookup import goal_of, strategy_for_author
from portal.strategies.models import Strategy, StrategyGoal
from portal.strategies.queries import GoalNode, strategy_view

bp = Blueprint("strategy_authoring", __name__)

TOP_LEVEL = ""


def _tree_order(strategy: Strategy) -> list[GoalNode]:
    """Every goal with its depth and evidence, parents before their children."""
    return strategy_view(strategy, current_user).walk()


def _parent_choices(strategy: Strategy, goal: StrategyGoal | None) -> list[tuple[str, str]]:
    excluded: set[int] = set()
    if goal is not None:
        stack = [goal]
        while stack:
            node = stack.pop()
            excluded.add(node.id)
            stack.extend(node.children)
    choices = [(TOP_LEVEL, gettext("(top level)"))]
    for node in _tree_order(strategy):
        candidate, depth = node.goal, node.depth
        if candidate.id not in excluded:
            label = candidate.heading
            label = label if len(label) <= 90 else label[:89] + "…"
            choices.append((str(candidate.id), "\u2002" * 2 * depth + label))
    return choices


def _parent_from(strategy: Strategy, form: GoalForm) -> StrategyGoal | None:
    return goal_of(strategy, int(form.parent.data)) if form.parent.data else None


@bp.get("/mine-strategier/")
@role_required(Role.STRATEGY_AUTHOR)
def my_strategies() -> str:
    """Every strategy of the author's organization, drafts included."""
    strategies = db.session.scalars(
        select(Strategy)
        .where(Strategy.organization_id == current_user.organization_id)
        .order_by(desc(Strategy.period_to), norwegian_order(Strategy.title))
    ).all()
    return render_template("strategies/mine.html", strategies=strategies)


def _strategy_form(strategy: Strategy | None) -> str | Response:
    form = StrategyForm(obj=strategy if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if strategy is None:
                strategy = services.create_strategy(author=current_user, data=form.to_data())
            else:
                services.update_strategy(strategy=strategy, data=form.to_data())
        except services.StrategyError as error:
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("The strategy was saved."), "success")
            return redirect(url_for(".edit_strategy", strategy_id=strategy.id))
    status = 400 if form.errors else 200
    tree = _tree_order(strategy) if strategy is not None else []
    return render_template("strategies/form.html", form=form, strategy=strategy, tree=tree), status


@bp.route("/strategier/ny", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself, so an expired one re-shows the text
@role_required(Role.STRATEGY_AUTHOR)
def new_strategy() -> str | Response:
    """Start a strategy for the author's organization."""
    if current_user.organization_id is None:
        abort(403)
    return _strategy_form(None)


@bp.route("/strategier/<int:strategy_id>/rediger", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def edit_strategy(strategy_id: int) -> str | Response:
    """The strategy's details and its goal tree, with controls to restructure it."""
    return _strategy_form(strategy_for_author(strategy_id))


@bp.route("/strategier/<int:strategy_id>/slett", methods=["GET", "POST"])
@role_required(Role.STRATEGY_AUTHOR)
def delete_strategy(strategy_id: int) -> str | Response:
    """Delete a draft strategy after a confirmation (adopted ones are kept)."""
    strategy = strategy_for_author(strategy_id)
    if strategy.is_public:
        flash(gettext("A public strategy cannot be deleted. Make it a draft first."), "error")
        return redirect(url_for(".edit_strategy", strategy_id=strategy.id))
    if request.method == "POST":
        db.session.delete(strategy)
        db.session.commit()
        flash(gettext("The strategy was deleted."), "success")
        return redirect(url_for(".my_strategies"))
    return render_template("strategies/confirm_delete.html", strategy=strategy, goal=None)


# -- goals -----------------------------------------------------------------------------------------


def _render_goal(strategy: Strategy, goal: StrategyGoal | None, form: GoalForm, **forms):
    form.parent.choices = form.parent.choices or _parent_choices(strategy, goal)
    status = 400 if any(f.errors for f in (form, *forms.values())) else 200
    return render_template(
        "strategies/goal.html",
        strategy=strategy,
        goal=goal,
        form=form,
        kinds=GOAL_KINDS,
        action_form=forms.get("action_form") or ActionForm(prefix="action", formdata=None),
        indicator_form=forms.get("indicator_form")
        or IndicatorForm(prefix="indicator", formdata=None),
    ), status


def render_goal_page(strategy: Strategy, goal: StrategyGoal, **forms) -> tuple[str, int]:
    """The goal page, with a failed action or indicator form shown as the author left it."""
    form = GoalForm(obj=goal, formdata=None)
    form.parent.data = str(goal.parent_id) if goal.parent_id else TOP_LEVEL
    return _render_goal(strategy, goal, form, **forms)


@bp.route("/strategier/<int:strategy_id>/mal/ny", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def new_goal(strategy_id: int) -> str | Response:
    """Add a goal at the top level or under another goal (?under=<id>)."""
    strategy = strategy_for_author(strategy_id)
    form = GoalForm()
    form.parent.choices = _parent_choices(strategy, None)
    if request.method == "GET":
        under = request.args.get("under", "")
        form.parent.data = under if under in {value for value, _ in form.parent.choices} else ""
        if form.parent.data:
            form.kind.data = "Delmål"
        else:
            form.kind.data = "Hovedmål"
    if form.validate_on_submit():
        try:
            goal = services.add_goal(
                strategy=strategy, parent=_parent_from(strategy, form), data=form.to_data()
            )
        except services.StrategyError as error:
            form.parent.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("The goal was added."), "success")
            return redirect(url_for(".edit_goal", strategy_id=strategy.id, goal_id=goal.id))
    return _render_goal(strategy, None, form)


@bp.route("/strategier/<int:strategy_id>/mal/<int:goal_id>", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def edit_goal(strategy_id: int, goal_id: int) -> str | Response:
    """A goal's text and place in the tree, its actions and its indicators."""
    strategy = strategy_for_author(strategy_id)
    goal = goal_of(strategy, goal_id)
    if request.method == "GET":
        return render_goal_page(strategy, goal)
    form = GoalForm()
    form.parent.choices = _parent_choices(strategy, goal)
    if form.validate_on_submit():
        try:
            services.update_goal(
                goal=goal, data=form.to_data(), parent=_parent_from(strategy, form)
            )
        except services.StrategyError as error:
            form.parent.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("The goal was saved."), "success")
            return redirect(url_for(".edit_goal", strategy_id=strategy.id, goal_id=goal.id))
    return _render_goal(strategy, goal, form)


@bp.post("/strategier/<int:strategy_id>/mal/<int:goal_id>/flytt")
@role_required(Role.STRATEGY_AUTHOR)
def move_goal(strategy_id: int, goal_id: int) -> Response:
    """Move a goal one place up or down among its siblings."""
    strategy = strategy_for_author(strategy_id)
    goal = goal_of(strategy, goal_id)
    offset = {"opp": -1, "ned": 1}.get(request.form.get("retning", ""))
    if offset is None:
        abort(400)
    services.move_goal(goal=goal, offset=offset)
    db.session.commit()
    return redirect(url_for(".edit_strategy", strategy_id=strategy.id) + f"#tre-{goal.id}")


@bp.route("/strategier/<int:strategy_id>/mal/<int:goal_id>/slett", methods=["GET", "POST"])
@role_required(Role.STRATEGY_AUTHOR)
def delete_goal(strategy_id: int, goal_id: int) -> str | Response:
    """Delete a goal (with its actions, indicators and links) after a confirmation."""
    strategy = strategy_for_author(strategy_id)
    goal = goal_of(strategy, goal_id)
    if goal.children:
        flash(gettext("Move or delete the sub-goals first."), "error")
        return redirect(url_for(".edit_goal", strategy_id=strategy.id, goal_id=goal.id))
    if request.method == "POST":
        services.delete_goal(goal=goal)
        db.session.commit()
        flash(gettext("The goal was deleted."), "success")
        return redirect(url_for(".edit_strategy", strategy_id=strategy.id))
    return render_template("strategies/confirm_delete.html", strategy=strategy, goal=goal)
