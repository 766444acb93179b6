"""Every workflow move is decided by the state machine, whatever a form sends."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases import workflow
from portal.cases.errors import CaseError
from portal.cases.models import Case, CaseStatus
from portal.extensions import db
from tests.cases.test_authoring import _form
from tests.cases.test_workflow import _status, people  # noqa: F401  (fixture)

ASKER = "asker-mobellager-og-rammeavtale-for-brukte-mobler"
ORG = SimpleNamespace(id=1)


def _person(*roles: Role, organization_id: int | None = 1):
    return SimpleNamespace(
        is_authenticated=True,
        organization_id=organization_id,
        has_role=lambda role: role in roles,
    )


def _case(status: CaseStatus):
    return SimpleNamespace(status=status, organizations=[ORG])


# Who may do what from which state: the whole table, nothing implied.
ALLOWED = {
    ("submit", CaseStatus.DRAFT, "author"),
    ("submit", CaseStatus.CHANGES_REQUESTED, "author"),
    ("submit", CaseStatus.DRAFT, "editor"),
    ("submit", CaseStatus.CHANGES_REQUESTED, "editor"),
    ("request_changes", CaseStatus.SUBMITTED, "editor"),
    ("publish", CaseStatus.SUBMITTED, "editor"),
    ("publish", CaseStatus.UNPUBLISHED, "editor"),
    ("reject", CaseStatus.SUBMITTED, "editor"),
    ("unpublish", CaseStatus.PUBLISHED, "editor"),
}
ACTORS = {
    "author": _person(Role.CONTRIBUTOR),
    "editor": _person(Role.EDITOR, organization_id=None),
    "other_contributor": _person(Role.CONTRIBUTOR, organization_id=2),
    "strategy_author": _person(Role.STRATEGY_AUTHOR),
    "anonymous": SimpleNamespace(is_authenticated=False),
}


@pytest.mark.parametrize(
    ("action", "status", "actor"),
    list(itertools.product([*workflow.TRANSITIONS, "delete", "approve"], CaseStatus, ACTORS)),
)
def test_the_state_machine_allows_exactly_the_table(action, status, actor):
    assert workflow.may(ACTORS[actor], _case(status), action) is (
        (action, status, actor) in ALLOWED
    )


def test_a_stale_submit_on_a_published_case_only_proposes_a_change(app, people):  # noqa: F811
    author, _editor = people
    edit = f"/eksempler/{ASKER}/rediger"
    data = _form(author, edit, title="Asker hentet brukte møbler for 1,6 millioner kroner",
                 action="submit")  # fmt: skip
    response = author.post(edit, data=data)
    assert response.status_code == 302
    assert _status(app, ASKER) is CaseStatus.PUBLISHED
    anonymous = app.test_client()
    assert anonymous.get(f"/eksempler/{ASKER}").status_code == 200
    found = anonymous.get("/api/v1/search?q=brukte+møbler").get_json()
    assert ASKER in [item["slug"] for item in found["items"]]
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == ASKER)).one()
        pending = workflow.pending_revision(case)
        assert pending is not None and "1,6 millioner" in pending.content["title"]


def test_the_service_refuses_submitting_a_published_case(app, people):  # noqa: F811
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == ASKER)).one()
        with pytest.raises(CaseError):
            workflow.transition(case=case, actor=_person(Role.EDITOR), action="submit")
        with pytest.raises(CaseError):
            workflow.transition(case=case, actor=_person(Role.CONTRIBUTOR), action="unpublish",
                                comment="stale")  # fmt: skip
        assert case.status is CaseStatus.PUBLISHED


def test_editors_cannot_publish_a_draft_by_posting_the_action(app, people):  # noqa: F811
    author, editor = people
    response = author.post("/eksempler/ny", data=_form(author, "/eksempler/ny"))
    slug = response.headers["Location"].split("/")[-2]
    from tests.cases.test_workflow import _act

    assert _act(editor, slug, "publish").status_code == 302
    assert _status(app, slug) is CaseStatus.DRAFT
    assert _act(editor, slug, "make_it_so").status_code == 302
    assert _status(app, slug) is CaseStatus.DRAFT
