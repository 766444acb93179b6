"""Whoosh implementation of the search backend: reading the live index (search, facets,
highlights, spelling) on top of the store that writes it."""

from __future__ import annotations

import heapq
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from flask import g, has_request_context

from portal.search import query as query_mod
from portal.search import whoosh_postings
from portal.search.backend import Hit, SearchRequest, SearchResult, VerifyReport
from portal.search.excerpts import highlights_of
from portal.search.presenting import suggest_spelling
from portal.search.whoosh_facets import mask, mask_of, members
from portal.search.whoosh_schema import make_schema, whoosh_document
from portal.search.whoosh_scoring import CLOSE, Leaves, Matches, match_scores
from portal.search.whoosh_state import SearcherState
from portal.search.whoosh_store import IndexStore
from portal.search.whoosh_ties import settle_ties
from portal.taxonomy.facets import FACET_FIELDS

# Seconds after which a file's time is trusted to move with any further change (_marks).
SETTLED = 2


class WhooshBackend(IndexStore):
    """Search backend on a Whoosh index in `root`."""

    name = "whoosh"
    transactional = False

    def __init__(self, root: Path, synonyms_path: Path) -> None:
        super().__init__(root)
        self.synonym_file = query_mod.SynonymFile(synonyms_path)
        self._state: SearcherState | None = None
        self._lock = threading.Lock()
        self._unchanged_since: tuple | None = None
        self._pointer_path = str(self.pointer)

    def _state_now(self) -> SearcherState:
        """The process's searcher, reopened when CURRENT moved and refreshed when written.

        Looked at once per request: a page reads one generation of the index throughout
        (its count, facets, hits and related topics agree), and the files are not asked
        again for each part of it. What this process writes is seen at once."""
        if not has_request_context():
            return self._state_checked()
        seen = g.get("whoosh_state")
        if seen is not None and seen[0] is self and seen[1] == self.writes:
            return seen[2]
        state = self._state_checked()
        g.whoosh_state = (self, self.writes, state)
        return state

    def _state_checked(self) -> SearcherState:
        """The searcher, after looking at the files (or only at their times: `_marks`)."""
        with self._lock:
            marks = self._marks()
            if marks is not None and marks == self._unchanged_since:
                return self._state  # type: ignore[return-value]
            name = self.current_name()
            if self._state is None or self._state.name != name or name is None:
                if self._state is not None:
                    self._state.close()
                opened_name, ix = self._open_live()
                self._state = SearcherState(opened_name, ix)
            else:
                self._state.refresh_if_changed()
            self._unchanged_since = self._marks()
            return self._state

    def _marks(self) -> tuple | None:
        """What any change to the live index changes: the CURRENT pointer (replaced by a
        rebuild) and the index's directory (every commit writes a new table of contents into
        it), and what this process wrote. Two stat calls instead of reading CURRENT and
        listing the directory on every request. None while either changed in the last
        `SETTLED` seconds: file times are coarse, so a change soon after a look might not move
        them, and then the files are read as before."""
        if self._state is None:
            return None
        try:
            pointer = os.stat(self._pointer_path)
            folder = os.stat(self._state.folder)
        except OSError:
            return None
        if time.time_ns() - max(pointer.st_mtime_ns, folder.st_mtime_ns) < SETTLED * 10**9:
            return None
        return (pointer.st_ino, pointer.st_mtime_ns, folder.st_mtime_ns, self.writes)

    def close(self) -> None:
        with self._lock:
            if self._state is not None:
                self._state.close()
                self._state = None

    def generation(self) -> tuple[tuple[str, int], int]:
        """Which index generation this process reads, and how many documents it holds."""
        state = self._state_now()
        return (state.name, state.searcher.reader().generation()), state.searcher.doc_count()

    def synonyms(self) -> query_mod.Synonyms:
        return self.synonym_file.current()

    # -- reading ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        state = self._state_now()
        docs = state.doc_infos()
        table = state.facet_table()
        parsed = query_mod.parse(request.text)
        partial = False
        text_query = None
        scores = Matches.empty()
        leaves: Leaves = {}
        if parsed.is_empty:
            candidates = table.all
        else:
            synonyms = self.synonyms()
            text_query = query_mod.build(parsed, synonyms=synonyms, expand=state.expand)
            # One scored pass over every match: its document numbers give the total and the
            # facet counts, its scores the ranking (a second, filtered pass costs as much again).
            scores = match_scores(state.searcher, text_query, state.per_segment, leaves)
            if not scores and parsed.unit_count > 1:
                text_query = query_mod.build(
                    parsed, synonyms=synonyms, expand=state.expand, require_all=False
                )
                leaves.clear()
                scores = match_scores(state.searcher, text_query, state.per_segment, leaves)
                partial = bool(scores)
            candidates = mask_of(scores.docs)

        if request.only_ids is not None:
            ids = request.only_ids
            candidates &= mask(d for d, info in docs.items() if info.case_id in ids)
        filters = {f: set(v) for f, v in request.filters.items() if v and f in FACET_FIELDS}
        if request.year_from is not None or request.year_to is not None:
            low, high = request.year_from or 0, request.year_to or 9999
            in_range = {y for y in table.masks["year"] if low <= int(y) <= high}
            filters["year"] = filters["year"] & in_range if "year" in filters else in_range
        matching, facets = table.counts(candidates, filters)
        total = matching.bit_count()
        per_page = request.per_page
        start = (max(request.page, 1) - 1) * per_page
        wanted = start + per_page
        if text_query is not None and request.sort == "relevance":
            # Without filters every scored document matches; with them, list the survivors.
            pool = scores if matching == candidates else scores.among(members(matching))
            page_docs, page_scores = _ranked(state, text_query, pool, wanted, leaves)
            page_docs = page_docs[start:]
        else:
            page_docs = table.newest_first(matching, total, wanted)[start:]
            page_scores = scores.among(page_docs).as_dict() if text_query is not None else {}
        terms = query_mod.highlight_terms(text_query) if text_query is not None else frozenset()
        hits = []
        for docnum in page_docs:
            info = docs[docnum]
            hits.append(
                Hit(
                    case_id=info.case_id,
                    slug=info.slug,
                    score=page_scores.get(docnum),
                    document_key=state.document_key(docnum),
                    highlights=self._highlights(state, docnum, terms)
                    if terms and request.highlight
                    else {},
                )
            )
        suggestion = None
        if request.text and (not total or partial):
            suggestion = self._suggest(state, request.text)
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            partial=partial,
            suggestion=suggestion,
            truncated=parsed.truncated,
        )

    def _highlights(self, state: SearcherState, docnum: int, terms: frozenset[str]) -> dict:
        return highlights_of(state.stored_fields(docnum), terms)

    def _suggest(self, state: SearcherState, text: str) -> str | None:
        """Replace words the index has never seen with the closest word it has."""
        known = state.spelling_words()
        stems = state.vocabulary_set()
        corrector = state.corrector()
        return suggest_spelling(
            text,
            lambda word, terms: word in known or bool(terms and terms[0] in stems),
            lambda word: corrector.suggest(word, limit=1, maxdist=2),
        )

    def sharing_topics(
        self, topics: Mapping[tuple[str, str], int], wanted: int
    ) -> list[tuple[int, int]]:
        state = self._state_now()
        docs = state.doc_infos()
        found = state.facet_table().sharing(topics, wanted)
        return [(docs[docnum].case_id, weight) for docnum, weight in found]

    def topic_counts(self, topics: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        masks = self._state_now().facet_table().masks
        return {(facet, value): masks.get(facet, {}).get(value, 0).bit_count()
                for facet, value in topics}  # fmt: skip

    def more_like(self, text: str, limit: int) -> list[Hit]:
        """Cases whose words overlap most with the given text (for suggestions)."""
        parsed = query_mod.parse(text)
        if parsed.is_empty:
            return []
        state = self._state_now()
        loose = query_mod.build(parsed, synonyms=self.synonyms(), require_all=False)
        docs = state.doc_infos()
        return [
            Hit(case_id=docs[h.docnum].case_id, slug=docs[h.docnum].slug, score=h.score,
                highlights={})
            for h in state.searcher.search(loose, limit=limit)
        ]  # fmt: skip

    def verify(self, documents: Iterable[dict[str, Any]]) -> VerifyReport:
        """Compare the live index with the documents the database would produce."""
        self.clean_leftovers()
        state = self._state_now()
        reader = state.searcher.reader()
        indexed: dict[str, dict[str, Any]] = {
            stored["id"]: stored for _docnum, stored in reader.iter_docs()
        }
        report = VerifyReport()
        if _layout_of(state.ix.schema) != _layout_of(make_schema()):
            # Written by an older version of the portal: everything must be re-indexed.
            report.stale.append("(the index layout is out of date: run `flask search rebuild`)")
        without = whoosh_postings.segments_without_arrays(state.ix, state.ix.storage.folder)
        if without:
            # Written before the arrays, or a writer stopped between its commit and them:
            # searches still answer (from Whoosh's blocks), only more slowly.
            report.stale.append(
                f"(postings arrays missing for {len(without)} segment(s): "
                "run `flask search rebuild`)"
            )
        # "content" is not stored; it is made from the fields compared here (the digest
        # stands for the rest).
        compared = ("slug", "title", "summary", "body", "digest")
        current = set(make_schema().names())
        for doc in (whoosh_document(d, current) for d in documents):
            stored = indexed.pop(doc["id"], None)
            if stored is None:
                report.missing.append(doc["slug"])
            elif any((stored.get(k) or "") != (doc.get(k) or "") for k in compared):
                report.stale.append(doc["slug"])
        report.extra.extend(sorted(stored["slug"] for stored in indexed.values()))
        return report


def _ranked(state: SearcherState, text_query, pool: Matches, wanted: int,
            leaves: Leaves) -> tuple[list[int], dict[int, float]]:  # fmt: skip
    """The `wanted` best documents of the pool (highest score, then newest, then lowest case id),
    with their scores.

    The scores are Whoosh's up to rounding (whoosh_scoring.py). Where two documents near the
    last place score within rounding of each other, their order depends on that last bit:
    `settle_ties` gives them Whoosh's own scores, so the order is the one Whoosh's scores give.
    """
    if not len(pool) or wanted <= 0:
        return [], {}
    scores = pool.scores
    # The score of the `wanted`-th best, without sorting them all.
    last = float(-np.partition(-scores, wanted - 1)[wanted - 1] if len(scores) > wanted
                 else scores.min())  # fmt: skip
    at = np.flatnonzero(scores >= last - max(abs(last), 1.0) * CLOSE)
    near = dict(zip(pool.docs[at].tolist(), scores[at].tolist(), strict=True))
    near.update(settle_ties(state.searcher, text_query, near, leaves))
    docs = state.doc_infos()
    best = heapq.nsmallest(
        wanted, near, key=lambda d: (-near[d], -docs[d].published, docs[d].case_id)
    )
    return best, near


def _layout_of(schema) -> dict[str, tuple[str, bool]]:
    """Each field's type and whether it has a column: what an index written by an older
    version of the portal may lack (a field, or the columns the per-process caches read)."""
    return {
        name: (type(schema[name]).__name__, schema[name].column_type is not None)
        for name in schema.names()
    }
