"""The search page and /api/v1/search, as people and programs use them."""

from __future__ import annotations

import re

from sqlalchemy import select

ASKER = "asker-mobellager-og-rammeavtale-for-brukte-mobler"


def test_search_page_highlights_and_keeps_the_query(client):
    html = client.get("/eksempler/?q=brukte+møbler").get_data(as_text=True)
    assert "1 treff for «brukte møbler»" in html
    assert "<mark>møbler</mark>" in html
    assert 'value="brukte møbler"' in html


def test_no_text_means_browsing_with_facets(client):
    html = client.get("/eksempler/").get_data(as_text=True)
    assert "18 eksempler" in html
    assert "Organisasjonstype" in html and "Fylke" in html


def test_partial_matches_are_announced(client):
    html = client.get("/eksempler/?q=møbler+gravefrie").get_data(as_text=True)
    assert "Ingen eksempler inneholder alle ordene dine" in html


def test_zero_results_page_helps(client):
    html = client.get("/eksempler/?q=gravfrie&kategori=mobler").get_data(as_text=True)
    assert "Ingen publiserte eksempler passer." in html
    assert "Mente du:" in html and "gravefrie" in html
    assert "Søk på nytt uten filtre" in html
    assert "Populære kategorier" in html


def test_the_popular_categories_are_those_with_most_published_cases(app, client):
    from sqlalchemy import func, select

    from portal.cases.models import Case, CaseStatus, case_terms
    from portal.extensions import db
    from portal.taxonomy.models import Term, Vocabulary

    html = client.get("/eksempler/?q=finnesikkeiindeksen").get_data(as_text=True)
    shown = re.findall(r'kategori=([\w-]+)">[^<]+</a> <span class="count">(\d+) eksempl', html)
    with app.app_context():
        counts = db.session.execute(
            select(Term.slug, func.count())
            .join(case_terms, case_terms.c.term_id == Term.id)
            .join(Case, Case.id == case_terms.c.case_id)
            .where(Term.vocabulary == Vocabulary.CATEGORY, Case.status == CaseStatus.PUBLISHED)
            .group_by(Term.slug)
        ).all()
    assert len(shown) == min(6, len(counts)) and len(shown) > 2
    assert [int(n) for _, n in shown] == sorted((n for _, n in counts), reverse=True)[: len(shown)]
    assert all(dict(counts)[slug] == int(n) for slug, n in shown)


def test_removing_a_chip_keeps_the_text_and_other_filters(client):
    html = client.get("/eksempler/?q=ombruk&kategori=bygg-og-anlegg&mal=sirkular-okonomi").get_data(
        as_text=True
    )
    chips = re.findall(r'<li><a href="([^"]+)"><span class="visually-hidden">Fjern filter', html)
    assert len(chips) == 2
    for href in chips:
        assert "q=ombruk" in href.replace("&amp;", "&")
    assert any(
        "mal=" not in h and "kategori=bygg-og-anlegg" in h
        for h in (c.replace("&amp;", "&") for c in chips)
    )


def test_hostile_queries_on_the_page_never_fail(client):
    for q in ['"', "((", "AND OR NOT", "*", "a" * 10_000, "😀", "<script>alert(1)</script>"]:
        response = client.get("/eksempler/", query_string={"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_nonsense_parameters_are_ignored(client):
    for query in ("side=abc", "sorter=x", "ar=abcd", "kategori=" + "x" * 500, "side=-4"):
        assert client.get(f"/eksempler/?{query}").status_code == 200
    assert client.get("/eksempler/?side=999").status_code == 404


def test_search_api_shape(client):
    body = client.get("/api/v1/search?q=møbler&category=mobler").get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    item = body["items"][0]
    assert item["slug"] == ASKER
    assert item["organizations"] == [
        {"name": "Asker kommune", "slug": "asker-kommune", "type": "kommune"}
    ]
    assert "<mark>" in item["highlights"]["title"]
    assert item["url"].endswith(f"/eksempler/{ASKER}")
    category = body["facets"]["category"]
    assert {"value": "mobler", "label": "Møbler og inventar", "count": 1} in category
    assert set(body["facets"]) >= {
        "category", "goal", "success_factor", "incentive", "procedure", "org_type", "county",
        "year",
    }  # fmt: skip
    assert body["suggestion"] is None


def test_search_api_suggests_and_validates(client):
    body = client.get("/api/v1/search?q=gravfrie&exact=true").get_json()
    assert body["total"] == 0 and body["suggestion"] == "gravefrie"
    bad = client.get("/api/v1/search?per_page=0")
    assert bad.status_code == 422 and bad.get_json()["message"]


def test_search_api_hides_unpublished(client, factory):
    from portal.cases.models import CaseStatus

    with factory.committing() as f:
        f.case(status=CaseStatus.SUBMITTED, title="Innsendt kompostering")
    assert client.get("/api/v1/search?q=kompostering").get_json()["total"] == 0


def test_snippets_and_the_feed_are_plain_text_never_markdown(app, client, factory):
    with app.app_context():
        factory.case(
            title="Kantine med gulrotbonus",
            summary="Kantinen fikk en *gulrotbonus* i [avtalen](https://example.no/avtale).",
            what_was_done="Leverandøren fikk en **gulrotbonus** etter [Loopfront](https://loopfront.com)-modellen.",
        )
        factory.session.commit()
    page = client.get("/eksempler/?q=gulrotbonus").get_data(as_text=True)
    results = page.split('id="result-heading"', 1)[1]
    assert "<mark>gulrotbonus</mark>" in results.lower() or "gulrotbonus</mark>" in results
    for syntax in ("*gulrot", "](", "**"):
        assert syntax not in results
    feed = client.get("/eksempler/nye.atom").get_data(as_text=True)
    entry = feed.split("Kantine med gulrotbonus", 1)[1].split("</entry>", 1)[0]
    assert "Kantinen fikk en gulrotbonus i avtalen." in entry


def test_a_misspelt_search_that_finds_nothing_shows_the_correction_at_once(client):
    porsgrunn = "porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop"
    page = client.get("/eksempler/?q=gravfrie").get_data(as_text=True)
    assert "Viser treff for «gravefrie»." in page
    assert 'href="/eksempler/?q=gravfrie&amp;eksakt=1"' in page
    assert porsgrunn in page
    # As typed, when asked for: nothing, with the suggestion offered instead.
    exact = client.get("/eksempler/?q=gravfrie&eksakt=1").get_data(as_text=True)
    assert "Viser treff for" not in exact and porsgrunn not in exact
    assert "gravefrie" in exact.split('id="result-heading"', 1)[1]
    api = client.get("/api/v1/search?q=gravfrie").get_json()
    assert api["corrected_from"] == "gravfrie" and api["corrected_to"] == "gravefrie"
    assert api["total"] >= 1
    assert client.get("/api/v1/search?q=gravfrie&exact=true").get_json()["total"] == 0


def test_a_search_also_offers_the_topics_goals_and_organisations_it_names(client):
    page = client.get("/eksempler/?q=samspill").get_data(as_text=True)
    related = page.split('class="related-groups"', 1)[1].split('class="hit-list"', 1)[0]
    assert 'href="/emner/' in related and "Samspill" in related
    body = client.get("/api/v1/search?q=e-handel").get_json()
    goals = body["related"]["goals"]
    assert goals, "the strategies' goals about e-handel are offered"
    assert all(re.search(r"/strategier/\d+#mal-\d+$", g["url"]) for g in goals)
    organizations = client.get("/api/v1/search?q=Bergen").get_json()["related"]["organizations"]
    assert [o["slug"] for o in organizations] == ["bergen-kommune"]
    assert client.get("/api/v1/search?q=qxzqxz").get_json()["related"] == {
        "goals": [], "organizations": [], "terms": [],
    }  # fmt: skip


def test_draft_strategies_goals_are_never_offered(app, client, factory):
    """Not even right after the strategy was public (what searches keep of the public
    strategies goes with the content generation)."""
    from portal.strategies.models import Strategy, StrategyGoal, StrategyStatus

    def goals() -> list[str]:
        body = client.get("/api/v1/search?q=kvasibrillefisk").get_json()
        return [goal["heading"] for goal in body["related"]["goals"]]

    def set_status(status: StrategyStatus) -> None:
        with factory.committing() as f:
            f.session.scalar(
                select(Strategy).where(Strategy.slug == "hemmelig-strategi")
            ).status = status

    with factory.committing() as f:
        org = f.organization()
        strategy = Strategy(slug="hemmelig-strategi", organization=org, title="Strategien",
                            period_from=2026, period_to=2029, status=StrategyStatus.PUBLISHED)  # fmt: skip
        strategy.goals = [StrategyGoal(kind="Delmål", title="Kvasibrillefisk i alle kantiner")]
        f.session.add(strategy)
    assert goals() == ["Kvasibrillefisk i alle kantiner"]
    set_status(StrategyStatus.DRAFT)
    assert goals() == []
    page = client.get("/eksempler/?q=kvasibrillefisk").get_data(as_text=True)
    assert "Kvasibrillefisk" not in page
    set_status(StrategyStatus.ADOPTED)
    assert goals() == ["Kvasibrillefisk i alle kantiner"]


def test_a_word_inside_another_is_not_a_topic_match(client):
    # "ehandel" sits inside "behandling" (the waste topic's description), but means nothing there.
    terms = client.get("/api/v1/search?q=e-handel").get_json()["related"]["terms"]
    assert "renovasjon-og-avfall" not in [t["slug"] for t in terms]


def test_filters_for_a_range_of_years_and_for_measured_results(app, client):
    from sqlalchemy import select

    from portal.cases.models import Case, CaseResult, CaseStatus
    from portal.extensions import db

    with app.app_context():
        published = Case.status == CaseStatus.PUBLISHED
        in_range = set(
            db.session.scalars(select(Case.slug).where(published, Case.year.between(2019, 2022)))
        )
        with_results = set(db.session.scalars(
            select(Case.slug).join(CaseResult).where(published).distinct()))  # fmt: skip
    body = client.get("/api/v1/search?year_from=2019&year_to=2022&per_page=100").get_json()
    assert {item["slug"] for item in body["items"]} == in_range and in_range
    assert all(2019 <= item["year"] <= 2022 for item in body["items"])
    results = client.get("/api/v1/search?has_results=ja&per_page=100").get_json()
    assert {item["slug"] for item in results["items"]} == with_results
    assert {v["value"]: v["count"] for v in results["facets"]["has_results"]} == {
        "ja": len(with_results)
    }
    page = client.get("/eksempler/?ar_fra=2019&ar_til=2022&resultater=ja").get_data(as_text=True)
    assert f"{len(in_range & with_results)} eksempl" in page
    assert 'id="ar_fra" name="ar_fra"' in page and 'value="2019"' in page
    assert "Filtrer" in page and "(2 aktive)" in page
    assert "Med målte resultater" in page
    assert client.get("/api/v1/search?year_from=1800").status_code == 422


def test_topics_organisations_and_goals_are_found_as_matching_each_one_would(app):
    """The search's words are looked for in all candidates at once: the same candidates, in
    the same order, as looking in each one's words by itself."""
    from portal.search import query as query_mod
    from portal.search.engine import backend
    from portal.search.related import _candidates, _pattern

    texts = ["samspill", "e-handel", "Bergen", "ombruk møbler", "klima miljø", "bonus malus",
             "innovasjon leverandør dialog", "avfall", "kommune", "strategi anskaffelser"]  # fmt: skip
    with app.test_request_context():
        candidates = _candidates()
        groups = (candidates.terms, candidates.organizations, candidates.goals)
        found_any = 0
        for text in texts:
            units = query_mod.units(query_mod.parse(text), synonyms=backend().synonyms())
            for group, corpus in zip(groups, candidates.corpora, strict=True):
                one_by_one = [i for i, row in enumerate(group)
                              if all(any(_pattern(option).search(row[-1]) for option in unit)
                                     for unit in units)]  # fmt: skip
                assert corpus.matching(units) == one_by_one, text
                found_any += len(one_by_one)
        assert found_any > 20
