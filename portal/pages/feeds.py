"""Machine-readable lists of published content: the sitemap and an Atom feed of new cases."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from portal.cases import search_page
from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.extensions import db
from portal.i18n import current_language
from portal.search.service import matching_cases
from portal.strategies.permissions import visible_strategies

bp = Blueprint("feeds", __name__)
FEED_SIZE = 30


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every published case and adopted strategy (anonymous visibility, whoever asks)."""
    cases = db.session.scalars(visible_cases(None).order_by(Case.id)).all()
    strategies = db.session.scalars(visible_strategies(None)).all()
    urls = [url_for(endpoint, _external=True) for endpoint in
            ("pages.home", "cases.list_cases", "statistics.show", "api_docs.show")]  # fmt: skip
    urls += [url_for("cases.show_case", slug=c.slug, _external=True) for c in cases]
    urls += [url_for("strategies.show_strategy", strategy_id=s.id, _external=True)
             for s in strategies]  # fmt: skip
    body = render_template("feeds/sitemap.xml", urls=urls)
    return Response(body, mimetype="application/xml")


@bp.get("/eksempler/nye.atom")
def atom() -> Response:
    """The newest published cases a search finds; it takes the case list's query arguments
    (`?q=…&kategori=…`), so every search, topic and organisation has its own feed."""
    search = search_page.request_from_args(request.args)
    cases, _result = matching_cases(search, FEED_SIZE, newest_first=True)
    body = render_template(
        "feeds/cases.atom.xml",
        cases=cases,
        title=search_page.describe(search, current_language()),
        self_url=search_page.search_url("feeds.atom", search, _external=True),
        page_url=search_page.search_url("cases.list_cases", search, _external=True),
    )
    return Response(body, mimetype="application/atom+xml")
