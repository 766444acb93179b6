"""Authors and editors hear about every step, in the portal and by e-mail (real SMTP)."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db
from portal.notifications.models import Notification
from tests.cases.test_authoring import _form
from tests.cases.test_workflow import _act, people  # noqa: F401  (fixture)


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def _notes(app, email: str) -> list[Notification]:
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.user.has(email=email))
        ).all()
        db.session.expunge_all()
        return notes


def test_submit_notifies_editors_and_decisions_notify_the_author(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    editor_notes = _notes(app, "redaktor@dfo.no")
    assert [n.kind for n in editor_notes] == ["submit"]
    assert "Gjenbruk av kontorstoler i Asker" in editor_notes[0].subject
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()
    _act(editor, slug, "request_changes", "Legg til kostnadene.")
    author_notes = _notes(app, "forfatter@asker.kommune.no")
    assert [n.kind for n in author_notes] == ["request_changes"]
    assert "Legg til kostnadene." in author_notes[0].body
    page = author.get("/varsler/").get_data(as_text=True)
    assert "Redaksjonen ber om endringer" in page
    assert '<span class="badge ok">Ny</span>' in page
    # Seen once, no longer new.
    assert '<span class="badge ok">Ny</span>' not in author.get("/varsler/").get_data(as_text=True)


def test_mail_send_delivers_over_smtp_once(app, people, smtp_server):
    port, inbox = smtp_server
    author, _ = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="bank@dfo.no")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s)." in result.output
    for _ in range(50):
        if inbox.messages:
            break
        time.sleep(0.05)
    assert [m.rcpt_tos for m in inbox.messages] == [["redaktor@dfo.no"]]
    assert "Nytt eksempel til vurdering" in inbox.messages[0].content.decode()
    again = runner.invoke(args=["mail", "send"])
    assert "Sent 0 message(s)." in again.output


def test_without_a_mail_server_the_mails_go_to_the_log(app, people, caplog):
    author, _ = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    with caplog.at_level("INFO", logger="portal.notifications.services"):
        result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "Sent 1 message(s)." in result.output
    assert "redaktor@dfo.no" in caplog.text
