"""Linking cases to goals as evidence, coverage, and the exports (print, .docx, API)."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case, CaseStatus
from portal.extensions import db
from portal.strategies import evidence
from portal.strategies.models import CaseGoalLink, Strategy, StrategyGoal
from tests.strategies.conftest import AUTHOR
from tests.strategies.test_authoring import _add_goal, _create, _post
from tests.web import csrf_token, login, make_user

SIRKULA = "sirkula-avtaleforvalter-sparte-4-4-millioner"
SIS = "statens-innkjopssenter-smaordregebyr-for-forbruksmateriell"


def _case_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Case.id).where(Case.slug == slug))


def _link(author, strategy_id: int, goal_id: int, slug: str, rationale: str, case_id: int):
    page = f"/strategier/{strategy_id}/mal/{goal_id}/eksempler"
    # Any form's token will do: Flask-WTF signs one token per session.
    token = csrf_token(author.get(page).get_data(as_text=True))
    return author.post(f"{page}/{slug}", data={f"case-{case_id}-csrf_token": token,
                                               f"case-{case_id}-rationale": rationale})  # fmt: skip


@pytest.fixture
def plan(app, author):
    """A draft strategy with a main goal about reuse and a sub-goal about contract follow-up."""
    strategy_id = _create(author, title="Strategi for sirkulære anskaffelser")
    reuse = _add_goal(
        author,
        strategy_id,
        "Mer ombruk av møbler og utstyr",
        description="Kommunen skal kjøpe brukte møbler og reparere det vi har.",
    )
    follow_up = _add_goal(
        author,
        strategy_id,
        "Bedre kontraktsoppfølging",
        under=reuse,
        description="Avtaleforvalter følger opp rammeavtalene og gevinstene.",
    )
    return strategy_id, reuse, follow_up  # fmt: skip


def test_suggestions_come_from_the_goals_own_text(app, author, plan):
    strategy_id, reuse, follow_up = plan
    html = author.get(f"/strategier/{strategy_id}/mal/{reuse}/eksempler").get_data(as_text=True)
    suggested = html.split('id="forslag"')[1].split('id="sok"')[0]
    titles = re.findall(r'class="card-title"[^>]*><a href="/eksempler/([^"]+)"', suggested)
    assert titles, "a goal about reusing furniture must get suggestions"
    with app.app_context():
        first = db.session.scalars(select(Case).where(Case.slug == titles[0])).one()
        text = f"{first.title} {first.summary} {first.what_was_done}".lower()
    assert "møbel" in text or "ombruk" in text or "gjenbruk" in text


def test_linking_needs_a_rationale_and_records_who_and_when(app, author, plan, client):
    strategy_id, reuse, follow_up = plan
    case_id = _case_id(app, SIRKULA)
    empty = _link(author, strategy_id, follow_up, SIRKULA, "  ", case_id)
    assert empty.status_code == 400
    assert "Skriv hvorfor dette eksemplet støtter målet." in empty.get_data(as_text=True)
    response = _link(author, strategy_id, follow_up, SIRKULA,
                     "Viser hva en avtaleforvalter kan spare.", case_id)  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        link = db.session.scalars(
            select(CaseGoalLink).where(CaseGoalLink.goal_id == follow_up)
        ).one()
        assert link.author.email == AUTHOR
        assert link.created_at is not None
    page = author.get(f"/strategier/{strategy_id}/mal/{follow_up}/eksempler").get_data(as_text=True)
    assert f"Koblet av {AUTHOR}" in page
    # Twice is refused, and says so.
    again = _link(author, strategy_id, follow_up, SIRKULA, "Igjen.", case_id)
    assert again.status_code == 400
    assert "allerede koblet" in again.get_data(as_text=True)
    # The draft's link is not shown on the public case page…
    assert "Strategi for sirkulære anskaffelser" not in client.get(
        f"/eksempler/{SIRKULA}"
    ).get_data(as_text=True)
    # …but is to the author's organisation.
    assert "Strategi for sirkulære anskaffelser" in author.get(f"/eksempler/{SIRKULA}").get_data(
        as_text=True
    )


def test_editing_and_removing_a_link(app, author, plan):
    strategy_id, reuse, follow_up = plan
    case_id = _case_id(app, SIRKULA)
    _link(author, strategy_id, reuse, SIRKULA, "Første begrunnelse.", case_id)
    with app.app_context():
        link_id = db.session.scalar(select(CaseGoalLink.id).where(CaseGoalLink.goal_id == reuse))
    page = f"/strategier/{strategy_id}/mal/{reuse}/eksempler"
    blank = _post(author, f"/strategier/{strategy_id}/koblinger/{link_id}",
                  {f"link-{link_id}-rationale": ""}, token_from=page, prefix=f"link-{link_id}-")  # fmt: skip
    assert blank.status_code == 400
    response = _post(author, f"/strategier/{strategy_id}/koblinger/{link_id}",
                     {f"link-{link_id}-rationale": "Bedre begrunnelse."}, token_from=page,
                     prefix=f"link-{link_id}-")  # fmt: skip
    assert response.status_code == 302
    assert "Bedre begrunnelse." in author.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    evidence_page = author.get(page).get_data(as_text=True)
    assert f"begrunnelsen endret av {AUTHOR}" in evidence_page
    response = _post(author, f"/strategier/{strategy_id}/koblinger/{link_id}/slett", {},
                     token_from=page)  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CaseGoalLink, link_id) is None
        assert db.session.get(Case, case_id) is not None


def test_unpublished_cases_cannot_be_linked(app, author, plan, factory):
    strategy_id, reuse, _ = plan
    with factory.committing():
        draft = factory.case(status=CaseStatus.DRAFT, title="Et hemmelig utkast")
        slug = draft.slug
    token = csrf_token(author.get(f"/strategier/{strategy_id}/mal/{reuse}/eksempler").get_data(
        as_text=True))  # fmt: skip
    response = author.post(f"/strategier/{strategy_id}/mal/{reuse}/eksempler/{slug}",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 404


def test_author_links_from_a_case_page(app, author, plan):
    strategy_id, reuse, follow_up = plan
    case_page = author.get(f"/eksempler/{SIRKULA}").get_data(as_text=True)
    assert f'href="/eksempler/{SIRKULA}/koble"' in case_page
    form_page = author.get(f"/eksempler/{SIRKULA}/koble").get_data(as_text=True)
    assert "Strategi for sirkulære anskaffelser" in form_page  # the optgroup
    assert "Rauma" not in form_page.split('id="goal"')[1].split("</select>")[0]
    response = _post(author, f"/eksempler/{SIRKULA}/koble",
                     {"goal": str(follow_up), "rationale": "Avtaleforvaltning lønner seg."})  # fmt: skip
    assert response.status_code == 302
    assert response.location.endswith(f"/eksempler/{SIRKULA}#strategier")
    # A goal of another organisation's strategy is not a valid choice.
    with app.app_context():
        rauma_goal = (
            db.session.scalars(
                select(StrategyGoal).join(Strategy).where(Strategy.slug.like("rauma%"))
            )
            .first()
            .id
        )
    forged = _post(author, f"/eksempler/{SIRKULA}/koble",
                   {"goal": str(rauma_goal), "rationale": "Lurt."})  # fmt: skip
    assert forged.status_code == 400
    with app.app_context():
        assert not db.session.scalar(select(CaseGoalLink).where(CaseGoalLink.goal_id == rauma_goal,
                                                                CaseGoalLink.rationale == "Lurt."))  # fmt: skip


def test_case_page_offers_linking_only_to_strategy_authors(app, client):
    make_user(app, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    contributor = app.test_client()
    login(contributor, "bidrag@asker.kommune.no")
    for someone in (client, contributor):
        assert "/koble" not in someone.get(f"/eksempler/{SIRKULA}").get_data(as_text=True)
    assert contributor.get(f"/eksempler/{SIRKULA}/koble").status_code == 403


def test_coverage_counts_sub_goals_and_flags_those_without_evidence(app, author, plan):
    strategy_id, reuse, follow_up = plan
    waste = _add_goal(author, strategy_id, "Mindre avfall fra byggeplasser", under=reuse)
    _link(author, strategy_id, follow_up, SIRKULA, "Avtaleforvaltning.", _case_id(app, SIRKULA))
    html = author.get(f"/strategier/{strategy_id}").get_data(as_text=True)
    assert "1 av 2 delmål har eksempler." in html
    coverage = html.split('class="coverage-list"')[1].split("</ul>")[0]
    assert coverage.count("Ingen eksempler ennå") == 1
    assert "1 eksempel i delmålene" in coverage  # the main goal, covered through its sub-goal
    assert re.search(rf'class="goal depth-1 without-evidence" id="mal-{waste}"', html)
    assert re.search(rf'class="goal depth-0" id="mal-{reuse}"', html)
    assert "Eksemplene er koblet til delmålene nedenfor." in html
    api = author.get(f"/api/v1/strategies/{strategy_id}").get_json()
    assert api["coverage"] == {"goals_total": 2, "goals_with_evidence": 1}


def _indicator_measured_at_80(author, goal_page: str) -> None:
    """Avtalelojalitet: from 70 % toward 90 %, measured at 80 % on 31 January 2026."""
    response = _post(author, f"{goal_page}/indikatorer", {
        "indicator-name": "Avtalelojalitet", "indicator-unit": "%", "indicator-baseline": "70",
        "indicator-target": "90", "indicator-direction": "higher"},
        token_from=goal_page, prefix="indicator-")  # fmt: skip
    _post(author, f"{response.location}/malinger",
          {"measurement-measured_on": "2026-01-31", "measurement-value": "80"},
          token_from=response.location, prefix="measurement-")  # fmt: skip


def test_docx_export_carries_goals_actions_indicators_and_evidence(app, author, plan):
    strategy_id, reuse, follow_up = plan
    _link(author, strategy_id, follow_up, SIRKULA, "Viser gevinsten av avtaleforvaltning.",
          _case_id(app, SIRKULA))  # fmt: skip
    goal_page = f"/strategier/{strategy_id}/mal/{follow_up}"
    _post(author, f"{goal_page}/tiltak", {"action-title": "Ansette en avtaleforvalter",
                                          "action-responsible": "Innkjøpsavdelingen",
                                          "action-status": "planned"},
          token_from=goal_page, prefix="action-")  # fmt: skip
    _indicator_measured_at_80(author, goal_page)

    download = author.get(f"/strategier/{strategy_id}/eksport.docx")
    assert download.status_code == 200
    assert download.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"  # a draft
    document = Document(io.BytesIO(download.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert document.paragraphs[0].text == "Strategi for sirkulære anskaffelser"
    assert "1 av 1 delmål har eksempler." in text
    assert "Delmål: Bedre kontraktsoppfølging" in text
    assert "Ansette en avtaleforvalter" in cells and "Innkjøpsavdelingen" in cells
    assert "Avtalelojalitet" in cells and "80 % (31. januar 2026)" in cells
    assert "Begrunnelse: Viser gevinsten av avtaleforvaltning." in text
    assert "4,4" in text  # Sirkula's key result
    hyperlinks = [rel.target_ref for rel in document.part.rels.values() if rel.is_external]
    assert any(ref.endswith(f"/eksempler/{SIRKULA}") for ref in hyperlinks)


def test_print_page_shows_key_results_and_links(app, author, plan):
    strategy_id, _, follow_up = plan
    _link(author, strategy_id, follow_up, SIRKULA, "Se resultatene.", _case_id(app, SIRKULA))
    html = author.get(f"/strategier/{strategy_id}/utskrift").get_data(as_text=True)
    assert "Denne siden er laget for utskrift." in html
    assert f"http://localhost/eksempler/{SIRKULA}" in html
    assert 'class="key-results"' in html
    assert "Rediger målet" not in html


def test_api_carries_coverage_key_results_and_latest_measurement(app, client):
    with app.app_context():
        strategy = db.session.scalars(
            select(Strategy).where(Strategy.slug.like("lorenskog%"))
        ).one()
        strategy_id = strategy.id
    body = client.get(f"/api/v1/strategies/{strategy_id}").get_json()
    assert set(body["coverage"]) == {"goals_total", "goals_with_evidence"}
    assert body["coverage"]["goals_total"] == 7  # the seven tiltaksområder
    linked = [case for goal in body["goals"] for child in goal["children"]
              for case in child["linked_cases"]]  # fmt: skip
    assert linked and all(case["url"].startswith("http://localhost/eksempler/") for case in linked)
    assert any(case["key_results"] for case in linked)
    indicators = [i for goal in body["goals"] for child in goal["children"]
                  for i in child["indicators"]]  # fmt: skip
    assert {i["name"] for i in indicators} >= {"Andel varer og tjenester bestilt gjennom e-handel"}
    assert all("latest" in i and "progress" in i for i in indicators)


def test_linkable_goals_are_only_the_authors_own(app, author, plan):
    strategy_id, reuse, follow_up = plan
    with app.app_context():
        from portal.accounts.models import User

        user = db.session.scalars(select(User).where(User.email == AUTHOR)).one()
        goals = evidence.linkable_goals(user)
        assert [g.id for g in goals] == [reuse, follow_up]


def test_the_word_document_follows_the_interface_language(app, client):
    with app.app_context():
        strategy_id = db.session.scalar(select(Strategy.id).where(Strategy.slug.like("rauma%")))
    client.set_cookie("sprak", "en")
    response = client.get(f"/strategier/{strategy_id}/eksport.docx")
    document = Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Goals" in headings and "Evidence coverage" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert re.search(r"\d+ of 5 delmål and \d+ of 18 områder have supporting cases\.", text)
    assert "no-store" not in response.headers.get("Cache-Control", "")  # adopted: public


def _docx_lang(document) -> str:
    from docx.oxml.ns import qn

    return (
        document.styles.element.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr"))
        .find(qn("w:lang"))
        .get(qn("w:val"))
    )


def test_the_word_document_is_a4_in_the_readers_language_with_headings_in_order(app, client):
    with app.app_context():
        strategy = db.session.scalars(select(Strategy).where(Strategy.slug.like("rauma%"))).one()
        strategy_id, title = strategy.id, strategy.title
    response = client.get(f"/strategier/{strategy_id}/eksport.docx")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="anskaffelsesstrategi-for-rauma-kommune-2020-2024.docx"'
    )
    assert title.endswith("2020–2024")
    document = Document(io.BytesIO(response.data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert _docx_lang(document) == "nb-NO" and document.core_properties.language == "nb-NO"
    levels = [int(p.style.name.split()[-1]) for p in document.paragraphs
              if p.style.name.startswith("Heading ")]  # fmt: skip
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    # The coverage summary is a picture with its text alternative, and the text under it.
    pictures = document.inline_shapes
    assert len(pictures) >= 1
    descriptions = [
        element.get("descr") for element in document.element.body.iter()
        if element.tag.endswith("}docPr")
    ]  # fmt: skip
    assert any(re.search(r"Delmål: \d+ av \d+ med eksempler", d or "") for d in descriptions)
    client.set_cookie("sprak", "en")
    english = Document(io.BytesIO(client.get(f"/strategier/{strategy_id}/eksport.docx").data))
    assert _docx_lang(english) == "en-GB"


def test_indicator_charts_are_pictures_and_baselines_carry_units(app, author, plan):
    strategy_id, reuse, follow_up = plan
    _link(author, strategy_id, follow_up, SIS, "Viser et gebyr som endret bestillingsvaner.",
          _case_id(app, SIS))  # fmt: skip
    goal_page = f"/strategier/{strategy_id}/mal/{follow_up}"
    _indicator_measured_at_80(author, goal_page)
    download = author.get(f"/strategier/{strategy_id}/eksport.docx")
    document = Document(io.BytesIO(download.data))
    images = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    assert len(images) == 2  # the coverage bar and the indicator's chart
    from PIL import Image as PILImage

    chart = PILImage.open(io.BytesIO(images[-1]))
    assert chart.format == "PNG" and chart.width >= 1000  # sharp enough to print
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Avtalelojalitet:") for c in captions)
    # A result with a baseline names the unit on both numbers.
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Andel småordre (under 1000 kr): 7,2 % (utgangspunkt 12,7 %)" in text
