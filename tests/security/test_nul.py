"""A NUL character is refused at the door: no page, form or API call stores or compares one
(PostgreSQL cannot hold it, and no text a person types contains it)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.extensions import db
from tests.cases.test_authoring import _form
from tests.web import login, make_user


def test_a_nul_in_the_address_or_query_is_a_clear_400(client):
    for url in ("/eksempler/?q=ombruk%00", "/eksempler/ombruk%00", "/eksempler/?kategori=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Forespørselen kunne ikke forstås" in response.get_data(as_text=True)


def test_the_api_answers_a_nul_with_a_json_error(client):
    response = client.get("/api/v1/cases?category=%00")
    assert response.status_code == 400
    assert response.get_json()["code"] == 400


def test_a_form_with_a_nul_stores_nothing(app):
    make_user(app, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    client = app.test_client()
    login(client, "bidrag@asker.kommune.no")
    with app.app_context():
        before = db.session.scalar(select(func.count(Case.id)))
    data = _form(client, "/eksempler/ny", title="Gjenbruk\x00 av stoler")
    assert client.post("/eksempler/ny", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == before
