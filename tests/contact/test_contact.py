"""Asking the people behind a case: through the outbox, to the consenting contact or the
organisation's editors, never showing their address; limited, with CSRF and a honeypot."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.outbox import as_email
from tests.web import csrf_token, login, make_user

SLUG = "asker-mobellager-og-rammeavtale-for-brukte-mobler"


def _ask(client, slug=SLUG, email="sporsmal@eksempel.no", **extra):
    page = client.get(f"/eksempler/{slug}/kontakt").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "name": "Per Spør", "email": email,
            "message": "Hvordan organiserte dere møbellageret?", **extra}  # fmt: skip
    return client.post(f"/eksempler/{slug}/kontakt", data=data)


def _sent(app) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.kind == "contact")).all()
        return [(n.address, n.reply_to, as_email(n, app.config)["Reply-To"]) for n in notes]


def _set_contact(app, email: str | None, consent: bool) -> None:
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == SLUG)).one()
        case.contact_name, case.contact_email, case.contact_consent = "Mona Møbel", email, consent
        db.session.commit()


def test_a_question_goes_to_the_consenting_contact_without_showing_the_address(app, client):
    _set_contact(app, "mona@asker.kommune.no", True)
    page = client.get(f"/eksempler/{SLUG}/kontakt").get_data(as_text=True)
    assert "kontaktpersonen for eksempelet, Mona Møbel" in page
    assert "mona@asker.kommune.no" not in page
    response = _ask(client)
    assert response.status_code == 200
    assert "Spørsmålet er sendt" in response.get_data(as_text=True)
    assert "mona@asker.kommune.no" not in response.get_data(as_text=True)
    assert _sent(app) == [("mona@asker.kommune.no", "sporsmal@eksempel.no",
                           "sporsmal@eksempel.no")]  # fmt: skip


def test_without_consent_the_organisations_editors_get_it(app, client):
    _set_contact(app, "mona@asker.kommune.no", False)
    make_user(app, "redaktor@asker.kommune.no", {Role.EDITOR}, org_slug="asker-kommune")
    make_user(app, "annen@dfo.no", {Role.EDITOR}, org_slug="statens-innkjopssenter")
    assert "hos Asker kommune" in client.get(f"/eksempler/{SLUG}/kontakt").get_data(as_text=True)
    _ask(client)
    assert [address for address, _reply, _header in _sent(app)] == ["redaktor@asker.kommune.no"]
    editor = app.test_client()
    login(editor, "redaktor@asker.kommune.no")
    inbox = editor.get("/varsler/").get_data(as_text=True)
    assert "Spørsmål om eksempelet" in inbox and "Hvordan organiserte dere møbellageret?" in inbox


def test_robots_bad_input_and_floods_send_nothing_more(app, client):
    _set_contact(app, "mona@asker.kommune.no", True)
    _ask(client, website="http://spam.example")
    assert _sent(app) == []
    bad = _ask(client, email="ikke-en-adresse", message="kort")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Skriv en e-postadresse som navn@kommune.no." in html
    assert "Skriv mellom 10 og 5 000 tegn." in html
    no_token = client.post(f"/eksempler/{SLUG}/kontakt", data={"name": "x", "email": "a@b.no",
                                                              "message": "Et spørsmål uten token"})  # fmt: skip
    assert no_token.status_code == 400
    for _ in range(5):
        assert _ask(client, email="ivrig@eksempel.no").status_code == 200
    limited = _ask(client, email="ivrig@eksempel.no")
    assert limited.status_code == 429
    assert "sendt for mange spørsmål" in limited.get_data(as_text=True)
    assert len(_sent(app)) == 5


def test_only_published_cases_take_questions(app, client):
    with app.app_context():
        db.session.scalars(select(Case).where(Case.slug == SLUG)).one().status = "draft"
        db.session.commit()
    assert client.get(f"/eksempler/{SLUG}/kontakt").status_code == 404


def test_without_anyone_to_answer_the_site_address_or_nobody(app, client):
    _set_contact(app, None, False)
    page = client.get(f"/eksempler/{SLUG}/kontakt").get_data(as_text=True)
    assert "Ingen kan ta imot spørsmål" in page and "<textarea" not in page
    app.config["CONTACT_EMAIL"] = "post@eksempelbanken.no"
    _ask(client)
    assert [address for address, _reply, _header in _sent(app)] == ["post@eksempelbanken.no"]
