"""Digests of followed searches: which subscriptions are due, what is new and changed for
each, and the message that goes into the outbox. Services flush; the CLI commits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select

from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.db import utcnow
from portal.extensions import db
from portal.following.models import Frequency, Subscription
from portal.following.services import address_token, make_token, search_of
from portal.notifications.models import Notification
from portal.search.service import matching_cases

PERIOD = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# A timer that fires a little early still sends the digest that is due.
SLACK = timedelta(hours=1)
DIGEST_SIZE = 50
# Publishing after review, and approving or restoring content, are what a follower hears of.
NEWS = ("publish", "restore")


@dataclass
class Digest:
    subscription: Subscription
    new: list[Case]
    changed: list[Case]
    more: int = 0  # matches beyond the digest's length, for the search link to show


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


News = list[tuple[int, CaseStatus | None, datetime]]  # (case id, status before, when)


def news_since(since: datetime, now: datetime) -> News:
    """Every publication, approved change and restore in (since, now]: read once per run and
    shared by every subscription due in it."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(CaseEvent.case_id, CaseEvent.from_status, CaseEvent.at).where(
                CaseEvent.action.in_(NEWS), CaseEvent.at > since, CaseEvent.at <= now
            )
        )
    ]


def compose(subscription: Subscription, news: News) -> Digest | None:
    """The published cases the search finds that were published or changed since the
    subscription's last digest; None when the index cannot answer now (it waits a run)."""
    since = subscription.covered_until or subscription.created_at
    events = [(case_id, before) for case_id, before, at in news if at > since]
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
        more=max(result.total - len(cases), 0),
    )


def queue_digests(now: datetime | None = None) -> tuple[int, int]:
    """Queue a digest for every due subscription that has news; returns (queued, checked).
    A subscription with nothing new is only marked as covered."""
    now = now or utcnow()
    queued = checked = 0
    due = due_subscriptions(now)
    if not due:
        return 0, 0
    news = news_since(min(s.covered_until or s.created_at for s in due), now)
    for subscription in due:
        user = subscription.user
        if user is not None and (not user.is_active or not user.mails_digests):
            subscription.covered_until = now  # paused: no backlog when turned on again
            continue
        digest = compose(subscription, news)
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
    if digest.more:
        lines += [f"… og {digest.more} til. Se dem i søket.", ""]
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
