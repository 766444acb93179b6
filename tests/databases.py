"""The database server the suite runs on: SQLite files (default) or a PostgreSQL cluster.

`pytest --db postgres` (or PORTAL_TEST_DB=postgres) runs every test on PostgreSQL: a throwaway
cluster is started for the run (tests/pgcluster.py), unless PORTAL_TEST_POSTGRES_URL names a
server to use. Each test gets a private database: a file copy on SQLite, a
`CREATE DATABASE … TEMPLATE` of the seeded one on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

_names = itertools.count(1)


class SQLiteServer:
    name = "sqlite"

    def create(self, folder: Path, name: str) -> str:
        return f"sqlite:///{folder / (name + '.sqlite3')}"

    def copy(self, source: str, folder: Path, name: str) -> str:
        target = self.create(folder, name)
        shutil.copy(make_url(source).database, make_url(target).database)
        return target

    def drop(self, url: str) -> None:
        Path(make_url(url).database).unlink(missing_ok=True)

    def close(self) -> None:
        pass


class PostgresServer:
    name = "postgres"

    def __init__(self, url: str, cluster: Path | None = None) -> None:
        self.url = make_url(url)
        self.cluster = cluster
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def _unique(self, name: str) -> str:
        return f"{name}_{os.getpid()}_{next(_names)}"

    def _execute(self, statement: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(text(statement))

    def create(self, folder: Path, name: str) -> str:
        database = self._unique(name)
        self._execute(f'CREATE DATABASE "{database}"')
        return self.url.set(database=database).render_as_string(hide_password=False)

    def copy(self, source: str, folder: Path, name: str) -> str:
        database = self._unique(name)
        template = make_url(source).database
        self._execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        return self.url.set(database=database).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self.engine.dispose()
        if self.cluster is not None:
            from tests import pgcluster

            pgcluster.remove(self.cluster)


def start(kind: str) -> SQLiteServer | PostgresServer:
    if kind == "sqlite":
        return SQLiteServer()
    if given := os.environ.get("PORTAL_TEST_POSTGRES_URL"):
        return PostgresServer(given)
    from tests import pgcluster

    folder, url = pgcluster.start()
    return PostgresServer(url, cluster=folder)
