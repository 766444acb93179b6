"""A rebuild's segments written in bulk: Whoosh's own files, without its writer's per-posting work.

Whoosh's writer sends every posting of every document through a sorting pool as a tuple, then
through its postings writer one call at a time, and its analyser yields every word as a token
through generators: about 6 ms per case, most of a rebuild. Here a segment is built the way a
bulk indexer builds one:

- the prose field's words are looked up once per different word (`analysis.term_of`), grouped
  per document with numpy, and kept as arrays (term, count, positions) until the segment is
  written; the other fields' few postings go through Whoosh's own `field.index()`;
- stored fields, field lengths and columns go through Whoosh's per-document writer, as its
  writer sends them;
- at the end, each term's postings are cut into Whoosh's blocks and written by Whoosh's own
  postings writer (`_write_block`, `finish_term`), so the files are the ones Whoosh's writer
  would write for the same documents in the same order, byte for byte
  (`tests/search/test_bulk.py`);
- the prose field's postings arrays (`whoosh_postings`) are saved from the same arrays, instead
  of being read back from the blocks.

A rebuild runs one builder per process, each fed batches of documents in turn by the process
that reads them from the database; the segments are then committed together.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import re
import traceback
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.analysis import KeywordAnalyzer
from whoosh.codec import default_codec
from whoosh.index import TOC, clean_files
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from portal.search import whoosh_postings
from portal.search.analysis import (
    _WORD,
    NorwegianAnalyzer,
    spelling_analyzer,
    spelling_terms,
    term_of,
)

BATCH = 200  # documents sent to a process at a time
SEGMENT_DOCS = 25_000  # a process starts a new segment after this many (bounds its memory)
CHUNK = 1 << 18  # postings encoded at a time when a segment is written


class _Prose:
    """The postings of a field analysed by the Norwegian analyser with positions, as arrays."""

    def __init__(self, boost: float) -> None:
        self.boost = boost
        self.term_ids: dict[str, int] = {}  # a word as written → its term's number, -1 if stopped
        self.terms: list[str] = []
        self._numbers: dict[str, int] = {}
        self.docs: list[int] = []  # per document: its number, its terms, counts and positions
        self.doc_terms: list[np.ndarray] = []
        self.doc_counts: list[np.ndarray] = []
        self.doc_positions: list[np.ndarray] = []

    def _number(self, raw: str) -> int:
        term, stopped = term_of(raw)
        if stopped:
            number = -1
        elif (number := self._numbers.get(term, -1)) < 0:
            number = self._numbers[term] = len(self.terms)
            self.terms.append(term)
        self.term_ids[raw] = number
        return number

    def add(self, docnum: int, text: str) -> int:
        """Index a document's text; returns its length (the words kept)."""
        raws = _WORD.findall(text)
        term_ids = self.term_ids
        for raw in set(raws).difference(term_ids):
            self._number(raw)
        kept = np.fromiter(map(term_ids.__getitem__, raws), dtype=np.int32, count=len(raws))
        kept = kept[kept >= 0]
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

    def postings(self) -> Iterator[_Chunk]:
        """The postings in Whoosh's order (terms by their bytes, documents ascending), in chunks
        of whole terms: (terms, where each term's postings start and the last ends, documents,
        counts, every posting's positions one after another)."""
        if not self.docs:
            return
        encoded = [term.encode("utf-8") for term in self.terms]
        rank = np.empty(len(encoded), dtype=np.int64)
        rank[sorted(range(len(encoded)), key=encoded.__getitem__)] = np.arange(len(encoded))
        terms = rank.astype(np.int32)[np.concatenate(self.doc_terms)]
        counts = np.concatenate(self.doc_counts)
        positions = np.concatenate(self.doc_positions)
        docs = np.repeat(np.array(self.docs, dtype=np.int32), [len(t) for t in self.doc_terms])
        # Joined: the documents' own arrays are not needed again.
        self.docs, self.doc_terms, self.doc_counts, self.doc_positions = [], [], [], []
        starts = np.cumsum(counts, dtype=np.int64) - counts  # where a posting's positions start
        order = np.argsort(terms, kind="stable")  # documents stay ascending within a term
        terms, docs, counts, starts = terms[order], docs[order], counts[order], starts[order]
        bounds = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1], [True])))
        by_rank = sorted(encoded)
        # Chunks of about CHUNK postings, so that their encoded values stay small in memory.
        cuts = np.unique(np.searchsorted(bounds, np.arange(0, bounds[-1], CHUNK), side="right") - 1)
        cuts = np.append(cuts, len(bounds) - 1).tolist()
        for first_term, stop_term in zip(cuts[:-1], cuts[1:], strict=True):
            first, stop = int(bounds[first_term]), int(bounds[stop_term])
            wanted = counts[first:stop]
            gather = np.repeat(starts[first:stop] - (np.cumsum(wanted) - wanted), wanted)
            gather += np.arange(len(gather))
            texts = [by_rank[t] for t in terms[bounds[first_term:stop_term]].tolist()]
            yield (texts, (bounds[first_term : stop_term + 1] - first).tolist(), docs[first:stop],
                   wanted, positions[gather])  # fmt: skip


# Whole terms' postings: the terms, where each one's postings start (and the last one's end),
# and the postings' documents, counts and positions (every posting's, one after another).
_Chunk = tuple[list[bytes], list[int], np.ndarray, np.ndarray, np.ndarray]


class _Terms:
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

    def postings(self) -> Iterator[tuple[bytes, array, list[float], list[bytes]]]:
        """(term, documents, weights, values) in Whoosh's order."""
        for text in sorted(self.by_term):
            docs, weights, values = self.by_term[text]
            yield text, docs, weights.tolist(), values


class _Counted(_Terms):
    """A frequency field whose analyser is known to give `terms_of(text)`: its
    `field.index()` in one pass over the text. A posting's value (its count) is kept as a
    number until the segment is written."""

    def __init__(self, boost: float, terms_of: Callable[[str], list[str]]) -> None:
        super().__init__()
        self.boost = boost
        self.terms_of = terms_of

    def add_text(self, docnum: int, text: str) -> int:
        by_term, boost, length = self.by_term, self.boost, 0
        for term, count in Counter(self.terms_of(text)).items():
            key = term.encode("utf-8")
            postings = by_term.get(key)
            if postings is None:
                postings = by_term[key] = (array("i"), array("d"), array("I"))
            postings[0].append(docnum)
            postings[1].append(float(count) * boost * 1.0)  # Frequency's weight, as above
            postings[2].append(count)
            length += count
        return length

    def postings(self) -> Iterator[tuple[bytes, array, list[float], list[bytes]]]:
        for text, docs, weights, counts in super().postings():
            yield text, docs, weights, [pack_uint(count) for count in counts]


def _comma_terms(text: str) -> list[str]:
    """Whoosh's `KeywordAnalyzer(commas=True)`: what lies between commas, stripped."""
    return [part.strip() for part in _BETWEEN_COMMAS.findall(text)]


_BETWEEN_COMMAS = re.compile(r"[^,]+")


def _counted_terms(field) -> Callable[[str], list[str]] | None:
    """How to analyse a frequency field's text in one pass, for the analysers that have one."""
    if type(field.format) is not formats.Frequency:
        return None
    if field.analyzer == spelling_analyzer():
        return spelling_terms
    if field.analyzer == KeywordAnalyzer(commas=True):
        return _comma_terms
    return None


class SegmentBuilder:
    """One new segment of an index, built in memory and written by `finish()`."""

    def __init__(self, ix, folder: str | None = None) -> None:
        self.storage, self.schema = ix.storage, ix.schema
        self.indexname = ix.indexname
        self.folder = folder  # where the postings arrays go (None: not written)
        self.codec = default_codec()
        self.segment = self.codec.new_segment(self.storage, self.indexname)
        self.perdoc = self.codec.per_document_writer(self.storage, self.segment)
        self.docnum = 0
        self.prose: dict[str, _Prose] = {}
        self.other: dict[str, _Terms] = {}
        self.lengths: dict[str, array] = {}  # per scorable field: each document's length
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise NotImplementedError(f"field {name!r}: vectors and spelling fields")
            if not field.indexed:
                continue
            if type(field.format) is formats.Positions and isinstance(
                field.analyzer, NorwegianAnalyzer
            ):
                self.prose[name] = _Prose(field.format.field_boost)
            elif (terms_of := _counted_terms(field)) is not None:
                self.other[name] = _Counted(field.format.field_boost, terms_of)
            else:
                self.other[name] = _Terms()
            if field.scorable:
                self.lengths[name] = array("i")

    def add(self, fields: dict[str, Any]) -> None:
        """Add a document, as `writer.add_document(**fields)` adds it."""
        docnum, schema, perdoc = self.docnum, self.schema, self.perdoc
        names = sorted(name for name in fields if not name.startswith("_"))
        unknown = [name for name in names if name not in schema]
        if unknown or any(name.startswith("_") for name in fields):
            raise ValueError(f"fields this writer does not index: {sorted(fields)}")
        perdoc.start_doc(docnum)
        lengths: dict[str, int] = {}
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                prose, other = self.prose.get(name), self.other.get(name)
                if prose is not None:
                    if not isinstance(value, str):
                        raise ValueError(f"field {name!r} takes text")
                    length = prose.add(docnum, value)
                elif isinstance(other, _Counted) and isinstance(value, str):
                    length = other.add_text(docnum, value)
                else:
                    length = other.add(docnum, field.index(value))
                if not field.scorable:
                    length = 0
                lengths[name] = length
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        for name, column in self.lengths.items():
            # What Whoosh reads back for a posting's block statistics: the length as stored.
            stored = length_to_byte(lengths.get(name, 0))
            column.append(byte_to_length(stored) if stored else 0)
        self.docnum += 1

    def cancel(self) -> None:
        """Close what is open (the segment's files are left for the caller to remove)."""
        if not self.perdoc.is_closed:
            if self.perdoc._indoc:
                self.perdoc.finish_doc()
            self.perdoc.close()

    def finish(self):
        """Write the segment's files; returns the segment, for the index's table of contents."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        with_postings = [n for n, p in self.prose.items() if p.docs] + [
            n for n, t in self.other.items() if t.by_term
        ]
        for name in sorted(with_postings):  # Whoosh's writer starts only fields with postings
            field = self.schema[name]
            held = self.lengths.get(name)
            lengths = None if held is None else np.frombuffer(held, dtype=np.int32)
            writer.start_field(name, field)
            if name in self.prose:
                self._write_prose(writer, name, self.prose[name], lengths)
            else:
                for text, docs, weights, values in self.other[name].postings():
                    _write_term(writer, text, docs, weights, values, lengths)
            writer.finish_field()
        writer.close()
        self.segment.set_doc_count(self.docnum)
        return self.segment

    def _write_prose(self, writer, name: str, prose: _Prose, lengths) -> None:
        arrays_terms: dict[bytes, tuple[int, int, int]] = {}
        all_docs, all_weights, all_positions = [], [], []
        at = placed = 0
        for texts, bounds, docs, counts, positions in prose.postings():
            values = encoded_positions(counts, positions)
            weights = counts.astype(np.float64) * prose.boost
            weight_list = weights.tolist()
            doc_array = array("i", docs.astype(np.int32).tobytes())
            for text, first, stop in zip(texts, bounds[:-1], bounds[1:], strict=False):
                _write_term(writer, text, doc_array[first:stop], weight_list[first:stop],
                            values[first:stop], lengths)  # fmt: skip
            if self.folder is not None:
                position_starts = (np.cumsum(counts) - counts).tolist()
                for text, first, stop in zip(texts, bounds[:-1], bounds[1:], strict=False):
                    arrays_terms[text] = (at + first, at + stop, placed + position_starts[first])
                at += len(docs)
                placed += len(positions)
                all_docs.append(docs)
                all_weights.append(weights.astype(np.float32))
                all_positions.append(positions)
        if self.folder is not None:
            whoosh_postings.save(
                self.folder, self.segment.segment_id(), name, arrays_terms,
                _joined(all_docs, np.int32), _joined(all_weights, np.float32),
                _joined(all_positions, np.int32) if prose.boost == 1.0 else np.zeros(0, np.int32),
            )  # fmt: skip


# Pickle's opcodes (protocol 2) in a list of small numbers, as `pickle.dumps(gaps, 2)` writes it.
_HEAD = b"\x80\x02]q\x00"  # PROTO 2, EMPTY_LIST, BINPUT 0
_MARK, _APPEND, _APPENDS, _STOP = ord("("), ord("a"), ord("e"), ord(".")
_INT1, _INT2, _INT4 = ord("K"), ord("M"), ord("J")  # one, two or four bytes, little-endian


def encoded_positions(counts: np.ndarray, positions: np.ndarray) -> list[bytes]:
    """Whoosh's `Positions.encode` of many postings at once: each posting's count (4 bytes),
    then the pickled list of gaps between its positions (the first counted from 0).

    The pickles are laid out with numpy rather than made one by one: a posting's pickle is a
    fixed head, one opcode and one, two or four bytes per number, and a fixed tail."""
    counts = counts.astype(np.int64)
    if not len(counts):
        return []
    firsts = np.cumsum(counts) - counts
    gaps = positions.astype(np.int64)
    gaps[1:] -= positions[:-1]
    gaps[firsts] = positions[firsts]
    if counts.max() > 1000 or gaps.max() > 0x7FFFFFFF:  # pickle's batches of 1000; big numbers
        gap_list = gaps.tolist()
        return [
            pack_uint(count) + pickle.dumps(gap_list[first : first + count], 2)
            for first, count in zip(firsts.tolist(), counts.tolist(), strict=True)
        ]
    item = np.where(gaps <= 0xFF, 2, np.where(gaps <= 0xFFFF, 3, 5))
    head = 9 + (counts > 1)  # count, PROTO 2, EMPTY_LIST, BINPUT 0 and, for several, MARK
    item_ends = np.cumsum(item)
    body = np.diff(np.concatenate(([0], item_ends[firsts + counts - 1])))
    ends = np.cumsum(head + body + 2)  # + APPEND or APPENDS, STOP
    starts = ends - (head + body + 2)
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    out[starts[:, None] + np.arange(4)] = counts.astype(">u4").view(np.uint8).reshape(-1, 4)
    for offset, byte in enumerate(_HEAD):
        out[starts + 4 + offset] = byte
    out[starts[counts > 1] + 9] = _MARK
    # Where each number goes: its posting's items start, plus the items before it there.
    before = (item_ends - item) - np.repeat(item_ends[firsts] - item[firsts], counts)
    at = np.repeat(starts + head, counts) + before
    out[at] = np.where(item == 2, _INT1, np.where(item == 3, _INT2, _INT4))
    for byte, needs in enumerate((2, 3, 5, 5)):  # the bytes a number of each size has
        wide = item >= needs
        out[at[wide] + 1 + byte] = (gaps[wide] >> (8 * byte)) & 0xFF
    out[ends - 2] = np.where(counts > 1, _APPENDS, _APPEND)
    out[ends - 1] = _STOP
    data = out.tobytes()
    return [data[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _write_term(writer, text: bytes, docs: array, weights: list[float], values: list[bytes],
                lengths: np.ndarray | None) -> None:  # fmt: skip
    """A term's postings in Whoosh's blocks, as its postings writer fills them posting by
    posting (`W3PostingsWriter.add_posting`): a block is written when full, the last one by
    `finish_term`."""
    writer.start_term(text)
    postings = writer._postwriter
    limit = postings._blocklimit
    for start in range(0, len(docs), limit):
        block = docs[start : start + limit]
        postings._ids = array("I", block)
        block_weights = weights[start : start + limit]
        postings._weights = array("f", block_weights)
        postings._values = [v for v in values[start : start + limit] if v]
        postings._maxweight = max(0, *block_weights)
        postings._minlength, postings._maxlength = None, 0
        if lengths is not None:
            held = lengths[np.frombuffer(block, dtype=np.int32)]
            held = held[held > 0]
            if len(held):
                postings._minlength, postings._maxlength = int(held.min()), int(held.max())
        if start + limit < len(docs):
            postings._write_block()
    writer.finish_term()


# -- a whole index -------------------------------------------------------------------------------


def commit(ix, segments: list) -> None:
    """Make the segments the index's content (a new generation of its table of contents)."""
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)


def build(ix, folder: str, documents: Iterable[dict[str, Any]],
          progress: Callable[[int], None] | None = None, processes: int = 1) -> int:  # fmt: skip
    """Index the documents into the new, empty index `ix` in `folder`, in up to `processes`
    processes; returns how many were indexed."""
    if processes > 1:
        return _build_in_processes(ix, folder, documents, progress, processes)
    segments, count = [], 0
    builder = SegmentBuilder(ix, folder)
    try:
        for count, doc in enumerate(documents, start=1):
            builder.add(doc)
            if builder.docnum >= SEGMENT_DOCS:
                segments.append(builder.finish())
                builder = SegmentBuilder(ix, folder)
            if progress is not None:
                progress(count)
        if builder.docnum:
            segments.append(builder.finish())
    except BaseException:
        builder.cancel()
        raise
    commit(ix, segments)
    return count


def _build_in_processes(ix, folder, documents, progress, processes: int) -> int:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    inboxes = [context.Queue(maxsize=4) for _ in range(processes)]
    workers = [
        context.Process(target=_work, args=(ix, folder, inbox, results, number), daemon=True)
        for number, inbox in enumerate(inboxes)
    ]
    for worker in workers:
        worker.start()
    try:
        count = 0
        batch: list[dict[str, Any]] = []
        turn = 0
        for doc in documents:
            batch.append(doc)
            count += 1
            if len(batch) == BATCH:
                _send(inboxes[turn], batch, workers[turn])
                batch, turn = [], (turn + 1) % processes
            if progress is not None:
                progress(count)
        if batch:
            _send(inboxes[turn], batch, workers[turn])
        for inbox, worker in zip(inboxes, workers, strict=True):
            _send(inbox, None, worker)
        made: dict[int, list] = {}
        while len(made) < processes:
            try:
                kind, number, payload = results.get(timeout=1.0)
            except queue.Empty:
                if any(w.exitcode not in (None, 0) for w in workers):
                    raise RuntimeError("an indexing process died") from None
                continue
            if kind == "error":
                raise RuntimeError(f"an indexing process failed:\n{payload}")
            made[number] = payload
        commit(ix, [segment for number in sorted(made) for segment in made[number]])
        return count
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        for inbox in inboxes:  # batches a dead process never took are dropped, not waited on
            inbox.cancel_join_thread()
            inbox.close()
        results.close()


def _send(inbox, batch, worker) -> None:
    while True:
        try:
            inbox.put(batch, timeout=1.0)
            return
        except queue.Full:
            if not worker.is_alive():
                raise RuntimeError("an indexing process died") from None


def _work(ix, folder: str, inbox, results, number: int) -> None:
    try:
        segments = []
        builder = SegmentBuilder(ix, folder)
        while (batch := inbox.get()) is not None:
            for doc in batch:
                builder.add(doc)
            if builder.docnum >= SEGMENT_DOCS:
                segments.append(builder.finish())
                builder = SegmentBuilder(ix, folder)
        if builder.docnum:
            segments.append(builder.finish())
        results.put(("done", number, segments))
    except BaseException:
        results.put(("error", number, traceback.format_exc()))
