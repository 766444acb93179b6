"""Shared fixtures: a migrated and seeded SQLite database, the app, its client, a factory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.seeding.loader import load_seed
from tests.factories import Factory


def make_app(database: Path, instance: Path, **extra) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "test-secret",
            "BASE_URL": "http://localhost",
            **extra,
        },
        instance_path=str(instance),
    )


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built the way `make run` builds it: migrations, then the seed.

    The seed's commit also fills the search index in the same folder (`search/`).
    """
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "seeded.sqlite3"
    app = make_app(path, folder)
    with app.app_context():
        upgrade()
        load_seed(Path(app.config["SEED_DIR"]))
        db.session.commit()
        db.engine.dispose()
    return path


@pytest.fixture
def app(seeded_database: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app on a private copy of the seeded database, so tests may write freely."""
    copy = tmp_path / "portal.sqlite3"
    shutil.copy(seeded_database, copy)
    # The seed indexed its cases through the session events; each test gets its own index.
    shutil.copytree(seeded_database.parent / "search", tmp_path / "search")
    app = make_app(copy, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


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
