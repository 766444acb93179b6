"""Read-side queries for cases: filtering, sorting, related cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, desc, func, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case, case_organizations, case_terms
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.organizations.models import Organization
from portal.taxonomy.facets import FACET_BY_FIELD
from portal.taxonomy.models import Term, Vocabulary

SORTS = ("newest", "oldest", "year", "title")


@dataclass(frozen=True)
class CaseFilters:
    """Filters from the case list's query string; values are slugs (or years)."""

    terms: dict[Vocabulary, tuple[str, ...]] = field(default_factory=dict)
    organizations: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    sort: str = "newest"

    @classmethod
    def from_args(cls, args: Any) -> CaseFilters:
        terms = {}
        for vocabulary in Vocabulary:
            values = tuple(v for v in args.getlist(vocabulary.url_slug) if v)
            if values:
                terms[vocabulary] = values
        year, organization = FACET_BY_FIELD["year"].param, FACET_BY_FIELD["organization"].param
        years = tuple(int(v) for v in args.getlist(year) if v.isdigit() and len(v) == 4)
        sort = args.get("sorter", "newest")
        return cls(
            terms=terms,
            organizations=tuple(v for v in args.getlist(organization) if v),
            years=years,
            sort=sort if sort in SORTS else "newest",
        )

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.organizations or self.years)


def _with_case_details(stmt: Select) -> Select:
    return stmt.options(selectinload(Case.organizations), selectinload(Case.terms))


def filtered_cases(filters: CaseFilters, user: Any = None) -> Select[tuple[Case]]:
    """Visible cases matching every filter: any chosen value within a filter, all filters."""
    stmt = visible_cases(user)
    for vocabulary, slugs in filters.terms.items():
        matching = (
            select(case_terms.c.case_id)
            .join(Term, Term.id == case_terms.c.term_id)
            .where(Term.vocabulary == vocabulary, Term.slug.in_(slugs))
        )
        stmt = stmt.where(Case.id.in_(matching))
    if filters.organizations:
        matching = (
            select(case_organizations.c.case_id)
            .join(Organization, Organization.id == case_organizations.c.organization_id)
            .where(Organization.slug.in_(filters.organizations))
        )
        stmt = stmt.where(Case.id.in_(matching))
    if filters.years:
        stmt = stmt.where(Case.year.in_(filters.years))
    order = {
        "newest": (desc(Case.published_at).nulls_last(), desc(Case.id)),
        "oldest": (Case.published_at.nulls_last(), Case.id),
        "title": (Case.title,),
        "year": (desc(Case.year).nulls_last(), norwegian_order(Case.title)),
    }[filters.sort]
    return _with_case_details(stmt.order_by(*order))


def count_visible_cases(user: Any = None) -> int:
    return db.session.scalar(select(func.count()).select_from(visible_cases(user).subquery())) or 0


# A shared category or theme says more about likeness than a shared procedure.
HEAVY_TOPICS = (Vocabulary.CATEGORY, Vocabulary.THEME)


def related_cases(this: Case, limit: int = 4, user: Any = None) -> list[Case]:
    """Visible cases sharing the most tags (categories and themes weigh most), then the newest
    year, then by title.

    The search index keeps which published cases carry each topic, and adds up the weights for
    the whole bank in a few operations; the database then orders the few best by year and
    title. Without such a table (the PostgreSQL index) the database does it all.
    """
    if not this.terms:
        return []
    from portal.search.engine import from_index

    topics = {(str(t.vocabulary), t.slug): 2 if t.vocabulary in HEAVY_TOPICS else 1
              for t in this.terms}  # fmt: skip
    shared = from_index(lambda index: index.sharing_topics(topics, limit + 1))  # +1: this case
    if shared is None:
        return related_cases_by_sql(this, limit, user)
    weights = {case_id: weight for case_id, weight in shared if case_id != this.id}
    if not weights:
        return []
    stmt = (
        visible_cases(user)
        .where(Case.id.in_(weights))
        .order_by(
            desc(case(weights, value=Case.id)),
            desc(Case.year).nulls_last(),
            norwegian_order(Case.title),
        )  # fmt: skip
        .limit(limit)
    )
    return list(db.session.scalars(_with_case_details(stmt)))


def related_cases_by_sql(this: Case, limit: int = 4, user: Any = None) -> list[Case]:
    """The same as related_cases, counted by the database over every case sharing a topic."""
    term_ids = [term.id for term in this.terms]
    if not term_ids:
        return []
    weight = func.sum(case((Term.vocabulary.in_(HEAVY_TOPICS), 2), else_=1))
    shared = (
        select(case_terms.c.case_id, weight.label("score"))
        .join(Term, Term.id == case_terms.c.term_id)
        .where(case_terms.c.term_id.in_(term_ids), case_terms.c.case_id != this.id)
        .group_by(case_terms.c.case_id)
        .subquery()
    )
    stmt = (
        visible_cases(user)
        .join(shared, shared.c.case_id == Case.id)
        .order_by(desc(shared.c.score), desc(Case.year).nulls_last(), norwegian_order(Case.title))
        .limit(limit)
    )
    return list(db.session.scalars(_with_case_details(stmt)))


def filter_options(user: Any = None) -> dict[str, Any]:
    """Values offered in the case list's filter form, with counts of visible cases."""
    visible_ids = visible_cases(user).with_only_columns(Case.id).scalar_subquery()
    term_rows = db.session.execute(
        select(Term, func.count(case_terms.c.case_id))
        .join(case_terms, case_terms.c.term_id == Term.id)
        .where(case_terms.c.case_id.in_(visible_ids))
        .group_by(Term.id)
        .order_by(Term.vocabulary, Term.position, norwegian_order(Term.label_nb))
    ).all()
    terms: dict[Vocabulary, list[tuple[Term, int]]] = {v: [] for v in Vocabulary}
    for term, count in term_rows:
        terms[term.vocabulary].append((term, count))
    organizations = db.session.execute(
        select(Organization, func.count(case_organizations.c.case_id))
        .join(case_organizations, case_organizations.c.organization_id == Organization.id)
        .where(case_organizations.c.case_id.in_(visible_ids))
        .group_by(Organization.id)
        .order_by(norwegian_order(Organization.name))
    ).all()
    years = db.session.execute(
        select(Case.year, func.count())
        .where(Case.id.in_(visible_ids), Case.year.is_not(None))
        .group_by(Case.year)
        .order_by(desc(Case.year))
    ).all()
    return {"terms": terms, "organizations": organizations, "years": years}
