"""Authentication glue: the user loader (which also ends outdated sessions) and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Role, User
from portal.accounts.parking import park_form, remember_in_session
from portal.extensions import db, login_manager
from portal.logs import security_event

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


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Off to the sign-in page; a form posted by someone whose session has just ended (signed
    out elsewhere, password changed) is parked first and given back after sign-in."""
    next_path = request.path if request.method == "POST" else request.full_path.rstrip("?")
    stale = str(session.get("_user_id") or "").partition(":")[0]
    if request.method == "POST" and stale.isdigit():
        user = db.session.get(User, int(stale))
        parked = None
        if user is not None and user.is_active:
            parked = park_form(user_id=user.id, path=request.path, form=request.form)
        if parked is not None:
            db.session.commit()
            remember_in_session(parked)
            security_event("form_parked", user_id=user.id)
            flash(gettext("You were signed out, but the text you sent is kept. Sign in, and "
                          "you get it back."), "warning")  # fmt: skip
    return redirect(url_for(login_manager.login_view, next=next_path))


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
