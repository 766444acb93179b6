"""Changing strategies: the strategy itself, its goal tree, actions, indicators and measurements.

Every function adds and flushes; the caller commits. Invariants that the forms also check are
checked again here, so the CLI and the API cannot break them either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.cases.services import slugify
from portal.dates import DatePrecision, span_start
from portal.extensions import db
from portal.strategies.models import (
    Action,
    ActionStatus,
    Direction,
    Indicator,
    Measurement,
    Strategy,
    StrategyGoal,
    StrategyStatus,
)
from portal.translating import lazy_gettext as _l

MAX_DEPTH = 4  # the seed strategies go three levels deep; one more leaves room


class StrategyError(ValueError):
    """A change the strategy's structure or state does not allow (message is for the user)."""


@dataclass
class StrategyData:
    title: str
    period_from: int
    period_to: int
    status: StrategyStatus = StrategyStatus.DRAFT
    adopted_by: str | None = None
    adopted_on: date | None = None
    vision: str = ""
    summary: str = ""


@dataclass
class GoalData:
    kind: str
    title: str
    code: str | None = None
    description: str = ""


@dataclass
class ActionData:
    title: str
    responsible: str | None = None
    deadline: date | None = None
    deadline_precision: DatePrecision = DatePrecision.DAY
    status: ActionStatus = ActionStatus.PLANNED


@dataclass
class IndicatorData:
    name: str
    unit: str
    target: Decimal
    baseline: Decimal | None = None
    target_date: date | None = None
    direction: Direction = Direction.HIGHER_IS_BETTER


# -- the strategy ----------------------------------------------------------------------------------


def _unique_slug(title: str, organization_slug: str) -> str:
    base = slugify(f"{organization_slug} {title}")
    slug, n = base, 2
    while db.session.scalar(select(Strategy.id).where(Strategy.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_strategy(data: StrategyData) -> None:
    if data.period_to < data.period_from:
        raise StrategyError(_l("The period cannot end before it starts."))
    if data.status is StrategyStatus.ADOPTED and not (data.adopted_by and data.adopted_on):
        raise StrategyError(_l("An adopted strategy needs the date and the body that adopted it."))


def _apply_strategy(strategy: Strategy, data: StrategyData) -> None:
    _check_strategy(data)
    strategy.title = data.title.strip()
    strategy.period_from = data.period_from
    strategy.period_to = data.period_to
    strategy.status = data.status
    adopted = data.status is StrategyStatus.ADOPTED
    strategy.adopted_by = ((data.adopted_by or "").strip() or None) if adopted else None
    strategy.adopted_on = data.adopted_on if adopted else None
    strategy.vision = data.vision.strip()
    strategy.summary = data.summary.strip()


def create_strategy(*, author: Any, data: StrategyData) -> Strategy:
    """A new strategy owned by the author's organization."""
    if author.organization is None:
        raise StrategyError(_l("You must belong to an organisation to write a strategy."))
    _check_strategy(data)  # before the strategy exists, so a refusal leaves nothing behind
    strategy = Strategy(
        slug=_unique_slug(data.title, author.organization.slug),
        organization=author.organization,
    )
    _apply_strategy(strategy, data)
    db.session.add(strategy)
    db.session.flush()
    return strategy


def update_strategy(*, strategy: Strategy, data: StrategyData) -> None:
    """Change the strategy's title, period, status, vision and summary."""
    _apply_strategy(strategy, data)
    db.session.flush()


# -- the goal tree ---------------------------------------------------------------------------------


def depth_of(goal: StrategyGoal | None) -> int:
    """1 for a top-level goal, 2 for its children, and so on (0 for no goal)."""
    depth = 0
    while goal is not None:
        depth, goal = depth + 1, goal.parent
    return depth


def _subtree_height(goal: StrategyGoal) -> int:
    return 1 + max((_subtree_height(child) for child in goal.children), default=0)


def _siblings(strategy: Strategy, parent: StrategyGoal | None) -> list[StrategyGoal]:
    parent_id = parent.id if parent is not None else None
    return sorted(
        (goal for goal in strategy.goals if goal.parent_id == parent_id),
        key=lambda goal: (goal.position, goal.id),
    )


def _renumber(goals: list[StrategyGoal]) -> None:
    for position, goal in enumerate(goals):
        goal.position = position


def _check_parent(strategy: Strategy, goal: StrategyGoal | None, parent: StrategyGoal | None):
    if parent is None:
        return
    if parent.strategy_id != strategy.id:
        raise StrategyError(_l("The parent goal belongs to another strategy."))
    ancestor: StrategyGoal | None = parent
    while ancestor is not None:
        if goal is not None and ancestor.id == goal.id:
            raise StrategyError(_l("A goal cannot be placed under itself or its own sub-goals."))
        ancestor = ancestor.parent
    height = _subtree_height(goal) if goal is not None else 1
    if depth_of(parent) + height > MAX_DEPTH:
        raise StrategyError(_l("The goal tree can be at most %(n)s levels deep.", n=MAX_DEPTH))


def _apply_goal(goal: StrategyGoal, data: GoalData) -> None:
    goal.kind = data.kind.strip()
    goal.code = (data.code or "").strip() or None
    goal.title = data.title.strip()
    goal.description = data.description.strip()


def add_goal(*, strategy: Strategy, parent: StrategyGoal | None, data: GoalData) -> StrategyGoal:
    """A new goal at the end of its parent's sub-goals (or of the top level)."""
    _check_parent(strategy, None, parent)
    goal = StrategyGoal(strategy=strategy, parent=parent, position=len(_siblings(strategy, parent)))
    _apply_goal(goal, data)
    db.session.add(goal)
    db.session.flush()
    return goal


def update_goal(*, goal: StrategyGoal, data: GoalData, parent: StrategyGoal | None) -> None:
    """Change a goal's text, and move it under another parent if that changed."""
    moved = goal.parent_id != (parent.id if parent is not None else None)
    if moved:
        # Checked before any change, so a refusal leaves the goal as it was.
        _check_parent(goal.strategy, goal, parent)
    _apply_goal(goal, data)
    if moved:
        old_parent = goal.parent
        goal.parent = parent
        goal.position = len(_siblings(goal.strategy, parent))
        db.session.flush()
        _renumber([g for g in _siblings(goal.strategy, old_parent) if g is not goal])
    db.session.flush()


def move_goal(*, goal: StrategyGoal, offset: int) -> None:
    """Move a goal up (-1) or down (+1) among its siblings."""
    siblings = _siblings(goal.strategy, goal.parent)
    index = siblings.index(goal)
    target = index + offset
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    _renumber(siblings)
    db.session.flush()


def delete_goal(*, goal: StrategyGoal) -> None:
    """Remove a goal with its actions, indicators and evidence links (not its sub-goals)."""
    if goal.children:
        raise StrategyError(_l("Move or delete the sub-goals first."))
    strategy, parent = goal.strategy, goal.parent
    if parent is not None:
        parent.children.remove(goal)
    strategy.goals.remove(goal)  # delete-orphan: the goal and what hangs on it go
    db.session.flush()
    _renumber(_siblings(strategy, parent))
    db.session.flush()


def _remove_positioned(collection: list, item: Any) -> None:
    """Take an action or indicator off its goal and close the gap in the positions."""
    collection.remove(item)  # delete-orphan deletes it
    for position, other in enumerate(collection):
        other.position = position
    db.session.flush()


# -- actions --


def _apply_action(action: Action, data: ActionData) -> None:
    action.title = data.title.strip()
    action.responsible = (data.responsible or "").strip() or None
    action.deadline = span_start(data.deadline, data.deadline_precision) if data.deadline else None
    action.deadline_precision = data.deadline_precision
    action.status = data.status


def add_action(*, goal: StrategyGoal, data: ActionData) -> Action:
    """A new action (tiltak) at the end of the goal's list."""
    action = Action(goal=goal, position=len(goal.actions))
    _apply_action(action, data)
    db.session.add(action)
    db.session.flush()
    return action


def update_action(*, action: Action, data: ActionData) -> None:
    _apply_action(action, data)
    db.session.flush()


def delete_action(*, action: Action) -> None:
    _remove_positioned(action.goal.actions, action)


# -- indicators and measurements -------------------------------------------------------------------


def _check_indicator(data: IndicatorData) -> None:
    if data.baseline is not None and data.baseline == data.target:
        raise StrategyError(_l("The target must differ from the baseline."))


def _apply_indicator(indicator: Indicator, data: IndicatorData) -> None:
    _check_indicator(data)
    indicator.name = data.name.strip()
    indicator.unit = data.unit.strip()
    indicator.target = data.target
    indicator.baseline = data.baseline
    indicator.target_date = data.target_date
    indicator.direction = data.direction


def add_indicator(*, goal: StrategyGoal, data: IndicatorData) -> Indicator:
    """A new indicator (KPI) on the goal."""
    _check_indicator(data)  # before the indicator joins the goal, so a refusal leaves nothing
    indicator = Indicator(goal=goal, position=len(goal.indicators))
    _apply_indicator(indicator, data)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def update_indicator(*, indicator: Indicator, data: IndicatorData) -> None:
    _apply_indicator(indicator, data)
    db.session.flush()


def delete_indicator(*, indicator: Indicator) -> None:
    _remove_positioned(indicator.goal.indicators, indicator)


def add_measurement(
    *, indicator: Indicator, measured_on: date, value: Decimal, note: str | None = None
) -> Measurement:
    """Record a reading of the indicator (one per date)."""
    if any(m.measured_on == measured_on for m in indicator.measurements):
        raise StrategyError(_l("There is already a measurement for this date."))
    measurement = Measurement(
        measured_on=measured_on, value=value, note=(note or "").strip() or None
    )
    indicator.measurements.append(measurement)
    indicator.measurements.sort(key=lambda m: m.measured_on)
    db.session.flush()
    return measurement


def delete_measurement(*, measurement: Measurement) -> None:
    measurement.indicator.measurements.remove(measurement)  # delete-orphan deletes it
    db.session.flush()
