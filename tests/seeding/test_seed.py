"""The seed carries the facts of the source documents and is safe to run again."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.cases.models import Case, CaseResult, CaseStatus
from portal.extensions import db
from portal.seeding.loader import SeedError, load_seed
from portal.strategies.models import CaseGoalLink, Indicator, Strategy, StrategyGoal
from portal.taxonomy.models import Term, Vocabulary


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _case(slug: str) -> Case:
    return db.session.scalars(select(Case).where(Case.slug == slug)).one()


def _result(slug: str, indicator_starts: str) -> CaseResult:
    matches = [r for r in _case(slug).results if r.indicator.startswith(indicator_starts)]
    assert len(matches) == 1, [r.indicator for r in _case(slug).results]
    return matches[0]


def test_every_case_of_the_dfo_note_is_published(app, ctx):
    assert _count(Case) >= 18
    statuses = set(db.session.scalars(select(Case.status)))
    assert statuses == {CaseStatus.PUBLISHED}
    names = {org.name for case in db.session.scalars(select(Case)) for org in case.organizations}
    for expected in [
        "Stor-Elvdal kommune", "Nittedal kommune", "Bergen kommune", "Elverum kommune",
        "Statsbygg", "Porsgrunn kommune", "Innsikt innkjøpssamarbeid", "Høje-Taastrup Kommune",
        "Bodø kommune", "Ålesund kommune", "Trondheim kommune", "Asker kommune",
        "Møre og Romsdal fylkeskommune", "Universitetet i Oslo", "Statens innkjøpssenter",
        "Sirkula IKS",
    ]:  # fmt: skip
        assert expected in names


def test_every_case_is_tagged_with_category_goal_and_success_factor(app, ctx):
    for case in db.session.scalars(select(Case)):
        assert case.categories, case.slug
        assert case.themes, case.slug
        assert case.terms_in(Vocabulary.SUCCESS_FACTOR), case.slug
        assert len(case.summary) <= 300


@pytest.mark.parametrize(
    ("slug", "indicator", "value", "unit", "baseline"),
    [
        ("porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop", "Andel gravefrie", "80", "%", None),
        ("porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop", "Endring i pris", "-33", "%", None),
        ("sirkula-avtaleforvalter-sparte-4-4-millioner", "Besparelse", "4.4", "mill. kr", None),
        ("asker-mobellager-og-rammeavtale-for-brukte-mobler", "Verdi av møbler", "1.4", "mill. kr", None),
        ("asker-mobellager-og-rammeavtale-for-brukte-mobler", "Spart CO2", "40.6", "tonn", None),
        ("asker-mobellager-og-rammeavtale-for-brukte-mobler", "Unngått avfall", "14.3", "tonn", None),
        ("statens-innkjopssenter-smaordregebyr-for-forbruksmateriell", "Andel småordre", "7.2", "%", "12.7"),
        ("trondheim-hoyere-paslag-pa-brukte-byggevarer", "Påslag", "25", "% av markedspris", None),
        ("hoje-taastrup-eier-gulvmattene-selv", "Tilbakebetalingstid", "1", "år", None),
        ("hoje-taastrup-eier-gulvmattene-selv", "Unngått bilkjøring", "20000", "km per år", None),
    ],
)  # fmt: skip
def test_results_carry_the_figures_of_the_note(app, ctx, slug, indicator, value, unit, baseline):
    result = _result(slug, indicator)
    assert result.value == Decimal(value)
    assert result.unit == unit
    assert result.baseline == (Decimal(baseline) if baseline else None)


def _goals(strategy_slug: str) -> list[StrategyGoal]:
    return list(
        db.session.scalars(
            select(StrategyGoal).join(Strategy).where(Strategy.slug == strategy_slug)
        )
    )


def test_rauma_has_one_main_goal_and_five_sub_goals_with_areas(app, ctx):
    goals = _goals("rauma-anskaffelsesstrategi-2020-2024")
    roots = [g for g in goals if g.parent_id is None]
    assert [g.kind for g in roots] == ["Hovedmål"]
    delmal = sorted(g.code for g in roots[0].children)
    assert delmal == [f"Delmål {n}" for n in range(1, 6)]
    assert all(g.children for g in roots[0].children)


def test_gjovikregionen_has_six_main_goals_and_a_vision(app, ctx):
    strategy = db.session.scalars(
        select(Strategy).where(
            Strategy.slug == "gjovikregionen-felles-anskaffelsesstrategi-2021-2024"
        )
    ).one()
    assert "grønne skiftet" in strategy.vision
    assert [g.code for g in strategy.root_goals] == [f"Hovedmål {n}" for n in range(1, 7)]


def test_lorenskog_has_three_focus_areas_and_measurable_targets(app, ctx):
    goals = _goals("lorenskog-anskaffelsesstrategi-2016-2020")
    assert sorted(g.code for g in goals if g.parent_id is None) == [
        f"Satsingsområde {n}" for n in range(1, 4)
    ]
    indicators = {i.name: i for g in goals for i in g.indicators}
    ehandel = next(i for name, i in indicators.items() if "e-handel" in name)
    assert ehandel.target == Decimal(60)
    assert ehandel.unit == "%"
    assert ehandel.target_date.isoformat() == "2017-12-31"
    courses = next(i for name, i in indicators.items() if "Kurs" in name)
    assert courses.target == Decimal(3)


def test_at_least_25_links_each_with_a_rationale(app, ctx):
    links = db.session.scalars(select(CaseGoalLink)).all()
    assert len(links) >= 25
    assert all(len(link.rationale) > 40 for link in links)
    assert len({link.goal.strategy_id for link in links}) == 3


def test_all_six_vocabularies_are_seeded(app, ctx):
    vocabularies = set(db.session.scalars(select(Term.vocabulary)))
    assert vocabularies == set(Vocabulary)
    factors = db.session.scalars(
        select(Term).where(Term.vocabulary == Vocabulary.SUCCESS_FACTOR)
    ).all()
    assert len(factors) == 5


def test_running_the_seed_again_creates_nothing(app, ctx):
    before = {m: _count(m) for m in (Case, Strategy, StrategyGoal, CaseGoalLink, Term, Indicator)}
    created = load_seed(Path(app.config["SEED_DIR"]))
    assert sum(created.values()) == 0
    assert before == {m: _count(m) for m in before}


def test_seed_command_reports_what_it_created(app, empty_database, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    fresh = make_app(empty_database, tmp_path)
    with fresh.app_context():
        upgrade()
    runner = fresh.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "18 cases" in first.output and "3 strategies" in first.output
    second = runner.invoke(args=["seed"])
    assert "nothing to do" in second.output


def test_an_inconsistent_seed_file_is_refused_and_stores_nothing(app, ctx, tmp_path):
    seed = Path(app.config["SEED_DIR"])
    broken = tmp_path / "seed"
    for name in ("taxonomies.yaml", "organizations.yaml"):
        (broken / name).parent.mkdir(parents=True, exist_ok=True)
        (broken / name).write_text((seed / name).read_text(encoding="utf-8"), encoding="utf-8")
    (broken / "cases").mkdir()
    (broken / "strategies").mkdir()
    (broken / "links.yaml").write_text("[]\n")
    (broken / "cases" / "x.yaml").write_text(
        "slug: x\ntitle: X\nsummary: S\nyear: 2024\norganizations: [finnes-ikke]\n"
    )
    runner = app.test_cli_runner()
    app.config["SEED_DIR"] = str(broken)
    result = runner.invoke(args=["seed"])
    assert result.exit_code != 0
    assert "finnes-ikke" in result.output
    assert db.session.scalars(select(Case).where(Case.slug == "x")).first() is None
    with pytest.raises(SeedError):
        load_seed(broken)
