"""How many sign-in attempts to allow, from the attempts stored in the database.

Three counts, each over the last 15 minutes and only since the account last signed in:

- per account and address: 5 failures lock that pair (someone guessing from one place);
- per account: 10 failures from anywhere lock the account (guessing from many places);
- per address: from 20 failures the address is slowed, not locked. Each further attempt must
  wait a delay that doubles every 5 failures, up to 15 minutes. A whole municipality may sit
  behind one address, so the slowing never refuses an account that has had no failures: its
  owner signs in with the right password whatever others behind the address typed.

Refused attempts are not checked and not recorded, so they do not extend the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.accounts.models import LoginAttempt
from portal.db import utcnow
from portal.extensions import db

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
MAX_FAILURES_PER_ACCOUNT = 10
ADDRESS_SLOWED_FROM = 20
ADDRESS_DELAY_DOUBLES_EVERY = 5
MAX_DELAY = WINDOW


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may be checked; if not, why (for the log) and for how long."""

    allowed: bool
    scope: str = ""
    retry_after: int = 0


def address_delay(failures: int) -> timedelta:
    """How long an address with this many recent failures waits between attempts."""
    if failures < ADDRESS_SLOWED_FROM:
        return timedelta(0)
    steps = (failures - ADDRESS_SLOWED_FROM) // ADDRESS_DELAY_DOUBLES_EVERY
    return min(timedelta(seconds=2 ** min(steps, 20)), MAX_DELAY)


def _failures(*conditions, since: datetime) -> tuple[int, datetime | None]:
    count, latest = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *conditions, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
        )
    ).one()
    return count, latest


def _seconds_left(since: datetime | None, wait: timedelta, now: datetime) -> int:
    if since is None:
        return 0
    return max(1, int((since + wait - now).total_seconds()) + 1)


def assess(*, email: str, address: str) -> Verdict:
    """May a sign-in attempt for this e-mail address from this network address be checked?"""
    now = utcnow()
    window_start = now - WINDOW
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)
        )
    )
    since = max(window_start, last_success) if last_success else window_start
    account, account_latest = _failures(LoginAttempt.email == email, since=since)
    if account >= MAX_FAILURES_PER_ACCOUNT:
        return Verdict(False, "account", _seconds_left(account_latest, WINDOW, now))
    pair, pair_latest = _failures(
        LoginAttempt.email == email, LoginAttempt.address == address, since=since
    )
    if pair >= MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS:
        return Verdict(False, "account_and_address", _seconds_left(pair_latest, WINDOW, now))
    if account == 0:
        return Verdict(True)
    by_address, address_latest = _failures(LoginAttempt.address == address, since=window_start)
    delay = address_delay(by_address)
    if address_latest is not None and delay and now - address_latest < delay:
        return Verdict(False, "address", _seconds_left(address_latest, delay, now))
    return Verdict(True)
