"""Facet values of the live index as bitmasks (one Python int per value, a bit per document):
counting a facet under the other filters is an AND and a popcount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from portal.taxonomy.facets import FACET_FIELDS


@dataclass
class DocInfo:
    case_id: int
    slug: str
    published: int


def mask(docnums: Iterable[int]) -> int:
    """A set of document numbers as the bits of one integer (fast AND and popcount)."""
    docnums = list(docnums)
    if not docnums:
        return 0
    bits = bytearray((max(docnums) >> 3) + 1)
    for d in docnums:
        bits[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(bits, "little")


def mask_of(docnums: np.ndarray) -> int:
    """`mask` of an array of document numbers."""
    if not len(docnums):
        return 0
    bits = np.zeros(int(docnums.max()) + 1, dtype=bool)
    bits[docnums] = True
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def _add_at(planes: list[int], bits: int, bit: int) -> None:
    """Add 2**bit to the bit-sliced sum of every document in `bits` (a ripple-carry add)."""
    carry = bits
    while carry:
        while bit >= len(planes):
            planes.append(0)
        planes[bit], carry = planes[bit] ^ carry, planes[bit] & carry
        bit += 1


def members(bits: int) -> list[int]:
    out = []
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    for byte_index, byte in enumerate(data):
        while byte:
            low = byte & -byte
            out.append((byte_index << 3) + low.bit_length() - 1)
            byte ^= low
    return out


class FacetTable:
    """Per facet value, the set of documents that carry it, as bitmasks, and the date order."""

    def __init__(
        self,
        docs: dict[int, DocInfo],
        masks: dict[str, dict[str, int]],
        by_date: list[int] | None = None,
        all_docs: int | None = None,
    ) -> None:
        self.all = all_docs if all_docs is not None else mask(docs)
        self.masks = masks
        self.by_date = by_date if by_date is not None else date_order(docs, docs)

    @cached_property
    def date_rank(self) -> np.ndarray:
        """Each document's place in the date order (made when first needed)."""
        rank = np.zeros(max(self.by_date, default=-1) + 1, dtype=np.int64)
        rank[np.array(self.by_date, dtype=np.int64)] = np.arange(len(self.by_date))
        return rank

    def newest_first(self, matching: int, total: int, wanted: int) -> list[int]:
        """The first `wanted` matching documents, newest first, without sorting them all."""
        if wanted <= 0:
            return []
        if total * 20 < len(self.by_date):
            # A narrow result: listing its members is cheaper than scanning the date order.
            found = np.array(members(matching), dtype=np.int64)
            return found[np.argsort(self.date_rank[found], kind="stable")][:wanted].tolist()
        out = []
        for docnum in self.by_date:
            if (matching >> docnum) & 1:
                out.append(docnum)
                if len(out) == wanted:
                    break
        return out

    def sharing(self, topics: Mapping[tuple[str, str], int], wanted: int) -> list[tuple[int, int]]:
        """Documents sharing the weighted facet values, best first: (docnum, summed weight) for
        at least the `wanted` best by weight, then year (newest first, none last), and every
        document tied with the last of them on both.

        The sums are kept bit-sliced (bit i of every document's sum in one integer), so each
        value's documents are added in a few whole-bank operations, not one by one.
        """
        planes: list[int] = []
        sharing = 0
        for (facet, value), weight in topics.items():
            bits = self.masks.get(facet, {}).get(value, 0)
            sharing |= bits
            for bit in range(weight.bit_length()):
                if weight >> bit & 1:
                    _add_at(planes, bits, bit)
        years = sorted(self.masks.get("year", {}).items(), key=lambda kv: -int(kv[0]))
        found: list[tuple[int, int]] = []
        for total in range((1 << len(planes)) - 1, 0, -1):
            group = sharing
            for bit, plane in enumerate(planes):
                group &= plane if total >> bit & 1 else ~plane
            for _year, bits in [*years, ("", -1)]:  # -1: every bit, so those with no year last
                tier = group & bits
                if tier:
                    group &= ~tier
                    found.extend((docnum, total) for docnum in members(tier))
                    if len(found) >= wanted:
                        return found
        return found

    def filter_mask(self, facet: str, chosen: set[str]) -> int:
        combined = 0
        for value in chosen:
            combined |= self.masks[facet].get(value, 0)
        return combined

    def counts(self, candidates: int, filters: dict[str, set[str]]) -> tuple[int, dict]:
        """Matching documents, and per facet its value counts under every *other* filter."""
        filter_masks = {f: self.filter_mask(f, chosen) for f, chosen in filters.items()}
        matching = candidates
        for chosen_mask in filter_masks.values():
            matching &= chosen_mask
        counts: dict[str, dict[str, int]] = {}
        for facet in FACET_FIELDS:
            base = candidates
            for other, chosen_mask in filter_masks.items():
                if other != facet:
                    base &= chosen_mask
            counts[facet] = {
                value: n
                for value, value_mask in self.masks[facet].items()
                if (n := (base & value_mask).bit_count())
            }
        return matching, counts


def date_order(docs: dict[int, DocInfo], subset) -> list[int]:
    return sorted(subset, key=lambda d: (-docs[d].published, -docs[d].case_id))
