"""What users do beyond reading, in a real browser with axe on every page, in nb and en:
follow a topic by e-mail, download a search, share and cite a case, ask its people, read the
numbers, manage the account, and read the API documentation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from tests.browser.test_journeys import _add_user, _sign_in

pytestmark = pytest.mark.browser

CASE = "asker-mobellager-og-rammeavtale-for-brukte-mobler"


def _fits(page: Page) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    width = page.viewport_size["width"]
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


def _last_mail(live_app, kind: str) -> Notification:
    with live_app.app_context():
        note = db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id.desc())
        ).first()
        db.session.expunge(note)
        return note


def test_on_a_phone_anyone_follows_a_topic_confirms_and_stops(page: Page, live_app, live_server,
                                                              axe):  # fmt: skip
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(live_server + "/emner/kategori/mobler")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Nyhetsstrøm (Atom)")).to_have_attribute(
        "href", "/eksempler/nye.atom?kategori=mobler"
    )
    page.get_by_role("link", name="Følg dette søket").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Følg et søk")
    _fits(page)
    axe.check(page)
    page.get_by_role("button", name="Følg").click()  # no address yet
    expect(page.get_by_role("alert")).to_contain_text("Skriv inn e-postadressen din.")
    page.get_by_label("E-postadresse").fill("leser@kommune.no")
    page.get_by_label("Daglig").check()
    page.get_by_role("button", name="Følg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sjekk e-posten din")
    axe.check(page)

    mail = _last_mail(live_app, "confirm_subscription")
    assert mail.recipient == "leser@kommune.no"
    link = re.search(r"http\S+/abonnementer/bekreft/\S+", mail.body).group(0)
    page.goto(live_server + urlsplit(link).path)
    expect(page.get_by_text("leser@kommune.no får et sammendrag")).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="Bekreft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnementet er bekreftet")
    page.get_by_role("link", name="Se alle abonnementene dine").click()
    subscription = page.locator(".subscription-list li").filter(has_text="Møbler og inventar")
    expect(subscription.get_by_label("Daglig")).to_be_checked()
    _fits(page)
    axe.check(page)
    subscription.get_by_role("button", name=re.compile("^Slutt å følge")).click()
    expect(page.get_by_role("status")).to_contain_text("Du følger ikke lenger")
    expect(page.locator(".subscription-list")).to_have_count(0)


def test_a_search_is_downloaded_as_csv_and_excel(page: Page, live_server, axe):
    page.goto(live_server + "/eksempler/?q=gjenbruk")
    total = int(re.search(r"\d+", page.locator(".result-count").inner_text()).group(0))
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Last ned som CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == total + 1 and rows[0][0] == "Tittel"
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Last ned som Excel").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    axe.check(page)


def test_a_case_is_shared_cited_and_asked_about_in_english(browser: Browser, live_app,
                                                           live_server, axe):  # fmt: skip
    from portal.accounts.models import Role

    _add_user(live_app, "svarer@asker.kommune.no", "Svein Svarer", {Role.EDITOR}, "asker-kommune")
    context = browser.new_context(locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    context.add_cookies([{"name": "sprak", "value": "en", "url": live_server}])
    page = context.new_page()
    page.goto(f"{live_server}/eksempler/{CASE}")
    share = page.get_by_role("region", name="Share and cite")
    share.get_by_role("button", name="Copy link").click()
    expect(share.get_by_role("status")).to_have_text("The link is copied.")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/eksempler/{CASE}"
    expect(share.get_by_role("button", name="Print / save as PDF")).to_be_visible()
    expect(share).to_contain_text("Eksempelbanken (20")
    mailto = share.get_by_role("link", name="Share by e-mail").get_attribute("href")
    assert mailto.startswith("mailto:?subject=Asker%20hentet")
    axe.check(page)

    page.get_by_role("link", name="Ask about this case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask about this case")
    axe.check(page)
    page.get_by_label("Your name").fill("Per Spør")
    page.get_by_label("Your e-mail address").fill("per@kommune.no")
    page.get_by_label("Your question").fill("How did you organise the furniture store?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your question is sent")
    axe.check(page)
    note = _last_mail(live_app, "contact")
    assert note.reply_to == "per@kommune.no" and "furniture store" in note.body
    assert note.user_id is not None and note.recipient is None  # Asker's editor, by account
    context.close()


def test_the_numbers_read_as_charts_and_tables(page: Page, live_server, axe):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Statistikk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistikk")
    chart = page.get_by_role("img", name=re.compile("^Kategorier"))
    expect(chart).to_be_visible()
    section = page.locator("section").filter(has=page.get_by_role("heading", name="Kategorier"))
    section.get_by_text("Vis som tabell").click()
    table = section.get_by_role("table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Bygg og anlegg")
    expect(page.get_by_role("heading", name="Der det mangler eksempler")).to_be_visible()
    axe.check(page)
    page.set_viewport_size({"width": 320, "height": 700})
    _fits(page)


def test_the_account_page_changes_the_password_and_mail_choices(browser: Browser, live_app,
                                                               live_server, axe):  # fmt: skip
    from portal.accounts.models import Role

    _add_user(live_app, "profil@rauma.kommune.no", "Pia Profil", {Role.STRATEGY_AUTHOR},
              "rauma-kommune")  # fmt: skip
    other = browser.new_context().new_page()
    _sign_in(other, live_server, "profil@rauma.kommune.no", "/")
    page = browser.new_context().new_page()
    _sign_in(page, live_server, "profil@rauma.kommune.no", "/")
    page.get_by_role("link", name=re.compile("^Pia Profil")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profilen din")
    expect(page.get_by_text("Strategiforfatter")).to_be_visible()
    axe.check(page)
    page.get_by_label("Send meg sammendrag av søkene jeg følger på e-post").uncheck()
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_have_text("Profilen din er lagret.")
    expect(
        page.get_by_label("Send meg sammendrag av søkene jeg følger på e-post")
    ).not_to_be_checked()
    page.get_by_label("Nåværende passord").fill("ikke-det-riktige-passordet")
    page.get_by_label("Nytt passord").fill("et-nytt-og-langt-passord")
    page.get_by_label("Gjenta passordet").fill("et-nytt-og-langt-passord")
    page.get_by_role("button", name="Endre passord").click()
    expect(page.get_by_role("alert")).to_contain_text("Det nåværende passordet er ikke riktig.")
    axe.check(page)
    from tests.web import PASSWORD

    page.get_by_label("Nåværende passord").fill(PASSWORD)
    page.get_by_label("Nytt passord").fill("et-nytt-og-langt-passord")
    page.get_by_label("Gjenta passordet").fill("et-nytt-og-langt-passord")
    page.get_by_role("button", name="Endre passord").click()
    expect(page.get_by_role("status")).to_contain_text("Passordet er endret")
    other.goto(live_server + "/profil/")
    expect(other).to_have_url(re.compile("/logg-inn"))


def test_the_api_documentation_is_a_page_from_the_footer(page: Page, live_server, axe):
    page.goto(live_server + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="API for utviklere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API-dokumentasjon")
    expect(page.get_by_role("heading", name="GET /api/v1/search")).to_be_visible()
    axe.check(page)
