"""More than cases: the topics, organisations and strategy goals a search names.

These collections are small (tens of topics and organisations, hundreds of goals), so they are
matched in memory with the same analysis, compounds and synonyms as the case search: every
word (or its synonym, or the hyphenated word joined or split) must occur in the item's text.
Draft strategies appear only to their own organisation, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case, case_terms
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.organizations.models import Organization
from portal.pagecache import generation
from portal.search import query as query_mod
from portal.search.analysis import analyse
from portal.strategies.models import Strategy, StrategyGoal
from portal.strategies.permissions import visible_strategies
from portal.taxonomy.models import Term

LIMIT = 5


@dataclass
class RelatedGoal:
    goal: StrategyGoal
    strategy: Strategy


@dataclass
class Related:
    terms: list[tuple[Term, int]] = field(default_factory=list)  # with published case counts
    organizations: list[Organization] = field(default_factory=list)
    goals: list[RelatedGoal] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.terms or self.organizations or self.goals)


def _contains(tokens: list[str], sequence: tuple[str, ...]) -> bool:
    if len(sequence) == 1:
        word = sequence[0]
        # A compound counts as the search does: "strategi" ends "anskaffelsesstrategi", "møbel"
        # begins "møbellager"; a word merely inside another ("ehandl" in "behandling") does not.
        return any(
            t == word
            or (len(word) >= query_mod.MIN_COMPOUND_PART and len(t) >= len(word) + 3
                and (t.endswith(word) or t.startswith(word)))
            for t in tokens
        )  # fmt: skip
    n = len(sequence)
    return any(tuple(tokens[i : i + n]) == sequence for i in range(len(tokens) - n + 1))


def _store() -> dict:
    """What is kept for the current content generation (it changes only when that does)."""
    store = current_app.extensions.setdefault("related_tokens", {"generation": None})
    content = generation.current()[0]
    if store["generation"] != content:
        store.clear()
        store["generation"] = content
    return store


def _published_per_term() -> dict[int, int]:
    """How many published cases each topic has (the same for every search)."""
    store = _store()
    if "term_counts" not in store:
        store["term_counts"] = dict(
            db.session.execute(
                select(case_terms.c.term_id, func.count())
                .where(case_terms.c.case_id.in_(visible_cases(None).with_only_columns(Case.id)))
                .group_by(case_terms.c.term_id)
            ).all()
        )
    return store["term_counts"]


def _tokens(key: tuple, text: str) -> list[str]:
    """The analysed words of a topic, organisation or goal, kept for the content generation
    (analysing them all is most of a search's extra cost)."""
    store = _store()
    tokens = store.get(key)
    if tokens is None:
        tokens = store[key] = analyse(text)
    return tokens


def _matches(key: tuple, text: str, units: list[list[tuple]]) -> bool:
    tokens = _tokens(key, text)
    return all(any(_contains(tokens, option) for option in unit) for unit in units)


def find_related(text: str, user: Any, synonyms: query_mod.Synonyms) -> Related:
    parsed = query_mod.parse(text)
    related = Related()
    if parsed.is_empty:
        return related
    units = query_mod.units(parsed, synonyms=synonyms)
    counts = _published_per_term()
    for term in db.session.scalars(select(Term).order_by(Term.vocabulary, Term.position)):
        words = f"{term.label_nb} {term.label_en} {term.description_nb} {term.description_en}"
        if _matches(("term", term.id), words, units):
            related.terms.append((term, counts.get(term.id, 0)))
    related.terms.sort(key=lambda row: -row[1])
    del related.terms[LIMIT:]
    for organization in db.session.scalars(
        select(Organization).order_by(norwegian_order(Organization.name))
    ):
        if _matches(("org", organization.id), f"{organization.name} {organization.county or ''}",
                    units):  # fmt: skip
            related.organizations.append(organization)
    del related.organizations[LIMIT:]
    # Every visible goal with its actions and indicators, in three statements (not per goal).
    visible_ids = visible_strategies(user).with_only_columns(Strategy.id).scalar_subquery()
    goals = db.session.scalars(
        select(StrategyGoal)
        .where(StrategyGoal.strategy_id.in_(visible_ids))
        .options(
            selectinload(StrategyGoal.strategy),
            selectinload(StrategyGoal.actions),
            selectinload(StrategyGoal.indicators),
        )
        .order_by(StrategyGoal.strategy_id, StrategyGoal.position, StrategyGoal.id)
    )
    for goal in goals:
        parts = [goal.title, goal.description or ""]
        parts += [action.title for action in goal.actions]
        parts += [indicator.name for indicator in goal.indicators]
        if _matches(("goal", goal.id), " ".join(parts), units):
            related.goals.append(RelatedGoal(goal=goal, strategy=goal.strategy))
    del related.goals[LIMIT:]
    return related
