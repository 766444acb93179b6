"""The content generation: a number that changes whenever public content changes.

A flush that touches a case, its results or images, a term, an organisation or anything of a
strategy bumps the generation with an UPDATE in the same transaction: it commits with the
change and rolls back with it, so no worker can see the change without the new generation.
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Connection, Engine, bindparam, event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseResult, Image
from portal.db import utcnow
from portal.db_events import listen_on_sessions
from portal.extensions import db
from portal.organizations.models import Organization
from portal.pagecache.models import ContentState
from portal.strategies.models import (
    Action,
    CaseGoalLink,
    Indicator,
    Measurement,
    Strategy,
    StrategyGoal,
)
from portal.taxonomy.models import Term

PUBLIC_CONTENT = (
    Case, CaseResult, Image, Term, Organization, Strategy, StrategyGoal, Action, Indicator,
    Measurement, CaseGoalLink,
)  # fmt: skip
BUMPED = "content_generation_bumped"
FRONT_DOOR_READ = "eksempelbanken.content_generation"  # WSGI environ key
STATE_ID = 1
_STATE = ContentState.__table__
_CURRENT = select(_STATE.c.generation, _STATE.c.changed_at).where(_STATE.c.id == bindparam("id"))


def read(connection: Connection) -> tuple[int, datetime | None]:
    """The generation and when it changed, as the database has them now."""
    # Core, not the ORM: this runs on every request, cached page or not.
    row = connection.execute(_CURRENT, {"id": STATE_ID}).first()
    return (row[0], row[1]) if row else (0, None)


class DirectReader:
    """Reads the generation on a database connection of its own, outside the pool, in
    autocommit (each read sees what is committed now, and holds no transaction open).

    The front door reads the generation for every page it serves; checking a connection out
    of the pool and back in (with its rollback) cost several times the read itself. One
    connection per process, used by one thread at a time (a threaded server's threads come and
    go, and must not each keep a connection), made again after a fork or an error, and closed
    with the engine's pool (`engine.dispose()`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._connection: tuple | None = None  # connection, statement, date converter

    def read(self, engine: Engine) -> tuple[int, datetime | None]:
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's connection is not ours
                self._pid, self._connection = os.getpid(), None
            if self._connection is None:
                self._connection = self._connect(engine)
            connection, statement, changed = self._connection
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(statement)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self._connection = None
                with contextlib.suppress(Exception):  # it may be gone already
                    connection.close()
                raise
        if row is None:
            return 0, None
        return row[0], changed(row[1]) if changed is not None else row[1]

    def _connect(self, engine: Engine) -> tuple:
        if not event.contains(engine, "engine_disposed", self._close):
            event.listen(engine, "engine_disposed", self._close)
        pooled = engine.raw_connection()
        pooled.detach()  # ours now: never returned to the pool, nor counted in it
        connection = pooled.dbapi_connection
        engine.dialect.set_isolation_level(connection, "AUTOCOMMIT")
        statement = str(
            _CURRENT.params(id=STATE_ID).compile(
                dialect=engine.dialect, compile_kwargs={"literal_binds": True}
            )
        )
        changed = _STATE.c.changed_at.type.dialect_impl(engine.dialect).result_processor(
            engine.dialect, None
        )
        return connection, statement, changed

    def _close(self, _engine: Engine) -> None:
        with self._lock:
            held, self._connection = self._connection, None
            if held is not None and self._pid == os.getpid():
                with contextlib.suppress(Exception):
                    held[0].close()


def current() -> tuple[int, datetime | None]:
    """This request's view of the generation and when it changed (read once per request)."""
    cached = g.get("content_generation")
    if cached is not None:
        return cached
    if has_request_context():
        # Read by the front door just before, for a page it does not keep (once: a change
        # made by this request moves the generation, and then it is read again).
        cached = request.environ.pop(FRONT_DOOR_READ, None)
    if cached is None:
        try:
            cached = read(db.session.connection())
        except SQLAlchemyError:
            db.session.rollback()
            cached = (0, None)
    g.content_generation = cached
    return cached


def kept(name: str) -> dict:
    """What this process keeps under `name` for the current content generation: emptied
    whenever the generation moves, so nothing in it outlives a change to public content."""
    stores = current_app.extensions.setdefault("per_generation", {})
    content = current()[0]
    store = stores.get(name)
    if store is None or store["generation"] != content:
        store = stores[name] = {"generation": content}
    return store


def _touches_public_content(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PUBLIC_CONTENT) and (
            obj in session.new or obj in session.deleted or session.is_modified(obj)
        ):
            return True
    return False


def _after_flush(session: Session, _context) -> None:
    if session.info.get(BUMPED) or not _touches_public_content(session):
        return
    session.info[BUMPED] = True
    connection = session.connection()
    bumped = connection.execute(
        update(ContentState)
        .where(ContentState.id == STATE_ID)
        .values(generation=ContentState.generation + 1, changed_at=utcnow())
    )
    if bumped.rowcount == 0:
        connection.execute(
            ContentState.__table__.insert().values(id=STATE_ID, generation=2, changed_at=utcnow())
        )
    if has_app_context():
        g.pop("content_generation", None)


def _forget(session: Session, *_args) -> None:
    session.info.pop(BUMPED, None)


def register_session_events() -> None:
    listen_on_sessions(
        {"after_flush": _after_flush, "after_commit": _forget, "after_soft_rollback": _forget}
    )
