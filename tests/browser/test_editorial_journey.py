"""A change to a published case, from the contributor through the editors and back, in a real
browser: the default queue, every changed field, the comment where the author works, the
notifications, approval, and the public page. Every page is audited, and read at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_journeys import _add_user, _photo, _sign_in

pytestmark = pytest.mark.browser

SLUG = "nittedal-digital-drift-av-bygg"


def _fits(page: Page, width: int = 320) -> None:
    page.set_viewport_size({"width": width, "height": 700})
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"
    page.set_viewport_size({"width": 1280, "height": 800})


def _unread(page: Page) -> str:
    return page.get_by_role("link", name=re.compile("^Varsler")).inner_text()


def test_a_change_to_a_published_case_goes_round_and_is_published(
    browser: Browser, live_app, live_server, axe
):
    from portal.accounts.models import Role

    _add_user(live_app, "bidrag@nittedal.kommune.no", "Nora Nittedal", {Role.CONTRIBUTOR},
              "nittedal-kommune")  # fmt: skip
    _add_user(live_app, "vakt@dfo.no", "Vegard Vaktredaktør", {Role.EDITOR})
    author = browser.new_context(locale="nb-NO").new_page()
    editor = browser.new_context(locale="nb-NO").new_page()
    reader = browser.new_context(locale="nb-NO").new_page()
    reader.goto(f"{live_server}/eksempler/{SLUG}")
    title = reader.get_by_role("heading", level=1).inner_text()

    # The contributor changes facts of the published case and adds a photo.
    _sign_in(author, live_server, "bidrag@nittedal.kommune.no", f"/eksempler/{SLUG}")
    author.get_by_role("link", name="Foreslå en endring").click()
    expect(author.get_by_text("Dette eksemplet er publisert")).to_be_visible()
    axe.check(author)
    _fits(author)
    author.get_by_label("Status for anskaffelsen").select_option(label="Pågår")
    author.get_by_label("Sammendrag").fill("Nittedal og Autility bygde ladepunkter sammen.")
    author.get_by_role("checkbox", name=re.compile("^Renovasjon og avfall")).check()
    author.get_by_role("button", name="Send endringen til redaksjonen").click()
    expect(author.get_by_role("status")).to_contain_text("sendt til redaksjonen")
    author.get_by_label("Bildefil").set_input_files(
        files=[{"name": "lader.jpg", "mimeType": "image/jpeg", "buffer": _photo((20, 140, 90))}]
    )
    author.get_by_label("Alternativ tekst").fill("Ladepunkt ved rådhuset")
    author.get_by_role("button", name="Last opp bilde").click()
    expect(author.get_by_role("status")).to_contain_text("endringen din til redaksjonen")
    reader.reload()
    expect(reader.get_by_text("Nittedal og Autility bygde ladepunkter sammen.")).to_have_count(0)

    # The editor finds it in the default queue, marked as a change, and sees every field.
    _sign_in(editor, live_server, "vakt@dfo.no", "/redaksjon/")
    expect(editor.get_by_role("link", name=re.compile("^Redaksjonskø"))).to_contain_text("1")
    row = editor.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Endring av publisert eksempel")
    axe.check(editor)
    _fits(editor)
    row.get_by_role("link").click()
    pending = editor.get_by_role("region", name="En endring venter på godkjenning")
    expect(pending).to_contain_text("Status for anskaffelsen")
    expect(pending).to_contain_text(re.compile(r"Før: Gjennomført\s*→\s*Etter: Pågår"))
    expect(pending).to_contain_text(re.compile(r"Kategori\s*\+ Lagt til: Renovasjon og avfall"))
    expect(pending).to_contain_text(re.compile(r"Bilder\s*\+ Lagt til: Ladepunkt ved rådhuset"))
    expect(pending.locator("ins").filter(has_text="bygde ladepunkter sammen")).to_be_visible()
    axe.check(editor)
    _fits(editor)
    pending.get_by_label("Hva bør forfatteren endre?").fill("Hvor mange ladepunkter ble det?")
    pending.get_by_role("button", name="Be om endringer").click()
    expect(editor.get_by_role("status")).to_contain_text("sendt tilbake til forfatteren")
    editor.goto(live_server + "/redaksjon/")
    expect(editor.get_by_role("row").filter(has_text=title)).to_have_count(0)

    # The contributor is told, opens the notice and reads the comment where they work.
    author.goto(live_server + "/")
    assert "1" in _unread(author)
    author.get_by_role("link", name=re.compile("^Varsler")).click()
    expect(author.get_by_text("Endringer etterspurt").first).to_be_visible()
    axe.check(author)
    _fits(author)
    author.get_by_role("button", name=title).first.click()
    expect(author).to_have_url(re.compile(rf"/eksempler/{SLUG}/rediger$"))
    thread = author.get_by_role("region", name="Kommentarer fra redaksjonen")
    expect(thread).to_contain_text("Hvor mange ladepunkter ble det?")
    expect(thread).to_contain_text("Vegard Vaktredaktør")
    expect(author.get_by_label("Status for anskaffelsen")).to_have_value("ongoing")  # kept
    axe.check(author)
    author.get_by_label("Sammendrag").fill("Nittedal og Autility bygde 40 ladepunkter sammen.")
    author.get_by_role("button", name="Send endringen til redaksjonen").click()
    author.goto(live_server + "/")
    assert not re.search(r"\d", _unread(author))  # opened: nothing unread

    # Back in the queue; the editor approves; the public page shows it.
    editor.goto(live_server + "/redaksjon/")
    editor.get_by_role("row").filter(has_text=title).get_by_role("link").click()
    expect(editor.get_by_role("region", name="Kommentarer")).to_contain_text(
        "Hvor mange ladepunkter ble det?"
    )
    editor.get_by_role("button", name="Godkjenn og publiser endringen").click()
    expect(editor.get_by_role("status")).to_contain_text("godkjent og publisert")

    reader.reload()
    expect(reader.get_by_text("Nittedal og Autility bygde 40 ladepunkter sammen.")).to_be_visible()
    expect(reader.get_by_text("Pågår").first).to_be_visible()
    image = reader.get_by_role("img", name="Ladepunkt ved rådhuset")
    expect(image).to_be_visible()
    reader.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    axe.check(reader)


def test_a_contributor_deletes_a_draft_made_by_mistake(page: Page, live_app, live_server, axe):
    from portal.accounts.models import Role

    _add_user(live_app, "feil@asker.kommune.no", "Frida Feilstart", {Role.CONTRIBUTOR},
              "asker-kommune")  # fmt: skip
    _sign_in(page, live_server, "feil@asker.kommune.no", "/eksempler/ny")
    page.get_by_label("Tittel").fill("Utkast laget ved en feil")
    page.get_by_label("Sammendrag").fill("Dette skulle aldri vært laget.")
    page.get_by_role("button", name="Lagre utkast").click()
    page.get_by_role("link", name="Slett utkastet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slette «Utkast laget ved en feil»?")
    axe.check(page)
    _fits(page)
    page.get_by_role("button", name="Ja, slett utkastet").click()
    expect(page.get_by_role("status")).to_contain_text("er slettet")
    expect(page.get_by_role("link", name="Utkast laget ved en feil")).to_have_count(0)
