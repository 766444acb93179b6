"""Blocks' data laid out with numpy are the bytes `pickle.dumps(data, 4)` writes for them."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from portal.search.whoosh_pickles import FRAME_LIMIT, Encoded, block_pickles


def _random_blocks(rng: random.Random, kind: str):
    """Blocks of random postings: their sizes, gaps, weights and values, in every form the
    pickles take (one to four items and more, numbers of one, two and four bytes, weights all
    1.0, all alike or not, values short, long and past pickle's frame)."""
    counts = [rng.choice([1, 2, 3, 4, 5, 128, rng.randint(1, 128)]) for _ in range(40)]
    gaps, weights, values = [], [], []
    for count in counts:
        top = rng.choice([200, 254, 255, 65_534, 65_535, 2**31 - 2])  # and one past each
        gaps += [rng.choice([rng.randint(0, top), top, top + 1]) for _ in range(count)]
        style = rng.choice(["plain", "same", "listed"])
        if style == "plain":
            weights += [1.0] * count
        elif style == "same":
            weights += [rng.choice([0.5, 2.0, 3.25])] * count
        else:
            weights += [rng.choice([1.0, 1.5, 2.0, 0.1 * rng.randint(1, 99)]) for _ in range(count)]
        for _ in range(count):
            size = rng.choice([1, 10, 250, 255, 256, 300, rng.randint(1, 600)])
            if rng.random() < 0.002:
                size = FRAME_LIMIT  # a block whose pickle pickle cuts into frames
            values.append(rng.randbytes(size))
    if kind == "fixed":
        values = np.array([rng.randint(0, 2**31) for _ in gaps], dtype=">u4")
    return counts, gaps, weights, values


def _expected(gaps, weights32, values, kind: str) -> bytes:
    """Whoosh's writer's block data (`_mini_ids`, `_mini_weights`, `_mini_values`), pickled."""
    if all(w == 1.0 for w in weights32):
        mini_weights = None
    elif all(w == weights32[0] for w in weights32):
        mini_weights = weights32[0]
    else:
        mini_weights = tuple(weights32)
    if kind == "none":
        mini_values = None
    elif kind == "fixed":
        mini_values = values.tobytes()
    else:
        mini_values = tuple(values)
    return pickle.dumps((tuple(gaps), mini_weights, mini_values), 4)


@pytest.mark.parametrize("kind", ["encoded", "fixed", "none"])
def test_blocks_are_pickled_as_pickle_pickles_them(kind):
    rng = random.Random(kind)
    frames = 0
    for _trial in range(30):
        counts, gaps, weights, values = _random_blocks(rng, kind)
        ends = np.cumsum(counts)
        starts = ends - np.array(counts)
        weights32 = np.array(weights, dtype=np.float32)
        low = np.minimum.reduceat(weights32, starts)
        high = np.maximum.reduceat(weights32, starts)
        if kind == "encoded":
            given = Encoded(np.frombuffer(b"".join(values), dtype=np.uint8),
                            np.array([len(v) for v in values], dtype=np.int64))  # fmt: skip
        else:
            given = values if kind == "fixed" else None
        got = block_pickles(starts, ends, np.array(gaps, dtype=np.int64), weights32,
                            (low == 1.0) & (high == 1.0), low == high, given)  # fmt: skip
        for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            expected = _expected(gaps[a:b], weights32[a:b].tolist(), values[a:b], kind)
            if not got.laid_out[i]:
                assert len(expected) >= FRAME_LIMIT  # pickle cut it into frames
                frames += 1
                continue
            assert got.data[got.starts[i] : got.ends[i]] == expected
            if kind == "encoded":
                assert given.items(a, b) == values[a:b]
    if kind == "encoded":
        assert frames > 0
