"""`flask backup PATH` and `flask restore PATH`: a whole instance in one archive and back.

The backup takes a consistent snapshot while the site keeps serving: SQLite's online backup
API copies the database in one step; on PostgreSQL one repeatable-read transaction exports its
snapshot, pg_dump dumps exactly that snapshot, and the counts and row digests are read in it.
The image files are copied afterwards: an image removed in between is listed in the manifest
(`media_missing`), never silently lost. The search index is not archived; a restore rebuilds it.

A restore checks everything before it touches anything: the manifest, every checksum, the
format and migration (an archive from a newer portal is refused), the database kind, and that
the target instance is empty. Then it loads the database, verifies the row digests, copies the
images, runs the migrations and rebuilds the index.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, select, text

from portal.cases.models import Image
from portal.db import utcnow
from portal.extensions import db
from portal.media.storage import media_store
from portal.operations import postgres
from portal.operations.archive import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    ArchiveError,
    Manifest,
    read_manifest,
    sha256_of,
    table_contents,
    table_counts,
    verify_members,
)

Say = Callable[[str], None]


def _portal_version() -> str:
    try:
        return metadata.version("eksempelbanken")
    except metadata.PackageNotFoundError:
        return "unknown"


def _revision(connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _snapshot_sqlite(staging: Path) -> tuple[str | None, dict[str, int], dict[str, str]]:
    source = sqlite3.connect(db.engine.url.database)
    copy = staging / DATABASE_FILES["sqlite"]
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
    finally:
        target.close()
        source.close()
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            counts, digests = table_contents(connection)
            return _revision(connection), counts, digests
    finally:
        engine.dispose()


def _snapshot_postgres(staging: Path) -> tuple[str | None, dict[str, int], dict[str, str]]:
    snapshot_connection = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with snapshot_connection as connection, connection.begin():
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
        dump = staging / DATABASE_FILES["postgresql"]
        postgres.run("pg_dump", db.engine.url, f"--snapshot={snapshot}", "--format=custom",
                     "--no-owner", "--no-privileges", f"--file={dump}")  # fmt: skip
        counts, digests = table_contents(connection)
        return _revision(connection), counts, digests


def _snapshot(staging: Path):
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        return _snapshot_sqlite(staging)
    if dialect == "postgresql":
        return _snapshot_postgres(staging)
    raise ArchiveError(f"backups of a {dialect} database are not supported")


def create_backup(path: Path, say: Say = lambda _: None) -> Manifest:
    """Write the database, the images and a manifest to one archive at `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=path.parent))
    try:
        say("Copying the database …")
        migration, counts, digests = _snapshot(staging)
        store = media_store()
        say("Copying the images …")
        copied_keys: set[str] = set()
        for name in store.names():
            target = staging / "media" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(store.read(name))
            # originals/<key>.<ext> and public/<key>-<width>.jpg: the key is the name's start.
            copied_keys.add(PurePosixPath(name).stem.split("-")[0])
        referenced = db.session.scalars(select(Image.storage_key)).all()
        missing = sorted(key for key in referenced if key not in copied_keys)
        db.session.rollback()
        manifest = Manifest(
            format=FORMAT, portal_version=_portal_version(), created_at=utcnow().isoformat(),
            dialect=db.engine.dialect.name, migration=migration, counts=counts, digests=digests,
            media_missing=missing,
        )  # fmt: skip
        for member in sorted(p for p in staging.rglob("*") if p.is_file()):
            with member.open("rb") as stream:
                manifest.files[str(member.relative_to(staging))] = sha256_of(stream)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            raw = manifest.dumps()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(raw), int(utcnow().timestamp())
            archive.addfile(info, io.BytesIO(raw))  # first, so a reader finds it at once
            for name in sorted(manifest.files):
                archive.add(staging / name, arcname=name, recursive=False)
        os.replace(partial, path)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@dataclass
class Restored:
    manifest: Manifest
    counts: dict[str, int]
    indexed: int


def _check_compatible(manifest: Manifest) -> None:
    if manifest.format > FORMAT:
        raise ArchiveError(
            f"the archive was written by a newer version of the portal (archive format "
            f"{manifest.format}, this portal reads up to {FORMAT}): upgrade the portal first"
        )
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    if manifest.migration is not None:
        try:
            known = scripts.get_revision(manifest.migration)
        except Exception:  # alembic raises several kinds for an unknown revision
            known = None
        if known is None:
            raise ArchiveError(
                f"the archive's database is at migration {manifest.migration}, which this "
                f"version of the portal does not know: it was made by a newer version; "
                f"upgrade the portal first"
            )
    dialect = db.engine.dialect.name
    if manifest.dialect != dialect:
        raise ArchiveError(
            f"the archive holds a {manifest.dialect} database; this instance runs on {dialect}"
        )


def _check_empty() -> None:
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise ArchiveError(
            "the target database is not empty (it has tables): restore into a new, empty database"
        )
    if next(iter(media_store().names()), None) is not None:
        raise ArchiveError("the target media folder is not empty: restore into an empty one")


def _load_database(staging: Path, dialect: str) -> None:
    dump = staging / DATABASE_FILES[dialect]
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(db.engine.url.database)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        postgres.run("pg_restore", db.engine.url, "--no-owner", "--no-privileges",
                     "--exit-on-error", "--single-transaction", str(dump))  # fmt: skip


def restore_backup(path: Path, say: Say = lambda _: None) -> Restored:
    """Restore an archive into this (empty) instance; refuse a damaged or newer archive."""
    from portal.search.maintenance import rebuild_index

    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"there is no archive at {path}")
    staging = Path(tempfile.mkdtemp(prefix=".restore-"))
    try:
        try:
            with tarfile.open(path, "r:gz") as archive:
                manifest = read_manifest(archive)
                _check_compatible(manifest)
                _check_empty()
                say("Checking every file of the archive …")
                verify_members(archive, manifest, staging)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise ArchiveError(f"the archive is damaged or not a backup: {error}") from error
        say("Loading the database …")
        _load_database(staging, manifest.dialect)
        with db.engine.connect() as connection:
            counts, digests = table_contents(connection)
        if counts != manifest.counts or digests != manifest.digests:
            differing = sorted(t for t in manifest.counts if digests.get(t) != manifest.digests[t])
            raise ArchiveError(f"the restored tables differ from the backup: {differing}")
        say("Copying the images …")
        store = media_store()
        media = staging / "media"
        for file in sorted(p for p in media.rglob("*") if p.is_file()):
            store.write(str(file.relative_to(media)), file.read_bytes())
        say("Running the migrations …")
        upgrade()
        say("Rebuilding the search index …")
        indexed = rebuild_index()
        db.session.commit()
        with db.engine.connect() as connection:  # after the migrations: counts, no digests
            final = table_counts(connection)
        return Restored(manifest=manifest, counts=final, indexed=indexed)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
