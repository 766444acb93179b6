"""A throwaway PostgreSQL cluster for the tests and benchmarks.

    python -m tests.pgcluster start FOLDER   # prints the database URL
    python -m tests.pgcluster stop FOLDER

`initdb` in a folder of its own, a server listening only on a Unix socket in that folder (no
TCP port, no system service), trust authentication for the one local user. PostgreSQL refuses
to run as root, so under root (CI) the server runs as Debian's `postgres` user.
Durability is switched off: the cluster lives for one test run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "portal"
PORT = 5432  # only names the socket file; nothing listens on TCP
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
}


class ClusterError(RuntimeError):
    pass


def bin_dir() -> Path:
    """The newest PostgreSQL server installed (Debian keeps each major version apart)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if found:
        return Path(found[-1]).parent
    if initdb := shutil.which("initdb"):
        return Path(initdb).parent
    raise ClusterError(
        "PostgreSQL is not installed: install Debian's 'postgresql' package (.ci/run does)."
    )


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def url(folder: Path, database: str = "postgres") -> str:
    return f"postgresql+psycopg://{USER}@/{database}?host={folder}&port={PORT}"


def start(folder: Path | None = None) -> tuple[Path, str]:
    """Create and start a cluster; return its folder and the URL of its `postgres` database."""
    folder = Path(folder or tempfile.mkdtemp(prefix="eksempelbanken-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    binaries = bin_dir()
    data = folder / "data"
    if not data.exists():
        _run([str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
              "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
    options = " ".join(f"-c {name}={value}" for name, value in SETTINGS.items())
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
          "-o", f"-k {folder} -p {PORT} {options}", "start"])  # fmt: skip
    return folder, url(folder)


def stop(folder: Path) -> None:
    data = Path(folder) / "data"
    if (data / "postmaster.pid").exists():
        _run([str(bin_dir() / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])


def remove(folder: Path) -> None:
    stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    action, where = sys.argv[1], Path(sys.argv[2])
    if action == "start":
        print(start(where)[1])
    elif action == "stop":
        stop(where)
    else:
        raise SystemExit("usage: python -m tests.pgcluster start|stop FOLDER")
