"""Security events are one JSON line each: typed text can never forge a line of its own."""

from __future__ import annotations

import io
import json
import logging

from tests.accounts.test_accounts import _login
from tests.web import csrf_token

FORGED = 'kari@example.no\n2026-11-22 INFO portal.security {"event": "login_succeeded"}'


def _capture() -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.getLogger("portal.security").addHandler(handler)
    return stream, handler


def test_a_newline_in_the_email_cannot_forge_a_log_line(client):
    stream, handler = _capture()
    try:
        _login(client, FORGED, "feil-passord-her")
    finally:
        logging.getLogger("portal.security").removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0].split(" portal.security ", 1)[1])
    assert event["event"] == "login_failed"
    assert event["email"].startswith("kari@example.no\n2026")  # kept, but inside the JSON


def test_csrf_failures_and_refusals_are_logged(app, client, caplog):
    from portal.accounts.models import Role
    from tests.web import login, make_user

    caplog.set_level(logging.INFO, logger="portal.security")
    client.post("/logg-inn", data={"email": "a@b.no", "password": "x", "csrf_token": "nei"})
    make_user(app, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    login(client, "bidrag@asker.kommune.no")
    assert client.get("/redaksjon/").status_code == 403
    token = csrf_token(client.get("/eksempler/ny").get_data(as_text=True))
    client.post("/logg-ut", data={"csrf_token": token})
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.security"]
    kinds = [e["event"] for e in events]
    assert "csrf_failed" in kinds and "permission_denied" in kinds and "sessions_ended" in kinds
    refused = next(e for e in events if e["event"] == "permission_denied")
    assert refused["path"] == "/redaksjon/" and refused["user_id"]


def test_the_refusal_page_speaks_the_users_language(app, client):
    from portal.accounts.models import Role
    from tests.web import login, make_user

    make_user(app, "bidrag@asker.kommune.no", {Role.CONTRIBUTOR})
    login(client, "bidrag@asker.kommune.no")
    refused = client.get("/redaksjon/")
    assert refused.status_code == 403
    assert "Du har ikke tilgang til denne siden." in refused.get_data(as_text=True)
    assert "Forbidden" not in refused.get_data(as_text=True)
