"""Delivering the e-mail outbox.

Without MAIL_SERVER each message is written as an .eml file to MAIL_DIR (default: mail/ in
the instance folder), where an operator can open it. With a server, a message counts as sent
only once the server has accepted it; a refusal or a broken connection leaves it for a later
run, after a growing pause, and after MAIL_MAX_ATTEMPTS tries it is given up with the reason
kept. The caller commits after each message, so a failure part-way never resends the ones
already delivered.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import selectinload

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification

DEFAULT_MAX_ATTEMPTS = 6
FIRST_PAUSE = timedelta(minutes=5)  # then 20 min, 80 min, ~5 h, ~21 h


class Transport(Protocol):
    def send(self, message: EmailMessage, note: Notification) -> str:
        """Deliver one message; returns where it went. Raises on failure."""
        ...


@dataclass
class Outcome:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0
    destination: str = ""


class FileTransport:
    """Writes each message to a folder as an .eml file (no mail server configured)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage, note: Notification) -> str:
        path = self.folder / f"{note.created_at:%Y%m%dT%H%M%S}-{note.id}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(message.as_bytes())
        temporary.replace(path)  # whole or not at all
        return str(path)


class SmtpTransport:
    """An open connection to the configured SMTP server."""

    def __init__(self, smtp: smtplib.SMTP, host: str) -> None:
        self.smtp = smtp
        self.host = host

    def send(self, message: EmailMessage, note: Notification) -> str:
        refused = self.smtp.send_message(message)
        if refused:  # only some recipients refused; each message has one
            raise smtplib.SMTPRecipientsRefused(refused)
        return self.host


@contextmanager
def smtp_connection(config: dict[str, Any]) -> Iterator[SmtpTransport]:
    host = config["MAIL_SERVER"]
    port = int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 30)
    if _flag(config.get("MAIL_USE_SSL")):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if _flag(config.get("MAIL_USE_TLS")):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        yield SmtpTransport(smtp, host)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def send_due(config: dict[str, Any], instance_path: str, commit: Callable[[], None]) -> Outcome:
    """Deliver every due message, calling `commit` after each one."""
    purge_old()
    commit()
    notes = due()
    outcome = Outcome()
    if not config.get("MAIL_SERVER"):
        folder = mail_folder(config, instance_path)
        outcome.destination = str(folder)
        transport: Transport = FileTransport(folder)
        for note in notes:
            _count(outcome, note, deliver(note, transport, config))
            commit()
        return outcome
    outcome.destination = f"{config['MAIL_SERVER']}:{config.get('MAIL_PORT') or 25}"
    if not notes:
        return outcome
    tried: set[int] = set()
    try:
        with smtp_connection(config) as transport:
            for note in notes:
                tried.add(note.id)
                where = deliver(note, transport, config)
                _count(outcome, note, where)
                commit()
                if where is None and not _still_connected(transport):
                    break  # the rest wait for the next run, without a wasted attempt
    except (smtplib.SMTPException, OSError) as error:
        # Connecting (or signing in) failed: every message waiting gets the reason.
        for note in notes:
            if note.id not in tried:
                note.attempts += 1
                record_failure(note, _reason(error), config)
                _count(outcome, note, None)
                commit()
    return outcome


def _still_connected(transport: SmtpTransport) -> bool:
    try:
        return transport.smtp.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _count(outcome: Outcome, note: Notification, where: str | None) -> None:
    if where is not None:
        outcome.delivered += 1
    elif note.failed_at is not None:
        outcome.given_up += 1
    else:
        outcome.retrying += 1


@dataclass
class Status:
    waiting: int
    retrying: int
    given_up: list[Notification]


def status(limit: int = 20) -> Status:
    """The outbox as an administrator sees it: what waits, what is being retried, and the
    messages given up (newest first), with their reasons."""
    count = select(func.count(Notification.id)).where(Notification.awaiting_mail())
    return Status(
        waiting=db.session.scalar(count.where(Notification.attempts == 0)) or 0,
        retrying=db.session.scalar(count.where(Notification.attempts > 0)) or 0,
        given_up=list(
            db.session.scalars(
                select(Notification)
                .where(Notification.failed_at.is_not(None))
                .options(selectinload(Notification.user))
                .order_by(Notification.failed_at.desc())
                .limit(limit)
            )
        ),
    )


def mail_folder(config: dict[str, Any], instance_path: str) -> Path:
    return Path(config.get("MAIL_DIR") or Path(instance_path) / "mail")


KEPT_FOR = timedelta(days=365)  # as the privacy statement says


def purge_old(now: datetime | None = None) -> int:
    """Delete notifications delivered (or given up) more than a year ago."""
    cutoff = (now or utcnow()) - KEPT_FOR
    result = db.session.execute(
        delete(Notification).where(
            or_(
                Notification.sent_at < cutoff,
                Notification.failed_at < cutoff,
                and_(Notification.by_email.is_(False), Notification.created_at < cutoff),
            )
        )
    )
    return result.rowcount or 0


def due(now: datetime | None = None, limit: int = 500) -> list[Notification]:
    """Messages not yet delivered nor given up, whose next try is due, oldest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.awaiting_mail(),
                or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            )
            .options(selectinload(Notification.user))
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def as_email(note: Notification, config: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or "eksempelbanken@localhost"
    message["To"] = note.address
    if note.reply_to:
        message["Reply-To"] = note.reply_to
    if note.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{note.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Subject"] = note.subject
    message["Date"] = format_datetime(note.created_at)
    message["Message-ID"] = make_msgid(idstring=f"varsel-{note.id}", domain="eksempelbanken")
    message["Content-Language"] = "nb"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(note.body)
    return message


def pause_after(attempts: int) -> timedelta:
    """5 minutes after the first failure, four times longer after each next."""
    return FIRST_PAUSE * (4 ** (attempts - 1))


def deliver(note: Notification, transport: Transport, config: dict[str, Any]) -> str | None:
    """Try one message. Marks it sent, or records the failure and when to try again (or that
    it is given up). Flushes; returns where it went, or None when it failed."""
    now = utcnow()
    note.attempts += 1
    try:
        where = transport.send(as_email(note, config), note)
    except (smtplib.SMTPException, OSError) as error:
        record_failure(note, _reason(error), config, now)
        return None
    note.sent_at = now
    note.next_attempt_at = None
    db.session.flush()
    return where


def record_failure(
    note: Notification, reason: str, config: dict[str, Any], now: datetime | None = None
) -> None:
    now = now or utcnow()
    note.last_error = reason[:1000]
    limit = int(config.get("MAIL_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
    if note.attempts >= limit or _permanent(reason):
        note.failed_at = now
        note.next_attempt_at = None
    else:
        note.next_attempt_at = now + pause_after(note.attempts)
    db.session.flush()


def _permanent(reason: str) -> bool:
    """A 5xx answer about the address itself will not change by trying again."""
    return reason.startswith(("550", "551", "553"))


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return f"{code} {_decode(text)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_decode(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
