"""The segments of the live index, and what a process keeps of each while it lives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One segment of the index as this process saw it: where its documents start, how many
    numbers it spans and which of them are deleted."""

    segment_id: str
    offset: int
    size: int
    deleted: frozenset[int]  # global document numbers


class PerSegment:
    """Something read from each segment of the index, kept while the segment lives: a segment's
    documents never change (a deletion only marks them), so only a new segment is ever read."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder  # the index directory, where files kept beside segments are
        self._by_segment: dict[str, dict] = {}

    def of(self, segment: str) -> dict:
        return self._by_segment.setdefault(segment, {})

    def keep_only(self, segments: Iterable[str]) -> None:
        alive = set(segments)
        for gone in set(self._by_segment) - alive:
            self._close(self._by_segment.pop(gone))

    def close(self) -> None:
        for kept in self._by_segment.values():
            self._close(kept)
        self._by_segment.clear()

    @staticmethod
    def _close(kept: dict) -> None:
        reader = kept.get("stored")
        if reader is not None:
            reader.close()


def segment_key(leaf_reader, offset: int) -> str:
    """The id of the segment behind a leaf reader (its offset where it has none)."""
    segment = getattr(leaf_reader, "_segment", None)
    return segment.segment_id() if segment is not None else f"?{offset}"


def layout_of(reader) -> list[Segment]:
    out = []
    for leaf, offset in reader.leaf_readers():
        segment_id = segment_key(leaf, offset)
        deleted = frozenset(offset + d for d in deleted_in(leaf))
        out.append(Segment(segment_id, offset, leaf.doc_count_all(), deleted))
    return out


def deleted_in(leaf_reader) -> frozenset[int]:
    """The deleted documents of a segment, by their numbers in it."""
    if not leaf_reader.has_deletions():
        return frozenset()
    local = leaf_reader.deleted_docs_set  # an attribute on segment readers, a method elsewhere
    return frozenset(local() if callable(local) else local)
