"""GET /api/v1/strategies and /api/v1/strategies/<id>."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from portal.strategies import queries
from portal.strategies.schemas import StrategyDetailSchema, StrategyListSchema

blp = Blueprint(
    "api_strategies",
    __name__,
    url_prefix="/strategies",
    description="Procurement strategies (drafts only to their own organisation)",
)


@blp.route("")
class Strategies(MethodView):
    @blp.response(200, StrategyListSchema)
    def get(self) -> dict[str, Any]:
        """List adopted procurement strategies (signed in: also your organisation's drafts)."""
        strategies = queries.list_strategies(current_user)
        return {"total": len(strategies), "items": strategies}


@blp.route("/<int:strategy_id>")
class StrategyDetail(MethodView):
    @blp.response(200, StrategyDetailSchema)
    def get(self, strategy_id: int):
        """One strategy with its goal tree, linked cases with key results, and coverage."""
        strategy = queries.get_visible_strategy(strategy_id, current_user)
        if strategy is None:
            abort(404)
        return queries.strategy_view(strategy, current_user)
