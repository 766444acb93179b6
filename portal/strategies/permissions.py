"""Who may see which strategy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from portal.strategies.models import Strategy, StrategyStatus


def visible_strategies(user: Any = None) -> Select[tuple[Strategy]]:
    """Strategies the user may see; drafts stay with their organization (strategy issue)."""
    return select(Strategy).where(Strategy.status == StrategyStatus.ADOPTED)
