"""A term's postings as arrays: read from Whoosh's posting blocks, or from a segment's arrays.

Whoosh keeps each posting list as pickled, compressed blocks of 128 postings (numbers, weights
and the positions of every posting). Scoring a common word at 100 000 cases unpickles hundreds
of blocks, positions and all, although it needs only the numbers and weights, and a phrase
needs the positions of a few documents. So beside each segment of the prose field the writer
keeps its postings as flat arrays (`<segment>.arrays_*`), written once after the segment is
committed and mapped read-only by every process:

- `..._docs.npy` (int32) and `..._weights.npy` (float32, Whoosh's own precision): every term's
  postings, one term after another, deleted documents included (a segment never changes;
  deletions are applied when reading, as Whoosh does);
- `..._positions.npy` (int32): every posting's positions, in the same order; a posting's weight
  is its number of positions (empty if that does not hold for a field, and phrases are then
  matched from Whoosh's blocks);
- `..._terms.pickle`: term → (start, stop, first position) in those arrays, written last, so
  that its presence says the arrays are whole.

The files are named like the segment's own, so Whoosh deletes them with the segment. A segment
without them (written before they existed, or by a process that stopped between the commit and
writing them) is read from Whoosh's blocks, with the same result.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterable
from pickle import loads

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE

from portal.search.whoosh_segments import segment_key

# The fields kept as arrays: the one every search scores.
FIELDS = ("content",)
log = logging.getLogger(__name__)


class SegmentArrays:
    """One segment's postings of one field, mapped from its files."""

    def __init__(self, terms: dict[bytes, tuple[int, int, int]], docs: np.ndarray,
                 weights: np.ndarray, positions: np.ndarray | None) -> None:  # fmt: skip
        self.terms = terms
        self.docs = docs
        self.weights = weights
        self.positions = positions

    def postings(self, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        start, stop, _ = self.terms.get(text, (0, 0, 0))
        return self.docs[start:stop].astype(np.int64), self.weights[start:stop].astype(np.float64)

    def positions_in(self, text: bytes, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term's positions in the given documents (which hold it, in ascending order): for
        each position, the index of its document in `docs`, and the position."""
        assert self.positions is not None
        start, stop, first = self.terms[text]
        held = self.docs[start:stop]
        counts = self.weights[start:stop].astype(np.int64)  # a posting's weight: its positions
        offsets = first + np.concatenate(([0], np.cumsum(counts)[:-1]))
        at = np.searchsorted(held, docs)
        lengths = counts[at]
        # Each wanted posting's run of positions, gathered in one index array.
        owner = np.repeat(np.arange(len(docs)), lengths)
        within = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return owner, self.positions[np.repeat(offsets[at], lengths) + within].astype(np.int64)


def _paths(folder: str, segment: str, fieldname: str) -> dict[str, str]:
    base = os.path.join(folder, f"{segment}.arrays_{fieldname}")
    return {"docs": f"{base}_docs.npy", "weights": f"{base}_weights.npy",
            "positions": f"{base}_positions.npy", "terms": f"{base}_terms.pickle"}  # fmt: skip


def open_arrays(folder: str, reader, fieldname: str) -> SegmentArrays | None:
    """The segment's arrays for the field, or None if it has none (yet)."""
    paths = _paths(folder, segment_key(reader, 0), fieldname)
    try:
        with open(paths["terms"], "rb") as file:
            terms = pickle.load(file)  # noqa: S301 - written by this module, beside the index
        docs = np.load(paths["docs"], mmap_mode="r")
        weights = np.load(paths["weights"], mmap_mode="r")
        positions = np.load(paths["positions"], mmap_mode="r")
    except (FileNotFoundError, ValueError, EOFError, pickle.UnpicklingError):
        return None
    return SegmentArrays(terms, docs, weights, positions if len(positions) else None)


def segments_without_arrays(ix, folder: str) -> list[str]:
    """The segments of the index that lack their arrays."""
    return [segment for segment, _fieldname in _missing(ix, folder)]


def _missing(ix, folder: str, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    skipped = set(exclude)
    with ix.reader() as top:
        return [
            (segment, fieldname)
            for leaf, _offset in top.leaf_readers()
            if not (segment := segment_key(leaf, 0)).startswith("?") and segment not in skipped
            for fieldname in FIELDS
            if fieldname in leaf.schema
            and not os.path.exists(_paths(folder, segment, fieldname)["terms"])
        ]


def write_missing(ix, folder: str, exclude: Iterable[str] = ()) -> int:
    """Write the arrays of every segment that lacks them, but those named in `exclude` (a
    writer passes the segments it found, so that an index from before the arrays does not make
    one edit write them all); returns how many were written. Safe in several processes at
    once: each file is replaced whole, and two writers write the same bytes."""
    wanted = _missing(ix, folder, exclude)
    return sum(_write_segment(folder, segment, fieldname) for segment, fieldname in wanted)


def _write_segment(folder: str, segment: str, fieldname: str) -> int:
    with whoosh_index.open_dir(folder).reader() as top:
        for leaf, _offset in top.leaf_readers():
            if segment_key(leaf, 0) == segment:
                try:
                    _write(leaf, fieldname, _paths(folder, segment, fieldname))
                except OSError:  # searches read Whoosh's blocks instead
                    log.exception("could not write the postings arrays of %s", segment)
                    return 0
                return 1
    return 0  # merged away meanwhile


def _write(leaf, fieldname: str, paths: dict[str, str]) -> None:
    terms: dict[bytes, tuple[int, int, int]] = {}
    docs: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    deltas: list[int] = []  # every posting's positions, as Whoosh stores them: deltas
    firsts: list[int] = []  # where each posting's deltas start
    with_positions = leaf.schema[fieldname].format.supports("positions")
    at = 0
    for term, _info in leaf.iter_field(fieldname):
        text = term if isinstance(term, bytes) else leaf.schema[fieldname].to_bytes(term)
        found, found_weights, values, _deleted = raw_postings(leaf, fieldname, text,
                                                              values=with_positions)  # fmt: skip
        terms[text] = (at, at + len(found), len(deltas))
        at += len(found)
        docs.append(found.astype(np.int32))
        weights.append(found_weights.astype(np.float32))
        for value in values or ():
            # Whoosh's Positions.decode_positions without its running sum (done below at once).
            firsts.append(len(deltas))
            body = value[_INT_SIZE:]
            deltas.extend(loads(body if body.endswith(b".") else body + b"."))  # noqa: S301
    positions = np.cumsum(np.array(deltas, dtype=np.int64))
    if firsts:  # each posting's deltas count from 0: take off the sum of those before
        starts = np.array(firsts, dtype=np.int64)
        before = np.concatenate(([0], positions[starts[1:] - 1]))
        positions -= np.repeat(before, np.diff(np.append(starts, len(deltas))))
    weight_of_all = joined(weights, np.float32)
    counts = np.diff(np.append(np.array(firsts, dtype=np.int64), len(deltas)))
    if not with_positions or not np.array_equal(counts, weight_of_all.astype(np.int64)):
        positions = np.zeros(0)  # positions are found by their posting's weight, or not kept
    _save(paths, terms, joined(docs, np.int32), weight_of_all, positions.astype(np.int32))


def save(folder: str, segment: str, fieldname: str, terms: dict[bytes, tuple[int, int, int]],
         docs: np.ndarray, weights: np.ndarray, positions: np.ndarray) -> None:  # fmt: skip
    """Save a segment's arrays made by its writer (see the module's docstring for what they
    hold); `positions` is empty where a posting's weight is not its number of positions."""
    _save(_paths(folder, segment, fieldname), terms, docs, weights, positions)


def _save(paths: dict[str, str], terms, docs, weights, positions) -> None:
    for name, array in (("docs", docs), ("weights", weights), ("positions", positions)):
        _replace(paths[name], lambda file, a=array: np.save(file, a))
    _replace(paths["terms"], lambda file: pickle.dump(terms, file, pickle.HIGHEST_PROTOCOL))


def joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The parts one after another (an empty array of the type if there are none)."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _replace(path: str, write) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        write(file)
    os.replace(temporary, path)


def raw_postings(reader, fieldname: str, text: bytes, values: bool = False):
    """A term's postings in one segment from Whoosh's blocks: document numbers and weights as
    arrays, each posting's encoded value (its positions) if asked, and the segment's deleted
    documents (not yet left out)."""
    matcher = reader.postings(fieldname, text)
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher) and matcher._exclude:  # the deletion filter
        deleted, matcher = matcher._ids, matcher.child
    ids: list[int] = []
    weights: list[float] = []
    encoded: list | None = [] if values else None
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        # Block by block, each a pickled tuple (Whoosh's W3LeafMatcher._read_ids/_weights):
        # the numbers are deltas after the first, which is absolute; the weights are None
        # (all 1), one float for all, or one each.
        previous_last = 0
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            deltas, block_weights = matcher._data[0], matcher._data[1]
            first = len(ids)
            ids.extend(deltas)
            ids[first] -= previous_last  # all deltas, so one running sum decodes every block
            if block_weights is None or isinstance(block_weights, float):
                weights.extend([1.0 if block_weights is None else block_weights] * len(deltas))
            else:
                weights.extend(block_weights)
            if encoded is not None:
                matcher._read_values()
                encoded.extend(matcher._values)
            previous_last = matcher.block_max_id()
            matcher._next_block()
        docs = np.cumsum(np.array(ids, dtype=np.int64))
    else:  # another kind of posting list: read it posting by posting
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if encoded is not None:
                encoded.append(matcher.value())
            matcher.next()
        docs = np.array(ids, dtype=np.int64)
    return docs, np.array(weights, dtype=np.float64), encoded, deleted


def live(docs: np.ndarray, weights: np.ndarray, encoded: list | None, deleted: frozenset[int]):
    """Leave out the deleted documents."""
    if not deleted:
        return docs, weights, encoded
    keep = np.flatnonzero(~np.isin(docs, np.fromiter(deleted, np.int64, len(deleted))))
    if encoded is not None:
        encoded = [encoded[i] for i in keep.tolist()]
    return docs[keep], weights[keep], encoded
