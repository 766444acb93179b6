"""A result says how precise its date is and where its figure comes from, and keeps saying it
through every edit."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case
from portal.dates import DatePrecision
from portal.extensions import db
from tests.cases.test_workflow import _user, people  # noqa: F401  (fixture)
from tests.web import form_fields

SIS = "statens-innkjopssenter-smaordregebyr-for-forbruksmateriell"


def _result(app):
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == SIS)).one()
        result = case.results[0]
        db.session.expunge(result)
        return result


def test_a_seeded_result_shows_its_quarter_and_its_source(client):
    html = client.get(f"/eksempler/{SIS}").get_data(as_text=True)
    assert "2. kvartal 2024" in html
    assert "2024-06-30" not in html and "30. juni 2024" not in html
    assert "DFØ-notat 2025:01, s. 13–14" in html
    client.set_cookie("sprak", "en")
    assert "Q2 2024" in client.get(f"/eksempler/{SIS}").get_data(as_text=True)


def test_an_edit_keeps_the_results_date_precision_source_and_note(app, people):
    _, editor = people
    author = _user(app, "innkjop@sis.no", {Role.CONTRIBUTOR}, org="statens-innkjopssenter")
    before = _result(app)
    edit = f"/eksempler/{SIS}/rediger"
    data = form_fields(author.get(edit).get_data(as_text=True))
    # What the form shows is what is stored.
    assert data["results-0-measured_on"] == "2024-04-01"
    assert data["results-0-measured_precision"] == "quarter"
    assert data["results-0-source"] == before.source
    # The author moves the figure to a day in the next quarter, keeping "quarter".
    data.update({"results-0-measured_on": "2024-08-19", "action": "save"})
    assert author.post(edit, data=data).status_code == 302
    review = editor.get(f"/redaksjon/eksempler/{SIS}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', review).group(1)
    editor.post(f"/redaksjon/eksempler/{SIS}/endring/godkjenn", data={"csrf_token": token})
    after = _result(app)
    assert after.measured_on == date(2024, 7, 1)  # the quarter's first day, never the 19th
    assert after.measured_precision is DatePrecision.QUARTER
    assert (after.source, after.note) == (before.source, before.note)
    assert "3. kvartal 2024" in app.test_client().get(f"/eksempler/{SIS}").get_data(as_text=True)
