"""The home page and other general pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.search.backend import SearchRequest
from portal.search.maintenance import published_count
from portal.search.service import load_hits, search_cases
from portal.strategies.queries import list_strategies
from portal.taxonomy.models import Term, Vocabulary

bp = Blueprint("pages", __name__)


def _with_counts(vocabulary: Vocabulary, counts: dict[str, int]) -> list[tuple[Term, int]]:
    terms = db.session.scalars(
        select(Term).where(Term.vocabulary == vocabulary).order_by(Term.position)
    )
    return [(term, counts[term.slug]) for term in terms if counts.get(term.slug)]


@bp.get("/")
def home() -> str:
    """What the bank is, the newest cases, entry by category and goal, counts."""
    # The search index already holds every published case's facets: counting there is
    # far cheaper than grouping the cases table on every visit to the front page.
    overview = search_cases(SearchRequest(sort="newest", per_page=6))
    return render_template(
        "pages/home.html",
        newest=[case for case, _highlights in load_hits(overview)],
        categories=_with_counts(Vocabulary.CATEGORY, overview.facets["category"]),
        themes=_with_counts(Vocabulary.THEME, overview.facets["theme"]),
        # While the index is rebuilt, the database gives the true count.
        case_count=published_count() if overview.degraded else overview.total,
        search_degraded=overview.degraded,
        organization_count=len(overview.facets["organization"]),
        strategy_count=len(list_strategies(current_user)),
    )


def _page(template: str) -> str:
    return render_template(template, contact=current_app.config.get("CONTACT_EMAIL"))


@bp.get("/om")
def about() -> str:
    """What the bank is, who it is for, how cases get in, where its content comes from."""
    return _page("pages/about.html")


@bp.get("/tilgjengelighet")
def accessibility() -> str:
    """The accessibility statement (tilgjengelighetserklæring)."""
    return _page("pages/accessibility.html")


@bp.get("/personvern")
def privacy() -> str:
    """What personal data is stored, why, for how long, and how to have it removed."""
    return _page("pages/privacy.html")
