"""Writing the PostgreSQL search index: documents, term counts, the generation, rebuilds.

Writes happen in the transaction that changes the cases (the session events hand in its
connection), so the index never lags behind a commit and a rollback takes the index change
back with it. Rows are locked in one order (documents, then terms and spellings sorted, then
the state row), so two writers never deadlock on each other.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.operations.locks import Busy, advisory
from portal.search.backend import Progress, RebuildRunning
from portal.search.pg_tables import (
    search_documents,
    search_facets,
    search_spellings,
    search_state,
    search_terms,
)
from portal.search.pg_text import document_terms, spelling_words
from portal.taxonomy.facets import FACET_FIELDS

# Bumped whenever the analysis or the document layout changes: `verify` then asks for a rebuild.
ANALYSIS_VERSION = 1
BATCH = 500
# Lists of each document whose values are counted over all documents: the index terms (for
# compound expansion), the spelling words (suggestions) and the facet values (browsing).
COUNTED = {
    "term_list": (search_terms, "term"),
    "spell_list": (search_spellings, "word"),
    "facets": (search_facets, "value"),
}
PARALLEL_FROM = 2_000  # documents; below this, starting worker processes costs more


def facet_values(doc: dict[str, Any]) -> list[str]:
    return [f"{name}:{value}" for name in FACET_FIELDS
            for value in (doc.get(name) or "").split(",") if value]  # fmt: skip


def row_of(doc: dict[str, Any]) -> dict[str, Any]:
    vector, terms = document_terms(doc)
    return {
        "case_id": int(doc["id"]), "slug": doc["slug"], "version": doc["version"],
        "published": doc["published"], "year": int(doc["year"]) if doc.get("year") else None,
        "title": doc["title"], "summary": doc["summary"], "organizations": doc["organizations"],
        "tags": doc["tags"], "topics": doc["topics"], "body": doc["body"],
        "facets": facet_values(doc), "term_list": terms, "spell_list": spelling_words(doc),
        "terms": vector,
    }  # fmt: skip


def _upsert(rows: list[dict[str, Any]]):
    statement = insert(search_documents).values(
        [{**row, "terms": func.cast(row["terms"], search_documents.c.terms.type)} for row in rows]
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[search_documents.c.case_id],
        set_={c.name: excluded[c.name] for c in search_documents.c if c.name != "case_id"},
        where=search_documents.c.version <= excluded.version,  # a late writer never wins
    ).returning(search_documents.c.case_id)


def _apply_counts(connection: Connection, table, key: str, deltas: Counter) -> None:
    changed = sorted(word for word, n in deltas.items() if n)
    if not changed:
        return
    statement = insert(table).values([{key: w, "ndoc": deltas[w]} for w in changed])
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[key]], set_={"ndoc": table.c.ndoc + statement.excluded.ndoc}
        )
    )
    connection.execute(delete(table).where(table.c[key].in_(changed), table.c.ndoc <= 0))


def apply(
    connection: Connection, upserts: list[dict[str, Any]], deletes: Mapping[str, int]
) -> None:
    """Add, replace and remove documents (newer versions winning), with the word counts."""
    rows = {int(doc["id"]): row_of(doc) for doc in upserts}
    gone = {int(i): v for i, v in deletes.items() if int(i) not in rows}
    ids = sorted({*rows, *gone})
    if not ids:
        return
    old = {
        r.case_id: r
        for r in connection.execute(
            select(search_documents.c.case_id, search_documents.c.version,
                   *(search_documents.c[column] for column in COUNTED))
            .where(search_documents.c.case_id.in_(ids))
            .order_by(search_documents.c.case_id)
            .with_for_update()
        )
    }  # fmt: skip
    deltas: dict[str, Counter] = {column: Counter() for column in COUNTED}
    written: set[int] = set()
    if rows:
        ordered = [rows[i] for i in sorted(rows)]
        written = set(connection.execute(_upsert(ordered)).scalars())
    for case_id in written:
        for column, delta in deltas.items():
            delta.update(rows[case_id][column])
    removed = [i for i, version in gone.items() if i in old and old[i].version <= version]
    if removed:
        connection.execute(delete(search_documents).where(search_documents.c.case_id.in_(removed)))
    for case_id in [*written, *removed]:
        if case_id in old:
            for column, delta in deltas.items():
                delta.subtract(getattr(old[case_id], column))
    for column, (table, key) in COUNTED.items():  # always in this order: no deadlocks
        _apply_counts(connection, table, key, deltas[column])
    if written or removed:
        bump(connection, added=len(written - old.keys()) - len(removed))


def bump(connection: Connection, added: int | None = None) -> None:
    """A new generation of the index. Its document count changes by `added`; without it (a
    rebuild, a repair) the documents are counted afresh."""
    if added is None:
        documents = select(func.count()).select_from(search_documents).scalar_subquery()
    else:
        documents = search_state.c.documents + added
    connection.execute(
        update(search_state).where(search_state.c.id == 1)
        .values(generation=search_state.c.generation + 1, documents=documents)
    )  # fmt: skip


def generation(connection: Connection) -> tuple[int, int, int]:
    row = connection.execute(
        select(search_state.c.generation, search_state.c.documents, search_state.c.analysis)
        .where(search_state.c.id == 1)
    ).one()  # fmt: skip
    return row.generation, row.documents, row.analysis


@contextmanager
def rebuild_lock(engine: Engine, *, wait: bool) -> Iterator[None]:
    """One rebuild at a time across every web server."""
    try:
        with advisory(engine, "search-rebuild", wait=wait):
            yield
    except Busy as error:
        raise RebuildRunning("a rebuild of the search index is running") from error


def rows_of(documents: list[dict[str, Any]], version: int) -> list[dict[str, Any]]:
    return [row_of({**doc, "version": version}) for doc in documents]


def _batches(documents: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for doc in documents:
        batch.append(doc)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _analysed(documents: Iterator[dict[str, Any]], version: int, total: int):
    """Rows batch by batch, in order. The analysis is the cost, so a large rebuild analyses in
    worker processes (started fresh: a forked copy of the database connections must never
    be touched), a few batches in flight, never the whole bank in memory."""
    workers = min(4, os.cpu_count() or 1)
    if total < PARALLEL_FROM or workers < 2:
        for batch in _batches(documents):
            yield rows_of(batch, version)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque = deque()
        for batch in _batches(documents):
            pending.append(pool.submit(rows_of, batch, version))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def rebuild(engine: Engine, documents: Iterator[dict[str, Any]], total: int,
            progress: Progress | None = None) -> None:  # fmt: skip
    """Write every document again in batches (each its own transaction, so the site keeps
    serving and writing), then remove documents of cases not published now and recount the
    words. A case changed meanwhile keeps the newer document its own transaction wrote; one
    unpublished meanwhile may have been written again after its removal, and goes then."""
    started = time.time_ns()
    done = 0
    for rows in _analysed(documents, started, total):
        with engine.begin() as connection:
            connection.execute(_upsert(rows))
        done += len(rows)
        if progress:
            progress(done)
    with engine.begin() as connection:
        # Cases gone before the rebuild read them, or unpublished since (as committed now).
        published = visible_cases(None).with_only_columns(Case.id)
        connection.execute(
            delete(search_documents).where(search_documents.c.case_id.not_in(published))
        )
        tables = ", ".join(table.name for table, _key in COUNTED.values())
        connection.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
        for column, (table, key) in COUNTED.items():
            connection.execute(delete(table))
            connection.execute(text(
                f"INSERT INTO {table.name} ({key}, ndoc) SELECT w, count(*) "  # noqa: S608
                f"FROM search_documents, unnest({column}) AS w GROUP BY w"
            ))  # fmt: skip
        bump(connection)
        connection.execute(
            update(search_state).where(search_state.c.id == 1).values(analysis=ANALYSIS_VERSION)
        )


def stored_documents(connection: Connection) -> Iterator[Any]:
    columns = [c for c in search_documents.c if c.name not in ("terms", "term_list", "spell_list")]
    yield from connection.execute(
        select(*columns).order_by(search_documents.c.case_id).execution_options(yield_per=BATCH)
    )
