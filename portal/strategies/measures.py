"""Strategy authors keep a goal's actions (tiltak), indicators (KPIs) and measurements."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.extensions import csrf, db
from portal.security import role_required
from portal.strategies import services
from portal.strategies.authoring import render_goal_page
from portal.strategies.charts import indicator_chart
from portal.strategies.forms import ActionForm, IndicatorForm, MeasurementForm
from portal.strategies.lookup import (
    action_of,
    goal_of,
    indicator_of,
    measurement_of,
    strategy_for_author,
)
from portal.strategies.models import Indicator, Strategy

bp = Blueprint("strategy_measures", __name__, url_prefix="/strategier/<int:strategy_id>")


def _to_goal(strategy: Strategy, goal_id: int, anchor: str) -> Response:
    return redirect(
        url_for("strategy_authoring.edit_goal", strategy_id=strategy.id, goal_id=goal_id) + anchor
    )


# -- actions --


@bp.post("/mal/<int:goal_id>/tiltak")
@csrf.exempt  # the FlaskForm checks its token itself, so an expired one re-shows the text
@role_required(Role.STRATEGY_AUTHOR)
def add_action(strategy_id: int, goal_id: int):
    """Add an action to a goal."""
    strategy = strategy_for_author(strategy_id)
    goal = goal_of(strategy, goal_id)
    form = ActionForm(prefix="action")
    if not form.validate_on_submit():
        return render_goal_page(strategy, goal, action_form=form)
    services.add_action(goal=goal, data=form.to_data())
    db.session.commit()
    flash(gettext("The action was added."), "success")
    return _to_goal(strategy, goal.id, "#tiltak")


@bp.route("/tiltak/<int:action_id>", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def edit_action(strategy_id: int, action_id: int):
    """Change an action's text, responsible unit, deadline or status."""
    strategy = strategy_for_author(strategy_id)
    action = action_of(strategy, action_id)
    form = ActionForm(obj=action)
    if form.validate_on_submit():
        services.update_action(action=action, data=form.to_data())
        db.session.commit()
        flash(gettext("The action was saved."), "success")
        return _to_goal(strategy, action.goal_id, "#tiltak")
    status = 400 if form.errors else 200
    return render_template(
        "strategies/action.html", strategy=strategy, action=action, form=form
    ), status


@bp.post("/tiltak/<int:action_id>/slett")
@role_required(Role.STRATEGY_AUTHOR)
def delete_action(strategy_id: int, action_id: int) -> Response:
    """Remove an action."""
    strategy = strategy_for_author(strategy_id)
    action = action_of(strategy, action_id)
    goal_id = action.goal_id
    services.delete_action(action=action)
    db.session.commit()
    flash(gettext("The action was removed."), "success")
    return _to_goal(strategy, goal_id, "#tiltak")


# -- indicators --


@bp.post("/mal/<int:goal_id>/indikatorer")
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def add_indicator(strategy_id: int, goal_id: int):
    """Add an indicator (KPI) to a goal."""
    strategy = strategy_for_author(strategy_id)
    goal = goal_of(strategy, goal_id)
    form = IndicatorForm(prefix="indicator")
    if not form.validate_on_submit():
        return render_goal_page(strategy, goal, indicator_form=form)
    indicator = services.add_indicator(goal=goal, data=form.to_data())
    db.session.commit()
    flash(gettext("The indicator was added. Record its measurements here."), "success")
    return redirect(url_for(".edit_indicator", strategy_id=strategy.id, indicator_id=indicator.id))


def _render_indicator(strategy: Strategy, indicator: Indicator, form, measurement_form):
    status = 400 if form.errors or measurement_form.errors else 200
    return render_template(
        "strategies/indicator.html",
        strategy=strategy,
        indicator=indicator,
        form=form,
        measurement_form=measurement_form,
        chart=indicator_chart(indicator),
    ), status


def _indicator_form(indicator: Indicator) -> IndicatorForm:
    return IndicatorForm(obj=indicator, formdata=None)  # numbers shown as typed: CommaDecimalField


@bp.route("/indikatorer/<int:indicator_id>", methods=["GET", "POST"])
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def edit_indicator(strategy_id: int, indicator_id: int):
    """An indicator's definition, its measurements and its progress chart."""
    strategy = strategy_for_author(strategy_id)
    indicator = indicator_of(strategy, indicator_id)
    form = _indicator_form(indicator)
    measurement_form = MeasurementForm(prefix="measurement", formdata=None)
    if form.is_submitted():
        form = IndicatorForm()
        if form.validate():
            services.update_indicator(indicator=indicator, data=form.to_data())
            db.session.commit()
            flash(gettext("The indicator was saved."), "success")
            return redirect(
                url_for(".edit_indicator", strategy_id=strategy.id, indicator_id=indicator.id)
            )
    return _render_indicator(strategy, indicator, form, measurement_form)


@bp.post("/indikatorer/<int:indicator_id>/slett")
@role_required(Role.STRATEGY_AUTHOR)
def delete_indicator(strategy_id: int, indicator_id: int) -> Response:
    """Remove an indicator with its measurements."""
    strategy = strategy_for_author(strategy_id)
    indicator = indicator_of(strategy, indicator_id)
    goal_id = indicator.goal_id
    services.delete_indicator(indicator=indicator)
    db.session.commit()
    flash(gettext("The indicator was removed."), "success")
    return _to_goal(strategy, goal_id, "#indikatorer")


@bp.post("/indikatorer/<int:indicator_id>/malinger")
@csrf.exempt  # the FlaskForm checks its token itself
@role_required(Role.STRATEGY_AUTHOR)
def add_measurement(strategy_id: int, indicator_id: int):
    """Record a measurement of the indicator."""
    strategy = strategy_for_author(strategy_id)
    indicator = indicator_of(strategy, indicator_id)
    form = MeasurementForm(prefix="measurement")
    if form.validate_on_submit():
        try:
            services.add_measurement(
                indicator=indicator,
                measured_on=form.measured_on.data,
                value=form.value.data,
                note=form.note.data,
            )
        except services.StrategyError as error:
            form.measured_on.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("The measurement was recorded."), "success")
            return redirect(
                url_for(".edit_indicator", strategy_id=strategy.id, indicator_id=indicator.id)
                + "#malinger"
            )
    return _render_indicator(strategy, indicator, _indicator_form(indicator), form)


@bp.post("/malinger/<int:measurement_id>/slett")
@role_required(Role.STRATEGY_AUTHOR)
def delete_measurement(strategy_id: int, measurement_id: int) -> Response:
    """Remove a measurement."""
    strategy = strategy_for_author(strategy_id)
    measurement = measurement_of(strategy, measurement_id)
    indicator_id = measurement.indicator_id
    services.delete_measurement(measurement=measurement)
    db.session.commit()
    flash(gettext("The measurement was removed."), "success")
    return redirect(
        url_for(".edit_indicator", strategy_id=strategy.id, indicator_id=indicator_id) + "#malinger"
    )
