"""Whoosh's encodings, made for many postings at once (see `whoosh_bulk`)."""

from __future__ import annotations

import pickle
import zlib

import numpy as np
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

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


# A block's data is pickled in protocol 4. Whoosh's writer uses protocol 2, which has no opcode
# for bytes: every posting's value becomes a call to `_codecs.encode` of the value decoded to
# text (some 40 bytes of opcodes per posting, its high bytes doubled as UTF-8). In protocol 4 a
# block pickles eight times faster, compresses twice as fast to about half the size and loads
# four times faster, and Whoosh's reader unpickles whatever protocol it finds.
BLOCK_PROTOCOL = 4
_NO_LENGTH = np.iinfo(np.int64).max


def write_terms(writer, texts: list[bytes], bounds: list[int], docs: np.ndarray,
                weights: np.ndarray, values: list[bytes] | np.ndarray,
                lengths: np.ndarray | None) -> None:  # fmt: skip
    """Whole terms' postings as Whoosh's field writer writes them (`W3FieldWriter.start_term`,
    `add` per posting, `finish_term`): each term's postings cut into blocks of the codec's
    size, each block with Whoosh's statistics and header, and the term's statistics in the
    terms table. The numbers for all blocks are worked out with numpy at once.

    Term `texts[i]` has postings `bounds[i]` to `bounds[i + 1]` of `docs` (ascending within
    a term), `weights` (float64, as given to Whoosh's writer) and `values` (each posting's
    encoded value; for a format of fixed size, a big-endian number array of that size).
    `lengths` holds every document's field length as Whoosh reads it back (or None)."""
    postings = writer._postwriter
    if postings._inlinelimit > 1:
        raise NotImplementedError("inlined postings")
    limit, compression = postings._blocklimit, postings._compression
    fixed = writer._format.fixed_value_size()
    postfile, table = writer._postfile, writer._tindex
    field_key = pack_ushort(writer._fieldid)
    starts, ends, blocks = _blocks(bounds, limit)
    numbers = docs.astype(np.int64)
    gaps = numbers.copy()  # within a block, each document's number less the one before it
    gaps[1:] -= numbers[:-1]
    gaps[starts] = numbers[starts]
    weights32 = weights.astype(np.float32)
    low, high = np.minimum.reduceat(weights32, starts), np.maximum.reduceat(weights32, starts)
    max_weights = np.maximum.reduceat(weights, starts).tolist()
    plain = ((low == 1.0) & (high == 1.0)).tolist()  # every weight 1.0: stored as None
    same = (low == high).tolist()  # one weight: stored once
    min_lengths, max_lengths = _block_lengths(lengths, docs, starts)
    gap_list, number_list, weight_list = gaps.tolist(), numbers.tolist(), weights32.tolist()
    starts_list, ends_list = starts.tolist(), ends.tolist()
    first = 0  # the term's first block
    for text, count in zip(texts, blocks.tolist(), strict=True):
        offset = postfile.tell()
        parts = [WHOOSH3_HEADER_MAGIC]
        weight_sum, min_length, max_length, max_weight = 0, None, 0, 0
        for i in range(first, first + count):
            a, b = starts_list[i], ends_list[i]
            block_weights = weight_list[a:b]
            if plain[i]:
                mini_weights = None
            elif same[i]:
                mini_weights = block_weights[0]
            else:
                mini_weights = tuple(block_weights)
            if fixed is None or fixed < 0:
                mini_values = tuple(filter(None, values[a:b]))
            elif fixed == 0:
                mini_values = None
            else:
                mini_values = values[a:b].tobytes()
            data = pickle.dumps((tuple(gap_list[a:b]), mini_weights, mini_values), BLOCK_PROTOCOL)
            comp = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
            if comp:
                data = zlib.compress(data, comp)
            top = max_weights[i] if max_weights[i] > 0 else 0
            low_length, high_length = min_lengths[i], max_lengths[i]
            info = pickle.dumps((b - a, number_list[b - 1], top, comp, length_to_byte(low_length),
                                 length_to_byte(high_length)), 2)  # fmt: skip
            last = i == first + count - 1
            size = len(info) + len(data)
            parts += (pack_int(-size if last else size), info, data)
            # The term's statistics, gathered block by block as `W3TermInfo.add_block` does.
            weight_sum += sum(block_weights)
            min_length = low_length if min_length is None else min(min_length, low_length)
            max_length = max(max_length, high_length)
            max_weight = max(max_weight, top)
        postfile.write(b"".join(parts))
        a, b = starts_list[first], ends_list[first + count - 1]
        info = W3TermInfo._struct.pack(
            False, weight_sum, b - a, 0 if min_length is None else length_to_byte(min_length),
            length_to_byte(max_length), max_weight, number_list[a], number_list[b - 1],
        )  # fmt: skip
        table.add(field_key + text, info + pack_long(offset) + pack_int(postfile.tell() - offset))
        first += count


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
    """Each block's shortest and longest field length among its documents (None and 0 when
    the field keeps no lengths, or none of them is above 0), as Whoosh's blocks record them."""
    if lengths is None:
        return [None] * len(starts), [0] * len(starts)
    held = lengths[docs]
    lowest = np.minimum.reduceat(np.where(held > 0, held, _NO_LENGTH), starts).tolist()
    return ([None if x == _NO_LENGTH else x for x in lowest],
            np.maximum.reduceat(held, starts).tolist())  # fmt: skip
