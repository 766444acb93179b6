"""Who hears about what, and sending the outbox. Services flush; callers commit."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from portal.accounts.models import Role, User, UserRole
from portal.cases.models import Case, Revision
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification

log = logging.getLogger(__name__)

# Texts are Norwegian: they go out by e-mail, outside any request's language choice.
MESSAGES = {
    "submit": ("Nytt eksempel til vurdering: {title}", "{actor} har sendt inn «{title}».\n\n{url}"),
    "request_changes": (
        "Redaksjonen ber om endringer: {title}",
        "Redaksjonen ber om endringer i «{title}»:\n\n{comment}\n\n{url}",
    ),
    "publish": ("Publisert: {title}", "«{title}» er publisert i Eksempelbanken.\n\n{url}"),
    "reject": ("Ikke publisert: {title}", "«{title}» ble ikke publisert:\n\n{comment}\n\n{url}"),
}


def _authors(case: Case) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Revision, Revision.author_id == User.id)
            .where(Revision.case_id == case.id, User.is_active.is_(True))
            .distinct()
        )
    )


def _editors() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.EDITOR, User.is_active.is_(True))
        )
    )


def notify_case_event(*, case: Case, action: str, actor: User, comment: str, url: str) -> int:
    """Queue the notifications a workflow step causes; returns how many."""
    if action not in MESSAGES:
        return 0
    recipients = _editors() if action == "submit" else _authors(case)
    subject, body = MESSAGES[action]
    values: dict[str, Any] = {
        "title": case.title, "actor": actor.name, "comment": comment, "url": url,
    }  # fmt: skip
    count = 0
    for user in recipients:
        if user.id == actor.id:
            continue
        db.session.add(
            Notification(
                user=user,
                case=case,
                kind=action,
                subject=subject.format(**values)[:200],
                body=body.format(**values),
            )
        )
        count += 1
    db.session.flush()
    return count


ACCOUNT_MESSAGES = {
    "password_reset": (
        "Nytt passord i Eksempelbanken",
        "Noen (forhåpentlig du) ba om å sette nytt passord. Lenken virker i én time:\n\n{link}\n\n"
        "Har du ikke bedt om dette, kan du se bort fra e-posten.",
    ),
    "invitation": (
        "Invitasjon til Eksempelbanken",
        "Du er invitert til Eksempelbanken. Velg passord her "
        "(lenken virker i sju dager):\n\n{link}",
    ),
}


def queue_account_mail(*, user: User, kind: str, link: str) -> Notification:
    """A message about the account itself (invitation, password reset)."""
    subject, body = ACCOUNT_MESSAGES[kind]
    note = Notification(user=user, kind=kind, subject=subject, body=body.format(link=link))
    db.session.add(note)
    db.session.flush()
    return note


def send_outbox(config: dict[str, Any], limit: int = 500) -> int:
    """E-mail unsent notifications over SMTP, or write them to the log when no server is set."""
    pending = db.session.scalars(
        select(Notification)
        .where(Notification.sent_at.is_(None))
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    server = config.get("MAIL_SERVER")
    sender = config.get("MAIL_DEFAULT_SENDER", "eksempelbanken@localhost")
    smtp = None
    if server:
        smtp = smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)), timeout=30)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    try:
        for note in pending:
            message = EmailMessage()
            message["From"] = sender
            message["To"] = note.user.email
            message["Subject"] = note.subject
            message.set_content(note.body)
            if smtp is not None:
                smtp.send_message(message)
            else:
                log.info("mail to %s: %s\n%s", note.user.email, note.subject, note.body)
            note.sent_at = utcnow()
            db.session.flush()
    finally:
        if smtp is not None:
            smtp.quit()
    return len(pending)
