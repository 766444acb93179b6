"""Who hears about what, and sending the outbox. Services flush; callers commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.accounts.models import Role, User, UserRole
from portal.cases.models import Case, Revision
from portal.extensions import db
from portal.notifications.models import Notification

# Texts are Norwegian: they go out by e-mail, outside any request's language choice.
MESSAGES = {
    "submit": ("Nytt eksempel til vurdering: {title}", "{actor} har sendt inn «{title}».\n\n{url}"),
    "propose_change": (
        "Endring til vurdering: {title}",
        "{actor} har sendt en endring av det publiserte eksempelet «{title}».\n\n{url}",
    ),
    "request_changes": (
        "Redaksjonen ber om endringer: {title}",
        "Redaksjonen ber om endringer i «{title}»:\n\n{comment}\n\n{url}",
    ),
    "publish": ("Publisert: {title}", "«{title}» er publisert i Eksempelbanken.\n\n{url}"),
    "reject": ("Ikke publisert: {title}", "«{title}» ble ikke publisert:\n\n{comment}\n\n{url}"),
    "approve_change": (
        "Endringen er publisert: {title}",
        "Endringen din av «{title}» er godkjent og publisert.\n\n{url}",
    ),
    "decline_change": (
        "Endringen ble ikke godkjent: {title}",
        "Redaksjonen godkjente ikke endringen din av «{title}»:\n\n{comment}\n\n{url}",
    ),
    "unpublish": (
        "Avpublisert: {title}",
        "«{title}» er ikke lenger publisert:\n\n{comment}\n\n{url}",
    ),
}
# Sent to the editors; the rest go to the case's authors.
FOR_EDITORS = {"submit", "propose_change"}


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


def _already_told(case: Case, kind: str) -> set[int]:
    """Users with an unread notice of this kind about this case: one is enough."""
    return set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.case_id == case.id,
                Notification.kind == kind,
                Notification.read_at.is_(None),
            )
        )
    )


def notify_case_event(*, case: Case, action: str, actor: User, comment: str, url: str) -> int:
    """Queue the notifications a workflow step causes; returns how many.

    `url` is the page the recipients act on: the review page for editors, the case (or its
    edit page) for authors.
    """
    if action not in MESSAGES:
        return 0
    recipients = _editors() if action in FOR_EDITORS else _authors(case)
    subject, body = MESSAGES[action]
    values: dict[str, Any] = {
        "title": case.title, "actor": actor.name, "comment": comment, "url": url,
    }  # fmt: skip
    text = body.format(**values)
    if comment and "{comment}" not in body:  # the author's message to the editors
        head, _, link = text.rpartition("\n\n")
        text = f"{head}\n\n{comment}\n\n{link}"
    # Saving a change again and again is one piece of news until the editor looks.
    told = _already_told(case, action) if action == "propose_change" and not comment else set()
    count = 0
    for user in recipients:
        if user.id == actor.id or user.id in told:
            continue
        db.session.add(
            Notification(
                user=user,
                case=case,
                kind=action,
                subject=subject.format(**values)[:200],
                body=text,
                link=url,
                by_email=user.mails_notifications,
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
