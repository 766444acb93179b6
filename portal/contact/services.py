"""Who answers questions about a case, and sending one. Services flush; callers commit."""

from __future__ import annotations

import enum
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from portal import ratelimit
from portal.accounts.models import Role, User, UserRole
from portal.accounts.services import normalise_email
from portal.cases.models import Case
from portal.extensions import db
from portal.notifications.models import Notification

# Per sender address and per network address an hour, and per case a day.
PER_SENDER_PER_HOUR = 5
PER_ADDRESS_PER_HOUR = 10
PER_CASE_PER_DAY = 20


class Answerer(enum.StrEnum):
    CONTACT = "contact"  # the contact person named on the case, who agreed to be asked
    ORGANIZATION = "organization"  # the editors (else contributors) of its organisations
    EDITORS = "editors"  # the portal's editors, when the organisations have nobody here
    SITE = "site"  # the portal's contact address, when it has no editors either
    NOBODY = "nobody"  # nobody can receive it: the form is not offered


class RateLimited(Exception):
    """Too many questions from this sender or about this case for now."""


class NoRecipient(Exception):
    """Nobody can receive questions about the case (no contact, editors or site address)."""


def answerer(case: Case, site_address: str | None) -> tuple[Answerer, list[User]]:
    """Who receives questions about the case (the page names the kind, never an address)."""
    if case.contact_consent and case.contact_email:
        return Answerer.CONTACT, []
    organizations = [org.id for org in case.organizations]
    for role in (Role.EDITOR, Role.CONTRIBUTOR):
        users = _active_with(role, User.organization_id.in_(organizations))
        if users:
            return Answerer.ORGANIZATION, users
    if editors := _active_with(Role.EDITOR):
        return Answerer.EDITORS, editors
    return (Answerer.SITE if site_address else Answerer.NOBODY), []


def _active_with(role: Role, *conditions) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.is_active.is_(True), *conditions)
            .order_by(User.id)
        )
    )


def ask(
    *,
    case: Case,
    name: str,
    email: str,
    message: str,
    sender_address: str,
    site_address: str | None = None,
) -> int:
    """Queue the question to whoever answers for the case; returns how many will get it.
    Raises RateLimited when this sender or this case has asked enough for now, and
    NoRecipient when nobody can receive it."""
    kind, users = answerer(case, site_address)
    if kind is Answerer.NOBODY:
        raise NoRecipient()
    email = normalise_email(email)
    hourly = {("contact-sender", email): PER_SENDER_PER_HOUR,
              ("contact-address", sender_address): PER_ADDRESS_PER_HOUR}  # fmt: skip
    daily = {("contact-case", str(case.id)): PER_CASE_PER_DAY}
    if not (ratelimit.allowed(hourly, timedelta(hours=1))
            and ratelimit.allowed(daily, timedelta(days=1))):  # fmt: skip
        raise RateLimited()
    ratelimit.count(*hourly, *daily)
    link = url_for("cases.show_case", slug=case.slug, _external=True)
    body = (
        f"{name.strip()} ({email}) har et spørsmål om eksempelet «{case.title}» i "
        f"Eksempelbanken:\n\n{message.strip()}\n\n"
        f"Svar direkte til {email} – svarer du på denne e-posten, går svaret dit.\n"
        "Avsenderen har ikke fått e-postadressen din.\n\n"
        f"{link}"
    )
    message = {"case": case, "kind": "contact", "subject": f"Spørsmål om «{case.title}»"[:200],
               "body": body, "link": link, "reply_to": email}  # fmt: skip
    if kind is Answerer.CONTACT:
        notes = [Notification(recipient=case.contact_email, **message)]
    elif kind is Answerer.SITE:
        notes = [Notification(recipient=site_address, **message)]
    else:
        notes = [Notification(user=user, by_email=user.mails_notifications, **message)
                 for user in users]  # fmt: skip
    db.session.add_all(notes)
    db.session.flush()
    return len(notes)
