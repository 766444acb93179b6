"""Configuration an operator relies on: secrets, database location, SQLite settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.extensions import db


@pytest.fixture(autouse=True)
def _sqlite_with_whoosh(monkeypatch):
    """These apps run on SQLite files of their own, where only the Whoosh index can live."""
    monkeypatch.setenv("PORTAL_SEARCH_BACKEND", "whoosh")


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    database = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    first = create_app({"SQLALCHEMY_DATABASE_URI": database}, instance_path=str(tmp_path))
    second = create_app({"SQLALCHEMY_DATABASE_URI": database}, instance_path=str(tmp_path))
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app(instance_path=str(tmp_path))
    assert app.secret_key == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("elsewhere.sqlite3")


def test_default_database_lives_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'eksempelbanken.sqlite3'}"
    )


def test_the_database_refuses_a_row_that_points_nowhere(app, ctx):
    """Foreign keys are enforced on every database (SQLite needs a pragma for it)."""
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("INSERT INTO case_terms (case_id, term_id) VALUES (999999, 999999)")
        )
        db.session.flush()
    db.session.rollback()


def test_sqlite_runs_in_wal_mode_so_readers_never_wait_for_the_writer(app, ctx):
    with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            # PostgreSQL's readers never wait for writers (MVCC); there is nothing to set.
            assert connection.execute(text("SHOW default_transaction_isolation")).scalar() == (
                "read committed"
            )
            return
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_cookies_are_secure_outside_development(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_INSECURE_COOKIES", raising=False)
    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        ("postgres", "needs a PostgreSQL DATABASE_URL"),
        ("elastic", "must be one of whoosh, postgres"),
    ],
)
def test_a_search_backend_that_cannot_work_stops_the_start(tmp_path, monkeypatch, backend, message):
    from portal.config import ConfigError

    monkeypatch.setenv("PORTAL_SEARCH_BACKEND", backend)
    database = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    with pytest.raises(ConfigError, match=message):
        create_app(
            {"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "x"}, instance_path=str(tmp_path)
        )
