"""Whoosh's encodings, made for many postings at once (see `whoosh_bulk`)."""

from __future__ import annotations

import pickle

import numpy as np
from isal import isal_zlib
from whoosh import columns
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import _length_byte_cache

from portal.search.whoosh_pickles import Encoded, block_pickles

# Blocks and stored documents are deflated by ISA-L at its level 1 rather than by zlib at
# Whoosh's level 3: the same format, which Whoosh's reader inflates with zlib, in less than half
# the time (zlib's deflate was a quarter of the time spent writing a segment); the postings file
# is about 5 % larger. A block's header still records the codec's level, which the reader takes
# as a flag.
DEFLATE_LEVEL = 1


def deflate(data: bytes) -> bytes:
    return isal_zlib.compress(data, DEFLATE_LEVEL)


class _Deflated(columns.CompressedBytesColumn):
    """Whoosh's column of compressed bytes, deflated by `deflate`."""

    class Writer(columns.CompressedBytesColumn.Writer):
        def add(self, docnum, v):
            columns.VarBytesColumn.Writer.add(self, docnum, deflate(v))


# Whoosh's column of stored documents (`whoosh3.STORED_COLUMN`), deflated by `deflate`.
STORED_COLUMN = columns.PickleColumn(_Deflated())


# A block's data is pickled in protocol 4. Whoosh's writer uses protocol 2, which has no opcode
# for bytes: every posting's value becomes a call to `_codecs.encode` of the value decoded to
# text (some 40 bytes of opcodes per posting, its high bytes doubled as UTF-8). In protocol 4 a
# block pickles eight times faster, compresses twice as fast to about half the size and loads
# four times faster, and Whoosh's reader unpickles whatever protocol it finds.
BLOCK_PROTOCOL = 4
_NO_LENGTH = np.iinfo(np.int64).max


def write_terms(writer, texts: list[bytes], bounds: list[int], docs: np.ndarray,
                weights: np.ndarray, values: Encoded | list[bytes] | np.ndarray,
                lengths: np.ndarray | None) -> None:  # fmt: skip
    """Whole terms' postings as Whoosh's field writer writes them (`W3FieldWriter.start_term`,
    `add` per posting, `finish_term`): each term's postings cut into blocks of the codec's
    size, each block with Whoosh's statistics and header, and the term's statistics in the
    terms table. The numbers for all blocks and terms are worked out with numpy at once, and
    the postings and the terms table are written in one piece each.

    Term `texts[i]` has postings `bounds[i]` to `bounds[i + 1]` of `docs` (ascending within
    a term), `weights` (float64, as given to Whoosh's writer) and `values` (each posting's
    encoded value: `Encoded`, none empty, or a list, from which empty ones are left out as
    Whoosh's writer leaves them; for a format of fixed size, a big-endian number array of that
    size). Blocks are pickled by `whoosh_pickles.block_pickles` unless values are a list, and
    then one by one.
    `lengths` holds every document's field length as Whoosh reads it back (or None)."""
    postings = writer._postwriter
    if postings._inlinelimit > 1:
        raise NotImplementedError("inlined postings")
    if not texts:
        return
    limit, compression = postings._blocklimit, postings._compression
    fixed = writer._format.fixed_value_size()
    postfile = writer._postfile
    field_key = pack_ushort(writer._fieldid)
    starts, ends, blocks = _blocks(bounds, limit)
    term_blocks = np.cumsum(blocks) - blocks  # each term's first block
    numbers = docs.astype(np.int64)
    gaps = numbers.copy()  # within a block, each document's number less the one before it
    gaps[1:] -= numbers[:-1]
    gaps[starts] = numbers[starts]
    weights32 = weights.astype(np.float32)
    low, high = np.minimum.reduceat(weights32, starts), np.maximum.reduceat(weights32, starts)
    tops = np.maximum(np.maximum.reduceat(weights, starts), 0)  # a block's top weight, ≥ 0
    plain = (low == 1.0) & (high == 1.0)  # every weight 1.0: stored as None
    same = low == high  # one weight: stored once
    # The blocks' and the terms' shortest and longest field lengths, as Whoosh's bytes.
    shortest, longest = _block_lengths(lengths, docs, starts)
    block_low, block_high = length_bytes(shortest).tolist(), length_bytes(longest).tolist()
    term_low = length_bytes(np.minimum.reduceat(shortest, term_blocks)).tolist()
    term_high = length_bytes(np.maximum.reduceat(longest, term_blocks)).tolist()
    term_top = np.maximum.reduceat(tops, term_blocks).tolist()
    if fixed == 0:
        values = None
    pickles = None
    if values is None or isinstance(values, (Encoded, np.ndarray)):
        pickles = block_pickles(starts, ends, gaps, weights32, plain, same, values)
    number_list, weight_list = numbers.tolist(), weights32.tolist()
    starts_list, ends_list, tops = starts.tolist(), ends.tolist(), tops.tolist()
    out: list[bytes] = []  # the postings file's new bytes
    entries: list[tuple[bytes, bytes]] = []  # the terms table's new entries
    at = offset = postfile.tell()
    term_first = term_blocks.tolist()
    for t, (text, count) in enumerate(zip(texts, blocks.tolist(), strict=True)):
        first = term_first[t]
        out.append(WHOOSH3_HEADER_MAGIC)
        at += len(WHOOSH3_HEADER_MAGIC)
        weight_sum = 0
        for i in range(first, first + count):
            a, b = starts_list[i], ends_list[i]
            block_weights = weight_list[a:b]
            if pickles is not None and pickles.laid_out[i]:
                data = pickles.data[pickles.starts[i] : pickles.ends[i]]
            else:
                data = _pickled(gaps[a:b], block_weights, bool(plain[i]), bool(same[i]),
                                values, fixed, a, b)  # fmt: skip
            comp = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
            if comp:
                data = deflate(data)
            info = pickle.dumps((b - a, number_list[b - 1], tops[i], comp, block_low[i],
                                 block_high[i]), 2)  # fmt: skip
            size = len(info) + len(data)
            out += (pack_int(-size if i == first + count - 1 else size), info, data)
            at += 4 + size
            # The term's weight, gathered block by block as `W3TermInfo.add_block` does.
            weight_sum += sum(block_weights)
        a, b = starts_list[first], ends_list[first + count - 1]
        info = W3TermInfo._struct.pack(
            False, weight_sum, b - a, term_low[t], term_high[t], term_top[t], number_list[a],
            number_list[b - 1],
        )  # fmt: skip
        entries.append((field_key + text, info + pack_long(offset) + pack_int(at - offset)))
        offset = at
    postfile.write(b"".join(out))
    _add_in_order(writer._tindex, entries)


def _pickled(gaps: np.ndarray, weights: list[float], plain: bool, same: bool,
             values: Encoded | np.ndarray | list[bytes] | None, fixed: int | None, a: int,
             b: int) -> bytes:  # fmt: skip
    """A block's data as Whoosh's writer makes it (`_mini_ids`, `_mini_weights` and
    `_mini_values`), pickled one by one: where `block_pickles` does not lay it out."""
    if plain:
        mini_weights = None
    elif same:
        mini_weights = weights[0]
    else:
        mini_weights = tuple(weights)
    if values is None:
        mini_values = None
    elif isinstance(values, Encoded):
        mini_values = tuple(values.items(a, b))
    elif fixed is None or fixed < 0:
        mini_values = tuple(filter(None, values[a:b]))
    else:
        mini_values = values[a:b].tobytes()
    return pickle.dumps((tuple(gaps.tolist()), mini_weights, mini_values), BLOCK_PROTOCOL)


def _add_in_order(table, entries: list[tuple[bytes, bytes]]) -> None:
    """Whoosh's `OrderedHashWriter.add` of many entries, written in one piece."""
    if entries[0][0] <= table.lastkey:
        raise ValueError(f"Keys must increase: {table.lastkey!r}..{entries[0][0]!r}")
    dbfile, buckets, index, hashfn = table.dbfile, table.buckets, table.index, table.hashfn
    at = dbfile.tell()
    out = []
    for key, value in entries:
        index.append(at)
        h = hashfn(key)
        buckets[h & 255].append((h, at))
        out += (_LENGTHS.pack(len(key), len(value)), key, value)
        at += _LENGTHS.size + len(key) + len(value)
    dbfile.write(b"".join(out))
    table.lastkey = entries[-1][0]


def _blocks(bounds: list[int], limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each block of `limit` postings starts and ends, and how many blocks each term
    has, for terms whose postings start at `bounds[i]` (the last bound: where they end)."""
    edges = np.asarray(bounds, dtype=np.int64)
    blocks = (np.diff(edges) + limit - 1) // limit
    of_term = np.repeat(np.arange(len(blocks)), blocks)
    nth = np.arange(len(of_term)) - (np.cumsum(blocks) - blocks)[of_term]
    starts = edges[:-1][of_term] + limit * nth
    return starts, np.minimum(starts + limit, edges[1:][of_term]), blocks


def _block_lengths(lengths: np.ndarray | None, docs: np.ndarray, starts: np.ndarray):
    """Each block's shortest field length among its documents with one above 0 (`_NO_LENGTH`
    if none has) and its longest (0 when the field keeps no lengths), as Whoosh's blocks
    record them."""
    if lengths is None:
        return np.full(len(starts), _NO_LENGTH), np.zeros(len(starts), dtype=np.int64)
    held = lengths[docs].astype(np.int64)
    return (np.minimum.reduceat(np.where(held > 0, held, _NO_LENGTH), starts),
            np.maximum.reduceat(held, starts))  # fmt: skip


_LENGTH_BYTES = np.frombuffer(_length_byte_cache, dtype=np.int32)


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's `length_to_byte` of many lengths (`_NO_LENGTH` for its None)."""
    found = np.searchsorted(_LENGTH_BYTES, np.minimum(lengths, _LENGTH_BYTES[-1]), side="left")
    return np.where(lengths == _NO_LENGTH, 0, found)
