"""Authentication glue: the user loader. Roles and login views arrive with the accounts issue."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None
