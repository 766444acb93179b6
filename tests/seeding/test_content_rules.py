"""The seed content keeps the rules that make it quotable: every case and figure has a source,
no date is more precise than its source, and every goal, area and measure of the three
strategies is in the bank (counted from the source documents).

Where the source documents themselves are at hand (`SEED_SOURCES`, by default the folder
`../shared/seeds` beside the repository), every figure of a result is also looked up in the
DFØ note; without them that one test is skipped, as there is nothing to compare with.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.cases.models import Case
from portal.dates import is_span_start
from portal.extensions import db
from portal.strategies.models import (
    Action,
    ActionStatus,
    Strategy,
    StrategyGoal,
    StrategyStatus,
)

RAUMA = "rauma-anskaffelsesstrategi-2020-2024"
GJOVIK = "gjovikregionen-felles-anskaffelsesstrategi-2021-2024"
LORENSKOG = "lorenskog-anskaffelsesstrategi-2016-2020"

# Area → the number of measures ("Hvordan oppnå dette") the source lists under it.
RAUMA_AREAS = {
    "Organisering": 6,
    "Digitale anskaffelsesprosesser": 4,
    "Effektiv gjennomføring av anskaffelser": 7,
    "Operative innkjøp": 4,
    "Enkeltanskaffelser under nasjonal terskelverdi": 5,
    "Enkeltanskaffelser over nasjonal terskelverdi": 6,
    "Anskaffelser over EØS-terskelverdi": 5,
    "Oppdeling av anskaffelser": 1,
    "Oppfølging av avtaler": 4,
    "Avtalelojalitet": 4,
    "eHandel": 5,
    "Økt brukerinvolvering i rammeavtaler": 5,
    "Markedsdialog og konkurranse": 2,
    "Innovative anskaffelser": 2,
    "Samfunnsansvar": 0,
    "Sosiale forhold": 3,
    "Klima og miljø": 6,
    "Økonomi": 4,
}
LORENSKOG_AREAS = {
    "Effektive og riktige anskaffelsesprosesser": 6,
    "Kvalitet og kompetanse": 6,
    "Elektroniske løsninger – digitalisering": 3,
    "Samfunnsansvar – sosialt ansvar": 4,
    "Samfunnsansvar – miljø": 6,
    "Innovasjon": 4,
    "Kontraktsadministrasjonsverktøy (KAV)": 3,
}
LORENSKOG_STRATEGIC_MOVES = {"Satsingsområde 1": 6, "Satsingsområde 2": 4, "Satsingsområde 3": 3}


def _strategy(slug: str) -> Strategy:
    return db.session.scalars(select(Strategy).where(Strategy.slug == slug)).one()


def _goals(slug: str) -> list[StrategyGoal]:
    return list(_strategy(slug).goals)


def test_every_case_names_its_source_down_to_the_pages(app, ctx):
    for case in db.session.scalars(select(Case)):
        assert case.source, case.slug
        assert re.search(r"suksessfaktor \d.*s\. \d+", case.source), case.source


def test_every_figure_has_a_unit_and_a_source(app, ctx):
    results = [r for case in db.session.scalars(select(Case)) for r in case.results]
    assert len(results) >= 15
    for result in results:
        assert result.unit.strip(), result.indicator
        assert result.source and re.search(r"s\. \d+", result.source), result.indicator


def test_no_date_is_more_precise_than_its_source(app, ctx):
    results = [r for case in db.session.scalars(select(Case)) for r in case.results]
    dated = [r for r in results if r.measured_on]
    assert dated, "some results are dated"
    for result in dated:
        assert is_span_start(result.measured_on, result.measured_precision), result.indicator
    actions = db.session.scalars(select(Action).where(Action.deadline.is_not(None))).all()
    assert actions
    for action in actions:
        assert is_span_start(action.deadline, action.deadline_precision), action.title
    # The figures the review found dated to an invented day carry their source's precision.
    precision = {r.indicator: str(r.measured_precision) for r in dated}
    assert precision["Andel småordre (under 1000 kr)"] == "quarter"
    assert precision["Andel fakturaer med kontraktsnummer"] == "month"
    deadlines = {a.title: str(a.deadline_precision) for a in actions}
    assert deadlines["Ta i bruk elektronisk konkurransegjennomføringsverktøy (KGV)"] == "early"
    assert deadlines["Kjøpe et elektronisk kontraktsadministrasjonsverktøy"] == "summer"


def test_no_measure_claims_a_status_its_source_does_not_give(app, ctx):
    statuses = set(db.session.scalars(select(Action.status)))
    assert statuses == {ActionStatus.UNKNOWN}


def test_a_strategy_is_adopted_only_where_its_source_shows_it(app, ctx):
    assert _strategy(RAUMA).status is StrategyStatus.PUBLISHED
    assert _strategy(GJOVIK).status is StrategyStatus.PUBLISHED
    lorenskog = _strategy(LORENSKOG)
    assert lorenskog.status is StrategyStatus.ADOPTED
    assert (lorenskog.adopted_by, lorenskog.adopted_on.isoformat()) == ("Kommunestyret",
                                                                         "2016-06-22")  # fmt: skip
    for strategy in (_strategy(RAUMA), _strategy(GJOVIK), lorenskog):
        assert strategy.source and len(strategy.source) > 40


def test_rauma_has_every_area_and_measure_of_its_source(app, ctx):
    goals = _goals(RAUMA)
    assert sum(g.kind == "Delmål" for g in goals) == 5
    areas = {g.title: g for g in goals if g.kind == "Område"}
    assert set(areas) == set(RAUMA_AREAS)
    for title, measures in RAUMA_AREAS.items():
        assert len(areas[title].actions) >= measures, title
    delmal_2 = next(g for g in goals if g.code == "Delmål 2")
    assert len(delmal_2.children) == 10


def test_gjovikregionen_has_every_principle_of_its_main_goals(app, ctx):
    goals = {g.code: g.description for g in _goals(GJOVIK)}
    assert len(goals) == 6
    assert "langvarige avtaleforhold" in goals["Hovedmål 1"]
    assert "balanserte kontraktsmodeller" in goals["Hovedmål 2"]
    assert "felles standarder for miljøkrav" in goals["Hovedmål 4"]


def test_lorenskog_has_its_vision_moves_and_every_measure(app, ctx):
    strategy = _strategy(LORENSKOG)
    assert "sunn, grønn og mangfoldig" in strategy.vision
    goals = list(strategy.goals)
    areas = {g.title: g for g in goals if g.kind == "Tiltaksområde"}
    assert set(areas) == set(LORENSKOG_AREAS)
    for title, measures in LORENSKOG_AREAS.items():
        assert len(areas[title].actions) >= measures, title
    for code, moves in LORENSKOG_STRATEGIC_MOVES.items():
        description = next(g.description for g in goals if g.code == code)
        assert "Strategiske grep" in description
        assert description.count("\n- ") == moves, code


def _sources() -> Path | None:
    configured = os.environ.get("SEED_SOURCES")
    folder = Path(configured) if configured else Path(__file__).parents[3] / "shared" / "seeds"
    return folder if folder.is_dir() else None


# Figures the note gives in words rather than digits.
IN_WORDS = {
    Decimal(1): ("ett år",),
    Decimal(4): ("fire",),
    Decimal(10): ("tidel",),
    Decimal(-33): ("tredel",),
}


def _forms(value: Decimal) -> list[str]:
    """How the note may write a figure: 7,2 / 20 000 / 80 / in words."""
    plain = format(value.normalize(), "f")
    whole = plain.split(".")[0]
    forms = [plain.replace(".", ",")]
    if len(whole) > 3:
        forms.append(f"{int(whole):,}".replace(",", " "))
    return forms + list(IN_WORDS.get(value, ()))


def test_every_figure_of_a_result_is_in_the_dfo_note(app, ctx):
    folder = _sources()
    if folder is None:
        pytest.skip("the source documents are not beside the repository")
    note = next(p for p in folder.glob("*.txt") if "DFØ-notat 2025:01" in p.read_text()[:200])
    text = " ".join(note.read_text().split())
    for case in db.session.scalars(select(Case)):
        for result in case.results:
            for figure in (result.value, result.baseline):
                if figure is None:
                    continue
                assert any(form in text for form in _forms(figure)), (case.slug, figure)
