"""Loads the seed data files in seed/ into the database, creating only what is missing."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from portal.cases.models import BODY_SECTIONS, Case, CaseResult, CaseStatus, Revision
from portal.dates import DatePrecision, is_span_start
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization, OrganizationType
from portal.strategies.models import (
    Action,
    ActionStatus,
    CaseGoalLink,
    Direction,
    Indicator,
    Measurement,
    Strategy,
    StrategyGoal,
    StrategyStatus,
)
from portal.taxonomy.models import Term, Vocabulary


class SeedError(ValueError):
    """The seed files are inconsistent (an unknown slug, a missing field …)."""


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _partial_date(value: Any, precision: Any, where: str) -> tuple[date | None, DatePrecision]:
    """A date no more precise than its source: 2024-04-01 with "quarter", never 2024-06-30."""
    day = _date(value)
    known = DatePrecision(precision or DatePrecision.DAY)
    if day is not None and not is_span_start(day, known):
        raise SeedError(f"{where}: {day} is more precise than its precision {known!r}")
    return day, known


def load_seed(seed_dir: Path) -> Counter[str]:
    """Create every seeded object that does not exist yet; return counts of what was created."""
    created: Counter[str] = Counter()
    _load_terms(_read(seed_dir / "taxonomies.yaml"), created)
    _load_organizations(_read(seed_dir / "organizations.yaml"), created)
    # Each case a second apart, in file order, newest first: lists "newest first" and ties in
    # search (broken by date) come out the same on every machine, however fast it seeds.
    seeded_at = utcnow()
    for position, path in enumerate(sorted((seed_dir / "cases").glob("*.yaml"))):
        published_at = seeded_at - timedelta(seconds=position)
        _load_case(_read(path), created, path.name, published_at)
    for path in sorted((seed_dir / "strategies").glob("*.yaml")):
        _load_strategy(_read(path), created, path.name)
    _load_links(_read(seed_dir / "links.yaml"), created)
    db.session.flush()
    return created


def _load_terms(data: dict[str, list[dict]], created: Counter[str]) -> None:
    existing = {(t.vocabulary, t.slug) for t in db.session.scalars(select(Term))}
    for vocabulary_name, entries in data.items():
        vocabulary = Vocabulary(vocabulary_name)
        for position, entry in enumerate(entries):
            if (vocabulary, entry["slug"]) in existing:
                continue
            db.session.add(
                Term(
                    vocabulary=vocabulary,
                    slug=entry["slug"],
                    label_nb=entry["nb"],
                    label_en=entry["en"],
                    description_nb=entry.get("description_nb", ""),
                    description_en=entry.get("description_en", ""),
                    position=position,
                )
            )
            created["terms"] += 1
    db.session.flush()


def _load_organizations(entries: list[dict], created: Counter[str]) -> None:
    existing = set(db.session.scalars(select(Organization.slug)))
    for entry in entries:
        if entry["slug"] in existing:
            continue
        db.session.add(
            Organization(
                slug=entry["slug"],
                name=entry["name"],
                org_type=OrganizationType(entry["type"]),
                org_number=entry.get("org_number"),
                municipality_number=entry.get("municipality_number"),
                county=entry.get("county"),
                country=entry.get("country", "NO"),
                website=entry.get("website"),
                description=entry.get("description", ""),
            )
        )
        created["organizations"] += 1
    db.session.flush()


def _organization(slug: str, where: str) -> Organization:
    org = db.session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        raise SeedError(f"{where}: unknown organization {slug!r}")
    return org


def _term(vocabulary: Vocabulary, slug: str, where: str) -> Term:
    term = db.session.scalars(
        select(Term).where(Term.vocabulary == vocabulary, Term.slug == slug)
    ).first()
    if term is None:
        raise SeedError(f"{where}: unknown {vocabulary} {slug!r}")
    return term


def _load_case(data: dict, created: Counter[str], where: str, published_at: datetime) -> None:
    if db.session.scalars(select(Case.id).where(Case.slug == data["slug"])).first():
        return
    if len(data["summary"]) > 300:
        raise SeedError(f"{where}: summary longer than 300 characters")
    case = Case(
        slug=data["slug"],
        title=data["title"],
        summary=data["summary"].strip(),
        year=data["year"],
        procurement_status=data.get("procurement_status", "completed"),
        estimated_value_nok=data.get("estimated_value_nok"),
        source=data.get("source"),
        status=CaseStatus(data.get("status", "published")),
        published_at=published_at if data.get("status", "published") == "published" else None,
        **{name: (data.get("sections", {}).get(name) or "").strip() for name in BODY_SECTIONS},
    )
    contact = data.get("contact") or {}
    case.contact_name = contact.get("name")
    case.contact_role = contact.get("role")
    case.contact_email = contact.get("email")
    case.contact_consent = bool(contact.get("consent", False))
    case.organizations = [_organization(slug, where) for slug in data["organizations"]]
    case.terms = [
        _term(Vocabulary(vocabulary), slug, where)
        for vocabulary, slugs in data.get("tags", {}).items()
        for slug in slugs
    ]
    for position, row in enumerate(data.get("results", [])):
        measured_on, precision = _partial_date(
            row.get("measured_on"), row.get("measured_precision"), where
        )
        case.results.append(
            CaseResult(
                position=position,
                indicator=row["indicator"],
                value=_decimal(row["value"]),
                unit=row["unit"],
                baseline=_decimal(row.get("baseline")),
                measured_on=measured_on,
                measured_precision=precision,
                period=row.get("period"),
                evidence_level=row["evidence"],
                source=row.get("source"),
                note=row.get("note"),
            )
        )
    db.session.add(case)
    db.session.flush()
    db.session.add(Revision(case=case, content=case.content_snapshot(), note="Seed"))
    created["cases"] += 1
    created["results"] += len(case.results)


def _load_strategy(data: dict, created: Counter[str], where: str) -> None:
    if db.session.scalars(select(Strategy.id).where(Strategy.slug == data["slug"])).first():
        return
    strategy = Strategy(
        slug=data["slug"],
        organization=_organization(data["organization"], where),
        title=data["title"],
        period_from=data["period_from"],
        period_to=data["period_to"],
        status=StrategyStatus(data["status"]),
        adopted_by=data.get("adopted_by"),
        adopted_on=_date(data.get("adopted_on")),
        vision=(data.get("vision") or "").strip(),
        summary=(data.get("summary") or "").strip(),
        source=data.get("source"),
    )
    db.session.add(strategy)
    counter = iter(range(10_000))

    def add_goals(entries: list[dict], parent: StrategyGoal | None) -> None:
        for entry in entries:
            goal = StrategyGoal(
                strategy=strategy,
                parent=parent,
                kind=entry["kind"],
                code=entry.get("code"),
                title=entry["title"].strip(),
                description=(entry.get("description") or "").strip(),
                position=next(counter),
            )
            for position, action in enumerate(entry.get("actions", [])):
                if isinstance(action, str):
                    action = {"title": action}
                deadline, precision = _partial_date(
                    action.get("deadline"), action.get("deadline_precision"), where
                )
                goal.actions.append(
                    Action(
                        title=action["title"],
                        responsible=action.get("responsible"),
                        deadline=deadline,
                        deadline_precision=precision,
                        # What became of a historic strategy's measures is not in its document.
                        status=action.get("status", ActionStatus.UNKNOWN),
                        position=position,
                    )
                )
                created["actions"] += 1
            for position, ind in enumerate(entry.get("indicators", [])):
                indicator = Indicator(
                    name=ind["name"],
                    unit=ind["unit"],
                    baseline=_decimal(ind.get("baseline")),
                    target=_decimal(ind["target"]),
                    target_date=_date(ind.get("target_date")),
                    direction=Direction(ind.get("direction", "higher")),
                    position=position,
                )
                for m in ind.get("measurements", []):
                    indicator.measurements.append(
                        Measurement(
                            measured_on=_date(m["measured_on"]),
                            value=_decimal(m["value"]),
                            note=m.get("note"),
                        )
                    )
                goal.indicators.append(indicator)
                created["indicators"] += 1
            db.session.add(goal)
            created["goals"] += 1
            add_goals(entry.get("children", []), goal)

    add_goals(data["goals"], None)
    db.session.flush()
    created["strategies"] += 1


def _find_goal(strategy_slug: str, ref: str) -> StrategyGoal:
    stmt = (
        select(StrategyGoal)
        .join(Strategy)
        .where(Strategy.slug == strategy_slug)
        .where((StrategyGoal.code == ref) | (StrategyGoal.title == ref))
    )
    goals = db.session.scalars(stmt).all()
    if len(goals) != 1:
        raise SeedError(f"links.yaml: goal {ref!r} in {strategy_slug!r} matched {len(goals)}")
    return goals[0]


def _load_links(entries: list[dict], created: Counter[str]) -> None:
    for entry in entries:
        goal = _find_goal(entry["strategy"], entry["goal"])
        case = db.session.scalars(select(Case).where(Case.slug == entry["case"])).first()
        if case is None:
            raise SeedError(f"links.yaml: unknown case {entry['case']!r}")
        exists = db.session.scalars(
            select(CaseGoalLink.id).where(
                CaseGoalLink.case_id == case.id, CaseGoalLink.goal_id == goal.id
            )
        ).first()
        if exists:
            continue
        db.session.add(
            CaseGoalLink(case=case, goal=goal, rationale=" ".join(entry["rationale"].split()))
        )
        created["links"] += 1
    db.session.flush()
