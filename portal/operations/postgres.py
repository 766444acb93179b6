"""Running PostgreSQL's own tools (pg_dump, pg_restore) against the portal's database."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from portal.operations.archive import ArchiveError


def tool(name: str) -> str:
    """The newest installed version of a PostgreSQL client tool (Debian keeps each apart)."""

    def major(path: Path) -> int:
        version = path.parent.parent.name
        return int(version) if version.isdigit() else 0

    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=major)
    if versions:
        return str(versions[-1])
    if found := shutil.which(name):
        return found
    raise ArchiveError(f"{name} is not installed: install Debian's postgresql-client package")


def _connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq address for the tools, and an environment with the password (never on the
    command line, where `ps` would show it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run(name: str, url: URL, *arguments: str) -> None:
    address, env = _connection(url)
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments are ours
        [tool(name), f"--dbname={address}", *arguments], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise ArchiveError(f"{name} failed: {done.stderr.strip()[-2000:]}")
