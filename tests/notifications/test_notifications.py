"""Authors and editors hear about every step in the portal: what happened, where, unread
until opened, counted in the header."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cases.models import Case
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import queue_account_mail
from tests.cases.test_authoring import _form
from tests.cases.test_workflow import _act, _user, people  # noqa: F401  (fixture)
from tests.web import csrf_token

PUBLISHED = "sirkula-avtaleforvalter-sparte-4-4-millioner"


def _notes(app, email: str) -> list[Notification]:
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.user.has(email=email)).order_by(Notification.id)
        ).all()
        db.session.expunge_all()
        return notes


def _unread_in_header(client) -> int:
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'Varsler <span class="nav-count"[^>]*>(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_submit_notifies_editors_and_decisions_notify_the_author(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    editor_notes = _notes(app, "redaktor@dfo.no")
    assert [n.kind for n in editor_notes] == ["submit"]
    assert "Gjenbruk av kontorstoler i Asker" in editor_notes[0].subject
    assert editor_notes[0].link.endswith("/redaksjon/eksempler/gjenbruk-av-kontorstoler-i-asker")
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()
    _act(editor, slug, "request_changes", "Legg til kostnadene.")
    author_notes = _notes(app, "forfatter@asker.kommune.no")
    assert [n.kind for n in author_notes] == ["request_changes"]
    assert "Legg til kostnadene." in author_notes[0].body
    page = author.get("/varsler/").get_data(as_text=True)
    assert "Redaksjonen ber om endringer" in page
    assert "Endringer etterspurt" in page  # the label says what happened
    assert "Ulest" in page and "Ny Nytt" not in page


def test_unread_count_opening_marks_read_and_goes_to_the_page(app, people):
    author, editor = people
    assert _unread_in_header(editor) == 0
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    assert _unread_in_header(editor) == 1
    page = editor.get("/varsler/").get_data(as_text=True)
    assert "Nytt eksempel til vurdering" in page
    assert _unread_in_header(editor) == 1  # looking at the list is not reading each one
    note = _notes(app, "redaktor@dfo.no")[0]
    opened = editor.post(f"/varsler/{note.id}", data={"csrf_token": csrf_token(page)})
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(
        "/redaksjon/eksempler/gjenbruk-av-kontorstoler-i-asker"
    )
    assert _unread_in_header(editor) == 0
    assert "Ulest" not in editor.get("/varsler/").get_data(as_text=True)
    # Someone else's notification cannot be opened.
    assert author.post(
        f"/varsler/{note.id}", data={"csrf_token": csrf_token(page)}
    ).status_code in (400, 404)


def test_mark_all_as_read(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    author.post(
        "/eksempler/ny", data=_form(author, "/eksempler/ny", title="Andre", action="submit")
    )
    assert _unread_in_header(editor) == 2
    page = editor.get("/varsler/").get_data(as_text=True)
    editor.post("/varsler/lest", data={"csrf_token": csrf_token(page)})
    assert _unread_in_header(editor) == 0


def test_a_change_to_a_published_case_is_labelled_as_a_change_and_told_once(app, people):
    _, editor = people
    sirkula = _user(app, "sirkula@sirkula.no", {Role.CONTRIBUTOR}, org="sirkula")
    edit = f"/eksempler/{PUBLISHED}/rediger"
    sirkula.post(edit, data=_form(sirkula, edit, title="Sirkula sparte 4,4 millioner"))
    sirkula.post(edit, data=_form(sirkula, edit, title="Sirkula sparte 4,4 mill. kroner"))
    notes = _notes(app, "redaktor@dfo.no")
    assert [n.kind for n in notes] == ["propose_change"]  # one unread notice is enough
    assert notes[0].subject.startswith("Endring til vurdering")
    page = editor.get("/varsler/").get_data(as_text=True)
    assert "Endring til vurdering" in page and "Nytt eksempel" not in page
    # The editor approves: the author hears that the change is published.
    html = editor.get(f"/redaksjon/eksempler/{PUBLISHED}").get_data(as_text=True)
    editor.post(f"/redaksjon/eksempler/{PUBLISHED}/endring/godkjenn",
                data={"csrf_token": csrf_token(html)})  # fmt: skip
    assert [n.kind for n in _notes(app, "sirkula@sirkula.no")] == ["approve_change"]


def test_account_mail_stays_out_of_the_portal_list(app, people):
    author, _ = people
    with app.app_context():
        user = db.session.scalars(
            select(User).where(User.email == "forfatter@asker.kommune.no")
        ).one()
        queue_account_mail(user=user, kind="password_reset", link="http://localhost/hemmelig-lenke")
        db.session.commit()
    assert "hemmelig-lenke" not in author.get("/varsler/").get_data(as_text=True)
    assert _unread_in_header(author) == 0
