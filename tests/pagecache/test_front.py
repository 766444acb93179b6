"""The front door serves kept pages to anonymous visitors before Flask runs, with exactly the
answer Flask would give, and steps aside for anyone it cannot be sure of."""

from __future__ import annotations

import logging

import pytest

from portal.accounts.models import Role
from tests.cases.test_workflow import _user

SIRKULA = "/eksempler/sirkula-avtaleforvalter-sparte-4-4-millioner"
PER_REQUEST = {"X-Request-Id", "Date"}


@pytest.fixture
def flask_requests(app):
    """How many requests reached Flask's own handling."""
    seen: list[str] = []
    app.before_request(lambda: seen.append("flask"))
    return seen


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_REQUEST}


def test_a_kept_page_comes_from_the_front_door_with_flasks_answer(app, client, flask_requests):
    rendered = client.get(SIRKULA + "?fra=søk")
    assert rendered.status_code == 200 and len(flask_requests) == 1
    kept = client.get(SIRKULA + "?fra=søk")
    assert len(flask_requests) == 1  # Flask did not run
    assert kept.get_data() == rendered.get_data()
    assert _headers(kept) == _headers(rendered)
    assert kept.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert kept.headers["X-Request-Id"] != rendered.headers["X-Request-Id"]

    head = client.head(SIRKULA + "?fra=søk")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == rendered.headers["ETag"]
    again = client.get(SIRKULA + "?fra=søk", headers={"If-None-Match": rendered.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert len(flask_requests) == 1
    # Another address, or another language, is another page: Flask renders it.
    client.get(SIRKULA)
    client.set_cookie("sprak", "en")
    english = client.get(SIRKULA + "?fra=søk")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert len(flask_requests) == 3


def test_the_front_door_logs_each_page_it_serves(app, client, caplog):
    client.get(SIRKULA)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="portal.request"):
        kept = client.get(SIRKULA)
    (line,) = [r for r in caplog.records if r.name == "portal.request"]
    assert line.fields["path"] == SIRKULA and line.fields["status"] == 200
    assert line.fields["request_id"] == kept.headers["X-Request-Id"]
    assert line.fields["signed_in"] is False


def test_signed_in_visitors_and_waiting_messages_go_past_it(app, client, flask_requests):
    assert "Logg inn" in client.get(SIRKULA).get_data(as_text=True)
    editor = _user(app, "redaktor@dfo.no", {Role.EDITOR}, org="statens-innkjopssenter")
    before = len(flask_requests)
    page = editor.get(SIRKULA)
    assert len(flask_requests) == before + 1
    assert "Logg ut" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"

    # An anonymous visitor with a message waiting in the session sees the message.
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Takk, vi har mottatt spørsmålet ditt.")]
    shown = client.get(SIRKULA).get_data(as_text=True)
    assert "Takk, vi har mottatt spørsmålet ditt." in shown
    # … and once it is shown, the kept page again.
    before = len(flask_requests)
    assert "Takk, vi har" not in client.get(SIRKULA).get_data(as_text=True)
    assert len(flask_requests) == before


def test_a_forged_session_cookie_is_not_taken_for_a_signed_in_one(app, client, flask_requests):
    """A session cookie the front door cannot read is left to Flask, which ignores it."""
    client.get(SIRKULA)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "eyJfdXNlcl9pZCI6IjEifQ.forged.sig")
    page = client.get(SIRKULA)
    assert page.status_code == 200 and "Logg inn" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "public, max-age=60"


def test_a_page_flask_renders_after_the_front_door_is_kept_under_the_generation_it_shows(
    app, client, factory
):
    """The front door's reading of the content generation is handed to Flask for a page it
    does not keep, once: a change the request itself makes is read again, and a page is never
    kept under a generation older than its content."""
    from sqlalchemy import select

    from portal.cases.models import Case
    from portal.extensions import db
    from portal.pagecache import generation

    with app.app_context():
        before = generation.read(db.session.connection())
    with app.test_request_context("/", environ_base={generation.FRONT_DOOR_READ: before}):
        assert generation.current() == before
        case = db.session.scalars(select(Case).where(Case.slug == SIRKULA.rsplit("/", 1)[1])).one()
        case.title = "Sirkula sparte millioner i samme forespørsel"
        db.session.commit()  # this request's own change
        assert generation.current()[0] > before[0]
    first = client.get("/").get_data(as_text=True)  # rendered through the front door's miss
    with factory.committing() as f:
        f.case(title="Kantinedrift med sesongmat")
    again = client.get("/").get_data(as_text=True)
    assert "Kantinedrift med sesongmat" in again and "Kantinedrift med sesongmat" not in first


def test_the_front_doors_own_connection_sees_each_commit_and_is_made_again_after_a_failure(
    app, factory
):
    from portal.extensions import db
    from portal.pagecache import generation

    reader = generation.DirectReader()
    with app.app_context():
        first = reader.read(db.engine)
        assert first == generation.read(db.session.connection())
        db.session.rollback()
    with factory.committing() as f:
        f.case(title="Kantinedrift med sesongmat")
    with app.app_context():
        second = reader.read(db.engine)  # the same connection, a later commit
        assert second[0] > first[0] and second[1] >= first[1]
        reader._connection[0].close()  # as when the database server restarts
        with pytest.raises(Exception):  # noqa: B017 - the driver's own error
            reader.read(db.engine)
        assert reader.read(db.engine) == second  # connected again


def test_the_front_door_keeps_one_connection_however_many_threads_serve(app):
    """A threaded server's threads come and go: they share the one connection, rather than
    each keeping one open until the database refuses more clients."""
    import threading

    from sqlalchemy import text

    from portal.extensions import db
    from portal.pagecache import generation

    reader = generation.DirectReader()
    with app.app_context():
        engine = db.engine
        first = reader.read(engine)
        connection = reader._connection[0]

        def count_connections() -> int | None:
            if engine.dialect.name != "postgresql":
                return None
            with engine.connect() as c:
                return c.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar()

        before = count_connections()
        read = []
        threads = [threading.Thread(target=lambda: read.append(reader.read(engine)))
                   for _ in range(40)]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert read == [first] * 40
        assert reader._connection[0] is connection
        assert count_connections() == before
