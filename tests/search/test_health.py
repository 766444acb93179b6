"""Losing or damaging the index is never silent: the pages say search is being rebuilt (not
"0 eksempler"), an error is logged, and the index is rebuilt in the background."""

from __future__ import annotations

import gc
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.search.engine import backend


def _wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _index_dir(app) -> Path:
    with app.app_context():
        return backend().root


def _lose_the_index(app) -> None:
    """What an operator's accident does: the index files deleted, or the table emptied."""
    with app.app_context():
        if backend().name == "whoosh":
            shutil.rmtree(backend().root)
            return
        from portal.search import pg_store

        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM search_documents"))
            pg_store.bump(connection)


def test_a_deleted_index_is_announced_logged_and_rebuilt(app, client, caplog):
    assert "18 eksempler" in client.get("/eksempler/").get_data(as_text=True)
    _lose_the_index(app)
    with caplog.at_level("ERROR", logger="portal.search"):
        page = client.get("/eksempler/").get_data(as_text=True)
    assert "Søkeindeksen bygges opp på nytt" in page
    assert "0 eksempler" not in page
    assert (
        "18 cases are published" in caplog.text
        or "18 er publisert" in caplog.text
        or "18" in caplog.text
    )
    home = client.get("/").get_data(as_text=True)
    assert "Søkeindeksen bygges opp på nytt" in home or "18" in home
    assert _wait_for(lambda: "18 eksempler" in client.get("/eksempler/").get_data(as_text=True))
    assert "Søkeindeksen bygges opp på nytt" not in client.get("/eksempler/").get_data(as_text=True)


# Whoosh leaves a file open when it refuses a damaged table of contents; that is its warning.
@pytest.mark.whoosh
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_damaged_segment_files_give_a_notice_not_a_500_and_rebuild_heals_them(app, client, caplog):
    assert client.get("/eksempler/?q=ombruk").status_code == 200
    live = _index_dir(app) / (_index_dir(app) / "CURRENT").read_text().strip()
    for segment in live.glob("*.seg"):
        segment.write_bytes(b"\\x00garbage" * 100)
    for toc in live.glob("*.toc"):
        toc.write_bytes(b"not a toc")
    with app.app_context():
        backend()._state.close()
        backend()._state = None  # as a freshly started worker would
    response = client.get("/eksempler/?q=ombruk")
    assert response.status_code == 200
    assert "Søkeindeksen bygges opp på nytt" in response.get_data(as_text=True)
    # A case page lists its related cases from the database meanwhile.
    case_page = client.get("/eksempler/sirkula-avtaleforvalter-sparte-4-4-millioner")
    assert case_page.status_code == 200 and 'class="related' in case_page.get_data(as_text=True)
    assert _wait_for(
        lambda: "treff for «ombruk»" in client.get("/eksempler/?q=ombruk").get_data(as_text=True)
    )
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    # Whoosh's leaked file handles hang on the logged tracebacks: let them go now, while its
    # warning is ignored, rather than in whichever test runs next.
    caplog.clear()
    gc.collect()
