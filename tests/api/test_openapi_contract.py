"""The API does what its OpenAPI document says: schemathesis, anonymous and signed in.

A small, seeded number of generated requests per operation keeps this fast and repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from portal.accounts.models import Role
from tests.web import login, make_user

SETTINGS = settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _failures(app, headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @SETTINGS
        def check(case):
            case.call_and_validate(headers=headers)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - every operation's failure is reported
            failures.append(f"{operation.label}: {error}")
    return failures


def test_anonymous_requests_match_the_document(app):
    failures = _failures(app, {})
    assert not failures, "\n\n".join(failures)


def test_signed_in_requests_match_the_document(app):
    make_user(app, "stine@asker.kommune.no", {Role.STRATEGY_AUTHOR, Role.CONTRIBUTOR})
    client = app.test_client()
    login(client, "stine@asker.kommune.no")
    cookie = f"session={client.get_cookie('session').value}"
    failures = _failures(app, {"Cookie": cookie})
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/strategies/1"])
def test_a_wrong_method_says_which_are_allowed(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["code"] == 405
