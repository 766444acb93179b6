"""Contributors write drafts, save them any number of times and send them to the editors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case, CaseStatus, Revision
from portal.extensions import db
from portal.taxonomy.models import Term
from tests.web import PASSWORD, csrf_token, login, make_user

_make_user = make_user
_token = csrf_token
_login = login
__all__ = ["PASSWORD"]  # other test modules import it from here


@pytest.fixture
def contributor(app):
    _make_user(app, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    client = app.test_client()
    _login(client, "bidrag@asker.kommune.no")
    return client


def _form(client, path: str, **overrides) -> dict:
    token = _token(client.get(path).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "title": "Gjenbruk av kontorstoler i Asker",
        "summary": "Kommunen reparerte 300 kontorstoler i stedet for å kjøpe nye.",
        "background": "Mange stoler var **slitte**.",
        "what_was_done": "- Kartla stolene\n- Reparerte dem",
        "year": "2024",
        "procurement_status": "completed",
        "results-0-indicator": "Reparerte stoler",
        "results-0-value": "300",
        "results-0-unit": "stoler",
        "results-0-evidence_level": "documented",
        "terms_category": [],
        "action": "save",
    }
    data.update(overrides)
    return data


def _case(app, title_start: str) -> Case:
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.title.startswith(title_start))).one()
        db.session.expunge(case)
        return case


def test_a_contributor_saves_a_draft_and_every_save_is_a_revision(app, contributor):
    with app.app_context():
        category = db.session.scalar(select(Term.id).where(Term.slug == "mobler"))
    response = contributor.post(
        "/eksempler/ny", data=_form(contributor, "/eksempler/ny", terms_category=[str(category)])
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = _case(app, "Gjenbruk av kontorstoler")
    assert case.status is CaseStatus.DRAFT
    edit = f"/eksempler/{case.slug}/rediger"
    assert response.headers["Location"] == edit
    html = contributor.get(edit).get_data(as_text=True)
    assert 'value="Gjenbruk av kontorstoler i Asker"' in html and 'value="300"' in html
    contributor.post(
        edit, data=_form(contributor, edit, title="Gjenbruk av kontorstoler i Asker kommune")
    )
    with app.app_context():
        revisions = db.session.scalars(
            select(Revision).where(Revision.case_id == case.id).order_by(Revision.id)
        ).all()
        assert len(revisions) == 2
        assert revisions[-1].content["title"] == "Gjenbruk av kontorstoler i Asker kommune"
        assert revisions[0].author.email == "bidrag@asker.kommune.no"


def test_drafts_are_visible_to_the_organization_only(app, contributor):
    contributor.post("/eksempler/ny", data=_form(contributor, "/eksempler/ny"))
    case = _case(app, "Gjenbruk av kontorstoler")
    assert contributor.get(f"/eksempler/{case.slug}").status_code == 200
    assert app.test_client().get(f"/eksempler/{case.slug}").status_code == 404
    _make_user(app, "annen@bergen.kommune.no", {Role.CONTRIBUTOR}, "bergen-kommune")
    other = app.test_client()
    _login(other, "annen@bergen.kommune.no")
    assert other.get(f"/eksempler/{case.slug}").status_code == 404
    assert other.get(f"/eksempler/{case.slug}/rediger").status_code == 404
    # Never in lists, search or the API, not even for the organization's own members.
    for client in (contributor, other):
        html = client.get("/eksempler/?q=kontorstoler").get_data(as_text=True)
        assert "0 treff for «kontorstoler»" in html
    assert app.test_client().get("/api/v1/search?q=kontorstoler").get_json()["total"] == 0


def test_a_validation_error_keeps_everything_typed(contributor):
    data = _form(contributor, "/eksempler/ny", summary="x" * 301, **{"results-0-unit": ""})
    response = contributor.post("/eksempler/ny", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sammendraget kan ha høyst 300 tegn." in html
    assert 'href="#summary"' in html and 'href="#results-0-unit"' in html
    assert "Mange stoler var **slitte**." in html
    assert 'value="Reparerte stoler"' in html


def test_an_expired_csrf_token_does_not_lose_the_text(contributor):
    data = _form(contributor, "/eksempler/ny", csrf_token="utlopt")
    response = contributor.post("/eksempler/ny", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Skjemaet er utløpt" in html
    assert "Mange stoler var **slitte**." in html


def test_preview_renders_safe_markdown_without_saving(app, contributor):
    data = _form(contributor, "/eksempler/ny", action="preview",
                 background="**Fet** <script>alert(1)</script> [x](javascript:alert(1))")  # fmt: skip
    html = contributor.post("/eksempler/ny", data=data).get_data(as_text=True)
    assert "<strong>Fet</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    with app.app_context():
        assert (
            db.session.scalars(select(Case).where(Case.title.startswith("Gjenbruk"))).first()
            is None
        )


def test_result_rows_can_be_added_and_removed(contributor):
    html = contributor.post(
        "/eksempler/ny", data=_form(contributor, "/eksempler/ny", action="add_result")
    ).get_data(as_text=True)
    assert 'id="results-1-indicator"' in html
    data = _form(contributor, "/eksempler/ny", action="remove_result_0")
    html = contributor.post("/eksempler/ny", data=data).get_data(as_text=True)
    assert 'value="Reparerte stoler"' not in html


def test_submitting_sends_the_case_to_the_editors_and_locks_it(app, contributor):
    response = contributor.post(
        "/eksempler/ny", data=_form(contributor, "/eksempler/ny", action="submit")
    )
    assert response.status_code == 302
    case = _case(app, "Gjenbruk av kontorstoler")
    assert case.status is CaseStatus.SUBMITTED
    html = contributor.get(f"/eksempler/{case.slug}").get_data(as_text=True)
    assert "Sendt inn" in html
    assert contributor.get(f"/eksempler/{case.slug}/rediger").status_code == 403
    assert "Gjenbruk av kontorstoler" in contributor.get("/mine-eksempler/").get_data(as_text=True)


def test_only_contributors_may_write(app):
    assert app.test_client().get("/eksempler/ny").status_code == 302  # to the login page
    _make_user(app, "leser@asker.kommune.no", {Role.STRATEGY_AUTHOR})
    client = app.test_client()
    _login(client, "leser@asker.kommune.no")
    assert client.get("/eksempler/ny").status_code == 403


def test_script_in_every_text_field_never_runs(app, contributor):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    fields = ["title", "summary", "background", "what_was_done", "results_text",
              "not_as_planned", "lessons", "contact_name", "contact_role",
              "results-0-indicator", "results-0-period"]  # fmt: skip
    data = _form(contributor, "/eksempler/ny", **{name: f"Felt {name} {script}" for name in fields})
    data.update(
        contact_email="kontakt@asker.kommune.no", contact_consent="y", summary="Kort " + script
    )
    response = contributor.post("/eksempler/ny", data=data)
    assert response.status_code == 302, re.findall(
        r"<li><a href=\"#[^\"]*\">[^<]*", response.get_data(as_text=True)
    )
    with app.app_context():
        slug = db.session.scalars(
            select(Case.slug).where(Case.title.startswith("Felt title"))
        ).one()
    for path in (f"/eksempler/{slug}", f"/eksempler/{slug}/rediger", "/mine-eksempler/"):
        html = contributor.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
        found = re.findall(r".{80}<img src=x onerror.{40}", html, re.S)
        assert not found, (path, found)


def test_result_row_messages_are_norwegian(contributor):
    data = _form(contributor, "/eksempler/ny", **{"results-0-unit": "x" * 61})
    html = contributor.post("/eksempler/ny", data=data).get_data(as_text=True)
    assert "Field cannot be longer" not in html
    assert "60" in html and "tegn" in html
