"""Cases as evidence for goals: linking, editing and removing links, and suggestions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order, utcnow
from portal.extensions import db
from portal.search import service as search
from portal.search.backend import SearchRequest
from portal.strategies.models import CaseGoalLink, Strategy, StrategyGoal
from portal.strategies.permissions import can_edit_strategy
from portal.strategies.queries import tree_order
from portal.strategies.services import StrategyError
from portal.translating import lazy_gettext as _l


def _clean_rationale(rationale: str) -> str:
    text = (rationale or "").strip()
    if not text:
        raise StrategyError(_l("Say why this case supports the goal."))
    return text


def link_case(*, goal: StrategyGoal, case: Case, rationale: str, author: Any) -> CaseGoalLink:
    """Cite a published case as evidence for the goal, recording who linked it and when."""
    if not case.is_published:
        raise StrategyError(_l("Only published cases can be linked."))
    if any(link.case_id == case.id for link in goal.case_links):
        raise StrategyError(_l("This case is already linked to the goal."))
    link = CaseGoalLink(case=case, rationale=_clean_rationale(rationale), author=author)
    goal.case_links.append(link)
    db.session.flush()
    return link


def update_link(*, link: CaseGoalLink, rationale: str, editor: Any) -> None:
    """Change the reason given for a link, recording who changed it and when."""
    text = _clean_rationale(rationale)
    if text != link.rationale:
        link.rationale = text
        link.updated_by = editor
        link.updated_at = utcnow()
    db.session.flush()


def unlink(*, link: CaseGoalLink) -> None:
    """Remove a case from a goal's evidence (the case itself is untouched)."""
    link.goal.case_links.remove(link)  # delete-orphan deletes it
    db.session.flush()


def goal_text(goal: StrategyGoal) -> str:
    """What suggestions for a goal are computed from: its title, description and actions.

    Many goals in real strategies are a short title whose meaning lives in their actions
    (Lørenskog's "Kvalitet og kompetanse"); the actions are the goal's own words too.
    """
    parts = [goal.title, goal.description, *(action.title for action in goal.actions)]
    return "\n".join(part for part in parts if part).strip()


def suggest_cases(goal: StrategyGoal, limit: int = 6) -> list[Case]:
    """Published cases most like the goal's text that are not linked to it yet."""
    linked = {link.case_id for link in goal.case_links}
    similar = search.similar_cases(goal_text(goal), limit + len(linked))
    return [case for case in similar if case.id not in linked][:limit]


def find_cases(text: str, limit: int = 10) -> list[Case]:
    """Published cases matching a search, for linking from a goal."""
    if not text.strip():
        return []
    result = search.search_cases(SearchRequest(text=text, per_page=limit))
    return [case for case, _highlights in search.load_hits(result)]


def linkable_goals(user: Any) -> list[StrategyGoal]:
    """Goals of every strategy the user may edit, strategy by strategy, in tree order."""
    strategies = db.session.scalars(
        select(Strategy)
        .where(Strategy.organization_id == user.organization_id)
        .options(selectinload(Strategy.goals))
        .order_by(Strategy.period_to.desc(), norwegian_order(Strategy.title))
    ).all()
    goals: list[StrategyGoal] = []
    for strategy in strategies:
        if can_edit_strategy(user, strategy):
            goals.extend(tree_order(strategy.goals))
    return goals


def published_case(slug: str) -> Case | None:
    return db.session.scalars(visible_cases(None).where(Case.slug == slug)).first()
