"""Helpers for tests that act as a signed-in user through the test client."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Role
from portal.extensions import db
from portal.organizations.models import Organization

PASSWORD = "et-langt-og-godt-passord"


def make_user(
    app, email: str, roles: set[Role], org_slug: str | None = "asker-kommune", name: str = ""
) -> None:
    with app.app_context():
        org = None
        if org_slug:
            org = db.session.scalars(
                select(Organization).where(Organization.slug == org_slug)
            ).one()
        accounts.create_user(
            email=email, name=name or email, roles=roles, organization=org, password=PASSWORD
        )
        db.session.commit()


def csrf_token(html: str, name: str = "csrf_token") -> str:
    """The CSRF token of the first form with the given field name (prefixed forms differ)."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no {name} in the page"
    return re.search(r'value="([^"]+)"', tag.group(0)).group(1)


def login(client, email: str) -> None:
    token = csrf_token(client.get("/logg-inn").get_data(as_text=True))
    response = client.post(
        "/logg-inn", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
