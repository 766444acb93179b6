"""Many blocks' data pickled at once with numpy, byte for byte as `pickle.dumps(data, 4)`
pickles each (see `whoosh_encoding.write_terms`).

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

from dataclasses import dataclass

import numpy as np

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

    id_items = np.where(gaps <= 0xFF, 2, np.where(gaps <= 0xFFFF, 3, 5))
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
    _put(out, at + 3, (size - _HEAD).astype("<u8"))
    ids_at = at + _HEAD
    weights_at = ids_at + ids_size
    values_at = weights_at + weights_size
    tail_at = values_at + values_size
    out[tail_at] = _TUPLE3
    out[tail_at + 1] = _MEMOIZE
    out[tail_at + 2] = _STOP

    # The gaps: each number's opcode and one, two or four bytes.
    _tuple_marks(out, ids_at, weights_at, count)
    item_at = np.repeat(ids_at + (count >= 4), count) + _within(id_items, starts, of_block)
    out[item_at] = np.where(id_items == 2, _BININT1, np.where(id_items == 3, _BININT2, _BININT))
    for byte, needs in enumerate((2, 3, 5, 5)):
        wide = id_items >= needs
        out[item_at[wide] + 1 + byte] = (gaps[wide] >> (8 * byte)) & 0xFF

    # The weights: None, one float or a tuple of them.
    as_double = weights.astype(">f8")
    out[weights_at[plain]] = _NONE
    one = same & ~plain
    out[weights_at[one]] = _BINFLOAT
    _put(out, weights_at[one] + 1, as_double[starts[one]])
    _tuple_marks(out, weights_at[listed], values_at[listed], count[listed])
    in_list = listed[of_block]
    float_at = (weights_at + (count >= 4))[of_block[in_list]] + 9 * nth[in_list]
    out[float_at] = _BINFLOAT
    _put(out, float_at + 1, as_double[in_list])

    # The values: None, the values joined as one bytes object, or a tuple of bytes objects.
    if values is None:
        out[values_at] = _NONE
    elif isinstance(values, Encoded):
        _tuple_marks(out, values_at, tail_at, count)
        value_at = np.repeat(values_at + (count >= 4), count) + _within(value_items, starts,
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


def _within(sizes: np.ndarray, starts: np.ndarray, of_block: np.ndarray) -> np.ndarray:
    """Where each item starts among its block's items, for items of these sizes."""
    before = np.cumsum(sizes) - sizes
    return before - before[starts][of_block]


def _bytes_heads(out: np.ndarray, at: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """SHORT_BINBYTES or BINBYTES with their lengths, at `at`; returns where the bytes go."""
    short = lengths < 256
    out[at] = np.where(short, _SHORT_BINBYTES, _BINBYTES)
    out[at[short] + 1] = lengths[short]
    _put(out, at[~short] + 1, lengths[~short].astype("<u4"))
    return at + np.where(short, 2, 5)


def _put(out: np.ndarray, at: np.ndarray, numbers: np.ndarray) -> None:
    """Each number's bytes (as its dtype lays them out) from `at` on."""
    width = numbers.dtype.itemsize
    out[at[:, None] + np.arange(width)] = numbers.view(np.uint8).reshape(-1, width)


def _copy(out: np.ndarray, at: np.ndarray, lengths: np.ndarray, data: np.ndarray) -> None:
    """`data`, pieces of these lengths one after another, each to its place `at`."""
    out[np.repeat(at - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(data))] = data
