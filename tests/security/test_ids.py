"""Numbers in URLs beyond what a database id can be are 404, never a 500."""

from __future__ import annotations

import logging

import pytest

from portal.accounts.models import Role
from tests.web import login, make_user

HUGE = ["99999999999999999999999", "9223372036854775808", "2147483648"]


@pytest.mark.parametrize("number", HUGE)
def test_anonymous_urls_with_huge_ids_are_404(client, number, caplog):
    caplog.set_level(logging.ERROR)
    page = client.get(f"/strategier/{number}")
    assert page.status_code == 404
    api = client.get(f"/api/v1/strategies/{number}")
    assert api.status_code == 404 and api.get_json()["code"] == 404
    assert client.get(f"/strategier/{number}/eksport.docx").status_code == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_signed_in_urls_with_huge_ids_are_404(app, client):
    make_user(app, "stine@asker.kommune.no", {Role.STRATEGY_AUTHOR, Role.CONTRIBUTOR})
    login(client, "stine@asker.kommune.no")
    for path in (f"/strategier/{HUGE[0]}/rediger", f"/strategier/1/mal/{HUGE[1]}"):
        assert client.get(path).status_code == 404, path


def test_the_openapi_document_bounds_the_id(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    (parameter,) = spec["paths"]["/api/v1/strategies/{strategy_id}"]["parameters"]
    assert parameter["schema"]["maximum"] == 2**31 - 1
