"""Strategy authors build a strategy through the pages: details, goal tree, actions, indicators."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.strategies.models import Action, Indicator, Strategy, StrategyGoal, StrategyStatus
from tests.web import csrf_token, login, make_user


def _post(client, path: str, data: dict, *, token_from: str | None = None, prefix: str = ""):
    html = client.get(token_from or path).get_data(as_text=True)
    return client.post(path, data={f"{prefix}csrf_token": csrf_token(html, f"{prefix}csrf_token"),
                                   **data})  # fmt: skip


def _create(author, **overrides) -> int:
    data = {"title": "Anskaffelsesstrategi for Asker", "period_from": "2025",
            "period_to": "2028", "status": "draft", "vision": "Anskaffelser som virker."}  # fmt: skip
    response = _post(author, "/strategier/ny", {**data, **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/strategier/(\d+)/rediger", response.location).group(1))


def _add_goal(author, strategy_id: int, title: str, under: int | None = None, **extra) -> int:
    data = {"kind": "Delmål" if under else "Hovedmål", "title": title,
            "parent": str(under or ""), **extra}  # fmt: skip
    response = _post(author, f"/strategier/{strategy_id}/mal/ny", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def _children(app, goal_id: int | None, strategy_id: int) -> list[str]:
    with app.app_context():
        goals = db.session.scalars(
            select(StrategyGoal)
            .where(StrategyGoal.strategy_id == strategy_id, StrategyGoal.parent_id == goal_id)
            .order_by(StrategyGoal.position)
        )
        return [goal.title for goal in goals]


def test_author_creates_a_draft_that_only_their_organisation_sees(app, author, client):
    strategy_id = _create(author)
    page = author.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "Anskaffelsesstrategi for Asker" in page
    assert "Utkast" in page
    assert "Anskaffelsesstrategi for Asker" in author.get("/strategier/").get_data(as_text=True)
    # Not to anyone else: anonymous visitors, the API, another organisation's author.
    assert client.get(f"/strategier/{strategy_id}").status_code == 404
    assert client.get(f"/api/v1/strategies/{strategy_id}").status_code == 404
    assert client.get(f"/strategier/{strategy_id}/eksport.docx").status_code == 404
    assert "Anskaffelsesstrategi for Asker" not in client.get("/strategier/").get_data(as_text=True)
    listed = client.get("/api/v1/strategies").get_json()["items"]
    assert strategy_id not in [item["id"] for item in listed]
    make_user(app, "strategi@rauma.kommune.no", {Role.STRATEGY_AUTHOR}, "rauma-kommune")
    other = app.test_client()
    login(other, "strategi@rauma.kommune.no")
    assert other.get(f"/strategier/{strategy_id}").status_code == 404
    assert other.get(f"/strategier/{strategy_id}/rediger").status_code == 404
    assert author.get(f"/api/v1/strategies/{strategy_id}").get_json()["status"] == "draft"


def test_a_validation_error_keeps_everything_typed(author):
    response = _post(author, "/strategier/ny", {
        "title": "Strategi med feil", "period_from": "2028", "period_to": "2025",
        "status": "adopted", "vision": "En visjon som ikke skal gå tapt.", "adopted_by": "",
    })  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Perioden kan ikke slutte før den begynner." in html
    assert "Oppgi datoen strategien ble vedtatt." in html
    assert "Strategi med feil" in html and "En visjon som ikke skal gå tapt." in html
    assert 'value="2028"' in html
    with author.application.app_context():
        assert (
            db.session.scalar(select(Strategy).where(Strategy.title == "Strategi med feil")) is None
        )


def test_an_expired_form_token_shows_the_text_again(author):
    response = author.post("/strategier/ny", data={
        "csrf_token": "utløpt", "title": "Tittel som ikke skal forsvinne",
        "period_from": "2025", "period_to": "2028", "status": "draft",
    })  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Skjemaet er utløpt" in html
    assert "Tittel som ikke skal forsvinne" in html


def test_adopting_needs_date_and_body_and_makes_it_public(author, client):
    strategy_id = _create(author)
    path = f"/strategier/{strategy_id}/rediger"
    response = _post(author, path, {"title": "Anskaffelsesstrategi for Asker",
                                    "period_from": "2025", "period_to": "2028",
                                    "status": "adopted", "adopted_on": "2025-03-12",
                                    "adopted_by": "Kommunestyret"})  # fmt: skip
    assert response.status_code == 302
    html = client.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "Vedtatt av Kommunestyret 12. mars 2025" in html
    assert client.get(f"/api/v1/strategies/{strategy_id}").get_json()["adopted_on"] == "2025-03-12"


def test_goal_tree_is_built_reordered_and_restructured(app, author):
    strategy_id = _create(author)
    main = _add_goal(author, strategy_id, "Anskaffelser gir bedre tjenester")
    first = _add_goal(author, strategy_id, "Mer gjenbruk", under=main, code="Delmål 1")
    second = _add_goal(author, strategy_id, "Flere innovative anskaffelser", under=main)
    assert _children(app, main, strategy_id) == ["Mer gjenbruk", "Flere innovative anskaffelser"]

    edit_page = f"/strategier/{strategy_id}/rediger"
    response = _post(author, f"/strategier/{strategy_id}/mal/{second}/flytt", {"retning": "opp"},
                     token_from=edit_page)  # fmt: skip
    assert response.status_code == 302
    assert _children(app, main, strategy_id) == ["Flere innovative anskaffelser", "Mer gjenbruk"]

    # Restructure: the sub-goal becomes a main goal of its own.
    response = _post(author, f"/strategier/{strategy_id}/mal/{first}",
                     {"kind": "Hovedmål", "title": "Mer gjenbruk", "parent": ""})  # fmt: skip
    assert response.status_code == 302
    assert _children(app, None, strategy_id) == ["Anskaffelser gir bedre tjenester", "Mer gjenbruk"]
    assert _children(app, main, strategy_id) == ["Flere innovative anskaffelser"]

    # A goal cannot go under its own sub-goal; the refusal changes nothing.
    response = _post(author, f"/strategier/{strategy_id}/mal/{main}",
                     {"kind": "Hovedmål", "title": "Nytt navn", "parent": str(second)})  # fmt: skip
    assert response.status_code == 400
    assert _children(app, None, strategy_id)[0] == "Anskaffelser gir bedre tjenester"


def test_a_goal_cannot_be_placed_under_its_own_descendant(app, author):
    strategy_id = _create(author)
    main = _add_goal(author, strategy_id, "Hovedmålet")
    sub = _add_goal(author, strategy_id, "Delmålet", under=main)
    response = _post(author, f"/strategier/{strategy_id}/mal/{main}",
                     {"kind": "Hovedmål", "title": "Endret tittel", "parent": ""})  # fmt: skip
    assert response.status_code == 302
    html = author.get(f"/strategier/{strategy_id}/mal/{main}").get_data(as_text=True)
    # The goal itself and its sub-goal are not offered as its parent.
    options = re.findall(
        r'<option[^>]*value="(\d*)"', html.split('id="parent"')[1].split("</select>")[0]
    )
    assert str(main) not in options and str(sub) not in options
    forced = _post(author, f"/strategier/{strategy_id}/mal/{main}",
                   {"kind": "Hovedmål", "title": "Under seg selv", "parent": str(sub)})  # fmt: skip
    assert forced.status_code == 400
    assert _children(app, None, strategy_id) == ["Endret tittel"]


def test_actions_and_indicators_with_measurements(app, author):
    strategy_id = _create(author)
    goal = _add_goal(author, strategy_id, "Mer e-handel")
    goal_page = f"/strategier/{strategy_id}/mal/{goal}"
    response = _post(author, f"{goal_page}/tiltak", {
        "action-title": "Innføre e-handel i alle rammeavtaler", "action-responsible": "Innkjøp",
        "action-deadline": "2026-06-30", "action-status": "ongoing",
    }, token_from=goal_page, prefix="action-")  # fmt: skip
    assert response.status_code == 302
    # A bad indicator keeps what was typed and says what is wrong, in Norwegian.
    bad = _post(author, f"{goal_page}/indikatorer", {
        "indicator-name": "Andel e-handel", "indicator-unit": "%", "indicator-target": "seksti",
    }, token_from=goal_page, prefix="indicator-")  # fmt: skip
    assert bad.status_code == 400
    assert "Andel e-handel" in bad.get_data(as_text=True)
    response = _post(author, f"{goal_page}/indikatorer", {
        "indicator-name": "Andel e-handel", "indicator-unit": "%", "indicator-baseline": "20",
        "indicator-target": "60", "indicator-target_date": "2027-12-31",
        "indicator-direction": "higher",
    }, token_from=goal_page, prefix="indicator-")  # fmt: skip
    assert response.status_code == 302
    indicator_page = response.location
    for day, value in (("2025-12-31", "30"), ("2026-06-30", "42,5")):
        response = _post(author, f"{indicator_page}/malinger",
                         {"measurement-measured_on": day, "measurement-value": value},
                         token_from=indicator_page, prefix="measurement-")  # fmt: skip
        assert response.status_code == 302
    duplicate = _post(author, f"{indicator_page}/malinger",
                      {"measurement-measured_on": "2026-06-30", "measurement-value": "50"},
                      token_from=indicator_page, prefix="measurement-")  # fmt: skip
    assert duplicate.status_code == 400
    assert "Det finnes allerede en måling for denne datoen." in duplicate.get_data(as_text=True)
    with app.app_context():
        indicator = db.session.scalars(
            select(Indicator).where(Indicator.name == "Andel e-handel")
        ).one()
        assert [m.value for m in indicator.measurements] == [Decimal("30"), Decimal("42.5")]
    page = author.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "Innføre e-handel i alle rammeavtaler" in page and "Pågår" in page
    assert "<svg" in page and "<polyline" in page
    assert "Siste måling 42,5 % den 30. juni 2026." in page
    assert "56 prosent av veien fra utgangspunktet til målet." in page


def test_a_deadline_is_as_precise_as_the_plan_says(app, author):
    strategy_id = _create(author)
    goal = _add_goal(author, strategy_id, "Avtaleoppfølging")
    goal_page = f"/strategier/{strategy_id}/mal/{goal}"
    response = _post(author, f"{goal_page}/tiltak", {
        "action-title": "Kjøpe et kontraktsadministrasjonsverktøy",
        "action-deadline": "2027-07-15", "action-deadline_precision": "summer",
        "action-status": "planned",
    }, token_from=goal_page, prefix="action-")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalars(
            select(Action).where(Action.title == "Kjøpe et kontraktsadministrasjonsverktøy")
        ).one()
        assert action.deadline.isoformat() == "2027-06-01"  # the summer, not the 15 July
    page = author.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "frist sommeren 2027" in page
    assert "15. juli 2027" not in page


def test_author_cannot_edit_another_organisations_strategy(app, author):
    with app.app_context():
        rauma = db.session.scalars(select(Strategy).where(Strategy.slug.like("rauma%"))).one()
        rauma_id, goal_id = rauma.id, rauma.goals[0].id
    assert author.get(f"/strategier/{rauma_id}").status_code == 200  # adopted: public
    assert author.get(f"/strategier/{rauma_id}/rediger").status_code == 403
    assert author.get(f"/strategier/{rauma_id}/mal/{goal_id}").status_code == 403
    assert author.get(f"/strategier/{rauma_id}/mal/{goal_id}/eksempler").status_code == 403
    token = csrf_token(author.get("/strategier/ny").get_data(as_text=True))
    response = author.post(f"/strategier/{rauma_id}/mal/{goal_id}/slett",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 403


def test_contributors_and_visitors_cannot_author_strategies(app, client):
    make_user(app, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    contributor = app.test_client()
    login(contributor, "bidrag@asker.kommune.no")
    assert contributor.get("/strategier/ny").status_code == 403
    assert contributor.get("/mine-strategier/").status_code == 403
    assert client.get("/strategier/ny").status_code == 302  # to the login page


def test_deleting_a_goal_asks_first_and_keeps_the_cases(app, author):
    strategy_id = _create(author)
    goal = _add_goal(author, strategy_id, "Et mål som skal bort")
    confirm = author.get(f"/strategier/{strategy_id}/mal/{goal}/slett").get_data(as_text=True)
    assert "Slette «Et mål som skal bort»?" in confirm
    assert "Selve eksemplene blir liggende i banken." in confirm
    response = _post(author, f"/strategier/{strategy_id}/mal/{goal}/slett", {})
    assert response.status_code == 302
    assert _children(app, None, strategy_id) == []


def test_adopted_strategies_cannot_be_deleted_but_drafts_can(app, author):
    strategy_id = _create(author)
    response = _post(author, f"/strategier/{strategy_id}/slett", {})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Strategy, strategy_id) is None
    adopted = _create(author, status="adopted", adopted_on="2025-01-01", adopted_by="Bystyret")
    response = _post(author, f"/strategier/{adopted}/slett", {}, token_from="/strategier/ny")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Strategy, adopted).status is StrategyStatus.ADOPTED
