"""A segment's postings gathered in memory, field by field, until `whoosh_bulk` writes them.

- `Prose`: a field analysed by the Norwegian analyser, with positions. Each line of a text is
  analysed once (no word spans a line break; a document repeats its title and summary on
  lines of their own, and many share the topics' descriptions), its words found as Latin-1
  bytes where it can (`analysis.word_list`) and looked up once per different word
  (`analysis.term_of`); the words are grouped into postings with numpy, 64 documents at a
  time, and kept as arrays (document, term, count, positions) until the segment is written.
- `Counted`: a frequency field whose analyser is a tokenizer and a mapping of each word to its
  term (the spelling and keyword fields): the words' term numbers (looked up once per text:
  facet values repeat), counted with numpy at the end.
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
GROUP = 64  # documents whose postings a prose field works out together
TEXTS_KEPT = 20_000  # texts whose term numbers a counted field keeps (then it starts again)


class Prose:
    """The postings of a field analysed by the Norwegian analyser with positions, as arrays."""

    def __init__(self, boost: float) -> None:
        self.boost = boost
        # a word as written (str, or Latin-1 bytes: `word_list`) → its term's number, -1 if stopped
        self.term_ids: dict[str | bytes, int] = {}
        self.terms: list[str] = []
        self._numbers: dict[str, int] = {}
        self.lines: dict[str, tuple[bytes, int]] = {}  # a line → its words' term numbers, kept
        # Documents waiting to be grouped: their numbers and their words' term numbers.
        self._waiting_docs: list[int] = []
        self._waiting_words: list[bytes] = []
        self._waiting_sizes: list[int] = []
        # The grouped postings, a group of documents at a time: each posting's document, term
        # and count, and its positions one posting after another.
        self.post_docs: list[np.ndarray] = []
        self.post_terms: list[np.ndarray] = []
        self.post_counts: list[np.ndarray] = []
        self.post_positions: list[np.ndarray] = []

    def __bool__(self) -> bool:
        return bool(self.post_docs or self._waiting_docs)

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
        length = 0
        for line in text.split("\n"):
            known = lines.get(line)
            if known is None:
                if len(lines) >= LINES_KEPT:
                    lines.clear()
                known = lines[line] = self._numbers_of(line)
            pieces.append(known[0])
            length += known[1]
        if length:
            words = b"".join(pieces)
            self._waiting_docs.append(docnum)
            self._waiting_words.append(words)
            self._waiting_sizes.append(len(words) // 4)
            if len(self._waiting_docs) >= GROUP:
                self._group()
        return length

    def _numbers_of(self, line: str) -> tuple[bytes, int]:
        """The term numbers of a line's words, -1 for a stop word (int32 bytes), and how many
        words are kept."""
        raws = word_list(line)
        try:  # most lines have no word the field has not seen
            numbers = array("i", map(self.term_ids.__getitem__, raws))
        except KeyError:
            for raw in set(raws).difference(self.term_ids):
                self._number(raw)
            numbers = array("i", map(self.term_ids.__getitem__, raws))
        return numbers.tobytes(), len(numbers) - numbers.count(-1)

    def _group(self) -> None:
        """The waiting documents' postings, worked out together: their kept words sorted by
        document and term, positions ascending within each (a word's position is its place
        among its document's kept words: stop words are not counted)."""
        if not self._waiting_docs:
            return
        words = np.frombuffer(b"".join(self._waiting_words), dtype=np.int32)
        sizes = np.array(self._waiting_sizes, dtype=np.int64)
        of_doc = np.repeat(np.arange(len(sizes)), sizes)
        kept = words >= 0
        words, of_doc = words[kept], of_doc[kept]
        held = np.bincount(of_doc, minlength=len(sizes))
        positions = np.arange(len(words)) - np.repeat(np.cumsum(held) - held, held)
        keys = of_doc * len(self.terms) + words
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        firsts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        self.post_docs.append(np.array(self._waiting_docs, dtype=np.int32)[of_doc[order][firsts]])
        self.post_terms.append(words[order][firsts])
        self.post_counts.append(np.diff(np.append(firsts, len(keys))).astype(np.int32))
        self.post_positions.append(positions[order].astype(np.int32))
        self._waiting_docs, self._waiting_words, self._waiting_sizes = [], [], []

    def postings(self) -> Iterator[Chunk]:
        """The postings in Whoosh's order (terms by their bytes, documents ascending), in chunks
        of whole terms: (terms, where each term's postings start and the last ends, documents,
        counts, every posting's positions one after another)."""
        self._group()
        if not self.post_docs:
            return
        encoded, by_bytes, rank = _byte_order(self.terms)
        # Sorted by term, documents staying ascending within a term; each array is let go as
        # soon as it is sorted (at 25 000 cases a segment's postings are millions).
        terms = rank.astype(np.int32)[np.concatenate(self.post_terms)]
        self.post_terms = []
        order = np.argsort(terms, kind="stable")
        terms = terms[order]
        bounds = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1], [True])))
        term_ranks = terms[bounds[:-1]].tolist()
        del terms
        counts = np.concatenate(self.post_counts)
        self.post_counts = []
        starts = (np.cumsum(counts, dtype=np.int64) - counts)[order]  # where positions start
        counts = counts[order]
        docs = np.concatenate(self.post_docs)[order]
        self.post_docs = []
        del order
        positions = np.concatenate(self.post_positions)
        self.post_positions = []
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
        self.texts: dict[str, array] = {}  # a text → its words' term numbers (facets repeat)
        self._numbers: dict[str, int] = {}
        self.terms: list[str] = []
        self.ids = array("i")  # the words' term numbers, one document after another
        self.docs = array("i")  # the documents with words, and how many each has
        self.sizes = array("i")

    def __bool__(self) -> bool:
        return bool(self.docs)

    def add_text(self, docnum: int, text: str) -> int:
        ids = self.texts.get(text)
        if ids is None:
            if len(self.texts) >= TEXTS_KEPT:
                self.texts.clear()
            ids = self.texts[text] = self._numbers_of(text)
        if not ids:
            return 0
        self.ids.extend(ids)
        self.docs.append(docnum)
        self.sizes.append(len(ids))
        return len(ids)

    def _numbers_of(self, text: str) -> array:
        raws = self.words_of(text)
        term_ids, numbers = self.term_ids, self._numbers
        for raw in set(raws).difference(term_ids):
            term = self.term_of(raw)
            number = numbers.get(term)
            if number is None:
                number = numbers[term] = len(self.terms)
                self.terms.append(term)
            term_ids[raw] = number
        return array("i", map(term_ids.__getitem__, raws))

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
