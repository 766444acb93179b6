"""Organization pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import desc, func, select
from sqlalchemy.orm import selectinload

from portal.cases.models import Case, case_organizations
from portal.cases.permissions import visible_cases
from portal.db import norwegian_order
from portal.extensions import db
from portal.organizations.models import Organization
from portal.search.backend import SearchRequest
from portal.strategies.models import Strategy
from portal.strategies.permissions import visible_strategies

bp = Blueprint("organizations", __name__, url_prefix="/organisasjoner")


@bp.get("/")
def list_organizations() -> str:
    """Organizations with at least one published case or adopted strategy."""
    visible_ids = visible_cases(current_user).with_only_columns(Case.id).scalar_subquery()
    counts = (
        select(case_organizations.c.organization_id, func.count().label("n"))
        .where(case_organizations.c.case_id.in_(visible_ids))
        .group_by(case_organizations.c.organization_id)
        .subquery()
    )
    strategy_orgs = visible_strategies(current_user).with_only_columns(Strategy.organization_id)
    rows = db.session.execute(
        select(Organization, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.organization_id == Organization.id)
        .where((counts.c.n > 0) | Organization.id.in_(strategy_orgs.scalar_subquery()))
        .order_by(norwegian_order(Organization.name))
    ).all()
    return render_template("organizations/list.html", rows=rows)


@bp.get("/<slug>")
def show_organization(slug: str) -> str:
    """An organization with its published cases and adopted strategies."""
    organization = db.session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if organization is None:
        abort(404)
    cases = db.session.scalars(
        visible_cases(current_user)
        .where(Case.organizations.any(Organization.id == organization.id))
        .options(selectinload(Case.organizations), selectinload(Case.terms))
        .order_by(desc(Case.year).nulls_last(), norwegian_order(Case.title))
    ).all()
    strategies = db.session.scalars(
        visible_strategies(current_user)
        .where(Strategy.organization_id == organization.id)
        .order_by(desc(Strategy.period_to))
    ).all()
    if not cases and not strategies:
        abort(404)
    return render_template(
        "organizations/show.html",
        organization=organization,
        cases=cases,
        strategies=strategies,
        search=SearchRequest(filters={"organization": (organization.slug,)}),
    )
