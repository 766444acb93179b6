"""Strategy pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from portal.strategies import queries

bp = Blueprint("strategies", __name__, url_prefix="/strategier")


@bp.get("/")
def list_strategies() -> str:
    """Adopted procurement strategies."""
    return render_template("strategies/list.html", strategies=queries.list_strategies(current_user))


@bp.get("/<int:strategy_id>")
def show_strategy(strategy_id: int) -> str:
    """A strategy's goal tree with actions, indicators, evidence and coverage."""
    strategy = queries.get_visible_strategy(strategy_id, current_user)
    if strategy is None:
        abort(404)
    return render_template(
        "strategies/show.html", view=queries.strategy_view(strategy, current_user)
    )
