"""GET /api/v1/cases and /api/v1/cases/<slug>."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from portal.cases import permissions, queries
from portal.cases.schemas import CaseDetailSchema, CaseListArgsSchema, CasePageSchema
from portal.extensions import db
from portal.taxonomy.facets import VOCABULARY_FACETS

blp = Blueprint("api_cases", __name__, url_prefix="/cases", description="Published cases")


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List published cases, filtered like the case list page."""
        filters = queries.CaseFilters(
            terms={f.vocabulary: tuple(args[f.api]) for f in VOCABULARY_FACETS if args[f.api]},
            organizations=tuple(args["organization"]),
            years=tuple(args["year"]),
            sort=args["sort"],
        )
        page = db.paginate(
            queries.filtered_cases(filters),
            page=args["page"],
            per_page=args["per_page"],
            error_out=False,
        )
        return {
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
            "items": page.items,
        }


@blp.route("/<slug>")
class CaseDetail(MethodView):
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(404, description="No such published case")
    @blp.alt_response(410, description="Unpublished; the body gives the reason")
    def get(self, slug: str):
        """One published case with sections, results and the strategy goals it supports.

        An unpublished case answers 410 with the editors' reason; drafts answer 404.
        """
        case = permissions.case_for_viewer(slug, None)  # the API is anonymous: published only
        return case
