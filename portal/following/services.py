"""Following a search: subscribing, confirming, leaving, and composing the digests.

A subscription stores the case list's query arguments, so a topic (`kategori=…`) and an
organisation (`organisasjon=…`) are followed exactly as a search is. Services flush; callers
commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from werkzeug.datastructures import MultiDict

from portal import ratelimit
from portal.accounts.models import User
from portal.accounts.services import normalise_email
from portal.cases import search_page
from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.db import utcnow
from portal.extensions import db
from portal.following.models import Frequency, Subscription
from portal.notifications.models import Notification
from portal.search.backend import SearchRequest
from portal.search.service import matching_cases

CONFIRM_MAX_AGE = 7 * 24 * 60 * 60
MAX_PER_ADDRESS = 50
MAX_QUERY_BYTES = 1500  # within what a unique index on (email, query) can hold
# Confirmation mail to an address without an account: at most this many per hour, per
# address and per sender address (nobody uses the portal to flood someone's inbox).
CONFIRMATIONS_PER_HOUR = 3
PERIOD = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# A timer that fires a little early still sends the digest that is due.
SLACK = timedelta(hours=1)
DIGEST_SIZE = 50
# Publishing after review, and approving or restoring content, are what a follower hears of.
NEWS = ("publish", "restore")


class FollowError(Exception):
    """A subscription that cannot be made; the message is shown to the person."""


def canonical_query(search: SearchRequest) -> str:
    return urlencode(search_page.query_args(search), doseq=True)


def search_of(subscription: Subscription) -> SearchRequest:
    return search_page.request_from_args(MultiDict(parse_qsl(subscription.query)))


def subscriptions_of(user: User) -> list[Subscription]:
    """A signed-in user's subscriptions: made while signed in, or to the account's address."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(or_(Subscription.user_id == user.id, Subscription.email == user.email))
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
        )
    )


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


# -- digests ----------------------------------------------------------------------------------


@dataclass
class Digest:
    subscription: Subscription
    new: list[Case]
    changed: list[Case]


def due_subscriptions(now: datetime) -> list[Subscription]:
    """Confirmed subscriptions whose period has passed since the last digest covered."""
    due = []
    for frequency, period in PERIOD.items():
        due += db.session.scalars(
            select(Subscription)
            .where(
                Subscription.confirmed_at.is_not(None),
                Subscription.frequency == frequency,
                Subscription.covered_until <= now - period + SLACK,
            )
            .order_by(Subscription.id)
        )
    return due


def compose(subscription: Subscription, now: datetime) -> Digest | None:
    """The published cases the search finds that were published or changed in the period;
    None when the index cannot answer now (the digest waits for the next run)."""
    since = subscription.covered_until or subscription.created_at
    events = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.from_status).where(
            CaseEvent.action.in_(NEWS), CaseEvent.at > since, CaseEvent.at <= now
        )
    ).all()
    if not events:
        return Digest(subscription, [], [])
    # New: it became public in the period (from review, or published again); else changed.
    new_ids = {case_id for case_id, before in events if before != CaseStatus.PUBLISHED}
    ids = frozenset(case_id for case_id, _before in events)
    search = replace(search_of(subscription), only_ids=ids, correct=False)
    cases, result = matching_cases(search, DIGEST_SIZE, newest_first=True)
    if result.degraded:
        return None
    return Digest(
        subscription,
        new=[c for c in cases if c.id in new_ids],
        changed=[c for c in cases if c.id not in new_ids],
    )


def queue_digests(now: datetime | None = None) -> tuple[int, int]:
    """Queue a digest for every due subscription that has news; returns (queued, checked).
    A subscription with nothing new is only marked as covered."""
    now = now or utcnow()
    queued = checked = 0
    for subscription in due_subscriptions(now):
        user = subscription.user
        if user is not None and (not user.is_active or not user.mails_digests):
            subscription.covered_until = now  # paused: no backlog when turned on again
            continue
        digest = compose(subscription, now)
        if digest is None:
            continue
        checked += 1
        if digest.new or digest.changed:
            db.session.add(_digest_note(digest))
            subscription.last_sent_at = now
            queued += 1
        subscription.covered_until = now
    db.session.flush()
    return queued, checked


def _digest_note(digest: Digest) -> Notification:
    subscription = digest.subscription
    unsubscribe_link = url_for(
        "following.unsubscribe", token=make_token(subscription, "leave"), _external=True
    )
    manage_link = url_for(
        "following.manage_address", token=address_token(subscription.email), _external=True
    )
    search_link = url_for("cases.list_cases", _external=True) + (
        f"?{subscription.query}" if subscription.query else ""
    )
    lines = [f"Nytt i Eksempelbanken som passer «{subscription.title}»:", ""]
    for heading, cases in (("Nye eksempler", digest.new), ("Endrede eksempler", digest.changed)):
        if not cases:
            continue
        lines += [f"{heading} ({len(cases)}):", ""]
        for case in cases:
            organisations = ", ".join(org.name for org in case.organizations)
            year = f", {case.year}" if case.year else ""
            address = url_for("cases.show_case", slug=case.slug, _external=True)
            lines += [f"• {case.title} ({organisations}{year})", f"  {case.summary}",
                      f"  {address}", ""]  # fmt: skip
    lines += [
        f"Hele søket: {search_link}",
        "",
        "—",
        f"Du får dette {'daglig' if subscription.frequency == Frequency.DAILY else 'ukentlig'} "
        "fordi du følger søket.",
        f"Avslutt dette abonnementet med ett klikk: {unsubscribe_link}",
        f"Se og endre alle abonnementene dine: {manage_link}",
    ]
    count = len(digest.new) + len(digest.changed)
    return Notification(
        recipient=subscription.email,
        kind="digest",
        subject=f"{count} nytt i Eksempelbanken: {subscription.title}"[:200],
        body="\n".join(lines),
        link=search_link,
        unsubscribe_url=unsubscribe_link,
    )
