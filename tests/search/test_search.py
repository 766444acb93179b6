"""Search over the seeded cases: ranking, facets, suggestions and hostile input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.cases.models import Case, CaseStatus, case_terms
from portal.extensions import db
from portal.search.analysis import analyse
from portal.search.backend import SearchRequest
from portal.search.service import search_cases
from portal.taxonomy.models import Term, Vocabulary

PORSGRUNN = "porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop"
ASKER = "asker-mobellager-og-rammeavtale-for-brukte-mobler"


def _slugs(text: str = "", **filters) -> list[str]:
    result = search_cases(SearchRequest(text=text, filters=filters, per_page=100))
    return [hit.slug for hit in result.hits]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("gravefrie løsninger", PORSGRUNN),
        ("brukte møbler", ASKER),
        ("møbelkoordinator", ASKER),
        ("småordregebyr", "statens-innkjopssenter-smaordregebyr-for-forbruksmateriell"),
        ("avtaleforvalter sparte millioner", "sirkula-avtaleforvalter-sparte-4-4-millioner"),
        ("sparkesykler Bergen", "bergen-nivel-regulering-av-sparkesykler"),
        ("Ydalir", "ydalir-skole-samspillsentreprise"),
    ],
)
def test_obvious_queries_rank_the_obvious_case_first(ctx, text, first):
    assert _slugs(text)[0] == first


def test_every_word_must_match_by_default(ctx):
    result = search_cases(SearchRequest(text="møbler gravefrie"))
    assert result.partial  # nothing has both, so partial matches are offered and flagged
    assert {h.slug for h in result.hits} == {ASKER, PORSGRUNN}
    assert not search_cases(SearchRequest(text="brukte møbler")).partial


def test_compounds_and_synonyms_widen_the_search(ctx):
    assert ASKER in _slugs("møbler")  # finds "møbelkoordinator" and "møbellageret" too
    strategi = _slugs("strategi")
    assert "bodo-kort-og-forankret-anskaffelsesstrategi" in strategi  # "anskaffelsesstrategi"
    assert "trondheim-hoyere-paslag-pa-brukte-byggevarer" in _slugs("gjenbruk")  # via ombruk


def test_title_outranks_body(ctx):
    slugs = _slugs("Sirkula")
    assert slugs[0] == "sirkula-avtaleforvalter-sparte-4-4-millioner"


def test_did_you_mean(ctx):
    # As typed: nothing, and the closest known word is offered.
    result = search_cases(SearchRequest(text="gravfrie", correct=False))
    assert result.total == 0
    assert result.suggestion == "gravefrie"
    # By default the correction is searched at once, and the result says so.
    corrected = search_cases(SearchRequest(text="gravfrie"))
    assert corrected.total >= 1 and corrected.hits[0].slug == PORSGRUNN
    assert (corrected.corrected_from, corrected.corrected_to) == ("gravfrie", "gravefrie")


def test_facet_counts_equal_sql_counts(ctx):
    result = search_cases(SearchRequest(per_page=1))
    rows = db.session.execute(
        select(Term.vocabulary, Term.slug, func.count())
        .join(case_terms, case_terms.c.term_id == Term.id)
        .join(Case, Case.id == case_terms.c.case_id)
        .where(Case.status == CaseStatus.PUBLISHED)
        .group_by(Term.vocabulary, Term.slug)
    ).all()
    for vocabulary, slug, count in rows:
        assert result.facets[str(vocabulary)][slug] == count, (vocabulary, slug)


def test_or_within_a_facet_and_across_facets(ctx):
    furniture = set(_slugs(category=("mobler",)))
    catering = set(_slugs(category=("mat-og-catering",)))
    assert set(_slugs(category=("mobler", "mat-og-catering"))) == furniture | catering
    both = set(_slugs(category=("bygg-og-anlegg",), theme=("sirkular-okonomi",)))
    assert both == {
        "trondheim-ombruk-av-byggevarer-pa-tiller",
        "trondheim-hoyere-paslag-pa-brukte-byggevarer",
    }


def test_a_facets_counts_ignore_its_own_filter_but_apply_the_others(ctx):
    result = search_cases(
        SearchRequest(filters={"category": ("mobler",), "theme": ("sosialt-ansvar",)})
    )
    assert result.total == 1
    # Category counts apply only the theme filter: every category with a social case shows.
    social = set(_slugs(theme=("sosialt-ansvar",)))
    assert sum(result.facets["category"].values()) >= len(social)
    assert result.facets["category"]["bygg-og-anlegg"] >= 1
    # Theme counts apply only the category filter (furniture cases).
    assert result.facets["theme"]["sirkular-okonomi"] == 1


def test_sorting_by_newest(ctx):
    result = search_cases(SearchRequest(sort="newest", per_page=100))
    ids = [hit.case_id for hit in result.hits]
    published = {
        c.id: c.published_at for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))
    }
    ordered = [published[i] for i in ids]
    assert ordered == sorted(ordered, reverse=True)


@pytest.mark.parametrize(
    "text",
    [
        '"', '""', '"åpen', "(((", ")", "[]", "AND OR NOT", "møb*", "*", "?", "~2", "^3",
        "a" * 10_000, "😀🦄 møbler", "\x00\x01", "NOT møbler", "title:møbler", "%", "\\",
        "<script>alert(1)</script>",
    ],
)  # fmt: skip
def test_hostile_queries_never_fail(ctx, text):
    result = search_cases(SearchRequest(text=text))
    assert result.total >= 0


def test_highlights_escape_case_text(app, factory):
    with factory.committing() as f:
        f.case(
            title="<script>alert('x')</script> Kompostering i Testby",
            summary="Kompostering <img src=x onerror=alert(1)> gir jord.",
        )
    with app.app_context():
        result = search_cases(SearchRequest(text="kompostering"))
    assert result.total == 1
    highlights = result.hits[0].highlights
    assert "<mark>Kompostering</mark>" in highlights["title"]
    assert "<script>" not in highlights["title"]
    assert "&lt;/script&gt;" in highlights["title"]
    assert "<img" not in highlights["summary"]


def test_only_published_cases_are_found(app, factory):
    with factory.committing() as f:
        slugs = {
            status: f.case(status=status, title=f"Tangoskole {status}").slug
            for status in CaseStatus
        }
    with app.app_context():
        result = search_cases(SearchRequest(text="tangoskole"))
        assert [h.slug for h in result.hits] == [slugs[CaseStatus.PUBLISHED]]
        browse = search_cases(SearchRequest(per_page=100))
        assert browse.total == 19


def test_a_misspelt_word_among_others_searches_the_correction_when_it_finds_all_words(ctx):
    # "sammspill" matches nothing, so as typed only "skole" would match (some of the words).
    as_typed = search_cases(SearchRequest(text="sammspill skole", correct=False))
    assert as_typed.partial
    corrected = search_cases(SearchRequest(text="sammspill skole"))
    assert (corrected.corrected_from, corrected.corrected_to) == (
        "sammspill skole",
        "samspill skole",
    )
    assert not corrected.partial
    assert corrected.hits[0].slug == "ydalir-skole-samspillsentreprise"


def test_what_a_topic_means_is_searchable(ctx):
    """A word found only in a topic's description finds the cases tagged with the topic, and
    editing the description reaches the index."""
    term = db.session.scalar(
        select(Term).where(Term.vocabulary == Vocabulary.SUCCESS_FACTOR, Term.slug.in_(
            select(Term.slug).join(case_terms, case_terms.c.term_id == Term.id)))
    )  # fmt: skip
    tagged = set(
        db.session.scalars(
            select(Case.slug)
            .join(case_terms, case_terms.c.case_id == Case.id)
            .where(case_terms.c.term_id == term.id, Case.status == CaseStatus.PUBLISHED)
        )
    )
    assert tagged and not _slugs("kvartalsgjennomgang")
    term.description_nb = f"{term.description_nb} Kvartalsgjennomganger med leverandøren."
    db.session.commit()
    assert set(_slugs("kvartalsgjennomgang")) == tagged


def _cases_with(factory, *bodies: str) -> list[str]:
    with factory.committing() as f:
        return [f.case(title=f"Testtekst {i}", what_was_done=body).slug
                for i, body in enumerate(bodies)]  # fmt: skip


@pytest.mark.parametrize("typed", ["e-handel", "ehandel", "e handel", "E-handel", "netthandel"])
def test_a_hyphenated_word_matches_written_joined_split_or_hyphenated(app, factory, typed):
    joined, hyphenated = _cases_with(
        factory,
        "Kommunen innførte eHandel for alle enheter.",
        "Alle bestillinger går nå gjennom e-handel.",
    )
    with app.test_request_context("/"):
        found = _slugs(typed)
    assert joined in found and hyphenated in found


@pytest.mark.parametrize("typed", ["bonus-malus", "bonusmalus", "bonus malus", "Bonus-Malus"])
def test_bonus_malus_however_it_is_typed(app, factory, typed):
    slugs = _cases_with(
        factory,
        "Kontrakten har en bonus-malus-ordning for leveringstid.",
        "Vi brukte bonusmalus i renholdsavtalen.",
    )
    with app.test_request_context("/"):
        found = _slugs(typed)
    assert set(slugs) <= set(found)


def test_a_several_word_synonym_triggers_its_group(ctx):
    # "vann og avløp" is one member of the kommunalteknikk group.
    assert PORSGRUNN in _slugs("vann og avløp")
    assert set(_slugs("vann og avløp")) >= set(_slugs("kommunalteknikk"))


def test_the_reviewed_synonyms_no_longer_overreach(ctx):
    from portal.search.engine import backend

    synonyms = backend().synonyms()
    innovation = {m for m in synonyms.of("innovasjon")}
    assert tuple(analyse("innovasjonspartnerskap")) not in innovation
    assert all("samhandling" not in m for m in synonyms.of("samspill"))
    # New groups from the content review.
    assert tuple(analyse("konkurransegjennomføringsverktøy")) in synonyms.of(analyse("KGV")[0])


@pytest.mark.whoosh
def test_the_topics_a_search_names_count_exactly_the_published_cases_carrying_them(app):
    """The counts beside related topics come from the index's facet table: after a case is
    unpublished they are still the database's count of published cases, for every topic."""
    from portal.search.related import published_per_term

    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.terms.any())).first()
        case.status = CaseStatus.UNPUBLISHED
        db.session.commit()
        terms = db.session.scalars(select(Term)).all()
        expected = dict.fromkeys((t.id for t in terms), 0) | dict(
            db.session.execute(
                select(case_terms.c.term_id, func.count())
                .join(Case, Case.id == case_terms.c.case_id)
                .where(Case.status == CaseStatus.PUBLISHED)
                .group_by(case_terms.c.term_id)
            ).all()
        )
        assert published_per_term(terms) == expected
        assert any(count > 1 for count in expected.values())
