"""A signed-in strategy author of Asker kommune, for the strategy tests."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from tests.web import login, make_user

AUTHOR = "strategi@asker.kommune.no"


@pytest.fixture
def author(app):
    make_user(app, AUTHOR, {Role.STRATEGY_AUTHOR})
    client = app.test_client()
    login(client, AUTHOR)
    return client
