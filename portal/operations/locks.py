"""One run at a time of a job that several servers may start (`flask mail send`).

On PostgreSQL a session-level advisory lock, which every web server sees; on SQLite (one
machine) a lock file in the instance folder. The lock is given up when the run ends, or when
its process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import Engine, text

from portal.extensions import db


class Busy(RuntimeError):
    """Another run holds the lock."""


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory(engine: Engine, name: str, *, wait: bool = False) -> Iterator[None]:
    """PostgreSQL's session-level advisory lock called `name`, seen by every server."""
    key = {"k": _key(name)}
    with engine.connect() as connection:
        if wait:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), key)
        elif not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), key).scalar():
            raise Busy(name)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), key)
            connection.commit()


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Hold the lock called `name`, or raise Busy at once."""
    if db.engine.dialect.name == "postgresql":
        with advisory(db.engine, name):
            yield
        return
    path = Path(current_app.instance_path) / f"{name}.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise Busy(name) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
