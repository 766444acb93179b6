"""`flask mail send` against a real SMTP server (aiosmtpd): nothing sent twice, nothing lost.

Without a server the mail is written as .eml files; with one, a message counts as sent only
once the server accepted it, a refusal is retried later with a growing pause, and a message is
given up after MAIL_MAX_ATTEMPTS tries (or at once on a permanent refusal), its reason kept.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from portal.accounts.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import queue_account_mail
from tests.web import login, make_user


class Server:
    """An SMTP server that accepts, or answers RCPT TO with a chosen refusal per address."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: dict[str, str] = {}  # address → "451 ..." or "550 ..."

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(envelope)
        return "250 Message accepted"

    def received(self, count: int) -> list:
        for _ in range(100):
            if len(self.messages) >= count:
                break
            time.sleep(0.02)
        return self.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    port = _free_port()
    handler = Server()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="bank@dfo.no")
    yield handler
    controller.stop()


def _queue(app, *emails: str) -> None:
    """One password-reset mail to each (new) user, in this order."""
    for email in emails:
        make_user(app, email, {Role.CONTRIBUTOR})
    with app.app_context():
        for email in emails:
            user = db.session.scalars(select(User).where(User.email == email)).one()
            queue_account_mail(user=user, kind="password_reset", link=f"http://localhost/{email}")
        db.session.commit()


def _outbox(app) -> dict[str, Notification]:
    with app.app_context():
        notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        out = {n.user.email: n for n in notes}
        db.session.expunge_all()
        return out


def _make_due(app) -> None:
    """Let the pause before the next try pass."""
    with app.app_context():
        db.session.execute(
            update(Notification)
            .where(Notification.next_attempt_at.is_not(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def _send(app):
    return app.test_cli_runner().invoke(args=["mail", "send"])


def test_without_a_server_each_message_is_written_as_an_eml_file(app, tmp_path):
    app.config.update(MAIL_SERVER=None, MAIL_DIR=str(tmp_path / "mail"))
    _queue(app, "kari@asker.kommune.no", "ola@asker.kommune.no")
    result = _send(app)
    assert result.exit_code == 0, result.output
    assert f"wrote 2 message(s) as .eml files to {tmp_path / 'mail'}" in result.output
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    mails = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert [m["To"] for m in mails] == ["kari@asker.kommune.no", "ola@asker.kommune.no"]
    assert mails[0]["Subject"] == "Nytt passord i Eksempelbanken"
    assert "http://localhost/kari@asker.kommune.no" in mails[0].get_content()
    assert all(n.sent_at is not None for n in _outbox(app).values())
    again = _send(app)
    assert "wrote 0 message(s)" in again.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_a_message_is_sent_once_and_marked_only_after_the_server_accepted_it(app, smtp):
    _queue(app, "kari@asker.kommune.no")
    result = _send(app)
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s) through 127.0.0.1:" in result.output
    [mail] = smtp.received(1)
    assert mail.rcpt_tos == ["kari@asker.kommune.no"]
    parsed = message_from_bytes(mail.content, policy=policy.default)
    assert parsed["Subject"] == "Nytt passord i Eksempelbanken"
    assert parsed["From"] == "bank@dfo.no"
    note = _outbox(app)["kari@asker.kommune.no"]
    assert note.sent_at is not None and note.attempts == 1 and note.last_error is None
    assert "Sent 0 message(s)" in _send(app).output
    assert len(smtp.messages) == 1


def test_a_temporary_refusal_is_retried_later_and_then_delivered(app, smtp):
    _queue(app, "kari@asker.kommune.no")
    smtp.refuse["kari@asker.kommune.no"] = "451 4.3.0 Mailbox busy, try again later"
    before = utcnow()
    result = _send(app)
    assert result.exit_code == 1
    assert "1 message(s) failed and will be tried again later." in result.output
    note = _outbox(app)["kari@asker.kommune.no"]
    assert note.sent_at is None and note.failed_at is None and note.attempts == 1
    assert note.last_error.startswith("451 4.3.0 Mailbox busy")
    assert timedelta(minutes=4) < note.next_attempt_at - before < timedelta(minutes=6)
    # Not due yet: the next run leaves it alone.
    assert "Sent 0 message(s)" in _send(app).output
    assert _outbox(app)["kari@asker.kommune.no"].attempts == 1

    del smtp.refuse["kari@asker.kommune.no"]
    _make_due(app)
    assert "Sent 1 message(s)" in _send(app).output
    assert [m.rcpt_tos for m in smtp.received(1)] == [["kari@asker.kommune.no"]]
    note = _outbox(app)["kari@asker.kommune.no"]
    assert note.sent_at is not None and note.attempts == 2


def test_the_pause_grows_and_the_message_is_given_up_after_the_last_try(app, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    _queue(app, "kari@asker.kommune.no")
    smtp.refuse["kari@asker.kommune.no"] = "452 4.2.2 Mailbox full"
    pauses = []
    for _ in range(2):
        started = utcnow()
        _send(app)
        pauses.append(_outbox(app)["kari@asker.kommune.no"].next_attempt_at - started)
        _make_due(app)
    assert pauses[1] > 3 * pauses[0]
    result = _send(app)
    assert "1 message(s) were given up" in result.output
    note = _outbox(app)["kari@asker.kommune.no"]
    assert note.attempts == 3 and note.failed_at is not None and note.sent_at is None
    assert note.last_error == "452 4.2.2 Mailbox full"
    _make_due(app)
    _send(app)
    assert _outbox(app)["kari@asker.kommune.no"].attempts == 3  # never tried again
    assert smtp.messages == []


def test_a_permanent_refusal_is_given_up_at_once_with_the_reason(app, smtp):
    _queue(app, "finnesikke@asker.kommune.no")
    smtp.refuse["finnesikke@asker.kommune.no"] = "550 5.1.1 No such user here"
    assert "were given up" in _send(app).output
    note = _outbox(app)["finnesikke@asker.kommune.no"]
    assert note.failed_at is not None and note.last_error == "550 5.1.1 No such user here"


def test_a_failure_part_way_does_not_resend_what_was_delivered(app, smtp):
    _queue(app, "a@asker.kommune.no", "b@asker.kommune.no", "c@asker.kommune.no")
    smtp.refuse["b@asker.kommune.no"] = "451 4.7.1 Greylisted"
    result = _send(app)
    assert "Sent 2 message(s)" in result.output
    assert "1 message(s) failed" in result.output
    assert sorted(m.rcpt_tos[0] for m in smtp.received(2)) == [
        "a@asker.kommune.no",
        "c@asker.kommune.no",
    ]
    del smtp.refuse["b@asker.kommune.no"]
    _make_due(app)
    assert "Sent 1 message(s)" in _send(app).output
    received = [m.rcpt_tos[0] for m in smtp.received(3)]
    assert sorted(received) == ["a@asker.kommune.no", "b@asker.kommune.no", "c@asker.kommune.no"]


def test_an_unreachable_server_keeps_every_message_for_later(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    _queue(app, "a@asker.kommune.no", "b@asker.kommune.no")
    result = _send(app)
    assert result.exit_code == 1
    assert "2 message(s) failed and will be tried again later." in result.output
    for note in _outbox(app).values():
        assert note.sent_at is None and note.attempts == 1
        assert "ConnectionRefusedError" in note.last_error


def test_the_administration_page_shows_what_waits_and_what_was_given_up(app, smtp):
    _queue(app, "finnesikke@asker.kommune.no", "venter@asker.kommune.no")
    smtp.refuse["finnesikke@asker.kommune.no"] = "550 5.1.1 No such user here"
    smtp.refuse["venter@asker.kommune.no"] = "451 4.3.0 Try later"
    _send(app)
    make_user(app, "admin@dfo.no", {Role.ADMIN}, None)
    client = app.test_client()
    login(client, "admin@dfo.no")
    page = client.get("/admin/").get_data(as_text=True)
    assert "1 feilet og prøves igjen." in page
    assert "finnesikke@asker.kommune.no" in page and "550 5.1.1 No such user here" in page


def test_messages_delivered_over_a_year_ago_are_deleted(app, tmp_path):
    app.config.update(MAIL_SERVER=None, MAIL_DIR=str(tmp_path / "mail"))
    _queue(app, "gammel@asker.kommune.no", "ny@asker.kommune.no")
    _send(app)
    with app.app_context():
        old = db.session.scalars(
            select(Notification).where(Notification.user.has(email="gammel@asker.kommune.no"))
        ).one()
        old.sent_at = utcnow() - timedelta(days=366)
        db.session.commit()
    _send(app)
    assert set(_outbox(app)) == {"ny@asker.kommune.no"}


def test_two_servers_sending_at_once_send_each_message_once(app, tmp_path):
    """While one server's timer delivers the outbox, another's run does nothing at all."""
    from portal.operations.locks import exclusive

    app.config.update(MAIL_SERVER=None, MAIL_DIR=str(tmp_path / "mail"))
    _queue(app, "kari@asker.kommune.no")
    with app.app_context(), exclusive("mail-send"):  # the other server's run, in progress
        waiting = _send(app)
    assert waiting.exit_code == 0
    assert "Another `flask mail send` is delivering the outbox now" in waiting.output
    assert not list((tmp_path / "mail").glob("*.eml"))
    assert "wrote 1 message(s)" in _send(app).output  # the lock is free again
