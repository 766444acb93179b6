"""Image files kept in step with the database transaction.

Files of a new upload are written before the row is committed; if the transaction rolls back,
they are removed. Files of a removed image are deleted only once the removal is committed, so
a failed request never leaves a row whose files are gone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from portal.db_events import listen_on_sessions

log = logging.getLogger(__name__)

_CREATED = "media_created"
_DOOMED = "media_doomed"


def media_root() -> Path:
    """Where image files live: MEDIA_DIR, or media/ in the instance folder."""
    return Path(current_app.config.get("MEDIA_DIR") or Path(current_app.instance_path) / "media")


def files_of(root: Path, key: str) -> list[Path]:
    """The private original and every public web size of one image."""
    return [*(root / "originals").glob(f"{key}.*"), *(root / "public").glob(f"{key}-*")]


def _delete(pairs: set[tuple[Path, str]]) -> None:
    for root, key in pairs:
        for path in files_of(root, key):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                log.exception("could not delete %s", path)


def created(session: Session, root: Path, key: str) -> None:
    """Files were written for this key; remove them if the transaction does not commit."""
    session.info.setdefault(_CREATED, set()).add((root, key))


def delete_on_commit(session: Session, root: Path, key: str) -> None:
    """Delete this key's files once the removal of its row is committed."""
    session.info.setdefault(_DOOMED, set()).add((root, key))


def _after_commit(session: Session) -> None:
    session.info.pop(_CREATED, None)
    _delete(session.info.pop(_DOOMED, set()))


def _after_transaction_end(session: Session, transaction) -> None:
    """Rolled back, or closed without a commit: forget the deletions, undo the uploads."""
    if transaction.parent is not None:
        return  # a savepoint; the outer transaction decides
    session.info.pop(_DOOMED, None)
    _delete(session.info.pop(_CREATED, set()))


def register_session_events() -> None:
    listen_on_sessions(
        {"after_commit": _after_commit, "after_transaction_end": _after_transaction_end}
    )
