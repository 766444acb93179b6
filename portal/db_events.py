"""Engine-level settings (SQLite gets foreign keys, WAL and a busy timeout), and the one way
features hook into every session's flush and commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.letters import compare_norwegian


def register_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_collation("nb", compare_norwegian)


def listen_on_sessions(handlers: Mapping[str, Callable[..., None]]) -> None:
    """Register session event handlers (event name → function) on Flask-SQLAlchemy's session
    class, each once however many apps are created (tests create many)."""
    from flask_sqlalchemy.session import Session as FlaskSession

    for name, handler in handlers.items():
        if not event.contains(FlaskSession, name, handler):
            event.listen(FlaskSession, name, handler)
