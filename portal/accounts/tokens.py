"""Signed, expiring links for invitations and password resets (itsdangerous, as Flask uses).

A token carries the user's session version, so it stops working once the password has been
set with it (setting a password raises the version).
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.accounts.models import User
from portal.extensions import db

MAX_AGE = {"reset": 60 * 60, "invite": 7 * 24 * 60 * 60}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"portal-{purpose}")


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps([user.id, user.session_version])


def user_for_token(token: str, purpose: str) -> User | None:
    """The user a valid, unexpired, unused token was made for; otherwise None."""
    try:
        user_id, version = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user
