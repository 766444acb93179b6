"""Layout a reader notices: portrait photos never fill the screen, the footer stays at the
bottom of a short page, and filters fold away on a phone."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.cases.models import Case
from portal.extensions import db
from portal.media import services, storage
from tests import pages

pytestmark = pytest.mark.browser

CASE = "bergen-kontraktsnummer-pa-faktura-og-innkjopsanalyse"


def _portrait() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (900, 1600), (90, 120, 160)).save(out, "JPEG")
    return out.getvalue()


def test_a_portrait_photo_is_capped_to_the_screen(page: Page, live_app, live_server):
    pages.prepare(live_app)
    with live_app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == CASE)).one()
        editor = db.session.scalars(
            select(User).where(User.email == pages.VISITORS["editor"].email)
        ).one()
        services.add_image(case=case, author=editor, data=_portrait(), alt_text="Et høyt bilde",
                           credit=None, store=storage.media_store())  # fmt: skip
        db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/eksempler/{CASE}")
    image = page.get_by_role("img", name="Et høyt bilde")
    expect(image).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())  # fmt: skip
    assert image.bounding_box()["height"] <= 0.7 * 800 + 1


def test_the_footer_sits_at_the_bottom_of_a_short_page(page: Page, live_server):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{live_server}/finnes-ikke")
    footer = page.locator("footer.site-footer").bounding_box()
    assert abs(footer["y"] + footer["height"] - 1000) <= 1


def test_on_a_phone_the_results_come_before_the_folded_filters(page: Page, live_server):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server}/eksempler/?kategori=bygg-og-anlegg&mal=sirkular-okonomi")
    summary = page.locator(".filters-disclosure > summary")
    expect(summary).to_have_text("Filtrer (2 aktive)")
    expect(page.locator(".filters-disclosure .facet").first).to_be_hidden()
    first = page.locator(".hit-list .card").first.bounding_box()
    assert first["y"] < 700, f"the first result starts at y = {first['y']}"
    summary.click()
    expect(page.locator(".filters-disclosure .facet").first).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/eksempler/")
    expect(summary).to_be_hidden()
    expect(page.locator(".filters-disclosure .facet").first).to_be_visible()
