"""Authentication glue: the user loader (which also ends outdated sessions) and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.accounts.models import Role, User
from portal.extensions import db, login_manager

login_manager.login_view = "accounts.login"
login_manager.login_message = None  # the login page explains itself


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def role_required(*roles: Role) -> Callable:
    """Only signed-in users holding one of the roles get through (others: login or 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.roles & set(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
