"""Case pages: the search/browse list and the case page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import to_user_timezone
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import ServiceUnavailable

from portal.cases import export, permissions, queries, search_page
from portal.cases.cards import cards_for
from portal.cases.models import Case
from portal.db import utcnow
from portal.i18n import current_language
from portal.search.engine import backend
from portal.search.related import find_related
from portal.search.service import matching_cases, popular_categories, search_cases
from portal.strategies.queries import visible_links_for_case
from portal.taxonomy.models import Vocabulary

bp = Blueprint("cases", __name__, url_prefix="/eksempler")


@bp.get("/")
def list_cases() -> str:
    """Search and browse published cases: free text, facets, sorting and pages."""
    search = search_page.request_from_args(
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
        hits=cards_for(result),
        facets=search_page.facet_rows(result.facets, search.filters, current_language()),
        pages=pages,
        popular=popular_categories() if result.total == 0 else [],
        export_limit=export.EXPORT_LIMIT,
        related=find_related(result.corrected_to or search.text, current_user, backend().synonyms())
        if search.text.strip()
        else None,
    )


@bp.get("/<slug>")
def show_case(slug: str) -> str:
    """A case with its results, organizations and the strategy goals it supports."""
    case = permissions.case_for_viewer(slug, current_user)  # 404, or 410 with the reason
    return render_template(
        "cases/show.html",
        case=case,
        links=visible_links_for_case(case, current_user),
        related=queries.related_cases(case, user=current_user) if case.is_published else [],
        vocabularies=list(Vocabulary),
        can_edit=permissions.can_edit(current_user, case),
        can_delete=permissions.can_delete(current_user, case),
    )


def _exported() -> tuple[list[Case], export.Table, str]:
    search = search_page.request_from_args(request.args)
    cases, result = matching_cases(search, export.EXPORT_LIMIT, selectinload(Case.results))
    if result.degraded:
        raise ServiceUnavailable(retry_after=60)
    language = current_language()
    return cases, export.case_table(cases, language), search_page.describe(search, language)


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    name = f"eksempelbanken-{to_user_timezone(utcnow()).date().isoformat()}.{extension}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/eksport.csv")
def export_csv() -> Response:
    """The cases a search finds (same arguments as the list) as CSV, one row per case."""
    _cases, table, _title = _exported()
    return _download(export.as_csv(table), "text/csv", "csv")


@bp.get("/eksport.xlsx")
def export_xlsx() -> Response:
    """The cases a search finds as an Excel workbook, with a sheet of their results."""
    cases, table, title = _exported()
    body = export.as_xlsx(table, cases, title)
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "xlsx")  # fmt: skip
