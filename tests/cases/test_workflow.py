"""The editorial workflow end to end, its permissions and its audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Role
from portal.cases.models import Case, CaseEvent, CaseStatus, Revision
from portal.extensions import db
from portal.organizations.models import Organization
from tests.cases.test_authoring import PASSWORD, _form, _login, _token


def _user(app, email, roles, org="asker-kommune"):
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.slug == org)
        ).one()
        accounts.create_user(
            email=email, name=email.split("@")[0], roles=roles, organization=organization,
            password=PASSWORD,
        )  # fmt: skip
        db.session.commit()
    client = app.test_client()
    _login(client, email)
    return client


@pytest.fixture
def people(app):
    return (
        _user(app, "forfatter@asker.kommune.no", {Role.CONTRIBUTOR}),
        _user(app, "redaktor@dfo.no", {Role.EDITOR}, org="statens-innkjopssenter"),
    )


def _act(client, slug, action, comment=""):
    html = client.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post(
        f"/redaksjon/eksempler/{slug}/{action}", data={"csrf_token": token, "comment": comment}
    )


def _status(app, slug) -> CaseStatus:
    with app.app_context():
        return db.session.scalars(select(Case.status).where(Case.slug == slug)).one()


def test_submit_request_changes_fix_publish_and_find(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()

    queue = editor.get("/redaksjon/").get_data(as_text=True)
    assert "Gjenbruk av kontorstoler i Asker" in queue
    review = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    assert "Innhold (aldri publisert)" in review and "Mange stoler var **slitte**." in review

    assert _act(editor, slug, "request_changes", "").status_code == 302  # refused: no comment
    assert _status(app, slug) is CaseStatus.SUBMITTED
    _act(editor, slug, "request_changes", "Legg til hva det kostet.")
    assert _status(app, slug) is CaseStatus.CHANGES_REQUESTED

    edit = f"/eksempler/{slug}/rediger"
    author.post(edit, data=_form(author, edit, what_was_done="Reparerte 300 stoler for 90 000 kr.",
                                 action="submit"))  # fmt: skip
    assert _status(app, slug) is CaseStatus.SUBMITTED

    _act(editor, slug, "publish")
    assert _status(app, slug) is CaseStatus.PUBLISHED
    assert app.test_client().get(f"/eksempler/{slug}").status_code == 200
    found = app.test_client().get("/api/v1/search?q=kontorstoler").get_json()
    assert [item["slug"] for item in found["items"]] == [slug]

    with app.app_context():
        events = db.session.scalars(
            select(CaseEvent).join(Case).where(Case.slug == slug).order_by(CaseEvent.at)
        ).all()
        assert [e.action for e in events] == [
            "create", "submit", "request_changes", "submit", "publish",
        ]  # fmt: skip
        assert events[2].comment == "Legg til hva det kostet."
        assert events[2].actor.email == "redaktor@dfo.no"


def test_unpublished_cases_answer_410_with_the_reason(app, people):
    _, editor = people
    slug = "hoje-taastrup-eier-gulvmattene-selv"
    _act(editor, slug, "unpublish", "Tallene er ikke lenger oppdaterte.")
    response = app.test_client().get(f"/eksempler/{slug}")
    assert response.status_code == 410
    assert "Tallene er ikke lenger oppdaterte." in response.get_data(as_text=True)
    assert app.test_client().get("/api/v1/search?q=gulvmatter").get_json()["total"] == 0
    api = app.test_client().get(f"/api/v1/cases/{slug}")
    assert api.status_code == 410
    assert api.get_json() == {
        "code": 410,
        "status": "Gone",
        "message": "This case has been unpublished.",
        "reason": "Tallene er ikke lenger oppdaterte.",
    }


def test_reject(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()
    _act(editor, slug, "reject", "Dette er ikke en anskaffelse.")
    assert _status(app, slug) is CaseStatus.REJECTED
    assert app.test_client().get(f"/eksempler/{slug}").status_code == 404


def test_review_shows_changes_against_the_published_version(app, people):
    _, editor = people
    slug = "sirkula-avtaleforvalter-sparte-4-4-millioner"
    _act(editor, slug, "unpublish", "Oppdateres.")
    _act(editor, slug, "publish")
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == slug)).one()
        case.summary = "Ny oppsummering fra forfatteren."
        db.session.commit()
    html = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    assert "Endringer siden publisert versjon" in html
    assert "<ins>" in html and "Ny oppsummering fra forfatteren." in html
    assert "<del>" in html


def test_only_editors_reach_the_queue_and_actions(app, people):
    author, _ = people
    assert app.test_client().get("/redaksjon/").status_code == 302
    assert author.get("/redaksjon/").status_code == 403
    assert author.get("/redaksjon/eksempler/hoje-taastrup-eier-gulvmattene-selv").status_code == 403
    token = _token(author.get("/eksempler/ny").get_data(as_text=True))
    response = author.post(
        "/redaksjon/eksempler/hoje-taastrup-eier-gulvmattene-selv/unpublish",
        data={"csrf_token": token, "comment": "x"},
    )
    assert response.status_code == 403
    assert _status(app, "hoje-taastrup-eier-gulvmattene-selv") is CaseStatus.PUBLISHED


def test_queue_filters(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    assert "Gjenbruk av kontorstoler" in editor.get(
        "/redaksjon/?organisasjon=asker-kommune"
    ).get_data(as_text=True)
    assert "Gjenbruk av kontorstoler" not in editor.get(
        "/redaksjon/?organisasjon=bergen-kommune"
    ).get_data(as_text=True)
    assert "Gjenbruk av kontorstoler" not in editor.get("/redaksjon/?eldre_enn=uke").get_data(
        as_text=True
    )
    assert "Porsgrunn" in editor.get("/redaksjon/?status=published").get_data(as_text=True)


def test_history_shows_diffs_between_revisions_and_editors_restore(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny"))
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()
    edit = f"/eksempler/{slug}/rediger"
    author.post(edit, data=_form(author, edit, summary="Andre versjon av sammendraget."))
    html = editor.get(f"/redaksjon/eksempler/{slug}/historikk").get_data(as_text=True)
    assert "<del>" in html and "Andre versjon av sammendraget." in html
    with app.app_context():
        first = db.session.scalars(
            select(Revision).join(Case).where(Case.slug == slug).order_by(Revision.id)
        ).first()
        first_id = first.id
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = editor.post(
        f"/redaksjon/eksempler/{slug}/gjenopprett/{first_id}", data={"csrf_token": token}
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == slug)).one()
        assert case.summary.startswith("Kommunen reparerte 300 kontorstoler")
        assert [r.value for r in case.results] == [300]
        assert case.revisions[-1].note == f"Gjenopprettet fra revisjon {first_id}"
    assert author.get(f"/redaksjon/eksempler/{slug}/historikk").status_code == 403


def test_an_edit_to_a_published_case_waits_for_the_editors(app, people):
    author, editor = people
    slug = "asker-mobellager-og-rammeavtale-for-brukte-mobler"
    edit = f"/eksempler/{slug}/rediger"
    page = author.get(edit).get_data(as_text=True)
    assert "Send endringen til redaksjonen" in page
    data = _form(author, edit, title="Asker hentet brukte møbler for 1,6 millioner kroner")
    assert author.post(edit, data=data).status_code == 302
    public = app.test_client().get(f"/eksempler/{slug}").get_data(as_text=True)
    assert "1,4 millioner kroner fra eget lager" in public  # the public text stays
    assert "1,6 millioner" in author.get(edit).get_data(as_text=True)  # the author continues
    review = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    assert "En endring venter på godkjenning" in review and "1,6 millioner" in review
    token = re.search(r'name="csrf_token" value="([^"]+)"', review).group(1)
    editor.post(f"/redaksjon/eksempler/{slug}/endring/godkjenn", data={"csrf_token": token})
    public = app.test_client().get(f"/eksempler/{slug}").get_data(as_text=True)
    assert "Asker hentet brukte møbler for 1,6 millioner kroner" in public
    found = app.test_client().get("/api/v1/search?q=1,6+millioner").get_json()
    assert slug in [item["slug"] for item in found["items"]]
    assert "En endring venter" not in editor.get(f"/redaksjon/eksempler/{slug}").get_data(
        as_text=True
    )


def test_a_declined_change_leaves_the_published_case(app, people):
    author, editor = people
    slug = "sirkula-avtaleforvalter-sparte-4-4-millioner"
    edit = f"/eksempler/{slug}/rediger"
    author_org = _user(app, "sirkula@sirkula.no", {Role.CONTRIBUTOR}, org="sirkula")
    author_org.post(edit, data=_form(author_org, edit, title="Feil tittel"))
    review = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', review).group(1)
    refused = editor.post(f"/redaksjon/eksempler/{slug}/endring/avvis", data={"csrf_token": token})
    assert refused.status_code == 302  # no comment: nothing happens
    editor.post(
        f"/redaksjon/eksempler/{slug}/endring/avvis",
        data={"csrf_token": token, "comment": "Tittelen må beholde tallet."},
    )
    assert "Sirkulas avtaleforvalter sparte" in app.test_client().get(
        f"/eksempler/{slug}"
    ).get_data(as_text=True)
    assert "En endring venter" not in editor.get(f"/redaksjon/eksempler/{slug}").get_data(
        as_text=True
    )
    # Authors of other organizations may read the published case, never edit it.
    assert author.get(edit).status_code == 403


def test_editors_edit_any_case_directly(app, people):
    _, editor = people
    slug = "porsgrunn-rammeavtaler-med-samspill-for-vann-og-avlop"
    edit = f"/eksempler/{slug}/rediger"
    assert editor.get(edit).status_code == 200
    editor.post(
        edit, data=_form(editor, edit, title="Porsgrunn: en tredel lavere pris per meter rør")
    )
    public = app.test_client().get(f"/eksempler/{slug}").get_data(as_text=True)
    assert "Porsgrunn: en tredel lavere pris per meter rør" in public
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == slug)).one()
        assert case.revisions[-1].note == "Redigert av redaksjonen"
        assert case.status is CaseStatus.PUBLISHED
