"""Strategy services and permission predicates, on the database directly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.strategies import evidence, services
from portal.strategies.charts import indicator_chart, progress_of
from portal.strategies.models import Direction, Strategy, StrategyStatus
from portal.strategies.permissions import can_edit_strategy, visible_strategies
from portal.strategies.services import GoalData, IndicatorData, StrategyData, StrategyError


def _user(organization, *roles: Role):
    return SimpleNamespace(
        is_authenticated=True, is_active=True, organization_id=organization.id,
        organization=organization, has_role=lambda role: role in roles,
    )  # fmt: skip


def test_visible_strategies_hide_drafts_from_everyone_but_the_organisation(ctx, factory):
    own, other = factory.organization(), factory.organization()
    draft = factory.strategy(status=StrategyStatus.DRAFT, organization=own)
    adopted = factory.strategy(organization=other)

    def ids(user) -> set[int]:
        return set(db.session.scalars(visible_strategies(user).with_only_columns(Strategy.id)))

    assert draft.id not in ids(None) and adopted.id in ids(None)
    assert draft.id in ids(_user(own)) and adopted.id in ids(_user(own))
    assert draft.id not in ids(_user(other, Role.STRATEGY_AUTHOR))


def test_only_strategy_authors_of_the_organisation_may_edit(ctx, factory):
    own, other = factory.organization(), factory.organization()
    strategy = factory.strategy(organization=own)
    assert can_edit_strategy(_user(own, Role.STRATEGY_AUTHOR), strategy)
    assert not can_edit_strategy(_user(own, Role.CONTRIBUTOR, Role.EDITOR), strategy)
    assert not can_edit_strategy(_user(other, Role.STRATEGY_AUTHOR, Role.ADMIN), strategy)
    assert not can_edit_strategy(None, strategy)


def test_strategy_invariants_are_checked_by_the_service(ctx, factory):
    author = _user(factory.organization(), Role.STRATEGY_AUTHOR)
    with pytest.raises(StrategyError):
        services.create_strategy(author=author, data=StrategyData("X", 2028, 2025))
    with pytest.raises(StrategyError):
        services.create_strategy(
            author=author, data=StrategyData("X", 2025, 2028, StrategyStatus.ADOPTED)
        )
    strategy = services.create_strategy(
        author=author,
        data=StrategyData("Strategi", 2025, 2028, StrategyStatus.ADOPTED, "Bystyret",
                          date(2025, 2, 1)),
    )  # fmt: skip
    assert strategy.slug.endswith("strategi") and strategy.is_adopted
    services.update_strategy(strategy=strategy, data=StrategyData("Strategi", 2025, 2028))
    assert strategy.adopted_by is None and strategy.adopted_on is None  # back to draft


def test_goal_tree_depth_cycles_moves_and_deletes(ctx, factory):
    strategy = factory.strategy()
    levels = [services.add_goal(strategy=strategy, parent=None, data=GoalData("Hovedmål", "1"))]
    for n in range(2, services.MAX_DEPTH + 1):
        levels.append(services.add_goal(strategy=strategy, parent=levels[-1],
                                        data=GoalData("Delmål", str(n))))  # fmt: skip
    with pytest.raises(StrategyError):
        services.add_goal(strategy=strategy, parent=levels[-1], data=GoalData("Delmål", "for dypt"))
    with pytest.raises(StrategyError):
        services.update_goal(goal=levels[0], data=GoalData("Hovedmål", "1"), parent=levels[2])
    assert levels[0].parent is None
    with pytest.raises(StrategyError):
        services.delete_goal(goal=levels[0])  # it has sub-goals
    services.delete_goal(goal=levels[-1])
    assert len(strategy.goals) == services.MAX_DEPTH - 1

    a, b, c = (services.add_goal(strategy=strategy, parent=None, data=GoalData("Hovedmål", t))
               for t in "abc")  # fmt: skip
    services.move_goal(goal=c, offset=-1)
    services.move_goal(goal=levels[0], offset=-1)  # already first: stays
    order = sorted(strategy.root_goals, key=lambda g: g.position)
    assert [g.title for g in order] == ["1", "a", "c", "b"]
    services.update_goal(goal=a, data=GoalData("Delmål", "a"), parent=levels[0])
    assert [g.title for g in sorted(strategy.root_goals, key=lambda g: g.position)] == [
        "1",
        "c",
        "b",
    ]
    assert [g.position for g in sorted(strategy.root_goals, key=lambda g: g.position)] == [0, 1, 2]


def test_measurements_progress_and_chart(app, ctx, factory):
    strategy = factory.strategy(period_from=2024, period_to=2027)
    goal = factory.goal(strategy)
    lower = services.add_indicator(goal=goal, data=IndicatorData(
        "Andel med lav kvalitet", "%", Decimal(10), Decimal(30), date(2027, 12, 31),
        Direction.LOWER_IS_BETTER))  # fmt: skip
    assert progress_of(lower) is None
    services.add_measurement(indicator=lower, measured_on=date(2025, 6, 1), value=Decimal(20))
    services.add_measurement(indicator=lower, measured_on=date(2024, 6, 1), value=Decimal(25))
    assert [m.measured_on.year for m in lower.measurements] == [2024, 2025]  # kept in date order
    assert progress_of(lower) == pytest.approx(0.5)
    with pytest.raises(StrategyError):
        services.add_measurement(indicator=lower, measured_on=date(2025, 6, 1), value=Decimal(1))
    with app.test_request_context():
        chart = indicator_chart(lower)
        assert "50 prosent av veien" in chart.summary
    assert len(chart.points) == 2
    assert chart.points[0].x < chart.points[1].x  # time runs left to right
    assert chart.points[1].y > chart.points[0].y  # 20 is drawn lower than 25
    assert chart.target_y > chart.points[1].y  # the target (10) is lower still
    assert not chart.reached and chart.progress_percent == 50
    services.add_measurement(indicator=lower, measured_on=date(2026, 6, 1), value=Decimal(9))
    with app.test_request_context():
        assert indicator_chart(lower).reached
    with pytest.raises(StrategyError):
        services.add_indicator(goal=goal, data=IndicatorData("X", "%", Decimal(5), Decimal(5)))


def test_links_need_a_published_case_and_a_rationale(ctx, factory):
    from portal.cases.models import CaseStatus

    goal = factory.goal(factory.strategy())
    published, draft = factory.case(), factory.case(status=CaseStatus.DRAFT)
    with pytest.raises(StrategyError):
        evidence.link_case(goal=goal, case=draft, rationale="Fordi.", author=None)
    with pytest.raises(StrategyError):
        evidence.link_case(goal=goal, case=published, rationale=" ", author=None)
    link = evidence.link_case(goal=goal, case=published, rationale=" Fordi. ", author=None)
    assert link.rationale == "Fordi." and link.created_at is not None
    with pytest.raises(StrategyError):
        evidence.link_case(goal=goal, case=published, rationale="Igjen.", author=None)
    evidence.unlink(link=link)
    assert goal.case_links == []
    assert db.session.scalars(
        select(type(published)).where(type(published).id == published.id)
    ).one()
