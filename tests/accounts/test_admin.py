"""Admins manage users, roles, organizations and invitations."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.organizations.models import Organization
from tests.cases.test_authoring import PASSWORD, _login


def _admin(app):
    with app.app_context():
        services.create_user(
            email="admin@dfo.no", name="Admin", roles={Role.ADMIN}, password=PASSWORD
        )
        services.create_user(
            email="kari@asker.kommune.no", name="Kari", roles={Role.CONTRIBUTOR}, password=PASSWORD
        )
        db.session.commit()
    client = app.test_client()
    _login(client, "admin@dfo.no")
    return client


def _token(client) -> str:
    return re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/").get_data(as_text=True)
    ).group(1)


def _user(app, email):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        return (
            user.id,
            user.roles,
            user.organization.slug if user.organization else None,
            user.is_active,
        )


def test_admin_changes_roles_organization_and_access(app):
    admin = _admin(app)
    user_id, *_ = _user(app, "kari@asker.kommune.no")
    kari = app.test_client()
    _login(kari, "kari@asker.kommune.no")
    admin.post(f"/admin/brukere/{user_id}", data={
        "csrf_token": _token(admin), "roles": ["contributor", "strategy_author"],
        "organization": "asker-kommune", "active": "on"})  # fmt: skip
    assert _user(app, "kari@asker.kommune.no")[1:] == (
        {Role.CONTRIBUTOR, Role.STRATEGY_AUTHOR}, "asker-kommune", True)  # fmt: skip
    admin.post(
        f"/admin/brukere/{user_id}", data={"csrf_token": _token(admin), "roles": ["contributor"]}
    )
    assert _user(app, "kari@asker.kommune.no")[3] is False
    assert "Logg inn" in kari.get("/").get_data(as_text=True)  # her session ended


def test_admin_cannot_lock_themself_out(app):
    admin = _admin(app)
    admin_id, *_ = _user(app, "admin@dfo.no")
    admin.post(
        f"/admin/brukere/{admin_id}",
        data={"csrf_token": _token(admin), "roles": ["editor"], "active": "on"},
    )
    assert Role.ADMIN in _user(app, "admin@dfo.no")[1]


def test_invitation_and_new_organization(app):
    admin = _admin(app)
    admin.post("/admin/organisasjoner", data={"csrf_token": _token(admin), "name": "Hamar kommune",
                                              "org_type": "kommune", "county": "Innlandet"})  # fmt: skip
    admin.post("/admin/invitasjoner", data={"csrf_token": _token(admin), "email": "ny@hamar.kommune.no",
                                            "name": "Nina", "roles": ["contributor"],
                                            "organization": "hamar-kommune"})  # fmt: skip
    with app.app_context():
        assert db.session.scalars(
            select(Organization).where(Organization.slug == "hamar-kommune")
        ).one()
        note = db.session.scalars(
            select(Notification).where(Notification.kind == "invitation")
        ).one()
        assert note.user.email == "ny@hamar.kommune.no" and "/passord/invitasjon/" in note.body
        assert note.user.password_hash is None


def test_only_admins(app):
    _admin(app)
    kari = app.test_client()
    _login(kari, "kari@asker.kommune.no")
    assert kari.get("/admin/").status_code == 403
    assert app.test_client().get("/admin/").status_code == 302
