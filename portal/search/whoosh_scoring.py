"""Scoring a case search term by term rather than document by document.

Whoosh scores a query by walking a tree of matchers one document at a time; every step of every
matcher (the union of a word's alternatives, each boost, the deletion filter) is a Python call,
and a common word with its compounds and synonyms costs several microseconds per document.
The queries the portal builds (query.build) are simple: an AND or OR of alternatives, each a
term or a phrase, with a boost. So each term's postings are read here in one loop, its BM25
score computed with Whoosh's own formula and statistics, and the scores added up per document
in a dictionary. Phrases need positions, so Whoosh's matcher scores them.

Addition in another order can change a sum in its last bit, and so the order of documents that
Whoosh scores as equal. Documents near the last place of a page that score within rounding of
each other are therefore scored again by Whoosh's matchers (`exact_scores`), and the page is
ranked on those.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from whoosh import query as q
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import bm25

from portal.search.whoosh_state import PerSegment, segment_key

Scores = dict[int, float]
# Two sums of the same terms in different orders differ by far less than this (relative).
CLOSE = 1e-9
PAST_ANY_DOCUMENT = 2**62


def match_scores(searcher, query: q.Query, lengths: PerSegment) -> Scores:
    """Every document the query matches, with its score (equal to Whoosh's up to rounding).
    `lengths` keeps each segment's field lengths (document → length) as they are read."""
    out: Scores = {}
    for leaf, offset in searcher.leaf_searchers():
        found = _evaluate(searcher, leaf, query, lengths.of(segment_key(leaf.reader(), offset)))
        if offset:
            out.update((d + offset, s) for d, s in found.items())
        else:
            out.update(found)
    return out


def _evaluate(top, leaf, query: q.Query, lengths: dict[int, int],
              within: set[int] | None = None) -> Scores:  # fmt: skip
    """The documents of one segment that match, with their scores. Documents outside `within`
    (when given) may be left out: the caller keeps only those anyway."""
    if isinstance(query, q.Term):
        return _term(top, leaf, query, lengths)
    if isinstance(query, q.Or):
        total: Scores = {}
        for child in query.subqueries:
            for d, s in _evaluate(top, leaf, child, lengths, within).items():
                total[d] = total.get(d, 0.0) + s
        return _boosted(total, query.boost)
    if isinstance(query, q.And):
        # Words first, phrases last: a phrase then checks positions only where the rest matched.
        parts: list[Scores] = []
        common = within
        for child in sorted(query.subqueries, key=lambda c: not _without_positions(c)):
            part = _evaluate(top, leaf, child, lengths, common)
            common = set(part) if common is None else common.intersection(part)
            parts.append(part)
        if common is None:
            return {}
        return _boosted({d: sum(part[d] for part in parts) for d in common}, query.boost)
    # A phrase, or anything else: Whoosh's matcher scores it, with the top searcher's statistics.
    if within is not None:
        # Check positions only where the rest of the query matched.
        leaf = _Within(leaf, within)
    matcher = query.matcher(leaf, top.context())
    found: Scores = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found


def adds_up(query: q.Query) -> bool:
    """Whether a score is a sum (which rounding may make differ from Whoosh's in its last bit)."""
    return isinstance(query, q.Or | q.And) and len(query.subqueries) > 1


class _Within:
    """A searcher whose postings leave out the documents not in `docnums`: a matcher built on
    it reads and scores (and for a phrase, decodes positions) only there. Its scores are the
    wrapped searcher's."""

    def __init__(self, searcher, docnums: set[int]) -> None:
        self._searcher = searcher
        self._docnums = docnums
        self._in_order = sorted(docnums)

    def postings(self, fieldname: str, text, **kwargs):
        matcher = self._searcher.postings(fieldname, text, **kwargs)
        return _Only(matcher, self._docnums, self._in_order)

    def __getattr__(self, name: str):
        return getattr(self._searcher, name)


class _Only(FilterMatcher):
    """Whoosh's include filter, moving by skipping to the next wanted document (whole posting
    blocks at a time) rather than by reading every posting in between."""

    def __init__(self, child, ids: set[int], in_order: list[int]) -> None:
        self._in_order = in_order
        super().__init__(child, ids)

    def copy(self):
        return self.__class__(self.child.copy(), self._ids, self._in_order)

    def _replacement(self, newchild):
        return self.__class__(newchild, self._ids, self._in_order)

    def _find_next(self) -> bool:
        child, moved = self.child, False
        while child.is_active() and child.id() not in self._ids:
            at = bisect.bisect_left(self._in_order, child.id())
            if at == len(self._in_order):  # nothing wanted lies ahead: to the end
                moved = child.skip_to(PAST_ANY_DOCUMENT) or moved
                while child.is_active():
                    moved = child.next() or moved
                break
            moved = child.skip_to(self._in_order[at]) or moved
        return moved


def _without_positions(query: q.Query) -> bool:
    if isinstance(query, q.Term):
        return True
    if isinstance(query, q.Or | q.And):
        return all(_without_positions(child) for child in query.subqueries)
    return False


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost != 1.0:
        return {d: s * boost for d, s in scores.items()}
    return scores


def _term(top, leaf, term: q.Term, lengths: dict[int, int]) -> Scores:
    if term.fieldname not in leaf.schema:
        return {}
    text = leaf.schema[term.fieldname].to_bytes(term.text)
    if (term.fieldname, text) not in leaf.reader():
        return {}
    # The index's weighting is Whoosh's default, BM25F: its scorer holds the statistics.
    scorer = top.weighting.scorer(leaf, term.fieldname, text)
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    boost = term.boost
    matcher = leaf.postings(term.fieldname, text)  # deleted documents already left out
    found: Scores = {}
    while matcher.is_active():
        docnum = matcher.id()
        length = lengths.get(docnum)
        if length is None:
            length = lengths[docnum] = leaf.doc_field_length(docnum, term.fieldname, 1)
        score = bm25(idf, matcher.weight(), length, avgfl, b, k1)
        found[docnum] = score * boost if boost != 1.0 else score
        matcher.next()
    return found


def exact_scores(searcher, query: q.Query, docnums: Iterable[int]) -> Scores:
    """Whoosh's own scores for the given documents, as its matcher over the whole index adds
    them up (the same tree of matchers, its postings limited to these documents)."""
    # Without a context Whoosh builds the tree the full ranking used (unions of the terms'
    # matchers, added up in that order).
    matcher = query.matcher(_Within(searcher, set(docnums)))
    found: Scores = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found
