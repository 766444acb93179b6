"""Every change reaches the editors and is shown field by field; the comment thread is where
both sides work; authors can delete a draft they made by mistake."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import Case, CaseEvent, Revision
from portal.extensions import db
from portal.taxonomy.models import Term
from tests.cases.test_authoring import _form
from tests.cases.test_workflow import _act, _status, _user, people  # noqa: F401  (fixture)
from tests.web import csrf_token

PUBLISHED = "sirkula-avtaleforvalter-sparte-4-4-millioner"


def _rows(html: str) -> list[str]:
    """The queue's rows as text, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>|\s+", " ", row).strip() for row in body.split("<tr>")[1:]]


def _sirkula(app):
    return _user(app, "sirkula@sirkula.no", {Role.CONTRIBUTOR}, org="sirkula")


def test_the_default_queue_lists_new_cases_and_changes_oldest_first(app, people):
    author, editor = people
    sirkula = _sirkula(app)
    edit = f"/eksempler/{PUBLISHED}/rediger"
    sirkula.post(edit, data=_form(sirkula, edit, title="Sirkulas avtaleforvalter sparte mer"))
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    with app.app_context():  # the change has waited three days
        for revision in db.session.scalars(select(Revision).where(Revision.is_pending.is_(True))):
            revision.created_at -= timedelta(days=3)
        db.session.commit()
    rows = _rows(editor.get("/redaksjon/").get_data(as_text=True))
    assert len(rows) == 2
    assert "Sirkulas avtaleforvalter" in rows[0] and "Endring av publisert eksempel" in rows[0]
    assert "ventet 3 døgn" in rows[0]
    assert "Gjenbruk av kontorstoler" in rows[1] and "Nytt eksempel" in rows[1]
    # Waited more than a week: nothing yet.
    assert _rows(editor.get("/redaksjon/?eldre_enn=uke").get_data(as_text=True)) == [
        "Ingenting venter her."
    ]
    # The published list marks the case whose change waits.
    published = _rows(editor.get("/redaksjon/?status=published").get_data(as_text=True))
    marked = [row for row in published if "Endring av publisert eksempel" in row]
    assert len(marked) == 1 and "Sirkulas" in marked[0]
    # The header tells the editor how many wait.
    assert re.search(
        r'Redaksjonskø <span class="nav-count"[^>]*>2</span>',
        editor.get("/").get_data(as_text=True),
    )


def test_review_shows_every_changed_field_in_words(app, people):
    _, editor = people
    sirkula = _sirkula(app)
    edit = f"/eksempler/{PUBLISHED}/rediger"
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == PUBLISHED)).one()
        kept = {name: getattr(case, name) for name in ("title", "summary", "background",
                "what_was_done", "results_text", "not_as_planned", "lessons")}  # fmt: skip
        waste = db.session.scalars(select(Term.id).where(Term.slug == "mobler")).one()
        before_status = case.procurement_status
    form = _form(sirkula, edit, **kept, procurement_status="planned",
                 contact_name="Kari Kontakt", terms_category=[str(waste)])  # fmt: skip
    sirkula.post(edit, data=form)
    review = editor.get(f"/redaksjon/eksempler/{PUBLISHED}").get_data(as_text=True)
    pending = review.split('id="pending-heading"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pending))
    assert before_status != "planned"
    assert "Status for anskaffelsen Før: Gjennomført → Etter: Planlagt" in text
    assert re.search(r"Kategori \+ Lagt til: Møbler", text), text
    assert "Tema − Fjernet: Klima og miljø" in text
    assert "Kontaktpersonens navn Før: (ikke oppgitt) → Etter: Kari Kontakt" in text
    assert "Målte resultater" in text and "+ Lagt til: Reparerte stoler: 300 stoler" in text
    # The unchanged story is not listed as changed.
    assert "Bakgrunn" not in text


def _sent_back(app, author, editor) -> str:
    """The author sends a new case; the editor asks for the costs. Returns its slug."""
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()
    _act(editor, slug, "request_changes", "Legg til kostnadene.")
    return slug


def test_the_thread_of_comments_is_on_the_edit_page_and_the_review_page(app, people):
    author, editor = people
    slug = _sent_back(app, author, editor)
    edit = author.get(f"/eksempler/{slug}/rediger").get_data(as_text=True)
    thread = edit.split('id="thread-heading"', 1)[1].split("</section>", 1)[0]
    assert "Kommentarer fra redaksjonen" in edit
    assert "Legg til kostnadene." in thread and "redaktor" in thread
    author.post(f"/eksempler/{slug}/rediger",
                data=_form(author, f"/eksempler/{slug}/rediger", action="submit"))  # fmt: skip
    _act(editor, slug, "request_changes", "Og kilden, takk.")
    review = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    thread = review.split('id="thread-heading"', 1)[1].split("</section>", 1)[0]
    assert thread.index("Legg til kostnadene.") < thread.index("Og kilden, takk.")  # newest last


def test_reject_and_decline_look_destructive_and_differ_from_publish(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", action="submit"))
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title.startswith("Gjenbruk"))).one()
    review = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="danger">Avvis</button>', review)
    assert re.search(r'<button type="submit">Publiser</button>', review)


def test_an_author_deletes_a_never_published_draft_after_confirming(app, people):
    author, editor = people
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", title="Feilstartet utkast"))
    with app.app_context():
        case_id, slug = db.session.execute(
            select(Case.id, Case.slug).where(Case.title == "Feilstartet utkast")
        ).one()
    edit = author.get(f"/eksempler/{slug}/rediger").get_data(as_text=True)
    assert f'href="/eksempler/{slug}/slett"' in edit
    confirm = author.get(f"/eksempler/{slug}/slett")
    assert confirm.status_code == 200
    assert "Dette kan ikke angres" in confirm.get_data(as_text=True)
    # Another contributor of the same organisation may not delete it; nor may anyone else.
    colleague = _user(app, "kollega@asker.kommune.no", {Role.CONTRIBUTOR})
    assert colleague.get(f"/eksempler/{slug}/slett").status_code == 403
    done = author.post(f"/eksempler/{slug}/slett",
                       data={"csrf_token": csrf_token(confirm.get_data(as_text=True))})  # fmt: skip
    assert done.status_code == 302 and done.headers["Location"].endswith("/mine-eksempler/")
    with app.app_context():
        assert db.session.scalars(select(Case).where(Case.slug == slug)).first() is None
        assert not db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
        assert not db.session.scalars(select(Revision).where(Revision.case_id == case_id)).all()
    assert f"/eksempler/{slug}" not in author.get("/mine-eksempler/").get_data(as_text=True)


def test_published_cases_and_forged_posts_cannot_be_deleted(app, people):
    author, editor = people
    sirkula = _sirkula(app)
    page = sirkula.get(f"/eksempler/{PUBLISHED}/rediger").get_data(as_text=True)
    assert "/slett" not in page.split("<form", 1)[0]
    assert sirkula.get(f"/eksempler/{PUBLISHED}/slett").status_code == 403
    forged = sirkula.post(f"/eksempler/{PUBLISHED}/slett", data={"csrf_token": csrf_token(page)})
    assert forged.status_code == 403
    assert _status(app, PUBLISHED) == "published"
    # Without the CSRF token nothing happens either.
    author.post("/eksempler/ny", data=_form(author, "/eksempler/ny", title="Mitt utkast"))
    with app.app_context():
        slug = db.session.scalars(select(Case.slug).where(Case.title == "Mitt utkast")).one()
    assert author.post(f"/eksempler/{slug}/slett").status_code == 400
    assert _status(app, slug) == "draft"


def test_the_author_answers_in_the_thread_when_sending_again(app, people):
    author, editor = people
    slug = _sent_back(app, author, editor)
    edit = f"/eksempler/{slug}/rediger"
    author.post(edit, data=_form(author, edit, action="submit",
                                 message="Kostnadene står nå under Resultater."))  # fmt: skip
    review = editor.get(f"/redaksjon/eksempler/{slug}").get_data(as_text=True)
    thread = review.split('id="thread-heading"', 1)[1].split("</section>", 1)[0]
    assert thread.index("Legg til kostnadene.") < thread.index("Kostnadene står nå under")
    assert "sendte det til redaksjonen" in thread
    with app.app_context():
        from portal.notifications.models import Notification

        bodies = db.session.scalars(
            select(Notification.body).where(Notification.kind == "submit")
        ).all()
    assert any("Kostnadene står nå under Resultater." in body for body in bodies)
