"""Strategy pages: the list, a strategy with its coverage, the print version and the .docx."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_login import current_user

from portal.cases.services import slugify
from portal.strategies import queries
from portal.strategies.charts import indicator_chart
from portal.strategies.export import strategy_docx
from portal.strategies.permissions import can_edit_strategy
from portal.strategies.queries import StrategyView

bp = Blueprint("strategies", __name__, url_prefix="/strategier")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _view(strategy_id: int) -> StrategyView:
    strategy = queries.get_visible_strategy(strategy_id, current_user)
    if strategy is None:
        abort(404)  # drafts of other organizations are not there at all
    return queries.strategy_view(strategy, current_user)


def _charts(view: StrategyView) -> dict:
    return {
        indicator.id: indicator_chart(indicator)
        for node in view.walk()
        for indicator in node.goal.indicators
    }


@bp.get("/")
def list_strategies() -> str:
    """Adopted procurement strategies (and the own organization's drafts)."""
    return render_template("strategies/list.html", strategies=queries.list_strategies(current_user))


@bp.get("/<int:strategy_id>")
def show_strategy(strategy_id: int) -> str:
    """A strategy's goal tree with actions, indicators, evidence and coverage."""
    view = _view(strategy_id)
    return render_template(
        "strategies/show.html",
        view=view,
        charts=_charts(view),
        can_edit=can_edit_strategy(current_user, view.strategy),
        printing=False,
    )


@bp.get("/<int:strategy_id>/utskrift")
def print_strategy(strategy_id: int) -> str:
    """The whole strategy on one print-ready page, evidence and key results included."""
    view = _view(strategy_id)
    return render_template(
        "strategies/show.html", view=view, charts=_charts(view), can_edit=False, printing=True
    )


@bp.get("/<int:strategy_id>/eksport.docx")
def export_docx(strategy_id: int) -> Response:
    """The strategy as a Word document."""
    view = _view(strategy_id)
    body = strategy_docx(
        view,
        strategy_url=url_for(".show_strategy", strategy_id=strategy_id, _external=True),
        case_url=lambda slug: url_for("cases.show_case", slug=slug, _external=True),
    )
    response = Response(body, mimetype=DOCX)
    filename = f"{slugify(view.strategy.title)}.docx"  # e.g. ...-rauma-kommune-2020-2024.docx
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if not view.strategy.is_public:
        response.headers["Cache-Control"] = "private, no-store"  # a draft must not be cached
    return response
