"""Where image files live, kept in step with the database transaction.

Files live behind a small interface (`MediaStore`) whose names are relative paths:
`originals/<key>.<ext>` (private) and `public/<key>-<width>.jpg`. The one implementation is a
folder (MEDIA_DIR, or media/ in the instance folder); several web servers share it by mounting
the same folder (NFS or another shared file system) at MEDIA_DIR on each (docs/deploy.md).

Files of a new upload are written before the row is committed; if the transaction rolls back,
they are removed. Files of a removed image are deleted only once the removal is committed, so
a failed request never leaves a row whose files are gone.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app, send_from_directory
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from portal.db_events import listen_on_sessions

log = logging.getLogger(__name__)

_CREATED = "media_created"
_DOOMED = "media_doomed"


class MediaStore(Protocol):
    def write(self, name: str, data: bytes) -> None:
        """Store a file whole (a reader never sees half of it)."""

    def names_of(self, key: str) -> list[str]:
        """The names of one image's files: its original and every web size."""

    def delete(self, name: str) -> None: ...

    def send(self, name: str) -> Response:
        """The file as an HTTP response (conditional requests and ranges included)."""

    def names(self) -> Iterator[str]:
        """Every file stored, for backups."""

    def read(self, name: str) -> bytes: ...


class FolderStore:
    """Image files in a folder on this machine (or a shared mount)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"not a media file name: {name!r}")
        return path

    def write(self, name: str, data: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def names_of(self, key: str) -> list[str]:
        found = [*(self.root / "originals").glob(f"{key}.*"),
                 *(self.root / "public").glob(f"{key}-*")]  # fmt: skip
        return sorted(str(p.relative_to(self.root)) for p in found)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def send(self, name: str) -> Response:
        return send_from_directory(self.root, name)

    def names(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".upload-"):
                yield str(path.relative_to(self.root))

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()


def init_media(app: Flask) -> None:
    root = Path(app.config.get("MEDIA_DIR") or Path(app.instance_path) / "media")
    app.extensions["media"] = FolderStore(root)


def media_store() -> MediaStore:
    return current_app.extensions["media"]


def _delete(pairs: set[tuple[MediaStore, str]]) -> None:
    for store, key in pairs:
        for name in store.names_of(key):
            try:
                store.delete(name)
            except OSError:
                log.exception("could not delete %s", name)


def created(session: Session, store: MediaStore, key: str) -> None:
    """Files were written for this key; remove them if the transaction does not commit."""
    session.info.setdefault(_CREATED, set()).add((store, key))


def delete_on_commit(session: Session, store: MediaStore, key: str) -> None:
    """Delete this key's files once the removal of its row is committed."""
    session.info.setdefault(_DOOMED, set()).add((store, key))


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
