"""Signing in: passwords, throttling across processes, sessions, safe redirects, CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import Role, User
from portal.extensions import db

PASSWORD = "et-langt-og-godt-passord"


@pytest.fixture
def user(app):
    with app.app_context():
        created = services.create_user(
            email="Kari@Example.no", name="Kari", roles={Role.CONTRIBUTOR}, password=PASSWORD
        )
        db.session.commit()
        return created.email


def _token(client, path="/logg-inn") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _login(client, email, password, next_url=""):
    return client.post(
        "/logg-inn",
        data={"email": email, "password": password, "next": next_url, "csrf_token": _token(client)},
    )


def test_passwords_are_hashed_and_have_a_minimum_length(app, user):
    with app.app_context():
        stored = db.session.scalars(select(User)).one()
        assert stored.email == "kari@example.no"
        assert stored.password_hash.startswith("scrypt:")
        assert PASSWORD not in stored.password_hash
        with pytest.raises(services.AccountError):
            services.set_password(user=stored, password="for-kort")


def test_sign_in_and_out(client, user):
    response = _login(client, "kari@example.no", PASSWORD, "/eksempler/")
    assert response.status_code == 302 and response.headers["Location"] == "/eksempler/"
    assert "Kari" in client.get("/").get_data(as_text=True)
    html = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/logg-ut", data={"csrf_token": token})
    assert "Logg inn" in client.get("/").get_data(as_text=True)


def test_unknown_user_and_wrong_password_get_the_same_message(client, user):
    unknown = _login(client, "ingen@example.no", PASSWORD)
    wrong = _login(client, "kari@example.no", "feil-passord-her")
    assert unknown.status_code == wrong.status_code == 400
    message = "Feil e-postadresse eller passord."
    assert message in unknown.get_data(as_text=True)
    assert message in wrong.get_data(as_text=True)


def test_empty_form_gets_an_error_summary_linking_to_the_fields(client):
    response = client.post("/logg-inn", data={"csrf_token": _token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#email"' in html and 'href="#password"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)"]
)
def test_next_only_redirects_locally(client, user, target):
    response = _login(client, "kari@example.no", PASSWORD, target)
    assert response.headers["Location"] == "/"


def test_changing_the_password_ends_other_sessions(app, user):
    first, second = app.test_client(), app.test_client()
    _login(first, "kari@example.no", PASSWORD)
    _login(second, "kari@example.no", PASSWORD)
    with app.app_context():
        stored = db.session.scalars(select(User)).one()
        services.set_password(user=stored, password="et-helt-nytt-passord")
        db.session.commit()
    assert "Logg inn" in first.get("/").get_data(as_text=True)
    assert "Logg inn" in second.get("/").get_data(as_text=True)


def test_users_cli(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=["users", "create", "--email", "redaktor@example.no", "--role", "editor",
              "--role", "admin", "--organization", "asker-kommune", "--password", PASSWORD]
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        stored = db.session.scalars(select(User).where(User.email == "redaktor@example.no")).one()
        assert stored.roles == {Role.EDITOR, Role.ADMIN}
        assert stored.organization.slug == "asker-kommune"
    duplicate = runner.invoke(
        args=["users", "create", "--email", "REDAKTOR@example.no", "--role", "editor",
              "--password", PASSWORD]
    )  # fmt: skip
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.no",
            "--role",
            "editor",
            "--password",
            "kort",
        ]
    )
    assert short.exit_code != 0 and "12 characters" in short.output


def _outbox_link(app, email: str) -> str:
    from portal.notifications.models import Notification

    with app.app_context():
        note = db.session.scalars(
            select(Notification)
            .where(Notification.user.has(email=email))
            .order_by(Notification.id.desc())
        ).first()
        return re.search(r"https?://\S+", note.body).group(0).split("localhost", 1)[1]


def test_password_reset_by_link_works_once(app, client, user):
    token = _token(client, "/glemt-passord")
    response = client.post("/glemt-passord", data={"email": "KARI@example.no", "csrf_token": token})
    assert response.status_code == 302
    unknown = client.post(
        "/glemt-passord",
        data={"email": "ingen@example.no", "csrf_token": _token(client, "/glemt-passord")},
    )
    assert unknown.status_code == 302  # the same answer: no account enumeration
    link = _outbox_link(app, "kari@example.no")
    page = client.get(link)
    assert page.status_code == 200 and "Velg passord" in page.get_data(as_text=True)
    mismatch = client.post(
        link, data={"password": "nytt-og-langt-passord", "confirm": "noe annet her",
                    "csrf_token": _token(client, link)},
    )  # fmt: skip
    assert mismatch.status_code == 400
    assert "De to passordene er ikke like." in mismatch.get_data(as_text=True)
    done = client.post(
        link, data={"password": "nytt-og-langt-passord", "confirm": "nytt-og-langt-passord",
                    "csrf_token": _token(client, link)},
    )  # fmt: skip
    assert done.status_code == 302
    assert client.get(link).status_code == 400  # used: the session version moved on
    fresh = app.test_client()
    assert _login(fresh, "kari@example.no", "nytt-og-langt-passord").status_code == 302


def test_forged_or_foreign_tokens_are_refused(client):
    assert client.get("/passord/nullstill/abc.def.ghi").status_code == 400
    assert client.get("/passord/annet/abc").status_code == 404


def test_invitation_from_the_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "invite", "--email", "ny@asker.kommune.no", "--role", "contributor",
              "--organization", "asker-kommune"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    link = _outbox_link(app, "ny@asker.kommune.no")
    client = app.test_client()
    response = client.post(
        link, data={"password": "invitert-og-langt", "confirm": "invitert-og-langt",
                    "csrf_token": _token(client, link)},
    )  # fmt: skip
    assert response.status_code == 302
    assert "ny@asker.kommune.no" in client.get("/").get_data(as_text=True)
