"""Read-side queries for strategies, goal trees and coverage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import desc, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.organizations.models import Organization
from portal.strategies.models import (
    CaseGoalLink,
    Indicator,
    Strategy,
    StrategyGoal,
)
from portal.strategies.permissions import visible_strategies


def list_strategies(user: Any = None) -> list[Strategy]:
    stmt = (
        visible_strategies(user)
        .join(Organization)
        .options(selectinload(Strategy.organization), selectinload(Strategy.goals))
        .order_by(desc(Strategy.period_to), norwegian_order(Organization.name))
    )
    return list(db.session.scalars(stmt))


def get_visible_strategy(strategy_id: int, user: Any = None) -> Strategy | None:
    stmt = (
        visible_strategies(user)
        .where(Strategy.id == strategy_id)
        .options(
            selectinload(Strategy.organization),
            selectinload(Strategy.goals).selectinload(StrategyGoal.actions),
            selectinload(Strategy.goals)
            .selectinload(StrategyGoal.indicators)
            .selectinload(Indicator.measurements),
            selectinload(Strategy.goals).selectinload(StrategyGoal.children),
        )
    )
    return db.session.scalars(stmt).first()


@dataclass
class GoalNode:
    """A goal with its children and the visible cases linked to it."""

    goal: StrategyGoal
    links: list[CaseGoalLink]
    children: list[GoalNode]
    depth: int

    @property
    def has_evidence(self) -> bool:
        return bool(self.links)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def cases_below(self) -> int:
        """Links to the goal's sub-goals, at any depth (a parent's evidence lives there)."""
        return sum(len(child.links) + child.cases_below for child in self.children)


@dataclass
class StrategyView:
    """A strategy's goal tree with visible evidence.

    Coverage is counted over the most concrete goals, the leaves of the tree (delmål,
    tiltaksområder; in a flat strategy, every goal): that is where strategies put the
    measurable aims that cases can evidence. A parent goal is covered through its sub-goals.
    """

    strategy: Strategy
    tree: list[GoalNode]
    goals_total: int
    goals_with_evidence: int

    @property
    def is_nested(self) -> bool:
        return any(node.children for node in self.tree)

    @property
    def coverage(self) -> dict[str, int]:
        return {"goals_total": self.goals_total, "goals_with_evidence": self.goals_with_evidence}

    def levels(self) -> list[tuple[str, int, int]]:
        """(kind, goals with cases on them or below, goals) for each kind of goal, in the
        order the strategy introduces them: «Delmål», «Område», «Satsingsområde» …"""
        counts: dict[str, list[int]] = {}
        for node in self.walk():
            row = counts.setdefault(node.goal.kind.strip(), [0, 0])
            row[0] += bool(node.has_evidence or node.cases_below)
            row[1] += 1
        return [(kind, covered, total) for kind, (covered, total) in counts.items()]

    def walk(self) -> list[GoalNode]:
        out: list[GoalNode] = []

        def visit(nodes: list[GoalNode]) -> None:
            for node in nodes:
                out.append(node)
                visit(node.children)

        visit(self.tree)
        return out


def children_by_parent(goals: list[StrategyGoal]) -> dict[int | None, list[StrategyGoal]]:
    """Each goal's sub-goals (None: the top level), in their order."""
    children: dict[int | None, list[StrategyGoal]] = {}
    for goal in sorted(goals, key=lambda g: (g.position, g.id)):
        children.setdefault(goal.parent_id, []).append(goal)
    return children


def tree_order(goals: list[StrategyGoal]) -> list[StrategyGoal]:
    """The goals parents-first, as the tree reads from top to bottom."""
    children = children_by_parent(goals)
    out: list[StrategyGoal] = []

    def visit(parent_id: int | None) -> None:
        for goal in children.get(parent_id, []):
            out.append(goal)
            visit(goal.id)

    visit(None)
    return out


def strategy_view(strategy: Strategy, user: Any = None) -> StrategyView:
    """The goal tree with each goal's visible evidence, and the coverage counts."""
    goal_ids = [goal.id for goal in strategy.goals]
    visible_ids = visible_cases(user).with_only_columns(Case.id).scalar_subquery()
    links = db.session.scalars(
        select(CaseGoalLink)
        .where(CaseGoalLink.goal_id.in_(goal_ids), CaseGoalLink.case_id.in_(visible_ids))
        .options(
            selectinload(CaseGoalLink.case).selectinload(Case.organizations),
            selectinload(CaseGoalLink.case).selectinload(Case.results),
        )
        .order_by(CaseGoalLink.created_at)
    ).all()
    by_goal: dict[int, list[CaseGoalLink]] = {}
    for link in links:
        by_goal.setdefault(link.goal_id, []).append(link)
    children = children_by_parent(strategy.goals)

    def build(parent_id: int | None, depth: int) -> list[GoalNode]:
        return [
            GoalNode(goal, by_goal.get(goal.id, []), build(goal.id, depth + 1), depth)
            for goal in children.get(parent_id, [])
        ]

    tree = build(None, 0)
    view = StrategyView(strategy=strategy, tree=tree, goals_total=0, goals_with_evidence=0)
    leaves = [node for node in view.walk() if node.is_leaf]
    view.goals_total = len(leaves)
    view.goals_with_evidence = sum(1 for node in leaves if node.has_evidence)
    return view


def visible_links_for_case(case: Case, user: Any = None) -> list[CaseGoalLink]:
    """Links from this case to goals of strategies the user may see."""
    strategy_ids = visible_strategies(user).with_only_columns(Strategy.id).scalar_subquery()
    stmt = (
        select(CaseGoalLink)
        .join(StrategyGoal)
        .where(CaseGoalLink.case_id == case.id, StrategyGoal.strategy_id.in_(strategy_ids))
        .options(
            selectinload(CaseGoalLink.goal)
            .selectinload(StrategyGoal.strategy)
            .selectinload(Strategy.organization)
        )
        .order_by(StrategyGoal.strategy_id, StrategyGoal.position)
    )
    return list(db.session.scalars(stmt))
