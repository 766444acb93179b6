"""What a backup archive holds and how it is checked: the manifest, checksums, row digests.

An archive is one gzipped tar file:

    manifest.json            format, portal version, time, database kind, migration, counts,
                             a digest of every table's rows, a SHA-256 of every other member
    database.sqlite3         SQLite's online backup of the database …
    database.pgdump          … or pg_dump's custom format, for PostgreSQL
    media/originals/…        every image file
    media/public/…

The row digests are computed in the same snapshot the database copy is taken from, and again
after a restore: equal digests mean the restored database holds exactly what was backed up.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Connection, func, inspect, select

from portal.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class ArchiveError(Exception):
    """The archive cannot be used; the message says why, for the operator."""


@dataclass
class Manifest:
    format: int
    portal_version: str
    created_at: str
    dialect: str
    migration: str | None
    counts: dict[str, int]
    digests: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # member name → SHA-256
    media_missing: list[str] = field(default_factory=list)  # images whose files went meanwhile

    def dumps(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def loads(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            return cls(**data)
        except (ValueError, TypeError) as error:
            raise ArchiveError("the archive's manifest is damaged") from error


def sha256_of(stream: IO[bytes], copy_to: IO[bytes] | None = None) -> str:
    """The stream's SHA-256, read once; written to `copy_to` on the way, if given."""
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
        if copy_to is not None:
            copy_to.write(block)
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def table_contents(connection: Connection) -> tuple[dict[str, int], dict[str, str]]:
    """Row counts and a digest of every row of each of the portal's tables, in key order."""
    present = set(inspect(connection).get_table_names())
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    for table in db.metadata.sorted_tables:
        if table.name not in present:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        count = 0
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(_plain(v) for v in row)).encode())
            count += 1
        counts[table.name] = count
        digests[table.name] = digest.hexdigest()
    return counts, digests


def table_counts(connection: Connection) -> dict[str, int]:
    """Row counts of the portal's tables (what a restore reports)."""
    present = set(inspect(connection).get_table_names())
    return {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name in present
    }


def safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError as error:
        raise ArchiveError("this is not a backup of the portal (no manifest.json)") from error
    stream = archive.extractfile(member)
    if stream is None:
        raise ArchiveError("the archive's manifest is damaged")
    return Manifest.loads(stream.read())


def verify_members(archive: tarfile.TarFile, manifest: Manifest, into: Path) -> None:
    """Extract every member into `into`, checking each against the manifest's checksum."""
    seen: set[str] = set()
    for member in archive:
        if member.name == MANIFEST:
            continue
        if member.name not in manifest.files or not member.isfile() or not safe_member(member.name):
            raise ArchiveError(
                f"the archive holds a file its manifest does not list: {member.name}"
            )
        target = into / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.extractfile(member) as stream, target.open("wb") as out:  # type: ignore[union-attr]
            checksum = sha256_of(stream, copy_to=out)
        if checksum != manifest.files[member.name]:
            raise ArchiveError(f"the archive is damaged: {member.name} does not match its checksum")
        seen.add(member.name)
    if missing := sorted(set(manifest.files) - seen):
        raise ArchiveError(f"the archive is incomplete: {', '.join(missing[:5])} missing")
