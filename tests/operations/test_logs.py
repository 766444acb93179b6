"""One log line per request, JSON lines on demand, never a token."""

from __future__ import annotations

import json
import logging

from portal.logs import JsonFormatter
from tests.conftest import make_app


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "portal.request"]


def test_every_request_is_logged_with_its_id_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/eksempler/finnes-ikke")
    [record] = _request_records(caplog)
    assert record.fields["request_id"] == response.headers["X-Request-Id"]
    assert record.fields["status"] == 404
    assert record.fields["method"] == "GET"
    assert record.fields["path"] == "/eksempler/finnes-ikke"
    assert record.fields["duration_ms"] >= 0


def test_the_token_of_a_reset_link_never_reaches_the_log(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")
    token = "hemmelig-token-som-ikke-skal-logges"
    client.get(f"/passord/reset/{token}")
    assert token not in caplog.text
    [record] = _request_records(caplog)
    assert record.fields["path"] == "/passord/reset/…"


def test_json_lines_carry_the_request_id_and_fields(app, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    json_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, LOG_FORMAT="json")
    response = json_app.test_client().post("/logg-inn", data={"email": "x"})  # no CSRF token
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    request_line = next(line for line in lines if line["logger"] == "portal.request")
    assert request_line["request_id"] == response.headers["X-Request-Id"]
    assert request_line["status"] == 400 and request_line["level"] == "INFO"
    assert request_line["time"].endswith("+00:00")
    security_line = next(line for line in lines if line["logger"] == "portal.security")
    assert security_line["event"] == "csrf_failed"
    assert security_line["request_id"] == response.headers["X-Request-Id"]


def test_a_value_with_a_line_break_stays_on_one_line(caplog):
    record = logging.LogRecord("portal.x", logging.WARNING, __file__, 1, "bad input %s",
                               ("a\nb",), None)  # fmt: skip
    line = JsonFormatter().format(record)
    assert "\n" not in line and json.loads(line)["message"] == "bad input a\nb"
