"""Case pages: the list with filters and the case page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from portal.cases import queries
from portal.extensions import db
from portal.strategies.queries import visible_links_for_case
from portal.taxonomy.models import Vocabulary

bp = Blueprint("cases", __name__, url_prefix="/eksempler")


@bp.get("/")
def list_cases() -> str:
    """Published cases, filtered, sorted and paginated."""
    filters = queries.CaseFilters.from_args(request.args)
    page = db.paginate(
        queries.filtered_cases(filters, current_user),
        page=request.args.get("side", 1, type=int),
        per_page=current_app.config["CASES_PER_PAGE"],
        error_out=False,
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template(
        "cases/list.html",
        page=page,
        filters=filters,
        options=queries.filter_options(current_user),
        vocabularies=list(Vocabulary),
        sorts=queries.SORTS,
    )


@bp.get("/<slug>")
def show_case(slug: str) -> str:
    """A case with its results, organizations and the strategy goals it supports."""
    case = queries.get_visible_case(slug, current_user)
    if case is None:
        abort(404)
    return render_template(
        "cases/show.html",
        case=case,
        links=visible_links_for_case(case, current_user),
        related=queries.related_cases(case, user=current_user),
        vocabularies=list(Vocabulary),
    )
