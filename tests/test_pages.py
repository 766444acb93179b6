"""The about page, the accessibility statement and the privacy statement: linked from every
page, in both languages, and saying what is true of this site."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import LoginAttempt
from portal.db import utcnow
from portal.extensions import db
from tests.web import PASSWORD


@pytest.mark.parametrize(("path", "nb", "en"), [
    ("/om", "Om Eksempelbanken", "About Eksempelbanken"),
    ("/tilgjengelighet", "Tilgjengelighetserklæring", "Accessibility statement"),
    ("/personvern", "Personvern", "Privacy"),
])  # fmt: skip
def test_the_statements_are_linked_from_every_page_in_both_languages(client, path, nb, en):
    home = client.get("/eksempler/").get_data(as_text=True)
    assert f'href="{path}"' in home.split("<footer", 1)[1]
    assert f"<h1>{nb}</h1>" in client.get(path).get_data(as_text=True).replace("\xad", "")
    client.set_cookie("sprak", "en")
    assert f"<h1>{en}</h1>" in client.get(path).get_data(as_text=True)


def test_the_contact_address_is_the_configured_one(app, client):
    assert "mailto:" not in client.get("/tilgjengelighet").get_data(as_text=True)
    app.config["CONTACT_EMAIL"] = "redaksjonen@example.no"
    app.extensions["page_cache"].clear()  # as a restart after a configuration change does
    for path in ("/tilgjengelighet", "/personvern"):
        assert 'href="mailto:redaksjonen@example.no"' in client.get(path).get_data(as_text=True)


def test_sign_in_attempts_are_kept_thirty_days_as_the_privacy_page_says(app, client):
    assert "slettes etter 30 dager" in client.get("/personvern").get_data(as_text=True)
    with app.app_context():
        db.session.add(LoginAttempt(email="x@y.no", address="10.0.0.1", succeeded=False,
                                    at=utcnow() - timedelta(days=31)))  # fmt: skip
        db.session.commit()
    page = client.get("/logg-inn").get_data(as_text=True)
    from tests.web import csrf_token

    client.post("/logg-inn", data={"email": "ingen@y.no", "password": PASSWORD,
                                   "csrf_token": csrf_token(page)})  # fmt: skip
    with app.app_context():
        emails = db.session.scalars(select(LoginAttempt.email)).all()
    assert emails == ["ingen@y.no"]


def test_norwegian_content_is_marked_as_norwegian_in_the_english_interface(client):
    client.set_cookie("sprak", "en")
    html = client.get("/eksempler/asker-mobellager-og-rammeavtale-for-brukte-mobler").get_data(
        as_text=True
    )
    assert '<html lang="en">' in html
    assert '<h1 lang="nb">Asker hentet brukte møbler' in html
    assert '<p class="lead" lang="nb">' in html and '<div lang="nb"><p>' in html
    listing = client.get("/eksempler/").get_data(as_text=True)
    assert listing.count('class="card-title" lang="nb"') >= 10
