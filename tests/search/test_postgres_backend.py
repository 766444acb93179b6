"""The PostgreSQL index: written in the case's own transaction, its word counts exact."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DataError

from portal.cases.models import Case, CaseStatus
from portal.extensions import db
from portal.search.backend import SearchRequest
from portal.search.pg_tables import search_documents, search_spellings, search_terms
from portal.search.service import search_cases
from portal.taxonomy.models import Vocabulary

pytestmark = pytest.mark.postgres_search


def _slugs(app, text_: str) -> list[str]:
    with app.app_context():
        return [h.slug for h in search_cases(SearchRequest(text=text_)).hits]


def test_a_case_is_searchable_exactly_when_its_transaction_commits(app, factory):
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with app.app_context():
            factory.case(title="Droneinspeksjon av bruer", slug="droner")
            db.session.flush()
            with other.connect() as reader:  # another web server, while the editor's request runs
                seen = reader.execute(select(func.count()).select_from(search_documents)
                                      .where(search_documents.c.slug == "droner")).scalar()  # fmt: skip
            assert seen == 0
            db.session.commit()
            with other.connect() as reader:  # the moment the commit returns
                seen = reader.execute(select(func.count()).select_from(search_documents)
                                      .where(search_documents.c.slug == "droner")).scalar()  # fmt: skip
            assert seen == 1
    finally:
        other.dispose()
    assert _slugs(app, "droneinspeksjon") == ["droner"]


def test_a_commit_that_fails_after_the_index_was_written_leaves_no_trace(app, factory):
    from flask_sqlalchemy.session import Session

    def fail_after_indexing(session) -> None:
        # Runs after the index's own before_commit hook wrote the document, in the same
        # transaction; the commit then fails (as a lost connection or a constraint would).
        assert session.connection().execute(
            select(func.count()).select_from(search_documents)
            .where(search_documents.c.slug == "droner")
        ).scalar() == 1  # fmt: skip
        session.connection().execute(text("SELECT 1 / 0"))

    event.listen(Session, "before_commit", fail_after_indexing)
    try:
        with app.app_context():
            factory.case(title="Droneinspeksjon av bruer", slug="droner")
            with pytest.raises(DataError, match="division by zero"):
                db.session.commit()
            db.session.rollback()
    finally:
        event.remove(Session, "before_commit", fail_after_indexing)
    assert _slugs(app, "droneinspeksjon") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(search_documents)) == 18


def _recounted(column: str) -> dict[str, int]:
    rows = db.session.execute(text(
        f"SELECT w, count(*) FROM search_documents, unnest({column}) AS w GROUP BY w"  # noqa: S608
    ))  # fmt: skip
    return dict(rows.all())


def test_the_word_counts_stay_exact_through_publishing_editing_and_unpublishing(app, factory):
    with factory.committing() as f:
        f.case(title="Ombruk av kontorstoler i Bodø", slug="stoler",
               terms=[(Vocabulary.CATEGORY, "mobler")])  # fmt: skip
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.slug == "stoler")).one()
        case.title = "Gjenbruk av skolepulter i Bodø"
        db.session.commit()
        case.status = CaseStatus.UNPUBLISHED
        db.session.commit()
        terms = dict(db.session.execute(select(search_terms.c.term, search_terms.c.ndoc)).all())
        words = dict(db.session.execute(
            select(search_spellings.c.word, search_spellings.c.ndoc)).all())  # fmt: skip
        facets = dict(db.session.execute(text("SELECT value, ndoc FROM search_facets")).all())
        assert terms == _recounted("term_list")
        assert words == _recounted("spell_list")
        assert facets == _recounted("facets")
        kept = db.session.scalar(text("SELECT documents FROM search_state"))
        assert kept == db.session.scalar(select(func.count()).select_from(search_documents)) == 18
        assert "skolepult" not in terms and "skolepulter" not in words  # gone with the case


def test_suggestions_come_from_live_words_only(app):
    with app.app_context():
        result = search_cases(SearchRequest(text="avtaleforvaltr"))
    assert result.corrected_to == "avtaleforvalter" or result.suggestion == "avtaleforvalter"
