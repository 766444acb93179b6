"""Absolute URLs come from PORTAL_BASE_URL, never from the request's Host header."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.extensions import db
from portal.notifications.models import Notification
from tests.cases.test_authoring import _form
from tests.conftest import make_app
from tests.web import csrf_token, login, make_user

BASE = "https://eksempelbanken.no"


@pytest.fixture
def site(app, tmp_path):
    """The portal as deployed: its own address, and an internal host name it also answers to."""
    return make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        BASE_URL=BASE + "/",
        ALLOWED_HOSTS="intern.example",
    )


def _client(app, host):
    """A test client whose every request names the given host (as a browser or attacker would)."""
    from flask.testing import FlaskClient

    class HostClient(FlaskClient):
        def open(self, *args, **kwargs):
            headers = kwargs.setdefault("headers", {})
            headers.setdefault("Host", host)
            # Over HTTPS, Flask-WTF wants the Referer a browser sends.
            headers.setdefault("Referer", f"https://{host}/")
            return super().open(*args, **kwargs)

    return HostClient(app, app.response_class, use_cookies=True)


def _links(app, email):
    with app.app_context():
        bodies = db.session.scalars(
            select(Notification.body).where(Notification.user.has(email=email))
        ).all()
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def test_a_forged_host_is_refused_and_queues_no_reset_link(site):
    make_user(site, "offer@asker.kommune.no", {Role.CONTRIBUTOR})
    client = _client(site, "eksempelbanken.no")
    token = csrf_token(client.get("/glemt-passord").get_data(as_text=True))
    response = client.post(
        "/glemt-passord",
        data={"email": "offer@asker.kommune.no", "csrf_token": token},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 400
    assert "not trusted" not in response.get_data(as_text=True)
    assert _links(site, "offer@asker.kommune.no") == []
    assert _client(site, "evil.example").get("/").status_code == 400
    assert _client(site, "evil.example").get("/api/v1/cases").get_json()["code"] == 400


def test_reset_links_use_the_configured_address_whatever_host_was_asked(site):
    make_user(site, "kari@asker.kommune.no", {Role.CONTRIBUTOR})
    internal = _client(site, "intern.example")
    token = csrf_token(internal.get("/glemt-passord").get_data(as_text=True))
    internal.post("/glemt-passord", data={"email": "kari@asker.kommune.no", "csrf_token": token})
    (link,) = _links(site, "kari@asker.kommune.no")
    assert link.startswith(f"{BASE}/passord/nullstill/")


def test_editor_notifications_use_the_configured_address(site):
    make_user(site, "redaktor@dfo.no", {Role.EDITOR}, org_slug=None)
    make_user(site, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    contributor = _client(site, "intern.example")
    login(contributor, "bidrag@asker.kommune.no")
    contributor.post("/eksempler/ny", data=_form(contributor, "/eksempler/ny", action="submit"))
    links = _links(site, "redaktor@dfo.no")
    assert links and all(link.startswith(f"{BASE}/redaksjon/eksempler/") for link in links)


def test_feed_sitemap_and_api_use_the_configured_address(site):
    client = _client(site, "intern.example")
    atom = ElementTree.fromstring(client.get("/eksempler/nye.atom").data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    hrefs = [link.get("href") for link in atom.iterfind(".//a:link", ns)]
    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").data)
    locs = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    api = client.get("/api/v1/cases").get_json()["items"]
    urls = hrefs + locs + [item["url"] for item in api]
    assert len(urls) > 30 and all(url.startswith(BASE + "/") for url in urls)


def test_the_cli_builds_invitations_from_the_configured_address(site):
    result = site.test_cli_runner().invoke(
        args=["users", "invite", "--email", "ny@asker.kommune.no", "--role", "contributor",
              "--organization", "asker-kommune"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (link,) = _links(site, "ny@asker.kommune.no")
    assert link.startswith(f"{BASE}/passord/invitasjon/")


def test_a_base_url_that_is_no_web_address_stops_the_start(tmp_path):
    from portal.config import ConfigError

    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, BASE_URL="eksempelbanken.no")


def test_case_urls_are_unchanged_for_the_default_test_address(client):
    html = client.get("/eksempler/nye.atom").get_data(as_text=True)
    assert "http://localhost/eksempler/" in html and Case.__tablename__ == "cases"
