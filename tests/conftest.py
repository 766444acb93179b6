"""Shared fixtures: a migrated and seeded database, the app, its client, a factory.

The suite runs on SQLite by default and on PostgreSQL with `--db postgres` (tests/databases.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.seeding.loader import load_seed
from tests import databases
from tests.factories import Factory


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("PORTAL_TEST_DB", "sqlite"),
        help="the database the suite runs on (PostgreSQL: a throwaway cluster is started)",
    )
    parser.addoption(
        "--search",
        choices=("whoosh", "postgres"),
        default=os.environ.get("PORTAL_TEST_SEARCH"),
        help="the search backend (default: whoosh on SQLite, postgres on PostgreSQL)",
    )


def search_backend(config: pytest.Config) -> str:
    chosen = config.getoption("search")
    return chosen or ("postgres" if config.getoption("db") == "postgres" else "whoosh")


def pytest_configure(config: pytest.Config) -> None:
    # Through the environment, so that CLI commands the tests start in a subprocess agree.
    os.environ["PORTAL_SEARCH_BACKEND"] = search_backend(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of the Whoosh index's files (segments, swaps, crashes) have nothing to test when
    the index is in PostgreSQL, and tests of the PostgreSQL index's tables nothing when it is
    in Whoosh: each is deselected in the other run, never skipped."""
    other = "postgres_search" if search_backend(config) == "whoosh" else "whoosh"
    kept = [item for item in items if not item.get_closest_marker(other)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {config.getoption('db')}, search: {search_backend(config)}"


_made: list[Flask] = []


def make_app(database_url: str, instance: Path, **extra) -> Flask:
    """An app for the tests; its connections are closed before its test's database is dropped."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "BASE_URL": "http://localhost",
            **extra,
        },
        instance_path=str(instance),
    )
    _made.append(app)
    return app


def close_connections() -> None:
    """Close the pooled connections of every app made so far (PostgreSQL cannot drop a
    database that is in use, and a connection it drops under an app warns)."""
    while _made:
        app = _made.pop()
        with app.app_context():
            db.engine.dispose()
        if "search" in app.extensions:
            app.extensions["search"].close()  # the index's files, before the folder goes


@pytest.fixture(scope="session")
def database_server(request: pytest.FixtureRequest):
    server = databases.start(request.config.getoption("db"))
    yield server
    server.close()


@pytest.fixture
def empty_database(database_server, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database (no migrations run)."""
    url = database_server.create(tmp_path, "empty")
    yield url
    close_connections()
    database_server.drop(url)


@dataclass(frozen=True)
class Seeded:
    url: str
    folder: Path  # the instance folder, with the search index in search/

    def copy_to(self, server, folder: Path, name: str = "portal") -> str:
        """A private copy of the database and its index in `folder`; returns the URL."""
        url = server.copy(self.url, folder, name)
        if (self.folder / "search").exists():  # the Whoosh index (none when it is in PostgreSQL)
            shutil.copytree(self.folder / "search", folder / "search")
        return url


@pytest.fixture(scope="session")
def seeded_database(database_server, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A database built the way `make run` builds it: migrations, then the seed.

    The seed's commit also fills the search index in the same folder (`search/`).
    """
    folder = tmp_path_factory.mktemp("seeded")
    url = database_server.create(folder, "seeded")
    app = make_app(url, folder)
    with app.app_context():
        upgrade()
        load_seed(Path(app.config["SEED_DIR"]))
        db.session.commit()
        db.engine.dispose()
    return Seeded(url, folder)


@pytest.fixture
def app(seeded_database: Seeded, database_server, tmp_path: Path) -> Iterator[Flask]:
    """An app on a private copy of the seeded database and index, so tests may write freely."""
    url = seeded_database.copy_to(database_server, tmp_path)
    yield make_app(url, tmp_path)
    close_connections()
    database_server.drop(url)


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for tests that work on the database directly.

    Requests must not run inside it: Flask would reuse this context (and its `g`) for them.
    """
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def factory(app: Flask) -> Factory:
    """Builds test data; use it inside `with factory.committing():` before making requests."""
    return Factory(app)
