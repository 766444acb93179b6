"""Journeys through the portal in a real browser, with an accessibility audit of every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _add_user(live_app, email: str, name: str, roles: set, org_slug: str | None = None) -> None:
    make_user(live_app, email, roles, org_slug, name=name)


def _photo(color: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (1400, 900), color).save(out, "JPEG")
    return out.getvalue()


def test_from_home_to_a_case_and_its_strategy_goal_and_back(page: Page, live_server, axe):
    page.goto(live_server + "/")
    expect(page).to_have_title(re.compile("Eksempelbanken"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    axe.check(page)

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Eksempler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eksempler")
    expect(page.get_by_role("heading", name="18 eksempler")).to_be_visible()
    axe.check(page)

    page.get_by_role("checkbox", name=re.compile("^Møbler og inventar")).check()
    page.get_by_role("button", name="Bruk filtre").click()
    expect(page).to_have_url(re.compile(r"kategori=mobler"))
    expect(page.get_by_role("heading", name="1 eksempel")).to_be_visible()
    axe.check(page)

    page.get_by_role("link", name=re.compile("Asker hentet brukte møbler")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Asker hentet brukte møbler")
    results = page.get_by_role("table", name="Målte resultater")
    expect(results).to_contain_text("40,6 tonn")
    expect(page.get_by_text("Brukt i 3 strategier.")).to_be_visible()
    axe.check(page)
    case_url = page.url

    supports = page.get_by_role("region", name="Støtter disse målene")
    supports.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/strategier/\d+#mal-\d+"))
    anchor = page.url.split("#")[1]
    goal = page.locator(f"#{anchor}")
    expect(goal).to_be_in_viewport()
    expect(goal).to_contain_text("Asker hentet brukte møbler")
    expect(
        page.get_by_text(re.compile(r"\d+ av \d+ (delmål|områder|hovedmål).* har eksempler"))
    ).to_be_visible()
    axe.check(page)

    goal.get_by_role("link", name=re.compile("Asker hentet brukte møbler")).first.click()
    expect(page).to_have_url(case_url)


def test_removing_a_filter_chip_keeps_the_others(page: Page, live_server, axe):
    page.goto(live_server + "/eksempler/?kategori=bygg-og-anlegg&mal=sirkular-okonomi")
    expect(page.get_by_role("heading", name="2 eksempler")).to_be_visible()
    page.get_by_role("link", name=re.compile("Fjern filter: Tema: Sirkulær økonomi")).click()
    expect(page).to_have_url(re.compile(r"kategori=bygg-og-anlegg"))
    expect(page).not_to_have_url(re.compile(r"mal="))
    expect(page.get_by_role("checkbox", name=re.compile("Bygg og anlegg"))).to_be_checked()
    axe.check(page)


def test_every_other_page_passes_the_audit(page: Page, live_server, axe):
    for path in ("/strategier/", "/organisasjoner/", "/organisasjoner/bergen-kommune",
                 "/emner/", "/emner/suksessfaktor/kontraktsinsentiver", "/finnes-ikke",
                 "/logg-inn", "/glemt-passord"):  # fmt: skip
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe.check(page)
    assert len(axe.audited) == 8


def test_switching_language_to_english(page: Page, live_server, axe):
    page.goto(live_server + "/eksempler/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    expect(page).to_have_url(live_server + "/eksempler/")
    axe.check(page)
    page.get_by_role("button", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")


def test_the_case_page_works_at_320_pixels(page: Page, live_server, axe):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + "/eksempler/porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe.check(page)


def test_the_audit_catches_a_real_violation(page: Page, live_server, axe):
    page.goto(live_server + "/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<img src=\\'/static/favicon.svg\\'><input type=\\'text\\'>')"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        axe.check(page)


def test_search_pick_two_facets_remove_one_and_open_a_result(page: Page, live_server, axe):
    page.goto(live_server + "/")
    page.get_by_role("searchbox", name="Søk i eksemplene").fill("ombruk")
    page.get_by_role("button", name="Søk", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("treff for «ombruk»"))).to_be_visible()
    expect(page.locator("mark").first).to_be_visible()
    axe.check(page)

    filters = page.get_by_role("form", name="Filtrer")
    filters.get_by_role("checkbox", name=re.compile("^Bygg og anlegg")).check()
    filters.get_by_role("checkbox", name=re.compile("^Klima og miljø")).check()
    filters.get_by_role("button", name="Bruk filtre").click()
    expect(page).to_have_url(re.compile(r"q=ombruk.*kategori=bygg-og-anlegg.*mal=klima-og-miljo"))
    chips = page.get_by_role("list", name="Valgte filtre")
    expect(chips.get_by_role("link", name=re.compile("Fjern filter"))).to_have_count(2)
    axe.check(page)

    chips.get_by_role("link", name=re.compile("Fjern filter: Tema: Klima og miljø")).click()
    expect(page).to_have_url(re.compile(r"q=ombruk"))
    expect(page).not_to_have_url(re.compile(r"mal="))
    expect(page.get_by_role("searchbox", name="Søk i eksemplene")).to_have_value("ombruk")
    expect(chips.get_by_role("link", name=re.compile("Fjern filter"))).to_have_count(1)

    first = page.locator(".hit-list .card-title a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    axe.check(page)


def test_zero_results_page_passes_the_audit(page: Page, live_server, axe):
    # A misspelling that finds nothing shows the correction's results at once …
    page.goto(live_server + "/eksempler/?q=gravfrie")
    expect(page.get_by_text("Viser treff for «gravefrie».")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("1 treff for «gravefrie»"))).to_be_visible()
    axe.check(page)
    # … and the search as typed is one click away: the zero page, with "Mente du".
    page.get_by_role("link", name="gravfrie").click()
    expect(page.get_by_text("Mente du:")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("0 treff for «gravfrie»"))).to_be_visible()
    axe.check(page)


def test_login_errors_are_summarised_and_accessible(page: Page, live_server, axe):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Logg inn").click()
    page.get_by_role("button", name="Logg inn").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Skriv inn e-postadressen din.")
    summary.get_by_role("link", name="Skriv inn e-postadressen din.").click()
    expect(page.get_by_label("E-postadresse")).to_be_focused()
    axe.check(page)
    page.get_by_label("E-postadresse").fill("ingen@example.no")
    page.get_by_label("Passord").fill("feil-passord-her")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Feil e-postadresse eller passord.")
    axe.check(page)


def test_a_contributor_writes_saves_and_submits_a_case(page: Page, live_app, live_server, axe):
    from portal.accounts.models import Role

    _add_user(live_app, "skribent@asker.kommune.no", "Siri Skribent", {Role.CONTRIBUTOR},
              "asker-kommune")  # fmt: skip
    page.goto(live_server + "/logg-inn?next=/eksempler/ny")
    page.get_by_label("E-postadresse").fill("skribent@asker.kommune.no")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt eksempel")
    axe.check(page)

    page.get_by_label("Sammendrag").fill("x" * 301)
    page.get_by_label("Bakgrunn og behov").fill("Stolene var **slitte**.")
    page.get_by_role("button", name="Lagre utkast").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Gi eksemplet en tittel.")
    # The browser already stops the summary at 300 characters (maxlength).
    assert len(page.get_by_label("Sammendrag").input_value()) == 300
    expect(page.get_by_label("Bakgrunn og behov")).to_have_value("Stolene var **slitte**.")
    axe.check(page)

    page.get_by_label("Tittel").fill("Reparerte kontorstoler i Asker")
    page.get_by_label("Sammendrag").fill("Asker reparerte kontorstoler i stedet for å kjøpe nye.")
    page.get_by_role("checkbox", name="Møbler og inventar").check()
    page.get_by_role("button", name="Forhåndsvis teksten").click()
    expect(page.locator(".preview strong").first).to_have_text("slitte")
    page.get_by_role("button", name="Lagre utkast").click()
    expect(page.get_by_text("Utkastet er lagret.")).to_be_visible()
    axe.check(page)

    page.get_by_label("Bildefil").set_input_files(
        files=[{"name": "stoler.jpg", "mimeType": "image/jpeg", "buffer": _photo((40, 110, 60))}]
    )
    page.get_by_label("Alternativ tekst").fill("Reparerte kontorstoler stablet på lageret")
    page.get_by_label("Fotograf").fill("Asker kommune")
    page.get_by_role("button", name="Last opp bilde").click()
    expect(page.get_by_text("Bildet er lagt til.")).to_be_visible()
    expect(
        page.get_by_role("img", name="Reparerte kontorstoler stablet på lageret")
    ).to_be_visible()
    axe.check(page)

    page.get_by_role("button", name="Lagre og send til redaksjonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reparerte kontorstoler i Asker")
    expect(page.get_by_role("status").filter(has_text="Sendt inn")).to_be_visible()
    expect(page.get_by_text("Foto: Asker kommune")).to_be_visible()
    axe.check(page)
    page.goto(live_server + "/mine-eksempler/")
    expect(page.get_by_role("cell", name="Sendt inn")).to_be_visible()
    axe.check(page)


def _sign_in(page: Page, live_server: str, email: str, next_path: str) -> None:
    page.goto(f"{live_server}/logg-inn?next={next_path}")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_editor_requests_changes_author_fixes_editor_publishes(browser, live_app, live_server, axe):
    from portal.accounts.models import Role

    _add_user(live_app, "forfatter@bergen.kommune.no", "Bjørn Bergen", {Role.CONTRIBUTOR},
              "bergen-kommune")  # fmt: skip
    _add_user(live_app, "redaktor@dfo.no", "Rita Redaktør", {Role.EDITOR})
    author = browser.new_context(locale="nb-NO").new_page()
    editor = browser.new_context(locale="nb-NO").new_page()

    _sign_in(author, live_server, "forfatter@bergen.kommune.no", "/eksempler/ny")
    author.get_by_label("Tittel").fill("Bysykler med solcelletak i Bergen")
    author.get_by_label("Sammendrag").fill("Bergen kjøpte bysykkelstativ med solcelletak.")
    author.get_by_role("button", name="Lagre utkast").click()
    author.get_by_label("Bildefil").set_input_files(
        files=[{"name": "stativ.jpg", "mimeType": "image/jpeg", "buffer": _photo((200, 160, 40))}]
    )
    author.get_by_label("Alternativ tekst").fill("Bysykkelstativ med solcellepaneler på taket")
    author.get_by_role("button", name="Last opp bilde").click()
    expect(author.get_by_text("Bildet er lagt til.")).to_be_visible()
    author.get_by_role("button", name="Lagre og send til redaksjonen").click()
    expect(author.get_by_role("status").filter(has_text="Sendt inn")).to_be_visible()

    _sign_in(editor, live_server, "redaktor@dfo.no", "/redaksjon/")
    expect(editor.get_by_role("heading", level=1)).to_have_text("Redaksjonskø")
    axe.check(editor)
    editor.get_by_role("link", name="Bysykler med solcelletak i Bergen").click()
    axe.check(editor)
    editor.get_by_label("Kommentar til forfatteren").first.fill("Hva kostet stativene?")
    editor.get_by_role("button", name="Be om endringer").click()
    expect(editor.get_by_text("Endringer etterspurt").first).to_be_visible()

    author.goto(live_server + "/mine-eksempler/")
    expect(author.get_by_role("cell", name="Endringer etterspurt")).to_be_visible()
    author.get_by_role("link", name="Bysykler med solcelletak i Bergen").click()
    author.get_by_role("link", name="Rediger").click()
    author.get_by_label("Resultater").fill("Stativene kostet 2 millioner kroner.")
    author.get_by_role("button", name="Lagre og send til redaksjonen").click()

    editor.goto(live_server + "/redaksjon/")
    editor.get_by_role("link", name="Bysykler med solcelletak i Bergen").click()
    expect(editor.locator(".diff ins").first).to_be_visible()
    editor.get_by_role("button", name="Publiser").click()
    expect(editor.get_by_text("Utført").first).to_be_visible()
    axe.check(editor)

    reader = browser.new_context(locale="nb-NO").new_page()
    reader.goto(live_server + "/eksempler/?q=solcelletak")
    reader.get_by_role("link", name=re.compile("Bysykler med solcelletak")).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Bysykler med solcelletak i Bergen")
    image = reader.get_by_role("img", name="Bysykkelstativ med solcellepaneler på taket")
    expect(image).to_be_visible()
    # Visible is not loaded: wait for the bytes (fails after the timeout if they never come).
    reader.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def test_admin_page_passes_the_audit(page: Page, live_app, live_server, axe):
    from portal.accounts.models import Role

    _add_user(live_app, "admin@dfo.no", "Ada Admin", {Role.ADMIN})
    _sign_in(page, live_server, "admin@dfo.no", "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administrasjon")
    axe.check(page)
    page.goto(live_server + "/varsler/")
    axe.check(page)
