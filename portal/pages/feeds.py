"""Machine-readable lists of published content: the sitemap and an Atom feed of new cases."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for
from sqlalchemy import desc
from sqlalchemy.orm import selectinload

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.extensions import db
from portal.strategies.permissions import visible_strategies

bp = Blueprint("feeds", __name__)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every published case and adopted strategy (anonymous visibility, whoever asks)."""
    cases = db.session.scalars(visible_cases(None).order_by(Case.id)).all()
    strategies = db.session.scalars(visible_strategies(None)).all()
    urls = [url_for("pages.home", _external=True), url_for("cases.list_cases", _external=True)]
    urls += [url_for("cases.show_case", slug=c.slug, _external=True) for c in cases]
    urls += [url_for("strategies.show_strategy", strategy_id=s.id, _external=True)
             for s in strategies]  # fmt: skip
    body = render_template("feeds/sitemap.xml", urls=urls)
    return Response(body, mimetype="application/xml")


@bp.get("/eksempler/nye.atom")
def atom() -> Response:
    """The 30 newest published cases."""
    cases = db.session.scalars(
        visible_cases(None)
        .options(selectinload(Case.organizations))
        .order_by(desc(Case.published_at), desc(Case.id))
        .limit(30)
    ).all()
    body = render_template("feeds/cases.atom.xml", cases=cases)
    return Response(body, mimetype="application/atom+xml")
