"""Sign-in throttling: guessing is stopped, colleagues behind the same address are not."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import services, throttle
from portal.accounts.models import LoginAttempt, Role
from portal.extensions import db
from tests.accounts.test_accounts import PASSWORD, _login

MUNICIPALITY_PROXY = "10.20.30.40"


@pytest.fixture
def users(app):
    with app.app_context():
        for email in ("kari@example.no", "ola@example.no"):
            services.create_user(email=email, name=email, roles={Role.CONTRIBUTOR},
                                 password=PASSWORD)  # fmt: skip
        db.session.commit()


def _client(app, address=MUNICIPALITY_PROXY, **environ):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, **environ)
    return client


def test_guessing_one_account_from_one_address_locks_that_pair(app, users):
    guesser = _client(app)
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        assert _login(guesser, "kari@example.no", "feil-passord-her").status_code == 400
    # Even the right password is refused now, and from a fresh client (another process).
    refused = _login(_client(app), "kari@example.no", PASSWORD)
    assert refused.status_code == 429
    assert "For mange mislykkede forsøk" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    with app.app_context():
        # Refused attempts are not even checked, so they do not extend the record.
        attempts = db.session.scalars(select(LoginAttempt)).all()
        assert len(attempts) == throttle.MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS
    # Kari at home, on another address, still gets in.
    assert _login(_client(app, "192.0.2.7"), "kari@example.no", PASSWORD).status_code == 302


def test_guessing_one_account_from_many_addresses_locks_the_account(app, users):
    for n in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        _login(_client(app, f"198.51.100.{n}"), "kari@example.no", "feil-passord-her")
    assert _login(_client(app, "192.0.2.99"), "kari@example.no", PASSWORD).status_code == 429
    assert _login(_client(app, "192.0.2.99"), "ola@example.no", PASSWORD).status_code == 302


def test_failures_on_made_up_accounts_do_not_lock_out_colleagues(app, users):
    noisy = _client(app)
    for n in range(throttle.ADDRESS_SLOWED_FROM + 15):
        _login(noisy, f"gjest{n}@example.no", "feil-passord-her")
    # Ola, behind the same proxy and with no failures of his own, signs in at once.
    assert _login(_client(app), "ola@example.no", PASSWORD).status_code == 302


def test_a_slowed_address_waits_before_retrying_an_account_with_failures(app, users):
    noisy = _client(app)
    for n in range(throttle.ADDRESS_SLOWED_FROM + 10):
        _login(noisy, f"gjest{n}@example.no", "feil-passord-her")
    # Kari mistyped once; from the slowed address she must wait (but is not locked out) …
    assert _login(_client(app, "192.0.2.5"), "kari@example.no", "skrivefeil-her").status_code == 400
    response = _login(_client(app), "kari@example.no", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= throttle.address_delay(30).seconds
    # … and once the delay has passed, she gets in.
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= throttle.address_delay(30)
        db.session.commit()
    assert _login(_client(app), "kari@example.no", PASSWORD).status_code == 302


def test_the_address_delay_grows_and_is_capped():
    assert throttle.address_delay(throttle.ADDRESS_SLOWED_FROM - 1) == timedelta(0)
    delays = [throttle.address_delay(n) for n in range(20, 200, 5)]
    assert delays == sorted(delays) and delays[0] == timedelta(seconds=1)
    assert delays[-1] == throttle.MAX_DELAY


def test_a_successful_sign_in_clears_earlier_failures(app, users):
    client = _client(app)
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS - 1):
        _login(client, "kari@example.no", "feil-passord-her")
    assert _login(_client(app), "kari@example.no", PASSWORD).status_code == 302
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS - 1):
        _login(_client(app), "kari@example.no", "feil-passord-her")
    assert _login(_client(app), "kari@example.no", PASSWORD).status_code == 302


def test_forwarded_addresses_count_only_behind_a_declared_proxy(app, tmp_path):
    from tests.conftest import make_app

    spoofing = _client(app, "203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    _login(spoofing, "kari@example.no", "feil-passord-her")
    proxied_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, PROXY_COUNT=1)
    proxied = _client(proxied_app, "127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    _login(proxied, "ola@example.no", "feil-passord-her")
    with app.app_context():
        addresses = dict(db.session.execute(select(LoginAttempt.email, LoginAttempt.address)).all())
    assert addresses == {"kari@example.no": "203.0.113.9", "ola@example.no": "192.0.2.1"}


def test_sign_ins_are_logged_without_passwords(app, users, caplog):
    caplog.set_level(logging.INFO, logger="portal.security")
    _login(_client(app), "kari@example.no", "feil-passord-her")
    _login(_client(app), "kari@example.no", PASSWORD)
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.security"]
    kinds = [e["event"] for e in events]
    assert kinds[-2:] == ["login_failed", "login_succeeded"]
    assert events[-1]["user_id"] and events[-1]["address"] == MUNICIPALITY_PROXY
    assert all(len(e["request_id"]) == 32 for e in events[-2:])
    assert PASSWORD not in caplog.text and "feil-passord-her" not in caplog.text
