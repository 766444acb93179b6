"""Text posted after the session ended elsewhere comes back after signing in again."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.extensions import db
from tests.cases.test_authoring import _form
from tests.web import PASSWORD, csrf_token, login, make_user

NEW_TEXT = "Teksten jeg skrev mens økten min ble avsluttet et annet sted."


def _sign_in(client, email, next_path):
    token = csrf_token(client.get(f"/logg-inn?next={next_path}").get_data(as_text=True))
    return client.post("/logg-inn", data={"email": email, "password": PASSWORD,
                                          "next": next_path, "csrf_token": token})  # fmt: skip


def _signed_out_elsewhere(app, email):
    other = app.test_client()
    login(other, email)
    other.post("/logg-ut", data={"csrf_token": csrf_token(other.get("/").get_data(as_text=True))})


def _editing_when_signed_out_elsewhere(app, client) -> tuple[str, dict]:
    """Kari has a draft open with new text when her session ends in another browser."""
    make_user(app, "kari@asker.kommune.no", {Role.CONTRIBUTOR})
    make_user(app, "ola@asker.kommune.no", {Role.CONTRIBUTOR})
    login(client, "kari@asker.kommune.no")
    created = client.post("/eksempler/ny", data=_form(client, "/eksempler/ny"))
    edit = created.headers["Location"]
    data = _form(client, edit, background=NEW_TEXT)
    _signed_out_elsewhere(app, "kari@asker.kommune.no")
    return edit, data


def test_a_case_edit_posted_after_the_session_ended_is_given_back(app, client):
    edit, data = _editing_when_signed_out_elsewhere(app, client)
    response = client.post(edit, data=data)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/logg-inn" and parse_qs(location.query)["next"] == [edit]
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "teksten du sendte er tatt vare på" in login_page
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.title.startswith("Gjenbruk"))).one()
        assert NEW_TEXT not in case.background  # nothing was saved while signed out

    signed_in = _sign_in(client, "kari@asker.kommune.no", edit)
    assert signed_in.headers["Location"] == edit
    page = client.get(edit).get_data(as_text=True)
    assert NEW_TEXT in page and "Her er teksten du sendte" in page
    # Once given back, it is not given again.
    assert NEW_TEXT not in client.get(edit).get_data(as_text=True)


def test_parked_text_is_only_given_to_its_author(app, client):
    edit, data = _editing_when_signed_out_elsewhere(app, client)
    client.post(edit, data=data)
    _sign_in(client, "ola@asker.kommune.no", edit)  # a colleague at the same computer
    assert NEW_TEXT not in client.get(edit).get_data(as_text=True)


def test_a_new_strategy_posted_after_the_session_ended_is_given_back(app, client):
    make_user(app, "stine@asker.kommune.no", {Role.STRATEGY_AUTHOR})
    login(client, "stine@asker.kommune.no")
    token = csrf_token(client.get("/strategier/ny").get_data(as_text=True))
    _signed_out_elsewhere(app, "stine@asker.kommune.no")
    client.post("/strategier/ny", data={"csrf_token": token, "title": "Innkjøp for klimaet",
                                        "vision": NEW_TEXT, "period_from": "2026",
                                        "period_to": "2029", "status": "draft"})  # fmt: skip
    _sign_in(client, "stine@asker.kommune.no", "/strategier/ny")
    page = client.get("/strategier/ny").get_data(as_text=True)
    assert NEW_TEXT in page and "Innkjøp for klimaet" in page
