"""Every page, as every kind of visitor, in both languages, at a phone's, a tablet's and a
desktop's width: nothing wider than the viewport, and no WCAG 2.1 A/AA violation (axe)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests import pages
from tests.browser.conftest import WCAG_TAGS
from tests.web import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = (320, 768, 1280)


def _signed_in(browser: Browser, live_server: str, role: str, language: str):
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "sprak", "value": language, "url": live_server}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    visitor = pages.VISITORS[role]
    if visitor.email:
        page.goto(f"{live_server}/logg-inn")
        page.locator("#email").fill(visitor.email)
        page.locator("#password").fill(PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert "/logg-inn" not in page.url, f"{role} could not sign in"
    return context, page


@pytest.mark.parametrize("role", list(pages.VISITORS))
def test_every_page_fits_and_passes_the_audit(browser: Browser, live_app, live_server, axe, role):
    pages.prepare(live_app)
    problems: list[str] = []
    for language in ("nb", "en"):
        context, page = _signed_in(browser, live_server, role, language)
        for path in pages.paths(live_app)[role]:
            page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
            page.goto(live_server + path)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    culprit = page.evaluate(
                        """(w) => { const e = [...document.querySelectorAll('main *, header *')]
                            .find(e => e.getBoundingClientRect().right > w + 1);
                            return e ? e.tagName + '.' + e.className + ': ' +
                            (e.textContent || '').trim().slice(0, 50) : '' }""",
                        width,
                    )
                    problems.append(f"{path} ({language}) is {wide} px at {width} px: {culprit}")
            for width in (320, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                results = axe.axe.run(page, options={
                    "runOnly": {"type": "tag", "values": WCAG_TAGS},
                    "resultTypes": ["violations"],
                })  # fmt: skip
                for v in results.response["violations"]:
                    targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
                    problems.append(f"{path} ({language}, {width} px): axe {v['id']}: {targets}")
        context.close()
    assert not problems, "\n".join(problems)
