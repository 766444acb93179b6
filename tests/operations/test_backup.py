"""flask backup and flask restore, as an operator runs them: under load, and with bad archives."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from portal.accounts.models import Role, User
from portal.cases.models import Case
from portal.extensions import db
from portal.media import services
from portal.media.storage import media_store
from tests.conftest import make_app
from tests.factories import Factory
from tests.media.test_images import _jpeg_with_gps_and_rotation
from tests.web import make_user

CASE = "sirkula-avtaleforvalter-sparte-4-4-millioner"


def _add_image(app) -> str:
    make_user(app, "redaktor@dfo.no", {Role.EDITOR}, "statens-innkjopssenter")
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == CASE)).one()
        author = db.session.scalars(select(User).where(User.email == "redaktor@dfo.no")).one()
        image = services.add_image(case=case, author=author, data=_jpeg_with_gps_and_rotation(),
                                   alt_text="Lager", credit=None, store=media_store())  # fmt: skip
        db.session.commit()
        return image.storage_key


def _cases(app) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.execute(select(Case.slug, Case.title, Case.summary, Case.updated_at))
        return {slug: rest for slug, *rest in rows}


def _backup(app, path: Path):
    return app.test_cli_runner().invoke(args=["backup", str(path)])


def _restore(url: str, folder: Path, archive: Path):
    target = make_app(url, folder)
    return target, target.test_cli_runner().invoke(args=["restore", str(archive)])


def test_a_backup_taken_under_writes_restores_to_the_same_counts_and_content(
    app, empty_database, tmp_path
):
    key = _add_image(app)
    writer_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path))
    stop = threading.Event()
    written: list[int] = []

    def keep_publishing() -> None:
        for n in range(400):
            if stop.is_set():
                return
            with Factory(writer_app).committing() as f:
                f.case(slug=f"skrevet-under-backup-{n}", title=f"Skrevet under backup {n}")
            written.append(n)

    writer = threading.Thread(target=keep_publishing)
    writer.start()
    try:
        while len(written) < 3:  # the backup starts while cases are being published
            stop.wait(0.01)
        archive = tmp_path / "backup" / "eksempelbanken.tar.gz"
        made = _backup(app, archive)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert made.exit_code == 0, made.output
    assert "Backup written" in made.output
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
    assert manifest["counts"]["cases"] >= 18 + 3

    restored_app, result = _restore(empty_database, tmp_path / "restored", archive)
    assert result.exit_code == 0, result.output
    assert f"{manifest['counts']['cases']} cases" in result.output
    with restored_app.app_context():
        counts = {t: db.session.scalar(select(func.count()).select_from(db.metadata.tables[t]))
                  for t in manifest["counts"]}  # fmt: skip
    assert counts == manifest["counts"]
    # Every case restored is the case as it was; cases published after the snapshot are not.
    original, restored = _cases(app), _cases(restored_app)
    assert len(restored) == manifest["counts"]["cases"]
    assert all(original[slug] == values for slug, values in restored.items())
    # The image comes back byte for byte, and search works on the restored instance.
    client = restored_app.test_client()
    with (
        client.get(f"/bilder/{key}-480.jpg") as picture,
        app.test_client().get(f"/bilder/{key}-480.jpg") as before,
    ):
        assert picture.status_code == 200
        assert picture.data == before.data
    found = client.get("/eksempler/?q=avtaleforvalter").get_data(as_text=True)
    assert f'href="/eksempler/{CASE}"' in found
    assert client.get("/helse").get_json()["status"] == "ok"


@pytest.fixture
def archive(app, tmp_path) -> Path:
    _add_image(app)
    path = tmp_path / "backup.tar.gz"
    assert _backup(app, path).exit_code == 0
    return path


def _rewritten(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def _tables(url: str, folder: Path) -> list[str]:
    probe = make_app(url, folder)
    with probe.app_context():
        return inspect(db.engine).get_table_names()


def test_a_damaged_archive_is_refused_and_nothing_is_restored(archive, empty_database, tmp_path):
    raw = bytearray(archive.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 64] = bytes(64)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(raw))
    _, result = _restore(empty_database, tmp_path / "restored", broken)
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output and "damaged" in result.output
    assert _tables(empty_database, tmp_path / "restored") == []


def test_a_member_that_does_not_match_its_checksum_is_refused(archive, empty_database, tmp_path):
    def tamper(name: str, data: bytes) -> bytes:
        return data[:-10] + b"0123456789" if name.startswith("media/public/") else data

    tampered = _rewritten(archive, tmp_path / "tampered.tar.gz", tamper)
    _, result = _restore(empty_database, tmp_path / "restored", tampered)
    assert result.exit_code != 0
    assert "does not match its checksum" in result.output
    assert _tables(empty_database, tmp_path / "restored") == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("migration", "ffffffffffff", "newer version"), ("format", 99, "newer version")],
)
def test_an_archive_from_a_newer_portal_is_refused(
    archive, empty_database, tmp_path, field, value, message
):
    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), field: value}).encode()

    future = _rewritten(archive, tmp_path / "future.tar.gz", newer)
    _, result = _restore(empty_database, tmp_path / "restored", future)
    assert result.exit_code != 0
    assert message in result.output
    assert _tables(empty_database, tmp_path / "restored") == []


def test_restoring_over_a_live_instance_is_refused_and_changes_nothing(app, archive):
    with app.app_context():
        before = db.session.scalar(select(func.count(Case.id)))
    result = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == before


def test_something_that_is_not_a_backup_is_refused(app, empty_database, tmp_path):
    text = tmp_path / "notes.tar.gz"
    text.write_bytes(gzip.compress(b"not a tar file at all"))
    _, result = _restore(empty_database, tmp_path / "restored", text)
    assert result.exit_code != 0 and "Nothing was restored" in result.output
