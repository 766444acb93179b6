"""Imports every model so that metadata (and Alembic) sees the whole schema."""

from portal.accounts.models import LoginAttempt, Role, User, UserRole
from portal.accounts.parking import ParkedForm
from portal.cases.models import Case, CaseEvent, CaseResult, Image, Revision
from portal.following.models import Subscription
from portal.notifications.models import Notification
from portal.organizations.models import Organization
from portal.pagecache.models import ContentState
from portal.ratelimit import RateEvent
from portal.search import pg_tables  # noqa: F401  (the PostgreSQL search backend's tables)
from portal.strategies.models import (
    Action,
    CaseGoalLink,
    Indicator,
    Measurement,
    Strategy,
    StrategyGoal,
)
from portal.taxonomy.models import Term

__all__ = [
    "Action",
    "Case",
    "CaseEvent",
    "CaseGoalLink",
    "CaseResult",
    "ContentState",
    "Image",
    "Indicator",
    "LoginAttempt",
    "ParkedForm",
    "Measurement",
    "Notification",
    "Organization",
    "RateEvent",
    "Revision",
    "Role",
    "Strategy",
    "StrategyGoal",
    "Subscription",
    "Term",
    "User",
    "UserRole",
]
