"""Scoring a case search term by term rather than document by document.

Whoosh scores a query by walking a tree of matchers one document at a time; every step of every
matcher (the union of a word's alternatives, each boost, the deletion filter) is a Python call,
and a common word with its compounds and synonyms costs several microseconds per document.
The queries the portal builds (query.build) are simple: an AND or OR of alternatives, each a
term or a phrase, with a boost. So each term's posting blocks are read whole and scored as
arrays (numpy), with Whoosh's own BM25 formula and statistics, in the same order of operations
(so a term's scores are Whoosh's to the bit), and the scores are added up per document.
Phrases need positions, so Whoosh's matcher scores them.

Addition in another order can change a sum in its last bit, and so the order of documents that
Whoosh scores as equal. Documents near the last place of a page that score within rounding of
each other are compared by what each word and phrase adds to their scores: where those parts
are the same, the sums are equal in any order; where they differ, one document of each kind is
scored again by Whoosh's matchers (whoosh_ties.py), and the page is ranked on those.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from whoosh import query as q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util import make_binary_tree
from whoosh.util.numeric import byte_to_length, length_to_byte

from portal.search import whoosh_postings
from portal.search.whoosh_segments import PerSegment, deleted_in, segment_key

Scores = dict[int, float]
# Each word's or phrase's own scores, by its query, segment by segment (see `settle_ties`).
Leaves = dict[int, list["Matches"]]
# Two sums of the same terms in different orders differ by far less than this (relative).
CLOSE = 1e-9
PAST_ANY_DOCUMENT = 2**62
_NO_DOCS = np.zeros(0, dtype=np.int64)


class Matches:
    """Matching documents in ascending order, with their scores (two arrays of one length)."""

    __slots__ = ("docs", "scores")

    def __init__(self, docs: np.ndarray, scores: np.ndarray) -> None:
        self.docs = docs
        self.scores = scores

    @classmethod
    def empty(cls) -> Matches:
        return cls(_NO_DOCS, np.zeros(0))

    @classmethod
    def of(cls, found: Scores) -> Matches:
        """From a dictionary of document → score."""
        docs = np.fromiter(found, dtype=np.int64, count=len(found))
        scores = np.fromiter(found.values(), dtype=np.float64, count=len(found))
        order = np.argsort(docs, kind="stable")
        return cls(docs[order], scores[order])

    def __len__(self) -> int:
        return len(self.docs)

    def as_dict(self) -> Scores:
        return dict(zip(self.docs.tolist(), self.scores.tolist(), strict=True))

    def among(self, docnums: Iterable[int]) -> Matches:
        """Those of the given documents that are here, with their scores."""
        wanted = np.unique(np.fromiter(docnums, dtype=np.int64))
        if not len(self.docs):
            return Matches.empty()
        at = np.minimum(np.searchsorted(self.docs, wanted), len(self.docs) - 1)
        here = self.docs[at] == wanted
        return Matches(wanted[here], self.scores[at[here]])

    def boosted(self, boost: float) -> Matches:
        return Matches(self.docs, self.scores * boost) if boost != 1.0 else self


def match_scores(searcher, query: q.Query, per_segment: PerSegment,
                 leaves: Leaves | None = None) -> Matches:  # fmt: skip
    """Every document the query matches, with its score (equal to Whoosh's up to rounding).
    `per_segment` keeps what is read of each segment: field lengths, its postings arrays.
    `leaves`, when given, receives each word's or phrase's own scores (for `settle_ties`)."""
    parts = []
    for leaf, offset in searcher.leaf_searchers():
        kept = per_segment.of(segment_key(leaf.reader(), offset))
        kept.setdefault("folder", per_segment.folder)
        record: list[tuple[int, Matches]] | None = [] if leaves is not None else None
        found = _evaluate(searcher, leaf, query, kept, record=record)
        if len(found):
            parts.append(Matches(found.docs + offset, found.scores) if offset else found)
        for key, part in record or ():
            leaves.setdefault(key, []).append(Matches(part.docs + offset, part.scores))
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    return Matches(np.concatenate([m.docs for m in parts]),
                   np.concatenate([m.scores for m in parts]))  # fmt: skip


def _evaluate(top, leaf, query: q.Query, kept: dict, within: np.ndarray | None = None,
              record: list | None = None) -> Matches:  # fmt: skip
    """The documents of one segment that match, with their scores. Documents outside `within`
    (when given) may be left out: the caller keeps only those anyway. Each word's or phrase's
    own scores go to `record` (when given), keyed by its query."""
    if isinstance(query, q.Or):
        found = [_evaluate(top, leaf, child, kept, within, record) for child in query.subqueries]
        found = [m for m in found if len(m)]
        if len(found) == 1:
            return found[0].boosted(query.boost)
        total = np.zeros(leaf.reader().doc_count_all())
        hit = np.zeros(len(total), dtype=bool)
        for m in found:  # child by child (Whoosh adds in its own order: see settle_ties)
            total[m.docs] += m.scores
            hit[m.docs] = True
        docs = np.flatnonzero(hit)
        return Matches(docs, total[docs]).boosted(query.boost)
    if isinstance(query, q.And):
        # Words first, phrases last: a phrase then checks positions only where the rest matched.
        parts: list[Matches] = []
        common = within
        for child in sorted(query.subqueries, key=lambda c: not _without_positions(c)):
            part = _evaluate(top, leaf, child, kept, common, record)
            common = (
                part.docs
                if common is None
                else np.intersect1d(common, part.docs, assume_unique=True)
            )
            parts.append(part)
        if common is None:
            return Matches.empty()
        total = np.zeros(len(common))
        for part in parts:
            total += part.scores[np.searchsorted(part.docs, common)]
        return Matches(common, total).boosted(query.boost)
    found = _leaf(top, leaf, query, kept, within)
    if record is not None:
        record.append((id(query), found))
    return found


def _leaf(top, leaf, query: q.Query, kept: dict, within: np.ndarray | None) -> Matches:
    """A word, a phrase or any other query that is not a sum of others."""
    if isinstance(query, q.Term):
        return _term(top, leaf, query, kept)
    if isinstance(query, q.Phrase) and query.slop == 1 and _has_positions(leaf, query.fieldname):
        return _phrase(top, leaf, query, kept, within)
    # Anything else: Whoosh's matcher scores it, with the top searcher's statistics.
    if within is not None:
        # Check positions only where the rest of the query matched.
        leaf = Within(leaf, within.tolist())
    matcher = query.matcher(leaf, top.context())
    found_here: Scores = {}
    while matcher.is_active():
        found_here[matcher.id()] = matcher.score()
        matcher.next()
    return Matches.of(found_here)


def adds_up(query: q.Query) -> bool:
    """Whether a score is a sum (which rounding may make differ from Whoosh's in its last bit)."""
    return isinstance(query, q.Or | q.And) and len(query.subqueries) > 1


class Within:
    """A searcher whose postings leave out the documents not in `docnums`: a matcher built on
    it reads and scores (and for a phrase, decodes positions) only there. Its scores are the
    wrapped searcher's."""

    def __init__(self, searcher, docnums: Iterable[int]) -> None:
        self._searcher = searcher
        self._docnums = set(docnums)
        self._in_order = sorted(self._docnums)

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


def _term(top, leaf, term: q.Term, kept: dict) -> Matches:
    if term.fieldname not in leaf.schema:
        return Matches.empty()
    text = leaf.schema[term.fieldname].to_bytes(term.text)
    if (term.fieldname, text) not in leaf.reader():
        return Matches.empty()
    docs, weights, _ = _postings(leaf.reader(), term.fieldname, text, kept)
    scores = _bm25(top, leaf, term.fieldname, text, docs, weights, kept)
    return Matches(docs, scores).boosted(term.boost)


def _bm25(top, leaf, fieldname: str, text: bytes, docs: np.ndarray, weights: np.ndarray,
          kept: dict) -> np.ndarray:  # fmt: skip
    """A term's scores in the given documents: whoosh.scoring.bm25, operation for operation."""
    # The index's weighting is Whoosh's default, BM25F: its scorer holds the statistics.
    scorer = top.weighting.scorer(leaf, fieldname, text)
    if ("lengths", fieldname) not in kept:
        kept["lengths", fieldname] = _length_bytes(leaf.reader(), fieldname)
    norms = _norms(scorer.avgfl, scorer.B, scorer.K1)[kept["lengths", fieldname][docs]]
    return scorer.idf * ((weights * (scorer.K1 + 1)) / (weights + norms))


def _has_positions(leaf, fieldname: str) -> bool:
    return fieldname in leaf.schema and leaf.schema[fieldname].format.supports("positions")


def _phrase(top, leaf, phrase: q.Phrase, kept: dict, within: np.ndarray | None) -> Matches:
    """Documents where the words stand next to each other in order, scored as Whoosh's phrase
    matcher scores them: its words' scores added up in a binary tree, times the boost."""
    reader, field = leaf.reader(), leaf.schema[phrase.fieldname]
    texts = [field.to_bytes(word) for word in phrase.words]
    if not texts or any((phrase.fieldname, text) not in reader for text in texts):
        return Matches.empty()
    arrays = _arrays(reader, phrase.fieldname, kept)
    with_arrays = arrays is not None and arrays.positions is not None
    postings = [_postings(reader, phrase.fieldname, text, kept, values=not with_arrays)
                for text in texts]  # fmt: skip
    common = within
    for docs, _weights, _values in postings:
        common = docs if common is None else np.intersect1d(common, docs, assume_unique=True)
    at = [np.searchsorted(docs, common) for docs, _, _ in postings]
    # Positions only where every word is: the first word's positions, shifted by each word's
    # place in the phrase, must meet.
    if with_arrays:
        found = _adjacent(arrays, texts, common)
    else:
        found = np.zeros(len(common), dtype=bool)
        decode = field.format.decode_positions
        for j in range(len(common)):
            starts = set(decode(postings[0][2][at[0][j]]))
            for i in range(1, len(postings)):
                starts.intersection_update(p - i for p in decode(postings[i][2][at[i][j]]))
                if not starts:
                    break
            found[j] = bool(starts)
    docs = common[found]
    scores = [
        _bm25(top, leaf, phrase.fieldname, text, docs, weights[where[found]], kept)
        for text, (_d, weights, _v), where in zip(texts, postings, at, strict=True)
    ]
    return Matches(docs, make_binary_tree(np.add, scores)).boosted(phrase.boost)


def _adjacent(arrays: whoosh_postings.SegmentArrays, texts: list[bytes],
              common: np.ndarray) -> np.ndarray:  # fmt: skip
    """Which of the documents hold the words one after another, from the positions arrays:
    (document, position of the word minus its place in the phrase) must be the same for all."""
    keys = None
    for place, text in enumerate(texts):
        owner, positions = arrays.positions_in(text, common)
        fits = positions >= place
        here = (owner[fits] << 32) + (positions[fits] - place)
        keys = here if keys is None else np.intersect1d(keys, here, assume_unique=True)
    found = np.zeros(len(common), dtype=bool)
    found[np.unique(keys >> 32)] = True
    return found


def _postings(reader, fieldname: str, text: bytes, kept: dict,
              values: bool = False) -> tuple[np.ndarray, np.ndarray, list | None]:  # fmt: skip
    """A term's live postings in one segment: document numbers and weights as arrays, and (if
    asked) each posting's encoded value (its positions). From the segment's arrays where it
    has them and no positions are wanted, else from Whoosh's blocks."""
    arrays = None if values else _arrays(reader, fieldname, kept)
    if arrays is not None:
        docs, weights = arrays.postings(text)
        return whoosh_postings.live(docs, weights, None, deleted_in(reader))
    return whoosh_postings.live(*whoosh_postings.raw_postings(reader, fieldname, text, values))


def _arrays(reader, fieldname: str, kept: dict) -> whoosh_postings.SegmentArrays | None:
    key = ("arrays", fieldname)
    if key not in kept and fieldname in whoosh_postings.FIELDS:
        folder = kept.get("folder")
        found = whoosh_postings.open_arrays(folder, reader, fieldname) if folder else None
        if found is None:  # not (yet) written: asked again next time
            return None
        kept[key] = found
    return kept.get(key)


def _length_bytes(reader, fieldname: str) -> np.ndarray:
    """Each document's length in the field, as the byte Whoosh stores it (`_norms` maps it)."""
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    out = np.zeros(count, dtype=np.uint8)
    if column is None:
        return out
    try:
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), np.uint8)
        out[: len(stored)] = stored[:count]
    except AttributeError:  # another kind of column: document by document
        for docnum in range(count):
            out[docnum] = length_to_byte(reader.doc_field_length(docnum, fieldname))
    return out


@lru_cache(maxsize=64)
def _norms(avgfl: float, b: float, k1: float) -> np.ndarray:
    """BM25's length normalisation for each stored length byte, computed as Whoosh does."""
    return np.array([k1 * ((1 - b) + b * byte_to_length(i) / avgfl) for i in range(256)])
