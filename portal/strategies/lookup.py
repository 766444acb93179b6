"""Loading what a strategy author is about to change, or answering 404/403 (view layer)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.strategies.models import (
    Action,
    CaseGoalLink,
    Indicator,
    Measurement,
    Strategy,
    StrategyGoal,
)
from portal.strategies.permissions import can_edit_strategy
from portal.strategies.queries import get_visible_strategy

T = TypeVar("T")


def strategy_for_author(strategy_id: int) -> Strategy:
    """The strategy, if the current user may change it (drafts of others are a plain 404)."""
    # Loaded with its goals, actions and indicators: every authoring page shows the tree.
    strategy = get_visible_strategy(strategy_id, current_user)
    if strategy is None:
        abort(404)
    if not can_edit_strategy(current_user, strategy):
        abort(403)
    return strategy


def _owned(strategy: Strategy, model: type[T], object_id: int, strategy_of) -> T:
    obj = db.session.get(model, object_id)
    if obj is None or strategy_of(obj) != strategy.id:
        abort(404)
    return obj


def goal_of(strategy: Strategy, goal_id: int) -> StrategyGoal:
    return _owned(strategy, StrategyGoal, goal_id, lambda g: g.strategy_id)


def action_of(strategy: Strategy, action_id: int) -> Action:
    return _owned(strategy, Action, action_id, lambda a: a.goal.strategy_id)


def indicator_of(strategy: Strategy, indicator_id: int) -> Indicator:
    return _owned(strategy, Indicator, indicator_id, lambda i: i.goal.strategy_id)


def measurement_of(strategy: Strategy, measurement_id: int) -> Measurement:
    return _owned(strategy, Measurement, measurement_id, lambda m: m.indicator.goal.strategy_id)


def link_of(strategy: Strategy, link_id: int) -> CaseGoalLink:
    return _owned(strategy, CaseGoalLink, link_id, lambda link: link.goal.strategy_id)
