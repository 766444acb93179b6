"""Helpers for tests that act as a signed-in user through the test client."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _FormFields(HTMLParser):
    """The values a browser would send for one form: inputs, checked boxes, selected options
    and text areas (buttons left out; the test names the action it presses)."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action", "") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if "checked" in a else "")))
        elif tag == "select":
            self._select, self._first_option, self._chosen = a.get("name"), None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if not self._chosen and self._first_option is not None:
                self.fields.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, action: str = "") -> dict[str, str | list[str]]:
    """What submitting the form posting to `action` ("": to its own page) would send."""
    parser = _FormFields(action)
    parser.feed(html)
    out: dict[str, str | list[str]] = {}
    for name, value in parser.fields:
        if name in out:
            existing = out[name]
            out[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[name] = value
    return out
