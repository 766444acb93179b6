"""Who may see and edit what: a truth table, and drafts checked on every channel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.cases.models import CaseStatus
from portal.cases.permissions import can_edit, can_view
from portal.extensions import db
from portal.organizations.models import Organization
from tests.cases.test_authoring import PASSWORD, _login

S = CaseStatus
EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED, S.PUBLISHED}


def _people():
    asker = db.session.scalars(
        select(Organization).where(Organization.slug == "asker-kommune")
    ).one()
    bergen = db.session.scalars(
        select(Organization).where(Organization.slug == "bergen-kommune")
    ).one()
    make = accounts.create_user
    return {
        "contributor, same organization": make(
            email="a@x.no", name="a", roles={Role.CONTRIBUTOR}, organization=asker
        ),
        "contributor, other organization": make(
            email="b@x.no", name="b", roles={Role.CONTRIBUTOR}, organization=bergen
        ),
        "editor": make(email="c@x.no", name="c", roles={Role.EDITOR}),
        "strategy author, same organization": make(
            email="d@x.no", name="d", roles={Role.STRATEGY_AUTHOR}, organization=asker
        ),
    }, asker


@pytest.mark.parametrize("status", list(CaseStatus))
def test_truth_table(app, ctx, factory, status):
    people, asker = _people()
    case = factory.case(status=status, organizations=[asker])
    published = status is S.PUBLISHED
    expected_view = {
        "contributor, same organization": True,
        "contributor, other organization": published,
        "editor": True,
        "strategy author, same organization": True,
    }
    expected_edit = {
        "contributor, same organization": status in EDITABLE,
        "contributor, other organization": False,
        "editor": True,  # editors may edit any case
        "strategy author, same organization": False,  # reads its organization's drafts only
    }
    for who, user in people.items():
        assert can_view(user, case) is expected_view[who], who
        assert can_edit(user, case) is expected_edit[who], who
    assert can_view(None, case) is published
    assert can_edit(None, case) is False


CHANNELS = [
    "/",
    "/eksempler/",
    "/eksempler/?q=hemmeligord",
    "/emner/kategori/mobler",
    "/organisasjoner/asker-kommune",
    "/api/v1/cases?per_page=100",
    "/api/v1/search?q=hemmeligord",
    "/api/v1/search?category=mobler&per_page=100",
    "/sitemap.xml",
    "/eksempler/nye.atom",
]


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.REJECTED, S.UNPUBLISHED]
)
@pytest.mark.parametrize("who", ["anonymous", "same organization", "other organization", "editor"])
def test_unpublished_cases_appear_on_no_channel(app, factory, status, who):
    with factory.committing() as f:
        asker = f.session.scalars(
            select(Organization).where(Organization.slug == "asker-kommune")
        ).one()
        from portal.taxonomy.models import Vocabulary

        slug = f.case(status=status, organizations=[asker], title="Hemmeligord kontorrydding",
                      terms=[(Vocabulary.CATEGORY, "mobler")]).slug  # fmt: skip
        emails = {"same organization": "s@x.no", "other organization": "o@x.no", "editor": "e@x.no"}
        if who in emails:
            org = None if who == "editor" else (asker if who == "same organization" else
                  f.session.scalars(select(Organization).where(Organization.slug == "bergen-kommune")).one())  # fmt: skip
            roles = {Role.EDITOR} if who == "editor" else {Role.CONTRIBUTOR}
            accounts.create_user(
                email=emails[who], name=who, roles=roles, organization=org, password=PASSWORD
            )
    client = app.test_client()
    if who != "anonymous":
        _login(
            client,
            {"same organization": "s@x.no", "other organization": "o@x.no", "editor": "e@x.no"}[
                who
            ],
        )
    for channel in CHANNELS:
        body = client.get(channel).get_data(as_text=True)
        assert "Hemmeligord" not in body and slug not in body, channel
    page = client.get(f"/eksempler/{slug}").status_code
    api = client.get(f"/api/v1/cases/{slug}").status_code
    # The API is anonymous: an unpublished case is gone (with its reason), a draft not there.
    assert api == (410 if status is S.UNPUBLISHED else 404)
    if who in ("same organization", "editor"):
        assert page == 200
    elif status is S.UNPUBLISHED:
        assert page == 410
    else:
        assert page == 404


def test_user_model_exposes_roles(app, ctx):
    people, _ = _people()
    assert isinstance(people["editor"], User)
    assert people["editor"].roles == {Role.EDITOR}
