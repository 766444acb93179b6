"""Following a search: subscribing, confirming, leaving, and composing the digests.

A subscription stores the case list's query arguments, so a topic (`kategori=…`) and an
organisation (`organisasjon=…`) are followed exactly as a search is. Services flush; callers
commit.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from werkzeug.datastructures import MultiDict

from portal import ratelimit
from portal.accounts.models import User
from portal.accounts.services import normalise_email
from portal.cases import search_page
from portal.db import utcnow
from portal.extensions import db
from portal.following.models import Frequency, Subscription
from portal.notifications.models import Notification
from portal.search.backend import SearchRequest

CONFIRM_MAX_AGE = 7 * 24 * 60 * 60
MAX_PER_ADDRESS = 50
MAX_QUERY_BYTES = 1500  # within what a unique index on (email, query) can hold
# Confirmation mail to an address without an account: at most this many per hour, per
# address and per sender address (nobody uses the portal to flood someone's inbox).
CONFIRMATIONS_PER_HOUR = 3


class FollowError(Exception):
    """A subscription that cannot be made; the message is shown to the person."""


def canonical_query(search: SearchRequest) -> str:
    return urlencode(search_page.query_args(search), doseq=True)


def search_of(subscription: Subscription) -> SearchRequest:
    return search_page.request_from_args(MultiDict(parse_qsl(subscription.query)))


def _of(user: User):
    """A signed-in user's subscriptions: made while signed in, or to the account's address."""
    return or_(Subscription.user_id == user.id, Subscription.email == user.email)


def subscriptions_of(user: User) -> list[Subscription]:
    return list(
        db.session.scalars(
            select(Subscription)
            .where(_of(user))
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
        )
    )


def count_subscriptions(user: User) -> int:
    return db.session.scalar(select(func.count(Subscription.id)).where(_of(user))) or 0


def subscriptions_for_address(email: str) -> list[Subscription]:
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.email == normalise_email(email))
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
        )
    )


def subscribe(
    *,
    search: SearchRequest,
    title: str,
    frequency: Frequency,
    user: User | None,
    email: str | None = None,
    sender_address: str = "",
) -> Subscription:
    """Follow a search. A signed-in user follows at once; an address alone must confirm by
    the link mailed to it (`confirmation_needed`). Following the same search again changes
    its frequency."""
    address = user.email if user is not None else normalise_email(email or "")
    query = canonical_query(search)
    if len(query.encode()) > MAX_QUERY_BYTES:
        raise FollowError("too-long")
    existing = db.session.scalars(
        select(Subscription).where(Subscription.email == address, Subscription.query == query)
    ).first()
    now = utcnow()
    if existing is not None:
        existing.frequency = frequency
        if user is not None and not existing.is_confirmed:
            existing.user, existing.confirmed_at, existing.covered_until = user, now, now
        db.session.flush()
        return existing
    held = db.session.scalar(
        select(func.count(Subscription.id)).where(Subscription.email == address)
    )
    if (held or 0) >= MAX_PER_ADDRESS:
        raise FollowError("too-many")
    if user is None:
        limits = {("follow-email", address): CONFIRMATIONS_PER_HOUR,
                  ("follow-sender", sender_address): CONFIRMATIONS_PER_HOUR * 3}  # fmt: skip
        if not ratelimit.allowed(limits, timedelta(hours=1)):
            raise FollowError("rate")
        ratelimit.count(*limits)
    subscription = Subscription(
        user=user,
        email=address,
        query=query,
        title=title[:500],
        frequency=frequency,
        confirmed_at=now if user is not None else None,
        covered_until=now,
    )
    db.session.add(subscription)
    db.session.flush()
    if user is None:
        _queue_confirmation(subscription)
    return subscription


def _queue_confirmation(subscription: Subscription) -> None:
    link = url_for("following.confirm", token=make_token(subscription, "confirm"), _external=True)
    body = (
        f"Noen (forhåpentlig du) vil følge «{subscription.title}» i Eksempelbanken og få "
        f"{'et daglig' if subscription.frequency == Frequency.DAILY else 'et ukentlig'} "
        "sammendrag av nye og endrede eksempler på e-post.\n\n"
        f"Bekreft innen sju dager:\n\n{link}\n\n"
        "Har du ikke bedt om dette, kan du se bort fra e-posten; da sender vi ikke mer."
    )
    db.session.add(
        Notification(
            recipient=subscription.email,
            kind="confirm_subscription",
            subject="Bekreft abonnementet i Eksempelbanken",
            body=body,
        )
    )
    db.session.flush()


def confirm(subscription: Subscription) -> None:
    """The address is confirmed: digests start from now."""
    if subscription.confirmed_at is None:
        now = utcnow()
        subscription.confirmed_at = subscription.covered_until = now
        db.session.flush()


def set_frequency(subscription: Subscription, frequency: Frequency) -> None:
    subscription.frequency = frequency
    db.session.flush()


def unsubscribe(subscription: Subscription) -> None:
    db.session.delete(subscription)
    db.session.flush()


# -- signed links -----------------------------------------------------------------------------


def _timed(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"portal-follow-{purpose}")


def _lasting(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=f"portal-follow-{purpose}")


def make_token(subscription: Subscription, purpose: str) -> str:
    """A signed link to confirm (valid a week) or to leave (valid as long as the mail)."""
    payload = [subscription.id, subscription.email]
    return (_timed if purpose == "confirm" else _lasting)(purpose).dumps(payload)


def subscription_for_token(token: str, purpose: str) -> Subscription | None:
    try:
        if purpose == "confirm":
            payload = _timed(purpose).loads(token, max_age=CONFIRM_MAX_AGE)
        else:
            payload = _lasting(purpose).loads(token)
        subscription_id, email = payload
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(subscription_id, int):
        return None
    subscription = db.session.get(Subscription, subscription_id)
    return subscription if subscription is not None and subscription.email == email else None


def address_token(email: str) -> str:
    """A link in every digest to the address's list of subscriptions."""
    return _lasting("address").dumps(email)


def address_for_token(token: str) -> str | None:
    try:
        email = _lasting("address").loads(token)
    except BadSignature:
        return None
    return email if isinstance(email, str) else None
