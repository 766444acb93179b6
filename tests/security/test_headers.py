"""Security headers on every kind of response; private pages are never cached."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.headers import CONTENT_SECURITY_POLICY
from portal.strategies.models import Strategy, StrategyStatus
from tests.cases.test_authoring import contributor  # noqa: F401  (fixture)
from tests.conftest import make_app
from tests.media.test_images import _images, _png, _upload, draft  # noqa: F401  (fixture)
from tests.web import csrf_token, login, make_user

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def _adopted_strategy(app) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Strategy.id).where(Strategy.status == StrategyStatus.ADOPTED)
        ).first()


def _responses(app, client):
    strategy = _adopted_strategy(app)
    return {
        "html": client.get("/"),
        "search": client.get("/eksempler/?q=ombruk"),
        "json": client.get("/api/v1/cases"),
        "openapi": client.get("/api/v1/openapi.json"),
        "html 404": client.get("/finnes-ikke"),
        "json 404": client.get("/api/v1/cases/finnes-ikke"),
        "html 405": client.post("/eksempler/"),
        "atom": client.get("/eksempler/nye.atom"),
        "sitemap": client.get("/sitemap.xml"),
        "static": client.get("/static/css/site.css"),
        "docx": client.get(f"/strategier/{strategy}/eksport.docx"),
    }


def test_every_kind_of_response_carries_the_security_headers(app, client):
    for kind, response in _responses(app, client).items():
        for header, value in EXPECTED.items():
            assert response.headers.get(header) == value, (kind, header)
        assert "camera=()" in response.headers["Permissions-Policy"], kind
        assert len(response.headers["X-Request-Id"]) == 32, kind
        assert "no-store" not in response.headers.get("Cache-Control", ""), kind
        response.close()


def test_images_and_private_images_carry_them_too(app, contributor, draft):  # noqa: F811
    _upload(contributor, draft, _png(640, 480), "bilde.png")
    (image,) = _images(app, draft)
    served = contributor.get(f"/bilder/{image.storage_key}-480.jpg")
    assert served.status_code == 200
    assert served.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "no-store" in served.headers["Cache-Control"]
    served.close()


def test_signed_in_pages_are_never_stored(app, client):
    make_user(app, "kari@asker.kommune.no", {Role.CONTRIBUTOR, Role.STRATEGY_AUTHOR})
    login(client, "kari@asker.kommune.no")
    for path in ("/", "/mine-eksempler/", "/eksempler/ny", "/api/v1/strategies", "/varsler/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
    static = client.get("/static/css/site.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


@pytest.fixture
def deployed(app, tmp_path):
    """The portal as an operator runs it behind HTTPS: not testing, cookies secure."""
    deployed = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        TESTING=False,
        BASE_URL="https://eksempelbanken.no",
    )
    return deployed


def test_behind_https_cookies_are_host_bound_and_hsts_is_sent(deployed):
    make_user(deployed, "kari@asker.kommune.no", {Role.CONTRIBUTOR})
    client = deployed.test_client()
    headers = {"Referer": "https://eksempelbanken.no/logg-inn"}
    page = client.get("/logg-inn")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    token = csrf_token(page.get_data(as_text=True))
    signed_in = client.post(
        "/logg-inn",
        data={"email": "kari@asker.kommune.no", "password": "et-langt-og-godt-passord",
              "csrf_token": token},
        headers=headers,
    )  # fmt: skip
    assert signed_in.status_code == 302
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie
    language = client.post(
        "/sprak", data={"language": "en", "csrf_token": token, "next": "/"}, headers=headers
    )
    assert "sprak=en" in language.headers["Set-Cookie"]
    assert "Secure" in language.headers["Set-Cookie"]


def test_make_run_on_plain_http_keeps_a_plain_cookie(app):
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
