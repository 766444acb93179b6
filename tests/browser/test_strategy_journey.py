"""A strategy author builds a strategy in a real browser, with an axe audit of every page."""

from __future__ import annotations

import re

import pytest
from docx import Document
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import _add_user, _sign_in

pytestmark = pytest.mark.browser

EMAIL = "strategi@nittedal.kommune.no"


def test_author_builds_a_strategy_links_cases_and_exports_it(
    page: Page, live_app, live_server, axe, tmp_path
):
    from portal.accounts.models import Role

    _add_user(live_app, EMAIL, "Stine Strategi", {Role.STRATEGY_AUTHOR}, "nittedal-kommune")
    _sign_in(page, live_server, EMAIL, "/mine-strategier/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine strategier")
    axe.check(page)

    # 1. The strategy, with a mistake first: nothing typed is lost.
    page.get_by_role("link", name="Start en ny strategi").click()
    axe.check(page)
    page.get_by_label("Tittel").fill("Anskaffelsesstrategi for Nittedal 2026–2029")
    page.get_by_label("Periode fra (år)").fill("2029")
    page.get_by_label("Periode til (år)").fill("2026")
    page.get_by_label("Visjon og hovedmål").fill("Anskaffelser som gir bedre tjenester.")
    page.get_by_role("button", name="Opprett strategien").click()
    expect(page.get_by_role("alert")).to_contain_text("Perioden kan ikke slutte før den begynner.")
    expect(page.get_by_label("Visjon og hovedmål")).to_have_value(
        "Anskaffelser som gir bedre tjenester."
    )
    axe.check(page)
    page.get_by_label("Periode fra (år)").fill("2026")
    page.get_by_label("Periode til (år)").fill("2029")
    page.get_by_role("button", name="Opprett strategien").click()
    expect(page.get_by_text("Strategien er lagret.")).to_be_visible()
    axe.check(page)

    # 2. The goal tree: one hovedmål with two delmål.
    page.get_by_role("link", name="Legg til hovedmål").click()
    expect(page.get_by_label("Type mål")).to_have_value("Hovedmål")
    axe.check(page)
    page.get_by_label("Mål", exact=True).fill("Bærekraftige og sirkulære anskaffelser")
    page.get_by_role("button", name="Legg til målet").click()
    expect(page.get_by_text("Målet er lagt til.")).to_be_visible()
    axe.check(page)
    strategy_path = re.search(r"/strategier/\d+", page.url).group(0)

    delmal = {
        "Delmål 1": ("Mer ombruk av møbler og inventar",
                     "Kommunen skal kjøpe brukte møbler og reparere kontorstoler."),
        "Delmål 2": ("Bedre oppfølging av rammeavtaler",
                     "En avtaleforvalter følger opp avtalene og henter ut gevinstene."),
    }  # fmt: skip
    for code, (title, description) in delmal.items():
        page.goto(f"{live_server}{strategy_path}/rediger")
        page.get_by_role("link", name=re.compile("Legg til delmål.*Bærekraftige")).click()
        expect(page.get_by_label("Type mål")).to_have_value("Delmål")
        page.get_by_label("Kode").fill(code)
        page.get_by_label("Mål", exact=True).fill(title)
        page.get_by_label("Beskrivelse").fill(description)
        page.get_by_role("button", name="Legg til målet").click()
        expect(page.get_by_text("Målet er lagt til.")).to_be_visible()
    first_goal_path = None
    page.goto(f"{live_server}{strategy_path}/rediger")
    expect(
        page.get_by_role("link", name="Delmål 2: Bedre oppfølging av rammeavtaler", exact=True)
    ).to_be_visible()
    axe.check(page)

    # 3. An action and an indicator with measurements on Delmål 1.
    page.get_by_role("link", name="Delmål 1: Mer ombruk av møbler og inventar", exact=True).click()
    first_goal_path = page.url
    page.get_by_role("textbox", name="Tiltak", exact=True).fill("Avtale om ombruk av kontormøbler")
    page.get_by_label("Ansvarlig enhet").fill("Innkjøpsenheten")
    page.get_by_label("Frist", exact=True).fill("2026-12-31")
    page.get_by_role("button", name="Legg til tiltaket").click()
    expect(page.get_by_text("Tiltaket er lagt til.")).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name=re.compile("Rediger.*Avtale om ombruk")).click()
    axe.check(page)
    page.go_back()

    page.get_by_role("textbox", name="Indikator", exact=True).fill(
        "Andel brukte møbler ved nye kjøp"
    )
    page.get_by_role("textbox", name="Enhet", exact=True).fill("%")
    page.get_by_label("Utgangspunkt").fill("5")
    page.get_by_label("Målverdi").fill("40")
    page.get_by_label("Måldato").fill("2029-12-31")
    page.get_by_role("button", name="Legg til indikatoren").click()
    expect(page.get_by_text("Indikatoren er lagt til.")).to_be_visible()
    axe.check(page)
    for day, value in (("2026-06-30", "12"), ("2027-06-30", "22,5")):
        page.get_by_label("Måledato").fill(day)
        page.get_by_label("Verdi", exact=True).fill(value)
        page.get_by_role("button", name="Registrer målingen").click()
        expect(page.get_by_text("Målingen er registrert.")).to_be_visible()
    page.get_by_label("Verdi", exact=True).fill("mye")
    page.get_by_role("button", name="Registrer målingen").click()
    expect(page.get_by_role("alert")).to_contain_text("Oppgi en dato")
    expect(page.get_by_label("Verdi", exact=True)).to_have_value("mye")
    axe.check(page)
    chart = page.get_by_role("img", name="Utvikling mot målet")
    expect(chart).to_be_visible()
    expect(page.locator("figcaption")).to_contain_text("50 prosent av veien")
    axe.check(page)

    # 4. Evidence: take a suggestion computed from the goal's own text.
    page.goto(first_goal_path)
    page.get_by_role("link", name=re.compile("Eksempler som støtter dette målet")).click()
    suggestions = page.locator("#forslag li.card")
    expect(suggestions.first).to_be_visible()
    axe.check(page)
    suggested_title = suggestions.first.locator(".card-title").inner_text()
    suggestions.first.get_by_role("button", name=re.compile("Koble til målet")).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Skriv hvorfor dette eksemplet støtter målet."
    )
    axe.check(page)
    suggestion = page.locator("#forslag li.card", has_text=suggested_title)
    suggestion.get_by_label("Hvorfor støtter dette eksemplet målet?").fill(
        "Viser at ombruk av møbler sparer penger og utslipp."
    )
    suggestion.get_by_role("button", name=re.compile("Koble til målet")).click()
    expect(page.get_by_text("støtter nå målet")).to_be_visible()
    expect(page.locator("#koblet")).to_contain_text(suggested_title)
    expect(page.locator("#koblet")).to_contain_text("Koblet av Stine Strategi")
    axe.check(page)
    page.get_by_label("Søk etter eksempler").fill("avtaleforvalter")
    page.get_by_role("button", name="Søk", exact=True).click()
    expect(page.locator("#sok li.card").first).to_be_visible()
    axe.check(page)

    # 5. From a case page: link a case to Delmål 2.
    page.goto(f"{live_server}/eksempler/sirkula-avtaleforvalter-sparte-4-4-millioner")
    page.get_by_role("link", name="Koble til et av dine mål").click()
    axe.check(page)
    page.get_by_label("Mål", exact=True).select_option(
        label="Delmål 2: Bedre oppfølging av rammeavtaler"
    )
    page.get_by_label("Hvorfor støtter dette eksemplet målet?").fill(
        "Sirkula sparte millioner på en avtaleforvalter."
    )
    page.get_by_role("button", name="Koble til målet").click()
    expect(page.locator("#strategier")).to_contain_text("Anskaffelsesstrategi for Nittedal")
    axe.check(page)

    # 6. Coverage and the chart on the strategy page.
    page.goto(f"{live_server}{strategy_path}")
    expect(page.locator(".coverage-summary")).to_have_text("2 av 2 delmål har eksempler.")
    expect(page.locator(".coverage-list .badge.none")).to_have_count(0)
    expect(page.locator(".coverage-list li").first).to_contain_text("2 eksempler i delmålene")
    expect(page.get_by_role("img", name="Utvikling mot målet")).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name="Utskriftsversjon").click()
    expect(page.locator(".key-results").first).to_be_visible()
    axe.check(page)
    page.go_back()

    # 7. The Word document, opened with python-docx.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned som Word (.docx)").click()
    path = tmp_path / "strategi.docx"
    download_info.value.save_as(path)
    document = Document(str(path))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert document.paragraphs[0].text == "Anskaffelsesstrategi for Nittedal 2026–2029"
    assert "2 av 2 delmål har eksempler." in text
    assert "Delmål 1: Mer ombruk av møbler og inventar" in text
    assert "Delmål 2: Bedre oppfølging av rammeavtaler" in text
    assert "Avtale om ombruk av kontormøbler" in cells
    assert "22,5 % (30. juni 2027)" in cells
    assert suggested_title in text
    assert "Begrunnelse: Sirkula sparte millioner på en avtaleforvalter." in text

    # 8. The remaining forms: edit a goal, and the delete confirmation.
    page.goto(first_goal_path)
    axe.check(page)
    page.get_by_role("link", name="Slett dette målet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Slette")
    axe.check(page)
    page.goto(f"{live_server}{strategy_path}/slett")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Anskaffelsesstrategi for Nittedal"
    )
    axe.check(page)
