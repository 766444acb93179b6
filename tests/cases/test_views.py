"""The case list and the case page, as a reader sees them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.cases.models import Case, CaseStatus
from portal.taxonomy.models import Vocabulary

ASKER = "/eksempler/asker-mobellager-og-rammeavtale-for-brukte-mobler"


def test_case_list_shows_every_published_case(client):
    html = client.get("/eksempler/").get_data(as_text=True)
    assert "18 eksempler" in html
    assert "Porsgrunn kuttet prisen per meter rør" in html


def test_case_list_filters_and_shows_removable_chips(client):
    html = client.get("/eksempler/?kategori=mobler&mal=klima-og-miljo").get_data(as_text=True)
    assert "1 eksempel" in html
    assert "Asker hentet brukte møbler" in html
    assert "Porsgrunn" not in html.split('class="results"')[1].split("</section>")[0]
    chip = re.search(r'<a href="([^"]+)"><span class="visually-hidden">Fjern filter', html)
    assert chip and "kategori=mobler" not in chip.group(1).replace("&amp;", "&")


def test_case_list_paginates(app, client):
    app.config["CASES_PER_PAGE"] = 5
    first = client.get("/eksempler/").get_data(as_text=True)
    assert 'aria-label="Side 4"' in first
    last = client.get("/eksempler/?side=4").get_data(as_text=True)
    assert last.count('class="card"') == 3
    assert client.get("/eksempler/?side=99").status_code == 404


@pytest.mark.parametrize("page", [1, 2, 3, 5, 7, 8, 9])
def test_page_links_are_the_first_the_last_and_two_either_side(app, client, page):
    app.config["CASES_PER_PAGE"] = 2  # the 18 seed cases on 9 pages
    html = client.get(f"/eksempler/?side={page}").get_data(as_text=True)
    nav = html.split('class="pagination"')[1].split("</nav>")[0]
    shown = [int(n) for n in re.findall(r'aria-label="Side (\d+)"|aria-current="page">(\d+)', nav)
             for n in n if n]  # fmt: skip
    assert shown == sorted({1, 9} | {n for n in range(page - 2, page + 3) if 1 <= n <= 9})
    assert ('rel="prev"' in nav) == (page > 1) and ('rel="next"' in nav) == (page < 9)


def test_case_page_shows_results_and_the_goals_it_supports(client):
    html = client.get(ASKER).get_data(as_text=True)
    assert '<h1 lang="nb">Asker hentet brukte møbler' in html
    assert "40,6 tonn" in html and "14,3 tonn" in html and "1,4 mill. kr" in html
    assert "Støtter disse målene" in html
    # Each goal says what level it is in its strategy (delmål, område, hovedmål …).
    assert re.search(
        r"<span class=\"goal-kind\">(Delmål|Område|Hovedmål|Innsatsområde)[^<]*</span>", html
    )
    assert "Brukt i 3 strategier." in html
    assert re.search(r'href="/strategier/\d+#mal-\d+"', html)
    assert "Relaterte eksempler" in html


def test_case_page_hides_contact_without_consent(app, client, factory):
    with factory.committing() as f:
        case = f.case(contact_name="Kari Nordmann", contact_email="kari@example.no")
        slug = case.slug
    assert "Kari Nordmann" not in client.get(f"/eksempler/{slug}").get_data(as_text=True)
    with factory.committing() as f:
        f.session.scalars(select(Case).where(Case.slug == slug)).one().contact_consent = True
    assert "kari@example.no" in client.get(f"/eksempler/{slug}").get_data(as_text=True)


def test_unpublished_cases_answer_404(client, factory):
    hidden = [status for status in CaseStatus if status is not CaseStatus.PUBLISHED]
    with factory.committing() as f:
        slugs = [f.case(status=status, title=f"Hemmelig {status}").slug for status in hidden]
    listing = client.get("/eksempler/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    for status, slug in zip(hidden, slugs, strict=True):
        # Withdrawn cases say so (410); the others do not admit to existing (404).
        expected = 410 if status is CaseStatus.UNPUBLISHED else 404
        assert client.get(f"/eksempler/{slug}").status_code == expected
        assert f"Hemmelig {status}" not in listing
        assert f"Hemmelig {status}" not in home


def test_script_in_case_content_is_escaped(client, factory):
    with factory.committing() as f:
        slug = f.case(
            title="<script>alert('tittel')</script>",
            background="Tekst <script>alert('kropp')</script> [x](javascript:alert(1))",
            terms=[(Vocabulary.CATEGORY, "mobler")],
        ).slug
    for url in (f"/eksempler/{slug}", "/eksempler/", "/emner/kategori/mobler"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(" not in html
        assert 'href="javascript:' not in html.lower()


def test_unknown_pages_get_a_norwegian_404(client):
    response = client.get("/eksempler/finnes-ikke")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.get_data(as_text=True)


def test_home_page_counts_and_newest(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r"<dt>Publiserte eksempler</dt><dd>18</dd>", html)
    assert "Nyeste eksempler" in html
    assert "Kategorier" in html and "Kommunalteknikk" in html


def test_organization_and_topic_pages(client):
    html = client.get("/organisasjoner/trondheim-kommune").get_data(as_text=True)
    assert "Trondheim gjør ombruk lønnsomt" in html
    assert "Trondheim bygde med brukte materialer" in html
    topic = client.get("/emner/insentiv/smaordregebyr").get_data(as_text=True)
    assert "Småordregebyr fikk andelen småordre" in topic
    assert client.get("/emner/ukjent/smaordregebyr").status_code == 404
    assert client.get("/organisasjoner/").status_code == 200
    assert client.get("/emner/").status_code == 200


def test_server_errors_get_a_norwegian_page_and_json_for_the_api(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/feil-for-test", "broken_page", broken)
    app.add_url_rule("/api/v1/feil-for-test", "broken_api", broken)
    client = app.test_client()
    page = client.get("/feil-for-test")
    assert page.status_code == 500
    assert "Noe gikk galt" in page.get_data(as_text=True)
    api = client.get("/api/v1/feil-for-test")
    assert api.status_code == 500
    assert api.get_json()["message"]


def test_sitemap_and_feed_list_published_content(client):
    from xml.etree import ElementTree

    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    locations = [e.text for e in ElementTree.fromstring(sitemap.data).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]  # fmt: skip
    assert len([u for u in locations if "/eksempler/" in u and not u.endswith("/")]) == 18
    assert len([u for u in locations if "/strategier/" in u]) == 3
    feed = client.get("/eksempler/nye.atom")
    assert feed.mimetype == "application/atom+xml"
    entries = ElementTree.fromstring(feed.data).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 18


def test_a_case_can_be_shared_cited_and_asked_about(client):
    from html import unescape

    slug = "asker-mobellager-og-rammeavtale-for-brukte-mobler"
    html = unescape(client.get(f"/eksempler/{slug}").get_data(as_text=True))
    address = f"http://localhost/eksempler/{slug}"
    assert f'id="case-address" type="url" value="{address}" readonly' in html
    title = "Asker hentet brukte møbler for 1,4 millioner kroner fra eget lager i 2023"
    assert re.search(rf"Eksempelbanken \(20\d\d\): {re.escape(title)}\. {re.escape(address)}", html)
    assert 'href="mailto:?subject=Asker%20hentet' in html
    assert f'href="/eksempler/{slug}/kontakt"' in html
