"""The index follows every commit, ignores rollbacks, and can be verified and rebuilt."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.cases.models import Case, CaseStatus
from portal.extensions import db
from portal.organizations.models import Organization
from portal.search import query as query_mod
from portal.search.backend import SearchRequest
from portal.search.engine import backend
from portal.search.maintenance import verify_index
from portal.search.service import search_cases
from portal.search.whoosh_scoring import match_scores


def _found(app, text: str) -> list[str]:
    with app.app_context():
        return [h.slug for h in search_cases(SearchRequest(text=text)).hits]


def _case(slug: str) -> Case:
    return db.session.scalars(select(Case).where(Case.slug == slug)).one()


def test_publishing_indexes_and_unpublishing_removes(app, factory):
    with factory.committing() as f:
        slug = f.case(status=CaseStatus.DRAFT, title="Kantinedrift med lokal mat").slug
    assert _found(app, "kantinedrift") == []
    with app.app_context():
        _case(slug).status = CaseStatus.PUBLISHED
        db.session.commit()
    assert _found(app, "kantinedrift") == [slug]
    with app.app_context():
        _case(slug).status = CaseStatus.UNPUBLISHED
        db.session.commit()
    assert _found(app, "kantinedrift") == []


@pytest.mark.whoosh
def test_a_request_reads_one_index_generation_and_sees_its_own_writes(app, factory):
    """Within a request the index is looked at once (every part of a page agrees), but what
    the request itself commits is searchable at once; the next request sees another worker's
    writes."""
    from portal.search.whoosh_backend import WhooshBackend

    def found() -> list[str]:
        return [h.slug for h in search_cases(SearchRequest(text="kantinedrift")).hits]

    with factory.committing() as f:
        slug = f.case(status=CaseStatus.DRAFT, title="Kantinedrift med lokal mat").slug
    with app.test_request_context("/eksempler/"):
        assert found() == []
        _case(slug).status = CaseStatus.PUBLISHED
        db.session.commit()
        assert found() == [slug]
        # Another worker (another backend on the same directory) unpublishes it.
        other = WhooshBackend(backend().root, backend().synonym_file.path)
        other.apply([], {str(_case(slug).id): time.time_ns()})
        assert found() == [slug]  # this request's generation
    with app.test_request_context("/eksempler/"):
        assert found() == []  # the next one's


@pytest.mark.whoosh
def test_an_index_unchanged_for_a_while_is_not_read_again_yet_every_change_is_seen(app, factory):
    """A worker trusts the index's file times once they are a few seconds old (instead of
    reading CURRENT and listing the directory on every request); another worker's commit and
    another worker's rebuild are still seen by the next request."""
    from portal.search.sync import published_documents
    from portal.search.whoosh_backend import WhooshBackend

    with factory.committing() as f:
        slug = f.case(title="Kantinedrift med lokal mat").slug
    with app.app_context():
        ours = backend()
    other = WhooshBackend(ours.root, ours.synonym_file.path)  # another worker

    def settle(*, pointer: bool = True) -> None:
        long_ago = time.time() - 60
        for path in (ours.pointer, ours.root / ours.current_name())[0 if pointer else 1 :]:
            os.utime(path, (long_ago, long_ago))

    settle()
    assert _found(app, "kantinedrift") == [slug]
    with app.app_context():
        assert ours._marks() is not None and ours._marks() == ours._unchanged_since
        other.apply([], {str(_case(slug).id): time.time_ns()})
        assert ours._marks() is None  # changed a moment ago: not trusted yet
    settle(pointer=False)  # as if that commit were a minute old, yet after our last look
    assert _found(app, "kantinedrift") == []
    with app.app_context():
        _case(slug).title = "Kantinedrift med sesongmat"
        db.session.commit()
        documents = list(published_documents())
    settle()
    assert _found(app, "sesongmat") == [slug]
    with other.rebuilding():
        retired = other.rebuild(iter([d for d in documents if d["slug"] != slug]), 0)
    settle()
    assert _found(app, "sesongmat") == []  # the old directory itself did not change
    other.drop(retired)


def test_edits_reach_the_index(app, factory):
    with factory.committing() as f:
        slug = f.case(title="Sykkelparkering ved skolen").slug
    with app.app_context():
        _case(slug).title = "Sykkelhotell ved rådhuset"
        db.session.commit()
    assert _found(app, "sykkelhotell") == [slug]
    assert _found(app, "sykkelparkering") == []


def test_renaming_an_organization_updates_its_cases(app):
    with app.app_context():
        org = db.session.scalars(select(Organization).where(Organization.slug == "sirkula")).one()
        org.name = "Gjenvinningsselskapet Ringsaker"
        db.session.commit()
    assert "sirkula-avtaleforvalter-sparte-4-4-millioner" in _found(app, "Ringsaker")


def test_rollback_leaves_the_index_alone(app, factory):
    with app.app_context():
        factory.case(title="Droneinspeksjon av bruer")
        db.session.flush()
        db.session.rollback()
    assert _found(app, "droneinspeksjon") == []
    with app.app_context():
        assert verify_index().ok


def test_deleting_a_case_removes_it(app):
    slug = "hoje-taastrup-eier-gulvmattene-selv"
    assert slug in _found(app, "gulvmatter")
    with app.app_context():
        db.session.delete(_case(slug))
        db.session.commit()
    assert slug not in _found(app, "gulvmatter")


def test_verify_finds_what_only_the_searches_read_out_of_date(app):
    """A topic's description and an organisation's county are searched and filtered on but
    shown from the database: changed behind the index's back, verify still finds the cases."""
    from portal.taxonomy.models import Term

    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    with app.app_context():
        term = db.session.scalar(select(Term).where(Term.slug == "sirkular-okonomi"))
        using = sorted(db.session.scalars(select(Case.slug).where(
            Case.terms.any(Term.id == term.id), Case.status == CaseStatus.PUBLISHED)))  # fmt: skip
        db.session.execute(
            Term.__table__.update().where(Term.id == term.id).values(description_nb="Endret")
        )
        db.session.commit()
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code != 0
    assert "out of date" in result.output
    assert using and all(slug in result.output for slug in using)
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    with app.app_context():
        assert verify_index().ok
        db.session.execute(
            Organization.__table__.update()
            .where(Organization.slug == "asker-kommune")
            .values(county="Akershus fylke")
        )
        db.session.commit()
        askers = sorted(db.session.scalars(select(Case.slug).where(
            Case.organizations.any(Organization.slug == "asker-kommune"),
            Case.status == CaseStatus.PUBLISHED)))  # fmt: skip
        assert askers and verify_index().stale == askers


def test_verify_lists_differences_and_rebuild_mends_them(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    with app.app_context():
        backend().apply([], {"1": 2**62})  # the index loses a case behind the database's back
        _case("ydalir-skole-samspillsentreprise").summary = "Endret uten indeks"
        # Change the database without the session events (as a manual SQL fix would).
        db.session.execute(
            Case.__table__.update()
            .where(Case.slug == "ydalir-skole-samspillsentreprise")
            .values(summary="Endret direkte i databasen")
        )
        db.session.commit()
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code != 0
    assert "missing from the index" in result.output
    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Indexed 18 published cases" in rebuilt.output
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_a_rebuild_reads_the_documents_an_edit_writes(app, factory):
    """A rebuild reads the cases as plain rows; an edit writes a case's document from the ORM's
    objects. Both give the same documents (else verify would find them all different)."""
    from portal.search.documents import case_document
    from portal.search.sync import published_cases, published_documents

    with factory.committing() as f:  # beside the seed's cases, two with only what they must have
        for title in ("Første", "Andre"):
            f.case(title=f"{title} sak", status=CaseStatus.PUBLISHED)
    with app.app_context():
        rows = list(published_documents(version=1))
        objects = [case_document(case, 1) for case in db.session.scalars(published_cases())]
    assert len(rows) == 20
    assert rows == objects
    # The seed's documents have organisations with counties, topics, results and Markdown.
    assert sum(bool(doc["county"] and doc["tags"] and doc["has_results"]) for doc in rows) > 5


def test_searches_answer_in_full_while_a_rebuild_runs(app):
    with app.app_context():
        seen = []

        def progress(count: int) -> None:
            seen.append(search_cases(SearchRequest(per_page=1)).total)

        from portal.search.maintenance import rebuild_index

        assert rebuild_index(progress=progress) == 18
        assert seen and set(seen) == {18}
        assert search_cases(SearchRequest(text="møbler")).total == 1
        assert verify_index().ok


@pytest.mark.whoosh
def test_rebuild_swaps_atomically_and_searches_keep_answering(app):
    with app.app_context():
        before = backend().current_name()
        seen = []

        def progress(count: int) -> None:
            # Mid-rebuild, the live index still answers in full.
            seen.append(search_cases(SearchRequest(per_page=1)).total)

        from portal.search.maintenance import rebuild_index

        rebuild_index(progress=progress)
        after = backend().current_name()
        assert before != after
        assert seen and set(seen) == {18}
        assert not (backend().root / before).exists()
        assert not backend().journal.exists()  # writes go on without noting their ids
        assert search_cases(SearchRequest(text="møbler")).total == 1


def test_what_changes_while_a_rebuild_runs_is_in_the_new_index(app, monkeypatch):
    """A rebuild reads the cases as they were when it read them; a case unpublished or edited
    meanwhile is written to the index being replaced, and caught up in the new one."""
    from portal.search import maintenance

    with app.app_context():
        gone, edited = db.session.scalars(select(Case.slug).order_by(Case.id).limit(2)).all()
    assert _found(app, "sjokoladefabrikk") == []
    read = maintenance.published_documents

    def change() -> None:  # another request, in another thread
        with app.app_context():
            _case(gone).status = CaseStatus.UNPUBLISHED
            _case(edited).title = "Sjokoladefabrikk"
            db.session.commit()

    def documents(version=None):
        for number, doc in enumerate(read(version)):
            if number == 5:  # every case's document is made by now (they are read in batches)
                thread = threading.Thread(target=change)
                thread.start()
                thread.join()
            yield doc

    monkeypatch.setattr(maintenance, "published_documents", documents)
    with app.app_context():
        assert maintenance.rebuild_index() == 18
        assert search_cases(SearchRequest()).total == 17
        assert verify_index().ok
    assert _found(app, "sjokoladefabrikk") == [edited]
    assert gone not in _found(app, "")


@pytest.mark.whoosh
def test_a_crash_mid_rebuild_leaves_the_live_index_intact(app):
    with app.app_context():
        before = backend().current_name()

        def documents():
            yield from []
            raise RuntimeError("killed")

        with pytest.raises(RuntimeError, match="killed"):
            backend().rebuild(documents(), total=18)
        assert backend().current_name() == before
        assert [p.name for p in backend().root.iterdir() if p.name.startswith("index-")] == [before]
        assert not backend().journal.exists()
        assert search_cases(SearchRequest()).total == 18


def _publish_many(database: str, instance: str, prefix: str, count: int) -> None:
    from tests.conftest import make_app

    app = make_app(database, Path(instance))
    from tests.factories import Factory

    for n in range(count):
        with Factory(app).committing() as f:
            f.case(slug=f"{prefix}-{n}", title=f"Parallell {prefix} nummer {n}")


def test_two_processes_writing_at_once_lose_nothing(app, tmp_path):
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_publish_many, args=(database, app.instance_path, name, 15))
        for name in ("alfa", "beta")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with app.app_context():
        result = search_cases(SearchRequest(text="parallell", per_page=100))
        assert result.total == 30
        assert verify_index().ok


@pytest.mark.whoosh
def test_copying_the_fixture_index_is_independent(app, seeded_database):
    # Guard for the fixtures themselves: tests write to their own copy of the index.
    assert Path(app.instance_path, "search").exists()
    assert Path(app.instance_path) != seeded_database.folder
    shutil.rmtree(Path(app.instance_path, "search"))


@pytest.mark.whoosh
def test_after_edits_each_process_counts_what_a_fresh_process_would(app, factory):
    """The facet table is carried over from one index generation to the next (only new
    segments are read); after publishing, retagging and unpublishing it must be exactly the
    table a freshly started worker builds from the whole index."""
    from portal.search.whoosh_state import SearcherState
    from portal.taxonomy.models import Vocabulary

    def counts(text: str = "") -> dict:
        with app.app_context():
            return search_cases(SearchRequest(text=text, per_page=100)).facets

    before = counts()  # this process builds its table for the current generation
    counts("kontorstol")  # … and its vocabulary, to widen a rare word to its compounds
    with factory.committing() as f:
        new = f.case(title="Ombruk av kontorstoler", terms=[(Vocabulary.CATEGORY, "mobler")]).slug
    with app.app_context():
        sirkula = _case("sirkula-avtaleforvalter-sparte-4-4-millioner")
        sirkula.terms = [t for t in sirkula.terms if t.slug != "renovasjon-og-avfall"]
        _case("uio-belonner-cateringleverandorer-som-overoppfyller").status = CaseStatus.UNPUBLISHED
        db.session.commit()
    after = counts()
    assert after["category"]["mobler"] == before["category"]["mobler"] + 1
    assert after["category"]["renovasjon-og-avfall"] < before["category"]["renovasjon-og-avfall"]
    with app.app_context():
        state = backend()._state_now()
        state.facet_table()
        assert state.scanned < 5  # only what the edits wrote, not all 19 cases again
        fresh = SearcherState(state.name, state.ix)
        assert state.facet_table().masks == fresh.facet_table().masks
        assert state.doc_infos() == fresh.doc_infos()
        assert state.facet_table().by_date == fresh.facet_table().by_date
        assert state.facet_table().all == fresh.facet_table().all
        # Words and field lengths are kept per segment; they too match a fresh process's.
        assert state.text_vocabulary() == fresh.text_vocabulary()
        assert "kontorstol" in state.text_vocabulary()
        query = query_mod.build(
            query_mod.parse("ombruk kontorstoler"), synonyms=backend().synonyms()
        )
        assert (
            match_scores(state.searcher, query, state.per_segment).as_dict()
            == match_scores(fresh.searcher, query, fresh.per_segment).as_dict()
        )
        fresh.close()
    assert new in [h.slug for h in _hits(app, "kontorstoler")]
    assert "uio-belonner-cateringleverandorer-som-overoppfyller" not in [
        h.slug for h in _hits(app, "")
    ]


def _hits(app, text: str):
    with app.app_context():
        return search_cases(SearchRequest(text=text, per_page=100)).hits


@pytest.mark.whoosh
def test_an_index_that_stored_every_text_still_takes_edits_and_verify_asks_for_a_rebuild(
    app, monkeypatch
):
    """An index laid out before the digest (it stored the organisations, tags and topics)
    keeps taking edits until `flask search rebuild`."""
    from whoosh.fields import STORED

    from portal.search import whoosh_store
    from portal.search.whoosh_schema import make_schema

    def old_schema():
        schema = make_schema()
        schema.remove("digest")
        for name in ("organizations", "tags", "topics"):
            schema.add(name, STORED())
        return schema

    monkeypatch.setattr(whoosh_store, "make_schema", old_schema)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    monkeypatch.undo()
    with app.app_context():
        _case("ydalir-skole-samspillsentreprise").title = "Ydalir skole, en kvasibygning"
        db.session.commit()
    assert _found(app, "kvasibygning") == ["ydalir-skole-samspillsentreprise"]
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code != 0 and "layout is out of date" in result.output
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


@pytest.mark.whoosh
def test_an_index_from_before_the_columns_still_answers_and_verify_asks_for_a_rebuild(
    app, monkeypatch
):
    """An index written by an older version (ids and slugs without columns) is read from the
    stored documents until `flask search rebuild`, which `make run` runs when verify fails."""
    from whoosh.fields import ID

    from portal.search import whoosh_store
    from portal.search.whoosh_schema import make_schema

    def old_schema():
        schema = make_schema()
        schema.remove("id")
        schema.remove("slug")
        schema.add("id", ID(stored=True, unique=True))
        schema.add("slug", ID(stored=True))
        return schema

    monkeypatch.setattr(whoosh_store, "make_schema", old_schema)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert _found(app, "Ydalir") == ["ydalir-skole-samspillsentreprise"]
    with app.app_context():
        assert search_cases(SearchRequest(per_page=100)).total == 18  # browsing reads stored docs
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code != 0 and "layout is out of date" in result.output
    monkeypatch.undo()
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


@pytest.mark.whoosh
def test_segments_are_files_read_in_place_not_copies_in_every_worker(app, factory):
    """A compound segment is copied whole into the memory of each process that opens it
    (at 10 000 cases that doubled a worker's memory); a rebuild and an edit both write
    segments as separate files, which are read in place."""
    from portal.search.maintenance import rebuild_index

    with app.app_context():
        rebuild_index()
    with factory.committing() as f:
        f.case(title="Ombruk av kontorpulter")
    with app.app_context():
        leaves = backend()._state_now().searcher.reader().leaf_readers()
        segments = [leaf._segment for leaf, _offset in leaves]
        assert len(segments) >= 2  # the rebuild's and the edit's
        assert not any(segment.is_compound() for segment in segments)
        assert _found(app, "kontorpulter")


@pytest.mark.whoosh
def test_every_segment_has_its_postings_arrays_and_they_go_with_it(app, factory):
    """A rebuild and every edit write the postings arrays of the segments they make, and a
    search reads them; Whoosh deletes them with their segment when segments merge."""
    from portal.search.maintenance import rebuild_index

    with app.app_context():
        rebuild_index()
    for number in range(12):  # enough edits for Whoosh to merge small segments
        with factory.committing() as f:
            f.case(title=f"Ombruk av kontorpulter nummer {number}")
    with app.app_context():
        state = backend()._state_now()
        folder = Path(state.ix.storage.folder)
        segments = {
            leaf._segment.segment_id() for leaf, _ in state.searcher.reader().leaf_readers()
        }
        kept = {path.name.split(".")[0] for path in folder.glob("*.arrays_content_terms.pickle")}
        assert len(segments) < 13  # the rebuild's and twelve edits', some merged since
        assert kept == segments
        assert len(list(folder.glob("*.arrays_content_*.npy"))) == 3 * len(segments)
        assert len(_found(app, "kontorpulter")) == 12
        assert _found(app, '"ombruk av kontorpulter"')
        assert all(("arrays", "content") in state.per_segment.of(segment) for segment in segments)


def test_a_search_again_is_answered_from_memory_until_the_index_changes(app, factory):
    """The same search is made once per index generation; any write to the index starts a
    new generation, so no result outlives a change."""
    engine = app.extensions["search"]
    searched: list[str] = []
    original = engine.search
    engine.search = lambda request: searched.append(request.text) or original(request)
    try:
        assert _found(app, "kontorstoler") == []
        assert _found(app, "kontorstoler") == []
        assert searched.count("kontorstoler") == 1  # the second came from memory
        with factory.committing() as f:
            slug = f.case(title="Ombruk av kontorstoler").slug
        assert _found(app, "kontorstoler") == [slug]
        assert searched.count("kontorstoler") == 2
    finally:
        del engine.search


@pytest.mark.whoosh
def test_without_the_postings_arrays_searches_answer_the_same_and_verify_says_so(app):
    """Arrays lost (an index from before them, or a writer stopped after its commit): every
    search answers exactly as before from Whoosh's own blocks, and verify asks for a rebuild,
    which writes them again."""
    from portal.search.maintenance import rebuild_index

    queries = ["ombruk", '"åpen bok"', "bonus malus renhold", "leverandør dialog"]
    with app.app_context():
        folder = Path(backend()._state_now().ix.storage.folder)
        before = {text: _found(app, text) for text in queries}
        assert verify_index().ok
        for path in folder.glob("*.arrays_*"):
            path.unlink()
        backend().close()  # as a new process: nothing kept of the arrays, no results
        app.extensions.pop("search_results", None)
        assert {text: _found(app, text) for text in queries} == before
        report = verify_index()
        assert not report.ok and any("postings arrays missing" in s for s in report.stale)
        rebuild_index()
        assert verify_index().ok
        assert {text: _found(app, text) for text in queries} == before


@pytest.mark.whoosh
def test_an_index_with_numbers_for_version_and_date_answers_takes_edits_and_asks_for_a_rebuild(
    app, monkeypatch, factory
):
    """The layout before version and date stopped being indexed as numbers: such an index
    lists by date as a rebuilt one does and takes edits, and verify asks for a rebuild."""
    from whoosh.fields import NUMERIC

    from portal.search import whoosh_store
    from portal.search.whoosh_schema import make_schema

    def numbers_schema():
        schema = make_schema()
        schema.remove("version")
        schema.remove("published")
        schema.add("version", NUMERIC(bits=64, stored=True, signed=False))
        schema.add("published", NUMERIC(bits=64, stored=True, sortable=True))
        return schema

    runner = app.test_cli_runner()
    newest = [h.slug for h in _newest(app)]
    monkeypatch.setattr(whoosh_store, "make_schema", numbers_schema)
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    monkeypatch.undo()
    assert [h.slug for h in _newest(app)] == newest
    with factory.committing() as f:
        f.case(slug="kantine-med-sesongmat", title="Kantinedrift med sesongmat")
    assert _found(app, "sesongmat") == ["kantine-med-sesongmat"]
    assert [h.slug for h in _newest(app)][0] == "kantine-med-sesongmat"
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code != 0 and "layout is out of date" in result.output


def _newest(app):
    with app.app_context():
        return search_cases(SearchRequest(sort="newest", per_page=100)).hits
