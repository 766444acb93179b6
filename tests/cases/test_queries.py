"""Filtering, visibility and related cases."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from portal.cases import permissions, queries
from portal.cases.models import CaseStatus
from portal.extensions import db
from portal.taxonomy.models import Vocabulary


def _slugs(filters: queries.CaseFilters) -> set[str]:
    return {case.slug for case in db.session.scalars(queries.filtered_cases(filters))}


def test_values_within_a_filter_are_alternatives(app, ctx):
    furniture = _slugs(queries.CaseFilters(terms={Vocabulary.CATEGORY: ("mobler",)}))
    catering = _slugs(queries.CaseFilters(terms={Vocabulary.CATEGORY: ("mat-og-catering",)}))
    both = _slugs(queries.CaseFilters(terms={Vocabulary.CATEGORY: ("mobler", "mat-og-catering")}))
    assert furniture and catering
    assert both == furniture | catering


def test_different_filters_must_all_match(app, ctx):
    filters = queries.CaseFilters(
        terms={
            Vocabulary.CATEGORY: ("bygg-og-anlegg",),
            Vocabulary.THEME: ("sirkular-okonomi",),
        }
    )
    slugs = _slugs(filters)
    assert slugs == {
        "trondheim-ombruk-av-byggevarer-pa-tiller",
        "trondheim-hoyere-paslag-pa-brukte-byggevarer",
    }


def test_organization_and_year_filters(app, ctx):
    bergen = _slugs(queries.CaseFilters(organizations=("bergen-kommune",)))
    assert bergen == {
        "bergen-nivel-regulering-av-sparkesykler",
        "bergen-kontraktsnummer-pa-faktura-og-innkjopsanalyse",
    }
    assert _slugs(queries.CaseFilters(organizations=("bergen-kommune",), years=(2019,))) == {
        "bergen-nivel-regulering-av-sparkesykler"
    }


def test_filters_from_the_query_string_ignore_nonsense():
    args = MultiDict([("kategori", "mobler"), ("ar", "20x4"), ("ar", "2023"), ("sorter", "x")])
    filters = queries.CaseFilters.from_args(args)
    assert filters.terms == {Vocabulary.CATEGORY: ("mobler",)}
    assert filters.years == (2023,)
    assert filters.sort == "newest"


def test_unpublished_cases_are_never_listed_or_counted(app, ctx, factory):
    before = queries.count_visible_cases()
    for status in CaseStatus:
        factory.case(status=status, terms=[(Vocabulary.CATEGORY, "mobler")])
    assert queries.count_visible_cases() == before + 1
    furniture_counts = dict(
        (term.slug, n) for term, n in queries.filter_options()["terms"][Vocabulary.CATEGORY]
    )
    furniture_published = _slugs(queries.CaseFilters(terms={Vocabulary.CATEGORY: ("mobler",)}))
    assert furniture_counts["mobler"] == len(furniture_published)


def test_related_cases_share_tags_and_exclude_the_case_itself(app, ctx):
    case = permissions.case_for_viewer("asker-mobellager-og-rammeavtale-for-brukte-mobler", None)
    related = queries.related_cases(case)
    assert related and case not in related
    own = {t.id for t in case.terms}
    assert all(own & {t.id for t in other.terms} for other in related)


def test_related_cases_from_the_index_are_the_databases_answer(app, factory):
    """The index adds up shared topics for the whole bank at once; for every published case
    the answer (order included: weight, then year, then title) is what the database's count
    gives. Extra cases make ties in weight and year that only the title order settles."""
    from sqlalchemy import select

    from portal.cases.models import Case

    with factory.committing() as f:
        for title in ("Å lære av andre", "Ølkjøp i kommunen", "Avtaler for ombruk"):
            f.case(title=title, year=2023,
                   terms=[(Vocabulary.CATEGORY, "mobler"), (Vocabulary.THEME, "sirkular-okonomi")])  # fmt: skip
    with app.app_context():
        published = db.session.scalars(
            select(Case).where(Case.status == CaseStatus.PUBLISHED)
        ).all()
        assert len(published) > 18
        for case in published:
            for limit in (1, 4, 8):
                expected = queries.related_cases_by_sql(case, limit)
                assert queries.related_cases(case, limit) == expected, (case.slug, limit)
