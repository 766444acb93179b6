"""Account operations: creating users, passwords, signing in with throttling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts import throttle
from portal.accounts.models import LoginAttempt, Role, User, UserRole
from portal.db import utcnow
from portal.extensions import db
from portal.logs import security_event
from portal.organizations.models import Organization

MIN_PASSWORD_LENGTH = 12
# Compared against when the account does not exist, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-same-cost")


class AccountError(ValueError):
    """A request about an account that cannot be carried out (message is for people)."""


class Throttled(AccountError):
    """Too many failed sign-ins for this account or address; try again later."""

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


ATTEMPTS_KEPT = timedelta(days=30)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    # scrypt (werkzeug's default): memory-hard, salted.
    return generate_password_hash(password)


def create_user(
    *,
    email: str,
    name: str,
    roles: set[Role],
    organization: Organization | None = None,
    password: str | None = None,
) -> User:
    """Add a user with the given roles; the password may be set later (invitation)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("not a valid e-mail address")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError("a user with that e-mail address exists already")
    user = User(
        email=email,
        name=name.strip() or email,
        organization=organization,
        password_hash=hash_password(password) if password else None,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    security_event("account_created", user_id=user.id, roles=sorted(roles))
    return user


def set_password(*, user: User, password: str) -> None:
    """Change the password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.flush()
    security_event("password_changed", user_id=user.id)


def change_password(*, user: User, current: str, new: str, address: str) -> None:
    """The user's own change: the current password must be right (counted as a sign-in
    attempt, so a borrowed session cannot guess it); every other session ends."""
    if authenticate(email=user.email, password=current, address=address) is None:
        raise AccountError("wrong-password")
    set_password(user=user, password=new)


def update_profile(
    *, user: User, name: str, mails_notifications: bool, mails_digests: bool
) -> None:
    """What a user may change about themselves: their name and which mail they get."""
    user.name = name.strip() or user.name
    user.mails_notifications = mails_notifications
    user.mails_digests = mails_digests
    db.session.flush()


def end_all_sessions(*, user: User) -> None:
    user.session_version += 1
    db.session.flush()
    security_event("sessions_ended", user_id=user.id)


def authenticate(*, email: str, password: str, address: str) -> User | None:
    """The user for these credentials, or None; raises Throttled when the attempt may not even
    be checked (see `throttle`).

    Every checked attempt is recorded in the database, so the limits hold across server
    processes. Unknown accounts and wrong passwords are indistinguishable to the caller.
    """
    email = normalise_email(email)
    address = address[:45]
    verdict = throttle.assess(email=email, address=address)
    if not verdict.allowed:
        security_event("login_throttled", email=email, scope=verdict.scope,
                       retry_after=verdict.retry_after)  # fmt: skip
        raise Throttled("too many failed attempts", retry_after=verdict.retry_after)
    user = db.session.scalars(select(User).where(User.email == email)).first()
    hashed = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    valid = check_password_hash(hashed, password)
    ok = bool(valid and user is not None and user.password_hash and user.is_active)
    db.session.add(LoginAttempt(email=email, address=address, succeeded=ok))
    # Throttling looks back minutes; the privacy statement promises 30 days at most.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - ATTEMPTS_KEPT))
    db.session.flush()
    if ok:
        security_event("login_succeeded", user_id=user.id, email=email)
    else:
        security_event("login_failed", email=email)
    return user if ok else None


def update_user(
    *, user: User, roles: set[Role], organization: Organization | None, is_active: bool
) -> None:
    """Change a user's roles, organization and whether they may sign in."""
    user.role_rows = [row for row in user.role_rows if row.role in roles]
    held = {row.role for row in user.role_rows}
    user.role_rows.extend(UserRole(role=role) for role in sorted(roles - held))
    user.organization = organization
    if user.is_active and not is_active:
        user.session_version += 1  # signs them out everywhere
    user.is_active = is_active
    db.session.flush()
    security_event("account_changed", user_id=user.id, roles=sorted(roles),
                   organization_id=organization.id if organization else None,
                   is_active=is_active)  # fmt: skip


def invite_user(
    *,
    email: str,
    name: str,
    roles: set[Role],
    organization: Organization | None,
    link_for: Callable[[str], str],
) -> tuple[User, str]:
    """Create a user without a password and queue an invitation; `link_for` turns the
    signed token into the URL the person opens. Returns the user and that URL."""
    from portal.accounts.tokens import make_token
    from portal.notifications.services import queue_account_mail

    user = create_user(email=email, name=name, roles=roles, organization=organization)
    link = link_for(make_token(user, "invite"))
    queue_account_mail(user=user, kind="invitation", link=link)
    return user, link
