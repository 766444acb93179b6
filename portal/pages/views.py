"""The home page and other general pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.cases import queries
from portal.strategies.queries import list_strategies
from portal.taxonomy.models import Vocabulary

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """What the bank is, the newest cases, entry by category and goal, counts."""
    options = queries.filter_options(current_user)
    strategies = list_strategies(current_user)
    return render_template(
        "pages/home.html",
        newest=queries.newest_cases(6, current_user),
        categories=options["terms"][Vocabulary.CATEGORY],
        themes=options["terms"][Vocabulary.THEME],
        case_count=queries.count_visible_cases(current_user),
        organization_count=len(options["organizations"]),
        strategy_count=len(strategies),
    )
