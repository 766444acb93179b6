"""Whoosh's encodings, made for many postings at once (see `whoosh_bulk`)."""

from __future__ import annotations

import pickle
from array import array

import numpy as np
from whoosh.system import pack_uint

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


def write_term(writer, text: bytes, docs: array, weights: list[float], values: list[bytes],
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
