"""Keyboard only: the skip link, a visible focus on everything Tab reaches, focus moving in
reading order, and two whole journeys (searching; writing and sending a case) without a mouse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import _add_user

pytestmark = pytest.mark.browser

FOCUS_STATE = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return {
    tag: e.tagName, id: e.id, name: e.getAttribute('name'), text: (e.innerText || e.value || '').trim().slice(0, 60),
    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && box.width > 0 && box.height > 0,
  };
}"""
# Staying on one element counts as forward: a date field takes a Tab per part (day, month, year).
AFTER_PREVIOUS = """(previous) => previous === null ? true :
  !!(window.__previous && (window.__previous === document.activeElement ||
     (window.__previous.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)))"""


def _tab_to(page: Page, matches, limit: int = 400) -> dict:
    """Press Tab until `matches(state)`; every stop must show its focus, in document order."""
    page.evaluate("window.__previous = null")
    for presses in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        assert state["visible"], f"no visible focus on {state} after {presses + 1} Tab presses"
        assert page.evaluate(AFTER_PREVIOUS, None if presses == 0 else 1), (
            f"focus went backwards to {state}"
        )
        page.evaluate("window.__previous = document.activeElement")
        if matches(state):
            return state
    raise AssertionError(f"Tab never reached the element within {limit} presses")


def test_search_with_the_keyboard_only(page: Page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS_STATE)
    assert skip["text"] == "Hopp til hovedinnholdet" and skip["visible"]
    expect(page.get_by_role("link", name="Hopp til hovedinnholdet")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    _tab_to(page, lambda s: s["tag"] == "INPUT" and s["name"] == "q")
    page.keyboard.type("ombruk")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/eksempler/\?q=ombruk"))
    expect(page.get_by_role("heading", name=re.compile(r"\d+ treff for «ombruk»"))).to_be_visible()
    first = page.locator(".hit-list .card-title a").first.inner_text()
    page.locator("#main").focus()
    _tab_to(page, lambda s: s["tag"] == "A" and first.startswith(s["text"]))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(first)


def test_write_and_send_a_case_with_the_keyboard_only(page: Page, live_app, live_server):
    from portal.accounts.models import Role

    _add_user(live_app, "tastatur@asker.kommune.no", "Tor Tastatur", {Role.CONTRIBUTOR},
              "asker-kommune")  # fmt: skip
    page.goto(live_server + "/logg-inn?next=/eksempler/ny")
    page.locator("#main").focus()
    _tab_to(page, lambda s: s["id"] == "email")
    page.keyboard.type("tastatur@asker.kommune.no")
    page.keyboard.press("Tab")
    page.keyboard.type("et-langt-og-godt-passord")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt eksempel")

    page.locator("#main").focus()
    _tab_to(page, lambda s: s["id"] == "title")
    page.keyboard.type("Tastaturvennlig innkjøp av skjermer")
    page.keyboard.press("Tab")
    page.keyboard.type("Kommunen kjøpte skjermer med krav til tilgjengelighet.")
    _tab_to(page, lambda s: s["tag"] == "BUTTON" and s["text"] == "Lagre og send til redaksjonen")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("sendt til redaksjonen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tastaturvennlig innkjøp av skjermer")


def test_results_never_break_inside_a_word_at_desktop_width(page: Page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/eksempler/statens-innkjopssenter-smaordregebyr-for-forbruksmateriell")
    broken = page.evaluate("""() => {
      const out = [];
      for (const cell of document.querySelectorAll('.results-table th, .results-table td')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (lines.size > 1) out.push(match[0]);
          }
        }
      }
      return out;
    }""")
    assert page.locator(".results-table tbody tr").count() >= 1
    assert broken == [], f"words broken across lines: {broken}"
