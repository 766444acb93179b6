"""The read-only JSON API: shapes, filters, visibility and errors."""

from __future__ import annotations

from sqlalchemy import select

from portal.cases.models import CaseStatus
from portal.extensions import db
from portal.strategies.models import Strategy, StrategyStatus

ASKER = "asker-mobellager-og-rammeavtale-for-brukte-mobler"


def test_case_list_shape_and_pagination(client):
    body = client.get("/api/v1/cases?per_page=5&page=2").get_json()
    assert body["total"] == 18
    assert body["page"] == 2 and body["per_page"] == 5
    assert len(body["items"]) == 5
    item = body["items"][0]
    for key in ("slug", "title", "summary", "year", "organizations", "categories", "goals", "url"):
        assert key in item
    assert item["organizations"][0]["name"]
    assert {"slug", "label"} <= set(item["categories"][0])
    assert item["url"].startswith("http://localhost/eksempler/")


def test_case_list_filters_like_the_page(client):
    body = client.get("/api/v1/cases?category=mobler&goal=klima-og-miljo").get_json()
    assert [item["slug"] for item in body["items"]] == [ASKER]
    body = client.get("/api/v1/cases?organization=bergen-kommune&year=2019").get_json()
    assert body["total"] == 1


def test_case_detail_has_sections_results_and_supports(client):
    body = client.get(f"/api/v1/cases/{ASKER}").get_json()
    assert "Loopfront" in body["sections"]["what_was_done"]
    values = {r["indicator"]: (r["value"], r["unit"]) for r in body["results"]}
    assert values["Spart CO2"] == ("40.6000", "tonn")
    assert len(body["supports"]) == 3
    support = body["supports"][0]
    assert {"strategy_id", "goal_id", "code", "title", "rationale"} <= set(support)
    assert body["contact"] is None


def test_strategies_list_and_tree(client):
    body = client.get("/api/v1/strategies").get_json()
    assert body["total"] == 3
    rauma = next(s for s in body["items"] if "Rauma" in s["title"])
    assert rauma["organization"] == "Rauma kommune"
    assert (rauma["period_from"], rauma["period_to"]) == (2020, 2024)
    detail = client.get(f"/api/v1/strategies/{rauma['id']}").get_json()
    (main_goal,) = detail["goals"]
    assert [g["code"] for g in main_goal["children"]] == [f"Delmål {n}" for n in range(1, 6)]
    linked = [
        case
        for delmal in main_goal["children"]
        for node in [delmal, *delmal["children"]]
        for case in node["linked_cases"]
    ]
    assert linked and {"slug", "title", "rationale"} <= set(linked[0])
    # Coverage counts the most concrete goals: the leaves of the tree.
    leaves = [node for delmal in main_goal["children"] for node in (delmal["children"] or [delmal])]
    assert detail["coverage"]["goals_total"] == len(leaves)
    covered = [node for node in leaves if node["linked_cases"]]
    assert detail["coverage"]["goals_with_evidence"] == len(covered) > 0


def test_taxonomies(client):
    body = client.get("/api/v1/taxonomies").get_json()
    assert set(body) == {
        "category", "goal", "success_factor", "incentive", "procedure", "contract_form",
    }  # fmt: skip
    assert any(t["slug"] == "bonus-malus" for t in body["incentive"])


def test_unpublished_content_never_reaches_the_api(client, factory):
    with factory.committing() as f:
        for status in CaseStatus:
            if status is not CaseStatus.PUBLISHED:
                f.case(status=status, slug=f"skjult-{status}")
        draft_id = f.strategy(status=StrategyStatus.DRAFT).id
    body = client.get("/api/v1/cases?per_page=100").get_json()
    assert body["total"] == 18
    assert not [i for i in body["items"] if i["slug"].startswith("skjult")]
    assert client.get("/api/v1/cases/skjult-draft").status_code == 404
    assert client.get(f"/api/v1/strategies/{draft_id}").status_code == 404
    assert client.get("/api/v1/strategies").get_json()["total"] == 3


def test_errors_are_json_with_a_message(client):
    for url, code in [
        ("/api/v1/cases/finnes-ikke", 404),
        ("/api/v1/finnes-ikke", 404),
        ("/api/v1/cases?page=0", 422),
        ("/api/v1/cases?per_page=1000", 422),
        ("/api/v1/cases?year=abc", 422),
        ("/api/v1/strategies/999999", 404),
    ]:
        response = client.get(url)
        assert response.status_code == code, url
        assert response.is_json
        assert response.get_json()["message"]


def test_api_errors_are_english_with_field_messages_whatever_the_interface_language(client):
    client.set_cookie("sprak", "nb")
    missing = client.get("/api/v1/cases/finnes-ikke").get_json()
    assert missing == {
        "code": 404,
        "status": "Not Found",
        "message": "We could not find the page you asked for.",
    }
    invalid = client.get("/api/v1/cases?per_page=1000&year=abc").get_json()
    assert invalid["code"] == 422
    assert invalid["message"] == "Some of the request's parameters are not valid; see errors."
    assert set(invalid["errors"]["query"]) == {"per_page", "year"}
    assert invalid["errors"]["query"]["per_page"] == [
        "Must be greater than or equal to 1 and less than or equal to 100."
    ]


def test_openapi_document_describes_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{slug}",
        "/api/v1/strategies",
        "/api/v1/strategies/{strategy_id}",
        "/api/v1/taxonomies",
    ):
        assert path in spec["paths"]


def test_api_does_not_require_csrf_or_cookies(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_strategy_ids_in_the_api_match_the_pages(app, client):
    with app.app_context():
        strategy = db.session.scalars(select(Strategy)).first()
        strategy_id, title = strategy.id, strategy.title
    assert client.get(f"/strategier/{strategy_id}").status_code == 200
    assert client.get(f"/api/v1/strategies/{strategy_id}").get_json()["title"] == title
