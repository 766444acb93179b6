"""Pickles laid out with numpy for many postings at once, byte for byte as `pickle.dumps`
writes each: postings' positions as Whoosh's `Positions.encode` encodes them
(`encoded_positions`), and blocks' data (`block_pickles`, for `whoosh_encoding.write_terms`).

A block's data is `(gaps, weights, values)`: the tuple of its documents' numbers less the one
before (the first as it is), its weights (None if every one is 1.0, one number if they are all
the same, else a tuple) and its values (None where the format keeps none, the values joined
where each has a fixed size, else a tuple of them). Pickled one at a time, a block's tuples and
every posting's value became Python objects only to be written out again; here each pickle is
laid out in one array for all blocks:

    PROTO 4, FRAME <length>, gaps, weights, values, TUPLE3, MEMOIZE, STOP

where a tuple of n items is its items then TUPLE1, TUPLE2 or TUPLE3 (n ≤ 3) or MARK, its
items and TUPLE (n ≥ 4), and then MEMOIZE; a number is BININT1, BININT2 or BININT (one, two
or four bytes, little-endian); a float BINFLOAT (eight bytes, big-endian); bytes
SHORT_BINBYTES (a byte's length) or BINBYTES (four bytes' length) and then MEMOIZE.

A pickle of 64 KiB or more is cut into frames by pickle; such a block is left to `pickle.dumps`
(`Pickles.laid_out` is False for it).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import numpy as np
from whoosh.system import pack_uint

_PROTO, _FRAME, _MARK, _TUPLE, _MEMOIZE, _STOP = 0x80, 0x95, 0x28, 0x74, 0x94, 0x2E
_TUPLE1, _TUPLE3, _NONE, _BINFLOAT = 0x85, 0x87, 0x4E, 0x47
_BININT1, _BININT2, _BININT = 0x4B, 0x4D, 0x4A
_SHORT_BINBYTES, _BINBYTES = 0x43, 0x42
_HEAD, _TAIL = 11, 3  # PROTO 4 and FRAME with its length; TUPLE3, MEMOIZE and STOP
FRAME_LIMIT = 1 << 16  # pickle's frame size target: from this length on, it cuts frames


@dataclass
class Encoded:
    """Every posting's value, one after another in `data`, the i-th `lengths[i]` bytes long."""

    data: np.ndarray  # uint8
    lengths: np.ndarray  # int64

    def items(self, first: int, stop: int) -> list[bytes]:
        """The values of postings `first` to `stop`, as bytes."""
        ends = np.cumsum(self.lengths[:stop]).tolist()
        starts = [0, *ends[:-1]]
        data = self.data
        return [data[starts[i] : ends[i]].tobytes() for i in range(first, stop)]


@dataclass
class Pickles:
    """Each block's pickle is `data[starts[i]:ends[i]]`, where `laid_out[i]`."""

    data: bytes
    starts: list[int]
    ends: list[int]
    laid_out: list[bool]


# A list of small numbers as `pickle.dumps(gaps, 2)` writes it (protocol 2).
_LIST_HEAD = b"\x80\x02]q\x00"  # PROTO 2, EMPTY_LIST, BINPUT 0
_APPEND, _APPENDS = ord("a"), ord("e")


def encoded_positions(counts: np.ndarray, positions: np.ndarray) -> Encoded:
    """Whoosh's `Positions.encode` of many postings at once: each posting's count (4 bytes),
    then the pickled list of gaps between its positions (the first counted from 0), one
    posting's after another.

    The pickles are laid out with numpy rather than made one by one: a posting's pickle is a
    fixed head, one opcode and one, two or four bytes per number, and a fixed tail."""
    counts = counts.astype(np.int64)
    if not len(counts):
        return Encoded(np.zeros(0, dtype=np.uint8), counts)
    firsts = np.cumsum(counts) - counts
    gaps = positions.astype(np.int64)
    gaps[1:] -= positions[:-1]
    gaps[firsts] = positions[firsts]
    if counts.max() > 1000 or gaps.max() > 0x7FFFFFFF:  # pickle's batches of 1000; big numbers
        gap_list = gaps.tolist()
        each = [
            pack_uint(count) + pickle.dumps(gap_list[first : first + count], 2)
            for first, count in zip(firsts.tolist(), counts.tolist(), strict=True)
        ]
        return Encoded(np.frombuffer(b"".join(each), dtype=np.uint8),
                       np.array([len(value) for value in each], dtype=np.int64))  # fmt: skip
    item = int_sizes(gaps)
    head = 9 + (counts > 1)  # count, PROTO 2, EMPTY_LIST, BINPUT 0 and, for several, MARK
    item_ends = np.cumsum(item)
    body = np.diff(np.concatenate(([0], item_ends[firsts + counts - 1])))
    ends = np.cumsum(head + body + 2)  # + APPEND or APPENDS, STOP
    starts = ends - (head + body + 2)
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    put(out, starts, counts.astype(">u4"))
    for offset, byte in enumerate(_LIST_HEAD):
        out[starts + 4 + offset] = byte
    out[starts[counts > 1] + 9] = _MARK
    # Where each number goes: its posting's items start, plus the items before it there.
    of_posting = np.repeat(np.arange(len(counts)), counts)
    put_ints(out, np.repeat(starts + head, counts) + within(item, firsts, of_posting), gaps, item)
    out[ends - 2] = np.where(counts > 1, _APPENDS, _APPEND)
    out[ends - 1] = _STOP
    return Encoded(out, ends - starts)


def block_pickles(starts: np.ndarray, ends: np.ndarray, gaps: np.ndarray,
                  weights: np.ndarray, plain: np.ndarray, same: np.ndarray,
                  values: Encoded | np.ndarray | None) -> Pickles:  # fmt: skip
    """The pickles of blocks `starts[i]` to `ends[i]` of the postings (which the blocks cover,
    in order): `gaps` (int64, below 2**31), `weights` (float32, as the blocks keep them),
    `plain` and `same` (per block: every weight is 1.0; every weight is the same) and `values`
    (Encoded, a fixed-size big-endian array, or None)."""
    if gaps.max() > 0x7FFFFFFF:
        raise ValueError("document numbers past BININT's four bytes")
    count = ends - starts
    total = int(ends[-1])
    of_block = np.repeat(np.arange(len(starts)), count)
    nth = np.arange(total) - starts[of_block]  # a posting's place in its block

    id_items = int_sizes(gaps)
    ids_size = _tuple_size(count) + np.add.reduceat(id_items, starts)
    listed = ~(plain | same)
    weights_size = np.where(plain, 1, np.where(same, 9, _tuple_size(count) + 9 * count))
    if values is None:
        values_size = np.ones(len(starts), dtype=np.int64)
    elif isinstance(values, Encoded):
        value_items = values.lengths + np.where(values.lengths < 256, 3, 6)
        values_size = _tuple_size(count) + np.add.reduceat(value_items, starts)
    else:
        fixed = values.dtype.itemsize
        joined = count * fixed
        values_size = joined + np.where(joined < 256, 3, 6)
    size = _HEAD + ids_size + weights_size + values_size + _TAIL
    block_ends = np.cumsum(size)
    at = block_ends - size
    out = np.zeros(int(block_ends[-1]), dtype=np.uint8)

    out[at] = _PROTO
    out[at + 1] = 4
    out[at + 2] = _FRAME
    put(out, at + 3, (size - _HEAD).astype("<u8"))
    ids_at = at + _HEAD
    weights_at = ids_at + ids_size
    values_at = weights_at + weights_size
    tail_at = values_at + values_size
    out[tail_at] = _TUPLE3
    out[tail_at + 1] = _MEMOIZE
    out[tail_at + 2] = _STOP

    # The gaps: each number's opcode and one, two or four bytes.
    _tuple_marks(out, ids_at, weights_at, count)
    item_at = np.repeat(ids_at + (count >= 4), count) + within(id_items, starts, of_block)
    put_ints(out, item_at, gaps, id_items)

    # The weights: None, one float or a tuple of them.
    as_double = weights.astype(">f8")
    out[weights_at[plain]] = _NONE
    one = same & ~plain
    out[weights_at[one]] = _BINFLOAT
    put(out, weights_at[one] + 1, as_double[starts[one]])
    _tuple_marks(out, weights_at[listed], values_at[listed], count[listed])
    in_list = listed[of_block]
    float_at = (weights_at + (count >= 4))[of_block[in_list]] + 9 * nth[in_list]
    out[float_at] = _BINFLOAT
    put(out, float_at + 1, as_double[in_list])

    # The values: None, the values joined as one bytes object, or a tuple of bytes objects.
    if values is None:
        out[values_at] = _NONE
    elif isinstance(values, Encoded):
        _tuple_marks(out, values_at, tail_at, count)
        value_at = np.repeat(values_at + (count >= 4), count) + within(value_items, starts,
                                                                         of_block)  # fmt: skip
        payload_at = _bytes_heads(out, value_at, values.lengths)
        out[payload_at + values.lengths] = _MEMOIZE
        _copy(out, payload_at, values.lengths, values.data)
    else:
        payload_at = _bytes_heads(out, values_at, joined)
        out[payload_at + joined] = _MEMOIZE
        _copy(out, payload_at, joined, values.view(np.uint8).reshape(-1))
    return Pickles(out.tobytes(), at.tolist(), block_ends.tolist(),
                   (size - _HEAD < FRAME_LIMIT).tolist())  # fmt: skip


def int_sizes(numbers: np.ndarray) -> np.ndarray:
    """Each number's size pickled (below 2**31): BININT1, BININT2 or BININT and its one, two
    or four bytes."""
    return np.where(numbers <= 0xFF, 2, np.where(numbers <= 0xFFFF, 3, 5))


def put_ints(out: np.ndarray, at: np.ndarray, numbers: np.ndarray, sizes: np.ndarray) -> None:
    """The numbers pickled at `at`, each in its size (`int_sizes`): the opcode, then its
    bytes, little-endian."""
    out[at] = np.where(sizes == 2, _BININT1, np.where(sizes == 3, _BININT2, _BININT))
    for byte, needs in enumerate((2, 3, 5, 5)):  # the bytes a number of each size has
        wide = sizes >= needs
        out[at[wide] + 1 + byte] = (numbers[wide] >> (8 * byte)) & 0xFF


def _tuple_size(count: np.ndarray) -> np.ndarray:
    """A tuple's opcodes beyond its items: MARK (for four items or more), the closing
    opcode and MEMOIZE."""
    return (count >= 4) + 2


def _tuple_marks(out: np.ndarray, at: np.ndarray, end: np.ndarray, count: np.ndarray) -> None:
    """The opcodes of tuples of `count` items, from `at` to `end`."""
    many = count >= 4
    out[at[many]] = _MARK
    out[end - 2] = np.where(many, _TUPLE, _TUPLE1 + np.minimum(count, 3) - 1)
    out[end - 1] = _MEMOIZE


def within(sizes: np.ndarray, starts: np.ndarray, of_block: np.ndarray) -> np.ndarray:
    """Where each item starts among its block's items, for items of these sizes."""
    before = np.cumsum(sizes) - sizes
    return before - before[starts][of_block]


def _bytes_heads(out: np.ndarray, at: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """SHORT_BINBYTES or BINBYTES with their lengths, at `at`; returns where the bytes go."""
    short = lengths < 256
    out[at] = np.where(short, _SHORT_BINBYTES, _BINBYTES)
    out[at[short] + 1] = lengths[short]
    put(out, at[~short] + 1, lengths[~short].astype("<u4"))
    return at + np.where(short, 2, 5)


def put(out: np.ndarray, at: np.ndarray, numbers: np.ndarray) -> None:
    """Each number's bytes (as its dtype lays them out) from `at` on."""
    width = numbers.dtype.itemsize
    out[at[:, None] + np.arange(width)] = numbers.view(np.uint8).reshape(-1, width)


def _copy(out: np.ndarray, at: np.ndarray, lengths: np.ndarray, data: np.ndarray) -> None:
    """`data`, pieces of these lengths one after another, each to its place `at`."""
    out[np.repeat(at - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(data))] = data
