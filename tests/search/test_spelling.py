"""Spelling suggestions come only from what is published now."""

from __future__ import annotations

from sqlalchemy import select

from portal.cases.models import Case, CaseStatus
from portal.extensions import db


def _suggestion(client, q):
    body = client.get("/api/v1/search", query_string={"q": q, "exact": "true"}).get_json()
    return body["suggestion"]


def test_words_of_an_unpublished_case_are_no_longer_suggested(app, client, factory):
    with factory.committing() as f:
        f.case(slug="hemmelig", title="Kvasirundring av kontorstoler",
               summary="Kvasirundring er et ord bare dette eksemplet har.")  # fmt: skip
    assert _suggestion(client, "kvasirundrimg") == "kvasirundring"
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == "hemmelig")).one()
        case.status = CaseStatus.UNPUBLISHED
        case.unpublished_reason = "Feil i tallene"
        db.session.commit()
    assert client.get("/api/v1/search?q=kvasirundring").get_json()["total"] == 0
    assert _suggestion(client, "kvasirundrimg") != "kvasirundring"
    # Words that published cases still use are suggested as before.
    assert _suggestion(client, "gravefrei") == "gravefrie"
