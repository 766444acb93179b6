"""More than cases: the topics, organisations and strategy goals a search names.

These collections are small (tens of topics and organisations, hundreds of goals), so they are
matched in memory with the same analysis, compounds and synonyms as the case search: every
word (or its synonym, or the hyphenated word joined or split) must occur in the item's text.
Draft strategies appear only to their own organisation, as everywhere else.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select

from portal.cases.models import Case, case_terms
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.organizations.models import Organization
from portal.pagecache import generation
from portal.search import engine
from portal.search import query as query_mod
from portal.search.analysis import analyse
from portal.strategies.models import Action, Indicator, Strategy, StrategyGoal
from portal.strategies.permissions import visible_strategies
from portal.taxonomy.facets import Vocabulary
from portal.taxonomy.models import Term

LIMIT = 5


# What a search page shows of a topic, an organisation or a goal it names: kept with their
# words for the content generation, so that showing them needs no statement.


@dataclass(frozen=True)
class TopicLabel:
    id: int
    vocabulary: Vocabulary
    slug: str
    label_nb: str
    label_en: str
    label = Term.label


@dataclass(frozen=True)
class OrganizationLabel:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class GoalLabel:
    id: int
    code: str | None
    title: str
    heading = StrategyGoal.heading


@dataclass(frozen=True)
class StrategyLabel:
    id: int
    title: str


@dataclass(frozen=True)
class RelatedGoal:
    goal: GoalLabel
    strategy: StrategyLabel


@dataclass
class Related:
    terms: list[tuple[TopicLabel, int]] = field(default_factory=list)  # with published counts
    organizations: list[OrganizationLabel] = field(default_factory=list)
    goals: list[RelatedGoal] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.terms or self.organizations or self.goals)


@dataclass(frozen=True)
class _Corpus:
    """Candidates' analysed words (each joined by spaces, a space at each end), one candidate
    a line: a search's word is looked for in all of them with one pass of its pattern (a
    match never spans a line break), not one search per candidate."""

    text: str
    starts: list[int]  # where each candidate's line begins

    @classmethod
    def of(cls, words: list[str]) -> _Corpus:
        starts = list(accumulate((len(w) + 1 for w in words[:-1]), initial=0)) if words else []
        return cls("\n".join(words), starts)

    def matching(self, units: list[list[tuple]]) -> list[int]:
        """The candidates (by place) that hold, for every unit, one of its options."""
        found: set[int] | None = None
        for unit in units:
            here = {
                bisect_right(self.starts, match.start()) - 1
                for option in unit
                for match in _pattern(option).finditer(self.text)
            }
            found = here if found is None else found & here
            if not found:
                return []
        return sorted(found or ())


@lru_cache(maxsize=4096)
def _pattern(sequence: tuple[str, ...]) -> re.Pattern:
    """The whole words in order; a single word also as a compound counts it in the search:
    "strategi" ends "anskaffelsesstrategi", "møbel" begins "møbellager" (at least three more
    letters), but a word merely inside another ("ehandl" in "behandling") does not count."""
    exact = re.escape(" ".join(sequence))
    if len(sequence) > 1 or len(sequence[0]) < query_mod.MIN_COMPOUND_PART:
        return re.compile(f" {exact} ")
    return re.compile(f" (?:{exact}|{exact}\\S{{3,}}|\\S{{3,}}{exact}) ")


def published_per_term(terms: Sequence[Term | TopicLabel]) -> dict[int, int]:
    """How many published cases each of these topics has: from the search index's facet table
    where it keeps one (the index holds exactly the published cases), else counted in the
    database when a search first names a topic, and kept for the content generation (the
    first search after an edit counts the few topics it shows, not every topic's cases)."""
    from_index = engine.from_index(
        lambda index: index.topic_counts((str(t.vocabulary), t.slug) for t in terms)
    )
    if from_index is not None:
        return {t.id: from_index[str(t.vocabulary), t.slug] for t in terms}
    counts = generation.kept("related").setdefault("term_counts", {})
    missing = [t.id for t in terms if t.id not in counts]
    if missing:
        counts.update(dict.fromkeys(missing, 0))
        counts.update(
            db.session.execute(
                select(case_terms.c.term_id, func.count())
                .where(case_terms.c.term_id.in_(missing))
                .where(case_terms.c.case_id.in_(visible_cases(None).with_only_columns(Case.id)))
                .group_by(case_terms.c.term_id)
            ).all()
        )
    return counts


@dataclass(frozen=True)
class _Candidates:
    """Every topic, organisation and strategy goal with its analysed words, for one content
    generation: a search matches its words against these without loading a row, and loads
    only the handful it shows."""

    terms: list[tuple[TopicLabel, str]]  # in display order
    organizations: list[tuple[OrganizationLabel, str]]  # in Norwegian order
    goals: list[tuple[RelatedGoal, str]]  # in strategy order
    corpora: tuple[_Corpus, _Corpus, _Corpus] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "corpora", (
            _Corpus.of([words for _label, words in self.terms]),
            _Corpus.of([words for _label, words in self.organizations]),
            _Corpus.of([words for _label, words in self.goals]),
        ))  # fmt: skip


# Analysed words by text, across content generations: an edit to one case must not make the
# next search analyse every topic, organisation and goal again (a pure function of the text).
@lru_cache(maxsize=50_000)
def _analysed(text: str) -> str:
    """The text's analysed words, joined by spaces, with a space at each end (see _Corpus)."""
    return f" {' '.join(analyse(text))} "


def _candidates() -> _Candidates:
    """Read with Core, not the ORM: these rows are only words to match and labels to show,
    read once per content generation (the first search after any edit pays for it)."""
    store = generation.kept("related")
    found = store.get("candidates")
    if found is None:
        terms = db.session.execute(
            select(Term.id, Term.vocabulary, Term.slug, Term.label_nb, Term.label_en,
                   Term.description_nb, Term.description_en)
            .order_by(Term.vocabulary, Term.position)
        )  # fmt: skip
        organizations = db.session.execute(
            select(Organization.id, Organization.slug, Organization.name, Organization.county)
            .order_by(norwegian_order(Organization.name))
        )  # fmt: skip
        found = store["candidates"] = _Candidates(
            terms=[
                (TopicLabel(*row[:5]), _analysed(" ".join(part or "" for part in row[3:])))
                for row in terms
            ],
            organizations=[
                (OrganizationLabel(id_, slug, name), _analysed(f"{name} {county or ''}"))
                for id_, slug, name, county in organizations
            ],
            goals=_goal_candidates(),
        )
    return found


def _goal_candidates() -> list[tuple[RelatedGoal, str]]:
    """Every goal of every strategy with its actions' and indicators' words."""
    extra: dict[int, list[str]] = {}
    for goal_id, text in db.session.execute(select(Action.goal_id, Action.title)):
        extra.setdefault(goal_id, []).append(text)
    for goal_id, text in db.session.execute(select(Indicator.goal_id, Indicator.name)):
        extra.setdefault(goal_id, []).append(text)
    goals = db.session.execute(
        select(StrategyGoal.id, StrategyGoal.code, StrategyGoal.title, StrategyGoal.description,
               Strategy.id, Strategy.title)
        .join(Strategy, StrategyGoal.strategy_id == Strategy.id)
        .order_by(StrategyGoal.strategy_id, StrategyGoal.position, StrategyGoal.id)
    )  # fmt: skip
    return [
        (RelatedGoal(GoalLabel(goal_id, code, title), StrategyLabel(strategy_id, strategy_title)),
         _analysed(" ".join([title, description or "", *extra.get(goal_id, [])])))
        for goal_id, code, title, description, strategy_id, strategy_title in goals
    ]  # fmt: skip


def find_related(text: str, user: Any, synonyms: query_mod.Synonyms) -> Related:
    parsed = query_mod.parse(text)
    related = Related()
    if parsed.is_empty:
        return related
    units = query_mod.units(parsed, synonyms=synonyms)
    candidates = _candidates()
    term_corpus, organization_corpus, goal_corpus = candidates.corpora
    topics = [candidates.terms[i][0] for i in term_corpus.matching(units)]
    if topics:
        counts = published_per_term(topics)
        # The most used first; ties keep the vocabularies' display order.
        order = {topic.id: i for i, topic in enumerate(topics)}
        topics = sorted(topics, key=lambda t: (-counts.get(t.id, 0), order[t.id]))[:LIMIT]
        related.terms = [(topic, counts.get(topic.id, 0)) for topic in topics]
    related.organizations = [
        candidates.organizations[i][0] for i in organization_corpus.matching(units)
    ][:LIMIT]
    matched = [candidates.goals[i][0] for i in goal_corpus.matching(units)]
    if matched:
        visible = _visible_strategies(user, {item.strategy.id for item in matched})
        related.goals = [item for item in matched if item.strategy.id in visible][:LIMIT]
    return related


def _visible_strategies(user: Any, wanted: set[int]) -> set[int]:
    """Which of these strategies the user may see. The public ones are kept for the content
    generation (a strategy's status is public content); the others are asked of
    `visible_strategies`, which shows drafts only to their own organisation, as everywhere."""
    store = generation.kept("related")
    public = store.get("public_strategies")
    if public is None:
        public = store["public_strategies"] = frozenset(
            db.session.scalars(visible_strategies(None).with_only_columns(Strategy.id))
        )
    if wanted <= public:
        return wanted
    return (wanted & public) | set(db.session.scalars(
        visible_strategies(user).with_only_columns(Strategy.id)
        .where(Strategy.id.in_(wanted - public))))  # fmt: skip
