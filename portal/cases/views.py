"""Case pages: the search/browse list and the case page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from portal.cases import queries, services
from portal.cases.models import CaseStatus
from portal.i18n import current_language
from portal.search import facets as search_facets
from portal.search.service import load_hits, popular_categories, search_cases
from portal.strategies.queries import visible_links_for_case
from portal.taxonomy.models import Vocabulary

bp = Blueprint("cases", __name__, url_prefix="/eksempler")


@bp.get("/")
def list_cases() -> str:
    """Search and browse published cases: free text, facets, sorting and pages."""
    search = search_facets.request_from_args(
        request.args, per_page=current_app.config["CASES_PER_PAGE"]
    )
    result = search_cases(search)
    pages = max(1, -(-result.total // search.per_page))
    if search.page > pages:
        abort(404)
    return render_template(
        "cases/list.html",
        search=search,
        result=result,
        hits=load_hits(result),
        facets=search_facets.facet_rows(result.facets, search.filters, current_language()),
        pages=pages,
        popular=popular_categories() if result.total == 0 else [],
    )


@bp.get("/<slug>")
def show_case(slug: str) -> str | tuple[str, int]:
    """A case with its results, organizations and the strategy goals it supports."""
    case = queries.get_visible_case(slug, current_user)
    if case is None:
        # Drafts and submissions are shown to their organization and the editors only.
        case = queries.get_case(slug)
        if case is None:
            abort(404)
        if case.status is CaseStatus.UNPUBLISHED and not services.can_view_unpublished(
            current_user, case
        ):
            # Gone, with the editors' reason; the story itself is no longer shown.
            return render_template("cases/gone.html", case=case), 410
        if not services.can_view_unpublished(current_user, case):
            abort(404)
    return render_template(
        "cases/show.html",
        case=case,
        links=visible_links_for_case(case, current_user),
        related=queries.related_cases(case, user=current_user) if case.is_published else [],
        vocabularies=list(Vocabulary),
        can_edit=services.can_edit_case(current_user, case),
    )
