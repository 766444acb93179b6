"""Strategy pages: the goal tree, actions, indicators, evidence and coverage."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.cases.models import CaseStatus
from portal.extensions import db
from portal.strategies.models import Strategy, StrategyStatus
from portal.strategies.queries import strategy_view


def _strategy(slug: str) -> Strategy:
    return db.session.scalars(select(Strategy).where(Strategy.slug == slug)).one()


def test_strategy_list_shows_the_three_adopted_strategies(client):
    html = client.get("/strategier/").get_data(as_text=True)
    for title in ("Rauma", "Gjøvikregionen", "Lørenskog"):
        assert title in html


def test_strategy_page_shows_tree_actions_indicators_and_coverage(app, client):
    with app.app_context():
        strategy = _strategy("lorenskog-anskaffelsesstrategi-2016-2020")
        view = strategy_view(strategy)
        strategy_id, levels = strategy.id, view.levels()
    html = client.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    # Each level counted and named as the strategy names it.
    (areas, areas_covered, areas_total), (measures, covered, total) = levels
    assert (areas, areas_total, measures, total) == ("Satsingsområde", 3, "Tiltaksområde", 7)
    assert (
        f"{areas_covered} av 3 satsingsområder og {covered} av 7 tiltaksområder har eksempler."
        in html
    )
    assert 0 < covered < total
    assert "Satsingsområde 1" in html
    assert "Vedtatt av Kommunestyret 22. juni 2016" in html
    assert "Andel varer og tjenester bestilt gjennom e-handel" in html
    assert "Mål 60 % innen 31. desember 2017 (høyere er bedre)." in html
    assert "Ingen eksempler ennå" in html
    assert "Sirkulas avtaleforvalter sparte 4,4 millioner" in html


def test_every_goal_has_an_anchor_the_case_page_links_to(client):
    html = client.get("/eksempler/sirkula-avtaleforvalter-sparte-4-4-millioner").get_data(
        as_text=True
    )
    targets = re.findall(r'href="(/strategier/\d+)#(mal-\d+)"', html)
    assert targets
    for path, anchor in targets:
        assert f'id="{anchor}"' in client.get(path).get_data(as_text=True)


def test_links_to_unpublished_cases_are_not_shown(app, client, factory):
    with factory.committing() as f:
        strategy = _strategy("rauma-anskaffelsesstrategi-2020-2024")
        before = strategy_view(strategy).goals_with_evidence
        hidden = f.case(status=CaseStatus.SUBMITTED, title="Innsendt og upublisert")
        f.link(hidden, strategy.goals[-1])
        strategy_id = strategy.id
    html = client.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "Innsendt og upublisert" not in html
    with app.app_context():
        assert (
            strategy_view(_strategy("rauma-anskaffelsesstrategi-2020-2024")).goals_with_evidence
            == before
        )


def test_draft_strategies_are_hidden(client, factory):
    with factory.committing() as f:
        draft_id = f.strategy(status=StrategyStatus.DRAFT, title="Utkast til strategi").id
    assert client.get(f"/strategier/{draft_id}").status_code == 404
    assert "Utkast til strategi" not in client.get("/strategier/").get_data(as_text=True)


def test_case_page_does_not_cite_draft_strategies(client, factory):
    with factory.committing() as f:
        case = f.case()
        draft = f.strategy(status=StrategyStatus.DRAFT, title="Hemmelig utkast")
        f.link(case, f.goal(draft))
        slug = case.slug
    html = client.get(f"/eksempler/{slug}").get_data(as_text=True)
    assert "Hemmelig utkast" not in html
    assert "Ingen strategi viser til dette eksemplet ennå." in html


def test_a_strategy_without_a_recorded_adoption_says_so(app, client):
    with app.app_context():
        strategy = _strategy("rauma-anskaffelsesstrategi-2020-2024")
        strategy_id, levels = strategy.id, strategy_view(strategy).levels()
    html = client.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "Publisert, vedtak ikke oppgitt" in html
    assert "Dokumentet sier ikke at strategien er vedtatt, eller av hvem." in html
    assert "signert av kommunedirektør" in html
    assert "Vedtatt av" not in html
    # One hovedmål is not counted; delmål and områder are, each by its own name.
    counts = {kind: (covered, total) for kind, covered, total in levels}
    delmal, omrader = counts["Delmål"], counts["Område"]
    assert (delmal[1], omrader[1]) == (5, 18)
    assert f"{delmal[0]} av 5 delmål og {omrader[0]} av 18 områder har eksempler." in html
    assert "Status ukjent" in html  # what became of the measures is not in the document
