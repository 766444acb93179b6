"""Who may see and who may change which strategy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from portal.accounts.models import Role
from portal.strategies.models import PUBLIC_STRATEGY_STATUSES, Strategy


def _organization_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.organization_id


def visible_strategies(user: Any = None) -> Select[tuple[Strategy]]:
    """Strategies the user may see: public ones, and drafts of the user's own organization."""
    stmt = select(Strategy)
    organization_id = _organization_id(user)
    if organization_id is None:
        return stmt.where(Strategy.status.in_(PUBLIC_STRATEGY_STATUSES))
    return stmt.where(
        or_(
            Strategy.status.in_(PUBLIC_STRATEGY_STATUSES),
            Strategy.organization_id == organization_id,
        )
    )


def is_strategy_author(user: Any) -> bool:
    """A signed-in strategy author who belongs to an organization."""
    return (
        _organization_id(user) is not None
        and getattr(user, "is_active", False)
        and user.has_role(Role.STRATEGY_AUTHOR)
    )


def can_edit_strategy(user: Any, strategy: Strategy) -> bool:
    """Strategy authors change the strategies of their own organization, and no others."""
    return is_strategy_author(user) and strategy.organization_id == user.organization_id
