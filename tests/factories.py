"""Small builders for test data, bound to the session; they flush but never commit."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseResult, CaseStatus, EvidenceLevel
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization, OrganizationType
from portal.strategies.models import CaseGoalLink, Strategy, StrategyGoal, StrategyStatus
from portal.taxonomy.models import Term, Vocabulary

# Unique across processes too (the concurrency tests run factories in two at once).
_numbers = itertools.count(int(uuid.uuid4().int % 10**9) * 1000)


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    @property
    def session(self) -> Session:
        return db.session

    @contextmanager
    def committing(self) -> Iterator[Factory]:
        """Build inside a short app context and commit, so later requests see the data."""
        with self.app.app_context():
            yield self
            db.session.commit()
            db.session.expunge_all()

    def organization(self, **fields) -> Organization:
        n = next(_numbers)
        org = Organization(
            slug=fields.pop("slug", f"testkommune-{n}"),
            name=fields.pop("name", f"Testkommune {n}"),
            org_type=fields.pop("org_type", OrganizationType.KOMMUNE),
            **fields,
        )
        self.session.add(org)
        self.session.flush()
        return org

    def term(self, vocabulary: Vocabulary, slug: str) -> Term:
        return self.session.scalars(
            select(Term).where(Term.vocabulary == vocabulary, Term.slug == slug)
        ).one()

    def case(self, *, status: CaseStatus = CaseStatus.PUBLISHED, terms=(), **fields) -> Case:
        n = next(_numbers)
        organizations = fields.pop("organizations", None) or [self.organization()]
        case = Case(
            slug=fields.pop("slug", f"testeksempel-{n}"),
            title=fields.pop("title", f"Testeksempel {n}"),
            summary=fields.pop("summary", "Et eksempel laget av testene."),
            year=fields.pop("year", 2024),
            status=status,
            published_at=utcnow() if status is CaseStatus.PUBLISHED else None,
            **fields,
        )
        case.organizations = organizations
        case.terms = [self.term(v, s) for v, s in terms]
        self.session.add(case)
        self.session.flush()
        return case

    def result(self, case: Case, **fields) -> CaseResult:
        result = CaseResult(
            indicator=fields.pop("indicator", "Besparelse"),
            value=Decimal(str(fields.pop("value", 1))),
            unit=fields.pop("unit", "mill. kr"),
            evidence_level=fields.pop("evidence_level", EvidenceLevel.DOCUMENTED),
            **fields,
        )
        case.results.append(result)
        self.session.flush()
        return result

    def strategy(self, *, status: StrategyStatus = StrategyStatus.ADOPTED, **fields) -> Strategy:
        n = next(_numbers)
        strategy = Strategy(
            slug=fields.pop("slug", f"teststrategi-{n}"),
            title=fields.pop("title", f"Teststrategi {n}"),
            organization=fields.pop("organization", None) or self.organization(),
            period_from=fields.pop("period_from", 2024),
            period_to=fields.pop("period_to", 2027),
            status=status,
            **fields,
        )
        self.session.add(strategy)
        self.session.flush()
        return strategy

    def goal(self, strategy: Strategy, **fields) -> StrategyGoal:
        goal = StrategyGoal(
            strategy=strategy,
            kind=fields.pop("kind", "Delmål"),
            title=fields.pop("title", "Et testmål"),
            position=fields.pop("position", len(strategy.goals)),
            **fields,
        )
        self.session.add(goal)
        self.session.flush()
        return goal

    def link(self, case: Case, goal: StrategyGoal, rationale: str = "Fordi.") -> CaseGoalLink:
        link = CaseGoalLink(case=case, goal=goal, rationale=rationale)
        self.session.add(link)
        self.session.flush()
        return link
