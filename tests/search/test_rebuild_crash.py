"""A rebuild killed with SIGKILL leaves no indexing processes and no partial index behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from portal.cases.models import Case, case_organizations
from portal.extensions import db
from portal.organizations.models import Organization

SENTENCE = "Kommunen kjøpte brukte møbler gjennom en rammeavtale med ombruk og samspill. "


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _many_cases(app, n: int) -> None:
    with app.app_context():
        org = db.session.scalar(select(Organization.id))
        start = db.session.scalar(select(Case.id).order_by(Case.id.desc())) + 1
        now = datetime.now(UTC)
        rows = [
            {"id": i, "slug": f"mange-{i}", "title": f"Eksempel {i} om ombruk",
             "summary": SENTENCE, "background": SENTENCE * 20, "what_was_done": SENTENCE * 20,
             "results_text": "", "not_as_planned": "", "lessons": SENTENCE * 5, "year": 2024,
             "procurement_status": "completed", "contact_consent": False, "status": "published",
             "created_at": now, "updated_at": now, "published_at": now}
            for i in range(start, start + n)
        ]  # fmt: skip
        db.session.execute(insert(Case.__table__), rows)
        db.session.execute(
            insert(case_organizations),
            [{"case_id": r["id"], "organization_id": org} for r in rows],
        )
        db.session.commit()


def _cli(app, tmp_path: Path, *args: str, **kwargs) -> subprocess.Popen:
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "SECRET_KEY": "test-secret",
        "PORTAL_BASE_URL": "http://localhost",
        "FLASK_APP": "portal",
    }
    flask = Path(sys.executable).with_name("flask")
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.Popen([str(flask), *args], env=env, stderr=subprocess.STDOUT, **kwargs)


@pytest.mark.whoosh
def test_a_killed_rebuild_leaves_nothing_running_and_the_next_run_cleans_up(app, tmp_path):
    _many_cases(app, 6000)
    live_before = (tmp_path / "search" / "CURRENT").read_text()
    rebuild = _cli(app, tmp_path, "search", "rebuild", stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    children: set[int] = set()
    while time.monotonic() < deadline and len(children) < 2 and rebuild.poll() is None:
        children |= _children(rebuild.pid)
        time.sleep(0.02)
    assert len(children) >= 2, "the rebuild started no indexing processes"
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.05)
    assert not [c for c in children if _alive(c)], "indexing processes outlived the rebuild"
    partial = [p.name for p in (tmp_path / "search").iterdir() if p.name.startswith("index-")]
    assert len(partial) == 2  # the live index and the half-built one
    assert (tmp_path / "search" / "CURRENT").read_text() == live_before

    verify = _cli(app, tmp_path, "search", "verify")
    output = verify.communicate(timeout=120)[0].decode()
    assert "missing from the index" in output  # the 6 000 new cases: verify says so
    left = [p.name for p in (tmp_path / "search").iterdir() if p.name.startswith("index-")]
    assert left == [live_before]
