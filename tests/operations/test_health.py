"""GET /helse: what a load balancer and an operator's monitoring read."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification
from tests.conftest import make_app
from tests.search.test_health import _lose_the_index
from tests.web import make_user

SECRETS = ("test-secret", "sqlite:", "postgresql:", "postgresql+", "SECRET", "password")


def test_a_healthy_instance_says_ok_with_its_counts(client):
    response = client.get("/helse")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["migration"] == body["database"]["migration_head"]
    assert body["search"]["documents"] == body["search"]["published"] == 18
    assert body["search"]["backend"] in ("whoosh", "postgres")
    assert body["search"]["generation"]
    assert body["mail_outbox"] == {"status": "ok", "waiting": 0, "late": 0, "failed": 0,
                                   "failed_last_day": 0}  # fmt: skip


def test_the_answer_names_no_address_path_or_secret(app, client):
    raw = client.get("/helse").get_data(as_text=True)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    for secret in (*SECRETS, app.instance_path, app.config["SECRET_KEY"], url):
        assert secret not in raw, secret
    assert json.loads(raw)  # and it is JSON


def test_a_lost_index_makes_the_instance_degraded_not_down(app, client):
    _lose_the_index(app)
    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path))
    response = fresh.test_client().get("/helse")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["search"]["status"] == "degraded"
    assert body["database"]["status"] == "ok"


def test_mail_that_is_late_or_given_up_makes_it_degraded(app, client):
    make_user(app, "kari@asker.kommune.no", set())
    with app.app_context():
        user = db.session.scalar(text("SELECT id FROM users WHERE email = 'kari@asker.kommune.no'"))
        late = Notification(user_id=user, kind="test", subject="Hei", body="Hei",
                            created_at=utcnow() - timedelta(hours=3))  # fmt: skip
        failed = Notification(user_id=user, kind="test", subject="Hei", body="Hei",
                              failed_at=utcnow(), attempts=8, last_error="550")  # fmt: skip
        db.session.add_all([late, failed])
        db.session.commit()
    body = client.get("/helse").get_json()
    assert body["status"] == "degraded"
    assert body["mail_outbox"]["waiting"] == 1
    assert body["mail_outbox"]["late"] == 1
    assert body["mail_outbox"]["failed"] == body["mail_outbox"]["failed_last_day"] == 1


def test_a_database_behind_on_migrations_is_degraded(app, client):
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'c11f49ddff98'"))
        db.session.commit()
    body = client.get("/helse").get_json()
    assert body["status"] == "degraded"
    assert body["database"]["migration"] == "c11f49ddff98"


def test_an_unusable_database_is_down_with_503(tmp_path, caplog):
    broken = make_app(
        f"sqlite:///{tmp_path / 'nothing-here.sqlite3'}", tmp_path, SEARCH_BACKEND="whoosh"
    )
    response = broken.test_client().get("/helse")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down"
    assert "Traceback" not in caplog.text  # one line per probe
