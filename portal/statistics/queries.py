"""Counts of published cases, and evidence coverage across the adopted strategies."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import desc, func, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case, case_organizations, case_terms
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.organizations.models import Organization
from portal.strategies.models import CaseGoalLink, Strategy, StrategyGoal, StrategyStatus
from portal.strategies.queries import tree_order
from portal.taxonomy.models import Term, Vocabulary


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    url: str | None = None  # where the cases counted are listed


def published_total() -> int:
    return db.session.scalar(visible_cases(None).with_only_columns(func.count(Case.id))) or 0


def per_term(vocabulary: Vocabulary, language: str) -> list[tuple[Term, int]]:
    """Every term of the vocabulary with its number of published cases, most first."""
    published = visible_cases(None).with_only_columns(Case.id).scalar_subquery()
    counted = (
        select(case_terms.c.term_id, func.count().label("n"))
        .where(case_terms.c.case_id.in_(published))
        .group_by(case_terms.c.term_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Term, func.coalesce(counted.c.n, 0))
        .outerjoin(counted, counted.c.term_id == Term.id)
        .where(Term.vocabulary == vocabulary)
        .order_by(
            desc(func.coalesce(counted.c.n, 0)), Term.position, norwegian_order(Term.label_nb)
        )  # fmt: skip
    ).all()
    return [(term, count) for term, count in rows]


def per_year() -> list[tuple[int, int]]:
    """Published cases per year of procurement, oldest first."""
    return [
        (year, count)
        for year, count in db.session.execute(
            visible_cases(None)
            .with_only_columns(Case.year, func.count(Case.id))
            .where(Case.year.is_not(None))
            .group_by(Case.year)
            .order_by(Case.year)
        )
    ]


def per_county() -> list[tuple[str, int]]:
    """Published cases per county of their organisations (a case of two counties counts in
    each), most first."""
    published = visible_cases(None).with_only_columns(Case.id).scalar_subquery()
    rows = db.session.execute(
        select(Organization.county, func.count(func.distinct(case_organizations.c.case_id)))
        .join(case_organizations, case_organizations.c.organization_id == Organization.id)
        .where(case_organizations.c.case_id.in_(published), Organization.county.is_not(None))
        .group_by(Organization.county)
        .order_by(
            desc(func.count(func.distinct(case_organizations.c.case_id))),
            norwegian_order(Organization.county),
        )  # fmt: skip
    ).all()
    return [(county, count) for county, count in rows]


@dataclass
class StrategyCoverage:
    strategy: Strategy
    total: int
    covered: int
    lacking: list[StrategyGoal] = field(default_factory=list)  # leaves without cases

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def coverage() -> list[StrategyCoverage]:
    """Every adopted strategy's goals with and without published cases, least covered first.

    Counted as the strategy page counts them (`strategy_view`): the goals without sub-goals,
    each covered when a published case is linked to it; in four statements for all strategies.
    """
    strategies = db.session.scalars(
        select(Strategy)
        .where(Strategy.status == StrategyStatus.ADOPTED)
        .options(selectinload(Strategy.goals), selectinload(Strategy.organization))
    ).all()
    published = visible_cases(None).with_only_columns(Case.id).scalar_subquery()
    linked = set(
        db.session.scalars(
            select(CaseGoalLink.goal_id).where(CaseGoalLink.case_id.in_(published)).distinct()
        )
    )
    result = []
    for strategy in strategies:
        parents = {goal.parent_id for goal in strategy.goals}
        leaves = [goal for goal in tree_order(strategy.goals) if goal.id not in parents]
        result.append(
            StrategyCoverage(
                strategy=strategy,
                total=len(leaves),
                covered=sum(1 for goal in leaves if goal.id in linked),
                lacking=[goal for goal in leaves if goal.id not in linked],
            )
        )
    return sorted(result, key=lambda c: (c.percent, c.strategy.title))
