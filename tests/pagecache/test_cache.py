"""Anonymous pages are rendered once per content generation, answered with 304 when the
browser has them, and never outlive a change made by another worker."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.extensions import db
from portal.pagecache import generation
from tests.cases.test_workflow import _act, _user
from tests.conftest import make_app

SIRKULA = "sirkula-avtaleforvalter-sparte-4-4-millioner"


def _cache(app):
    return app.extensions["page_cache"]


def test_an_anonymous_page_is_rendered_once_and_revalidated_with_304(app, client):
    first = client.get(f"/eksempler/{SIRKULA}")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in first.headers["Vary"]
    assert "Set-Cookie" not in first.headers  # nothing personal in an anonymous page
    assert "Last-Modified" in first.headers
    etag, hits = first.headers["ETag"], _cache(app).hits
    second = client.get(f"/eksempler/{SIRKULA}")
    assert second.get_data() == first.get_data()
    assert _cache(app).hits == hits + 1
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]  # headers are fresh
    again = client.get(f"/eksempler/{SIRKULA}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag


def test_each_language_is_its_own_page(app, client):
    norwegian = client.get("/eksempler/").get_data(as_text=True)
    client.set_cookie("sprak", "en")
    english = client.get("/eksempler/").get_data(as_text=True)
    assert '<html lang="nb">' in norwegian and '<html lang="en">' in english


def test_signed_in_pages_are_never_cached(app):
    editor = _user(app, "redaktor@dfo.no", {Role.EDITOR}, org="statens-innkjopssenter")
    response = editor.get(f"/eksempler/{SIRKULA}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert "Logg ut" in response.get_data(as_text=True)
    # … and an anonymous visitor never gets the signed-in version from the cache.
    anonymous = app.test_client().get(f"/eksempler/{SIRKULA}").get_data(as_text=True)
    assert "Logg ut" not in anonymous and "Logg inn" in anonymous


def test_a_page_cached_by_one_worker_is_not_served_after_another_unpublishes(app, tmp_path):
    """Two apps on one database stand for two server processes with their own caches."""
    other_worker = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    reader = other_worker.test_client()
    assert reader.get(f"/eksempler/{SIRKULA}").status_code == 200
    assert reader.get(f"/eksempler/{SIRKULA}").status_code == 200  # now from its cache
    editor = _user(app, "redaktor@dfo.no", {Role.EDITOR}, org="statens-innkjopssenter")
    assert _act(editor, SIRKULA, "unpublish", "Utdatert").status_code == 302
    gone = reader.get(f"/eksempler/{SIRKULA}")
    assert gone.status_code == 410
    listing = reader.get("/eksempler/?q=avtaleforvalter").get_data(as_text=True)
    assert "Sirkulas avtaleforvalter" not in listing
    with other_worker.app_context():
        db.engine.dispose()


def test_only_changes_to_public_content_start_a_new_generation(app, client):
    def current() -> int:
        with app.test_request_context("/"):
            return generation.current()[0]

    before = current()
    _user(app, "kari@asker.kommune.no", {Role.CONTRIBUTOR})  # an account and a login
    assert current() == before
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == SIRKULA)).one()
        case.title = "Sirkulas avtaleforvalter sparte 4,4 millioner kroner på ett år"
        db.session.commit()
    assert current() == before + 1
    page = client.get(f"/eksempler/{SIRKULA}").get_data(as_text=True)
    assert re.search(r"sparte 4,4 millioner kroner på ett år", page)
