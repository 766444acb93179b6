"""/profil: who you are, which mail you get, and changing your password."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.extensions import db
from tests.web import PASSWORD, csrf_token, login, make_user


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def test_the_profile_shows_the_account_and_saves_name_and_mail_choices(app, client):
    make_user(app, "kari@asker.kommune.no", {Role.CONTRIBUTOR, Role.EDITOR}, name="Kari")
    login(client, "kari@asker.kommune.no")
    page = client.get("/profil/").get_data(as_text=True)
    assert "kari@asker.kommune.no" in page and "Asker kommune" in page
    assert "Bidragsyter" in page and "Redaktør" in page
    token = csrf_token(page, "profile-csrf_token")
    response = client.post("/profil/", data={"profile-csrf_token": token,
                                             "profile-name": "Kari Nordmann",
                                             "profile-mails_digests": "y"})  # fmt: skip
    assert response.status_code == 302
    user = _user(app, "kari@asker.kommune.no")
    assert user.name == "Kari Nordmann"
    assert user.mails_digests and not user.mails_notifications
    empty = client.post("/profil/", data={"profile-csrf_token": token, "profile-name": ""})
    assert empty.status_code == 400 and "Skriv inn navnet ditt." in empty.get_data(as_text=True)
    assert _user(app, "kari@asker.kommune.no").name == "Kari Nordmann"


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(app):
    make_user(app, "ola@asker.kommune.no", {Role.CONTRIBUTOR})
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "ola@asker.kommune.no")
    login(elsewhere, "ola@asker.kommune.no")
    token = csrf_token(here.get("/profil/").get_data(as_text=True), "password-csrf_token")
    new = "et-helt-nytt-og-langt-passord"
    wrong = here.post("/profil/passord", data={"password-csrf_token": token,
                                               "password-current": "feil-passord-her",
                                               "password-password": new,
                                               "password-confirm": new})  # fmt: skip
    assert wrong.status_code == 400
    assert "Det nåværende passordet er ikke riktig." in wrong.get_data(as_text=True)
    right = here.post("/profil/passord", data={"password-csrf_token": token,
                                               "password-current": PASSWORD,
                                               "password-password": new,
                                               "password-confirm": new})  # fmt: skip
    assert right.status_code == 302
    assert here.get("/profil/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/profil/").status_code == 302  # the other one is signed out
    fresh = app.test_client()
    page = fresh.get("/logg-inn").get_data(as_text=True)
    response = fresh.post("/logg-inn", data={"email": "ola@asker.kommune.no", "password": new,
                                             "csrf_token": csrf_token(page)})  # fmt: skip
    assert response.status_code == 302


def test_notifications_turned_off_stay_in_the_portal_and_are_not_mailed(app):
    from portal.notifications.outbox import due

    make_user(app, "stille@asker.kommune.no", {Role.EDITOR})
    with app.app_context():
        from portal.cases.models import Case
        from portal.notifications.services import notify_case_event

        user = db.session.scalars(select(User).where(User.email == "stille@asker.kommune.no")).one()
        user.mails_notifications = False
        actor = db.session.scalars(select(User).where(User.id != user.id)).first() or user
        case = db.session.scalars(select(Case)).first()
        notify_case_event(case=case, action="submit", actor=actor, comment="", url="http://x/")
        db.session.commit()
        assert [n.user.email for n in due()] == []
