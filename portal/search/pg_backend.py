"""Search backend on PostgreSQL full-text search (PORTAL_SEARCH_BACKEND=postgres).

Any number of web servers share one index with no files: the tables in pg_tables.py, written
in the same transaction as the cases (pg_store.py). The query is the Whoosh backend's: the same
parsing, compound expansion (from the term counts, through a trigram index), synonyms and
partial matches when no case has every word, written as a `tsquery` (pg_text.py). Hits are
ranked by `ts_rank_cd` with the field weights, then newest first; facets are counted with
every other filter applied; highlights are made in Python from the stored text, exactly as the
Whoosh backend makes them; "Mente du" suggestions come from the spelling words by trigram
similarity, ordered by edit distance and then by use.

Where the answers differ: the ranking. Whoosh scores with BM25F on a field written 4:3:2:1
times; ts_rank_cd weighs each occurrence by its field and its proximity to the others. The
search tests check the same hits and order on the seed; the relevance test holds both to the
same floors.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from flask import g, has_request_context
from sqlalchemy import REAL, Connection, Engine, Text, and_, cast, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, array

from portal.search import pg_store
from portal.search import query as query_mod
from portal.search.backend import (
    Hit,
    Progress,
    SearchRequest,
    SearchResult,
    VerifyReport,
)
from portal.search.excerpts import highlights_of
from portal.search.pg_tables import search_documents as docs
from portal.search.pg_tables import search_facets, search_spellings, search_terms
from portal.search.pg_text import RANK_WEIGHTS, tsquery
from portal.search.presenting import LiveWordsCorrector, suggest_spelling
from portal.taxonomy.facets import FACET_FIELDS

SUGGESTION_CANDIDATES = 40
COMPARED = ("slug", "title", "summary", "organizations", "tags", "topics", "body")


class PostgresBackend:
    name = "postgres"
    transactional = True  # documents are written in the transaction that changes the case

    def __init__(self, engine: Engine, synonyms_path: Path) -> None:
        self.engine = engine
        self.synonym_file = query_mod.SynonymFile(synonyms_path)
        self._generation: int | None = None
        self._expansions: dict[str, list[str]] = {}

    # -- writing ---------------------------------------------------------------------------

    def apply(self, upserts: list[dict[str, Any]], deletes: Mapping[str, int],
              connection: Connection | None = None) -> None:  # fmt: skip
        if connection is not None:
            pg_store.apply(connection, upserts, deletes)
            return
        with self.engine.begin() as own:
            pg_store.apply(own, upserts, deletes)

    def rebuilding(self, *, wait: bool = True) -> AbstractContextManager[None]:
        return pg_store.rebuild_lock(self.engine, wait=wait)

    def rebuild(self, documents: Iterator[dict[str, Any]], total: int,
                progress: Progress | None = None) -> str | None:  # fmt: skip
        pg_store.rebuild(self.engine, documents, total, progress)
        return None  # nothing was swapped out: there is no old index to catch up from

    def written_during_rebuild(self, retired: str | None) -> set[str]:
        return set()

    def drop(self, name: str) -> None:
        """Nothing to drop: the rebuild rewrote the documents in place."""

    def close(self) -> None:
        """Nothing held open: the index is the database's."""

    def sharing_topics(self, topics: Mapping[tuple[str, str], int], wanted: int) -> None:
        """Not kept here: the caller asks the database (see SearchBackend.sharing_topics)."""
        return None

    def topic_counts(self, topics: Iterable[tuple[str, str]]) -> None:
        """Not kept here: the caller counts in the database (see SearchBackend.topic_counts)."""
        return None

    # -- state -----------------------------------------------------------------------------

    def generation(self) -> tuple[Hashable, int]:
        if (known := _read_this_request()) is not None:
            return known
        with self.engine.connect() as connection:
            return self._check_generation(connection)

    def synonyms(self) -> query_mod.Synonyms:
        return self.synonym_file.current()

    # -- reading ---------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        parsed = query_mod.parse(request.text)
        with self.engine.connect() as connection:
            _generation, documents = self._check_generation(connection)
            partial = False
            text_query = None
            if not parsed.is_empty:
                units = self._units(connection, parsed, documents)
                text_query = tsquery(units, require_all=True)
                if parsed.unit_count > 1 and not self._any(connection, text_query):
                    loose = tsquery(units, require_all=False)
                    if self._any(connection, loose):
                        text_query, partial = loose, True
            result = self._run(connection, request, text_query, documents)
            result.partial = partial
            result.truncated = parsed.truncated
            if text_query is not None and request.highlight:
                terms = frozenset(t for unit in units for alt in unit for t in alt)
                stored = self._stored(connection, [hit.case_id for hit in result.hits])
                for hit in result.hits:
                    hit.highlights = highlights_of(stored.get(hit.case_id, {}), terms)
            if request.text and (not result.total or partial):
                result.suggestion = self._suggest(connection, request.text)
        return result

    def _check_generation(self, connection: Connection) -> tuple[int, int]:
        """The index's generation and size, read once per request (the page cache, the health
        check and the search all ask); a new generation empties this process's caches."""
        if (known := _read_this_request()) is not None:
            return known
        generation, documents, _analysis = pg_store.generation(connection)
        if generation != self._generation:
            self._generation = generation
            self._expansions.clear()
        if has_request_context():
            g.search_state = (generation, documents)
        return generation, documents

    def _units(self, connection: Connection, parsed: query_mod.ParsedQuery, documents: int):
        def expand(term: str) -> list[str]:
            return self._expand(connection, term, documents)

        return query_mod.units(parsed, synonyms=self.synonyms(), expand=expand)

    def _expand(self, connection: Connection, term: str, total: int) -> list[str]:
        """Compound expansions, as the Whoosh backend finds them (common words stay as they are)."""
        if term in self._expansions:
            return self._expansions[term]
        frequency = connection.execute(
            select(search_terms.c.ndoc).where(search_terms.c.term == term)
        ).scalar() or 0  # fmt: skip
        found: list[str] = []
        if frequency <= max(50, total // 50) and len(term) >= query_mod.MIN_COMPOUND_PART:
            variants = {term}
            if term.endswith("l") and term[-2] not in "aeiouyæøå":
                variants.add(term[:-1] + "el")
            like = [
                clause
                for v in variants
                for clause in (search_terms.c.term.like(f"%{_escape_like(v)}", escape="\\"),
                               search_terms.c.term.like(f"{_escape_like(v)}%", escape="\\"))
            ]  # fmt: skip
            candidates = connection.execute(
                select(search_terms.c.term).where(or_(*like))
                .order_by(search_terms.c.ndoc.desc(), search_terms.c.term)
            ).scalars().all()  # fmt: skip
            found = query_mod.compound_expansions(term, list(candidates))
        if len(self._expansions) > 50_000:
            self._expansions.clear()
        self._expansions[term] = found
        return found

    @staticmethod
    def _any(connection: Connection, text_query: str) -> bool:
        return connection.execute(
            select(literal(1)).select_from(docs).where(_matches(text_query)).limit(1)
        ).first() is not None  # fmt: skip

    def _run(self, connection: Connection, request: SearchRequest, text_query: str | None,
             documents: int) -> SearchResult:  # fmt: skip
        base = [_matches(text_query)] if text_query else []
        if request.only_ids is not None:
            base.append(docs.c.case_id.in_(sorted(request.only_ids)))
        chosen = {f: list(v) for f, v in request.filters.items() if v and f in FACET_FIELDS}
        conditions = {f: docs.c.facets.overlap(literal([f"{f}:{v}" for v in values], ARRAY(Text)))
                      for f, values in chosen.items()}  # fmt: skip
        if request.year_from is not None or request.year_to is not None:
            low, high = request.year_from or 0, request.year_to or 9999
            in_range = docs.c.year.between(low, high)
            conditions["year"] = and_(conditions["year"], in_range) if "year" in conditions \
                else in_range  # fmt: skip
        everything = and_(true(), *base, *conditions.values())
        rank = _rank(text_query) if text_query else None
        order = [docs.c.published.desc(), docs.c.case_id.desc()]
        if rank is not None and request.sort == "relevance":
            order = [rank.desc(), docs.c.published.desc(), docs.c.case_id]
        start = (max(request.page, 1) - 1) * request.per_page
        columns = [docs.c.case_id, docs.c.slug]
        if rank is not None:
            # Ranking reads every match anyway: counting them in the same pass is free.
            columns += [rank.label("score"), func.count().over().label("total")]
        page = connection.execute(
            select(*columns).where(everything).order_by(*order)
            .offset(start).limit(request.per_page)
        ).all()  # fmt: skip
        if rank is not None and page:
            total = page[0].total
        elif not base and not conditions:
            total = documents  # browsing everything: the count the index keeps
        else:
            total = connection.execute(
                select(func.count()).select_from(docs).where(everything)
            ).scalar()  # fmt: skip
        hits = [Hit(case_id=r.case_id, slug=r.slug,
                    score=float(r.score) if rank is not None else None, highlights={})
                for r in page]  # fmt: skip
        return SearchResult(total=total or 0, hits=hits,
                            facets=self._facets(connection, base, conditions))  # fmt: skip

    @staticmethod
    def _facets(connection: Connection, base: list, conditions: dict) -> dict[str, dict[str, int]]:
        """Per facet, its values' counts under the text and every *other* filter."""
        counts: dict[str, dict[str, int]] = {f: {} for f in FACET_FIELDS}
        # One count for the facets nobody filters on, and one per facet that is filtered.
        groups: dict[str | None, list[str]] = {None: [f for f in FACET_FIELDS
                                                      if f not in conditions]}  # fmt: skip
        for facet in conditions:
            if facet in FACET_FIELDS:
                groups[facet] = [facet]
        queries = []
        for excluded, facets in groups.items():
            if not facets:
                continue
            others = [c for f, c in conditions.items() if f != excluded]
            if not base and not others:
                # Over every document: the counts kept up to date by every write.
                value, count = search_facets.c.value, search_facets.c.ndoc
                query = select(value, count)
            else:
                inner = (
                    select(func.unnest(docs.c.facets).label("value"))
                    .where(and_(true(), *base, *others))
                    .subquery()
                )
                value = inner.c.value
                query = select(value, func.count()).group_by(value)
            if len(facets) < len(FACET_FIELDS):
                query = query.where(or_(*(value.startswith(f"{f}:") for f in facets)))
            queries.append(query)
        for query in queries:
            for value, n in connection.execute(query):
                facet, _, key = value.partition(":")
                counts[facet][key] = n
        return counts

    def _stored(self, connection: Connection, ids: list[int]) -> dict[int, dict[str, str]]:
        if not ids:
            return {}
        rows = connection.execute(
            select(docs.c.case_id, docs.c.title, docs.c.summary, docs.c.body)
            .where(docs.c.case_id.in_(ids))
        )  # fmt: skip
        return {r.case_id: {"title": r.title, "summary": r.summary, "body": r.body} for r in rows}

    def _suggest(self, connection: Connection, typed: str) -> str | None:
        """Replace words the index has never seen with the closest word it has."""

        def nearest(word: str) -> list[str]:
            candidates = dict(connection.execute(
                select(search_spellings.c.word, search_spellings.c.ndoc)
                .where(func.similarity(search_spellings.c.word, word) > 0.1)
                .order_by(search_spellings.c.word.op("<->")(word))
                .limit(SUGGESTION_CANDIDATES)
            ).all())  # fmt: skip
            return LiveWordsCorrector(candidates).suggest(word, limit=1, maxdist=2)

        return suggest_spelling(
            typed, lambda word, terms: self._known(connection, word, terms), nearest
        )

    @staticmethod
    def _known(connection: Connection, word: str, analysed: list[str]) -> bool:
        spelled = select(literal(1)).where(search_spellings.c.word == word)
        if connection.execute(spelled).first():
            return True
        if analysed:
            stem = select(literal(1)).where(search_terms.c.term == analysed[0])
            return connection.execute(stem).first() is not None
        return False

    def more_like(self, text: str, limit: int) -> list[Hit]:
        """Cases whose words overlap most with the given text (for suggestions)."""
        parsed = query_mod.parse(text)
        if parsed.is_empty:
            return []
        loose = tsquery(query_mod.units(parsed, synonyms=self.synonyms()), require_all=False)
        rank = _rank(loose)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(docs.c.case_id, docs.c.slug, rank.label("score"))
                .where(_matches(loose))
                .order_by(rank.desc(), docs.c.published.desc(), docs.c.case_id)
                .limit(limit)
            ).all()  # fmt: skip
        return [Hit(case_id=r.case_id, slug=r.slug, score=float(r.score), highlights={})
                for r in rows]  # fmt: skip

    def verify(self, documents: Iterable[dict[str, Any]]) -> VerifyReport:
        """Compare the index with the documents the database would produce."""
        report = VerifyReport()
        with self.engine.connect() as connection:
            _generation, _count, analysis = pg_store.generation(connection)
            if analysis != pg_store.ANALYSIS_VERSION:
                report.stale.append("(the index was written by another analysis: "
                                    "run `flask search rebuild`)")  # fmt: skip
            indexed = {str(r.case_id): r for r in pg_store.stored_documents(connection)}
        for doc in documents:
            stored = indexed.pop(doc["id"], None)
            if stored is None:
                report.missing.append(doc["slug"])
                continue
            same = all((getattr(stored, k) or "") == (doc.get(k) or "") for k in COMPARED)
            if not same or sorted(stored.facets) != sorted(pg_store.facet_values(doc)):
                report.stale.append(doc["slug"])
        report.extra.extend(sorted(stored.slug for stored in indexed.values()))
        return report


def _read_this_request() -> tuple[int, int] | None:
    return g.get("search_state") if has_request_context() else None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tsquery(literal_text: str):
    return cast(literal(literal_text, Text), TSQUERY)


def _rank(literal_text: str):
    """ts_rank_cd with the field weights and no length normalisation (on the relevance test's
    56 queries, dividing by the length ranked a long case with many mentions in its body above
    one that names the thing in its title)."""
    weights = cast(array([literal(w, REAL) for w in RANK_WEIGHTS]), ARRAY(REAL))
    return func.ts_rank_cd(weights, docs.c.terms, _tsquery(literal_text))


def _matches(literal_text: str):
    return docs.c.terms.op("@@")(_tsquery(literal_text))
