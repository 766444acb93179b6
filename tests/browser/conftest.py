"""A live server on a seeded database and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from portal.config import apply_base_url
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium from reaching for Google's services on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def live_app(seeded_database, database_server, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("live")
    return make_app(seeded_database.copy_to(database_server, folder, "live"), folder)


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    # The portal builds absolute URLs from its configured address: this server's.
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    apply_base_url(live_app.config)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's 'chromium' package (.ci/run does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # The Content-Security-Policy is enforced by the real browser: anything it blocks on any
    # page of a journey (an inline style or script slipping in) fails the test.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, "\n".join(blocked)


class AxeAudit:
    """Runs axe-core's WCAG 2.0/2.1 A and AA rules on a page and explains any violation."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.audited: list[str] = []

    def check(self, page: Page) -> None:
        results = self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        self.audited.append(page.url)
        violations = results.response["violations"]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in violations
        ]
        assert not violations, f"axe on {page.url}:\n" + "\n".join(details)


@pytest.fixture
def axe() -> AxeAudit:
    return AxeAudit()
