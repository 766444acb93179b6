"""A segment's postings gathered in memory, field by field, until `whoosh_bulk` writes them.

- `Prose`: a field analysed by the Norwegian analyser, with positions. Each line of a text is
  analysed once (no word spans a line break; a document repeats its title and summary on
  lines of their own, and many share the topics' descriptions), its words found as Latin-1
  bytes where it can (`analysis.word_list`) and looked up once per different word
  (`analysis.term_of`); the words are grouped per document with numpy, and kept as arrays
  (term, count, positions) until the segment is written.
- `Counted`: a frequency field whose analyser is a tokenizer and a mapping of each word to its
  term (the spelling and keyword fields): the words' term numbers, counted with numpy at the
  end.
- `Terms`: any other field, as Whoosh's own `field.index()` gives its postings.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from whoosh import formats
from whoosh.analysis import KeywordAnalyzer

from portal.search.analysis import (
    spelling_analyzer,
    spelling_term,
    spelling_words,
    term_of,
    word_list,
)

CHUNK = 1 << 18  # postings encoded at a time when a segment is written
LINES_KEPT = 20_000  # lines whose analysis a prose field keeps (then it starts again)


class Prose:
    """The postings of a field analysed by the Norwegian analyser with positions, as arrays."""

    def __init__(self, boost: float) -> None:
        self.boost = boost
        # a word as written (str, or Latin-1 bytes: `word_list`) → its term's number, -1 if stopped
        self.term_ids: dict[str | bytes, int] = {}
        self.terms: list[str] = []
        self._numbers: dict[str, int] = {}
        self.docs: list[int] = []  # per document: its number, its terms, counts and positions
        self.doc_terms: list[np.ndarray] = []
        self.doc_counts: list[np.ndarray] = []
        self.doc_positions: list[np.ndarray] = []
        self.lines: dict[str, bytes] = {}  # a line → its words' term numbers

    def _number(self, raw: str | bytes) -> int:
        term, stopped = term_of(raw if isinstance(raw, str) else raw.decode("latin-1"))
        if stopped:
            number = -1
        elif (number := self._numbers.get(term, -1)) < 0:
            number = self._numbers[term] = len(self.terms)
            self.terms.append(term)
        self.term_ids[raw] = number
        return number

    def add_text(self, docnum: int, text: str) -> int:
        """Index a document's text; returns its length (the words kept)."""
        # Line by line (no word spans a line break): a document repeats its title and summary
        # on lines of their own, and the topics' descriptions are the same lines in many
        # documents, so most lines are analysed once.
        lines = self.lines
        pieces = []
        for line in text.split("\n"):
            numbers = lines.get(line)
            if numbers is None:
                if len(lines) >= LINES_KEPT:
                    lines.clear()
                numbers = lines[line] = self._numbers_of(line)
            pieces.append(numbers)
        words = np.frombuffer(b"".join(pieces), dtype=np.int32)
        kept = words[words >= 0]
        if not len(kept):
            return 0
        # A word's positions are its places among the kept words (stop words are not counted).
        positions = np.argsort(kept, kind="stable").astype(np.int32)
        ordered = kept[positions]
        firsts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        self.docs.append(docnum)
        self.doc_terms.append(ordered[firsts])
        self.doc_counts.append(np.diff(np.append(firsts, len(ordered))).astype(np.int32))
        self.doc_positions.append(positions)
        return len(kept)

    def _numbers_of(self, line: str) -> bytes:
        """The term numbers of a line's words, -1 for a stop word (int32 bytes)."""
        raws = word_list(line)
        try:  # most lines have no word the field has not seen
            return array("i", map(self.term_ids.__getitem__, raws)).tobytes()
        except KeyError:
            for raw in set(raws).difference(self.term_ids):
                self._number(raw)
            return array("i", map(self.term_ids.__getitem__, raws)).tobytes()

    def postings(self) -> Iterator[Chunk]:
        """The postings in Whoosh's order (terms by their bytes, documents ascending), in chunks
        of whole terms: (terms, where each term's postings start and the last ends, documents,
        counts, every posting's positions one after another)."""
        if not self.docs:
            return
        encoded, by_bytes, rank = _byte_order(self.terms)
        # Sorted by term, documents staying ascending within a term; each array is let go as
        # soon as it is sorted (at 25 000 cases a segment's postings are millions).
        held = [len(t) for t in self.doc_terms]
        terms = rank.astype(np.int32)[np.concatenate(self.doc_terms)]
        self.doc_terms = []
        order = np.argsort(terms, kind="stable")
        terms = terms[order]
        bounds = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1], [True])))
        term_ranks = terms[bounds[:-1]].tolist()
        del terms
        counts = np.concatenate(self.doc_counts)
        self.doc_counts = []
        starts = (np.cumsum(counts, dtype=np.int64) - counts)[order]  # where positions start
        counts = counts[order]
        docs = np.repeat(np.array(self.docs, dtype=np.int32), held)[order]
        del order
        positions = np.concatenate(self.doc_positions)
        self.docs, self.doc_positions = [], []
        by_rank = [encoded[number] for number in by_bytes]
        # Chunks of about CHUNK postings, so that their encoded values stay small in memory.
        # (Not np.unique, here or below: its first call imports numpy.ma, 40 ms in each
        # indexing process of a rebuild.)
        cuts = np.searchsorted(bounds, np.arange(0, bounds[-1], CHUNK), side="right") - 1
        cuts = [*sorted(set(cuts.tolist())), len(bounds) - 1]
        for first_term, stop_term in zip(cuts[:-1], cuts[1:], strict=True):
            first, stop = int(bounds[first_term]), int(bounds[stop_term])
            wanted = counts[first:stop]
            gather = np.repeat(starts[first:stop] - (np.cumsum(wanted) - wanted), wanted)
            gather += np.arange(len(gather))
            texts = [by_rank[t] for t in term_ranks[first_term:stop_term]]
            yield (texts, (bounds[first_term : stop_term + 1] - first).tolist(), docs[first:stop],
                   wanted, positions[gather])  # fmt: skip


# Whole terms' postings: the terms, where each one's postings start (and the last one's end),
# and the postings' documents, counts and positions (every posting's, one after another).
Chunk = tuple[list[bytes], list[int], np.ndarray, np.ndarray, np.ndarray]


class Terms:
    """The postings of any other field, as Whoosh's `field.index()` gives them."""

    def __init__(self) -> None:
        self.by_term: dict[bytes, tuple[array, array, list]] = {}  # documents, weights, values

    def add(self, docnum: int, items: Iterable[tuple[bytes, int, float, bytes]]) -> int:
        length = 0
        by_term = self.by_term
        for text, freq, weight, value in items:
            length += freq
            postings = by_term.get(text)
            if postings is None:
                postings = by_term[text] = (array("i"), array("d"), [])
            postings[0].append(docnum)
            postings[1].append(weight * 1.0)  # the writer's field boost (1.0), as it applies it
            postings[2].append(value)
        return length

    def postings(self) -> tuple[list[bytes], list[int], np.ndarray, np.ndarray, list[bytes]]:
        """Every term's postings in Whoosh's order: (terms, where each term's postings start
        and the last one's end, documents, weights, values)."""
        texts = sorted(self.by_term)
        held = [self.by_term[text] for text in texts]
        bounds = np.cumsum([0] + [len(docs) for docs, _, _ in held]).tolist()
        docs = np.frombuffer(b"".join(docs.tobytes() for docs, _, _ in held), dtype=np.int32)
        weights = np.frombuffer(b"".join(w.tobytes() for _, w, _ in held), dtype=np.float64)
        return texts, bounds, docs, weights, [value for _, _, values in held for value in values]

    def __bool__(self) -> bool:
        return bool(self.by_term)


class Counted:
    """A frequency field whose analyser is a tokenizer (`words_of`) and a mapping of each word
    to its term (`term_of`), as the spelling and keyword fields' are: each document's words
    are kept as term numbers, and counted per term and document when the segment is written.
    A posting's weight and value are its count (Whoosh's `Frequency`)."""

    def __init__(self, boost: float, words_of: Callable[[str], list[str] | list[bytes]],
                 term_of: Callable[[str | bytes], str]) -> None:  # fmt: skip
        self.boost = boost
        self.words_of, self.term_of = words_of, term_of
        self.term_ids: dict[str | bytes, int] = {}  # a word as `words_of` gives it → its term
        self._numbers: dict[str, int] = {}
        self.terms: list[str] = []
        self.ids = array("i")  # the words' term numbers, one document after another
        self.docs = array("i")  # the documents with words, and how many each has
        self.sizes = array("i")

    def __bool__(self) -> bool:
        return bool(self.docs)

    def add_text(self, docnum: int, text: str) -> int:
        raws = self.words_of(text)
        if not raws:
            return 0
        term_ids, numbers = self.term_ids, self._numbers
        for raw in set(raws).difference(term_ids):
            term = self.term_of(raw)
            number = numbers.get(term)
            if number is None:
                number = numbers[term] = len(self.terms)
                self.terms.append(term)
            term_ids[raw] = number
        self.ids.extend(map(term_ids.__getitem__, raws))
        self.docs.append(docnum)
        self.sizes.append(len(raws))
        return len(raws)

    def postings(self) -> tuple[list[bytes], list[int], np.ndarray, np.ndarray, np.ndarray]:
        """As `Terms.postings`; the values are the counts as `Frequency` encodes them (four
        bytes, big-endian)."""
        encoded, by_bytes, rank = _byte_order(self.terms)
        docs = np.repeat(np.frombuffer(self.docs, dtype=np.int32).astype(np.int64),
                         np.frombuffer(self.sizes, dtype=np.int32))  # fmt: skip
        span = int(docs[-1]) + 1  # documents come in ascending order
        keys = np.sort(rank[np.frombuffer(self.ids, dtype=np.int32)] * span + docs)
        firsts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(firsts, len(keys)))
        keys = keys[firsts]
        ranks = keys // span
        firsts = np.flatnonzero(np.concatenate(([True], ranks[1:] != ranks[:-1])))
        texts = [encoded[by_bytes[r]] for r in ranks[firsts].tolist()]
        return (texts, np.append(firsts, len(keys)).tolist(), (keys % span).astype(np.int32),
                counts.astype(np.float64) * self.boost * 1.0, counts.astype(">u4"))  # fmt: skip


def _byte_order(terms: list[str]) -> tuple[list[bytes], list[int], np.ndarray]:
    """The terms encoded, their numbers in Whoosh's order (by their bytes), and each one's
    place in that order."""
    encoded = [term.encode("utf-8") for term in terms]
    by_bytes = sorted(range(len(encoded)), key=encoded.__getitem__)
    rank = np.empty(len(encoded), dtype=np.int64)
    rank[by_bytes] = np.arange(len(encoded))
    return encoded, by_bytes, rank


def _comma_term(raw: str) -> str:
    """Whoosh's `KeywordAnalyzer(commas=True)` keeps what lies between commas, stripped."""
    return raw.strip()


_BETWEEN_COMMAS = re.compile(r"[^,]+")


def counted_field(field) -> Counted | None:
    """A frequency field whose analyser is one of those `Counted` follows, as one."""
    if type(field.format) is not formats.Frequency:
        return None
    boost = field.format.field_boost
    if field.analyzer == spelling_analyzer():
        return Counted(boost, spelling_words, spelling_term)
    if field.analyzer == KeywordAnalyzer(commas=True):
        return Counted(boost, _BETWEEN_COMMAS.findall, _comma_term)
    return None
