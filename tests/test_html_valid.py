"""Every page's HTML, for every kind of visitor and in both languages, passes the Nu Html
Checker (vnu.jar from the npm registry, run offline with Debian's Java) without an error."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import pages
from tests.web import login

ROOT = Path(__file__).resolve().parents[1]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _collect(app, folder: Path) -> dict[str, str]:
    pages.prepare(app)
    by_file: dict[str, str] = {}
    for role, paths in pages.paths(app).items():
        for language in ("nb", "en"):
            client = app.test_client()
            client.set_cookie("sprak", language)
            visitor = pages.VISITORS[role]
            if visitor.email:
                login(client, visitor.email)
            for path in paths:
                response = client.get(path)
                assert response.status_code in (200, 404, 410), (role, path, response.status_code)
                name = folder / f"{role}-{language}-{len(by_file):03d}.html"
                name.write_bytes(response.data)
                by_file[name.name] = f"{path} ({role}, {language})"
    return by_file


def test_every_page_is_valid_html(app, tmp_path):
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("The HTML check needs Java and vnu.jar: run `make install-dev` (npm install).")
    folder = tmp_path / "html"
    folder.mkdir()
    by_file = _collect(app, folder)
    files = sorted(str(p) for p in folder.glob("*.html"))
    run = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [
        f"{by_file.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: line {m.get('lastLine')}: {m['message']}"
        f" — {m.get('extract', '').strip()[:120]}"
        for m in messages
        if m["type"] == "error"
    ]
    assert len(by_file) > 80  # every role, both languages
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors[:60])
