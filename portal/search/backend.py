"""The search backend interface: the rest of the portal talks to this, never to Whoosh."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from portal.search.query import Synonyms

Progress = Callable[[int], None]
# Limits of a request, whoever builds it: the page, the API or the evidence picker.
SORTS = ("relevance", "newest")
MAX_PAGE = 500
MAX_VALUES_PER_FACET = 20


@dataclass
class SearchRequest:
    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"  # or "newest"
    page: int = 1
    per_page: int = 20
    # When nothing matches and one spelling is clearly meant, search for that at once.
    correct: bool = True
    year_from: int | None = None  # a range of years, both ends included
    year_to: int | None = None
    # Lists made for machines (feeds, exports, digests) need no marked-up excerpts.
    highlight: bool = True
    # Only among these cases (a digest asks which of the cases changed lately match a search).
    only_ids: frozenset[int] | None = None


@dataclass
class Hit:
    case_id: int
    slug: str
    score: float | None
    highlights: dict[str, str]  # field → escaped HTML with <mark>
    # Names this version of the case's document in the index, where the backend can: the same
    # key, the same stored content (a changed case is indexed as a new document).
    document_key: Hashable | None = None


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # facet → value → count (other filters applied)
    partial: bool = False  # no case matched every word; these match some
    suggestion: str | None = None
    truncated: bool = False
    degraded: bool = False  # the index is being rebuilt: counts are not to be believed
    corrected_from: str | None = None  # the text as typed, when the hits are for a correction
    corrected_to: str | None = None


@dataclass
class VerifyReport:
    missing: list[str] = field(default_factory=list)  # published, not in index
    extra: list[str] = field(default_factory=list)  # in index, not published
    stale: list[str] = field(default_factory=list)  # indexed content differs

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


class SearchBackend(Protocol):
    """What the portal needs of a search engine. Documents are dicts made by
    `documents.case_document`; each carries a `version` (nanoseconds) so that a late writer
    never overwrites a newer document, and deletes are tombstones with a version too."""

    name: str  # shown by the health check: "whoosh", "postgres"
    # True when the index lives in the database: documents are then written in the case's own
    # transaction (through `connection`); otherwise after it commits.
    transactional: bool

    def apply(
        self, upserts: list[dict[str, Any]], deletes: Mapping[str, int], connection: Any = None
    ) -> None:
        """Add or replace documents and remove ids, newer versions winning."""

    def search(self, request: SearchRequest) -> SearchResult: ...

    def more_like(self, text: str, limit: int) -> list[Hit]: ...

    def sharing_topics(
        self, topics: Mapping[tuple[str, str], int], wanted: int
    ) -> list[tuple[int, int]] | None:
        """Published cases sharing the given facet values ((facet, value) → weight), as
        (case id, summed weight): at least the `wanted` best by weight, then year (newest
        first, none last), and every case tied with the last of them on both. None when the
        backend keeps no such table; the caller asks the database instead."""

    def topic_counts(self, topics: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int] | None:
        """How many published cases carry each facet value; None when the backend keeps no
        such table (the caller counts in the database)."""

    def synonyms(self) -> Synonyms: ...

    def generation(self) -> tuple[Hashable, int]:
        """An identity of the index this process reads now, and its document count."""

    def verify(self, documents: Iterable[dict[str, Any]]) -> VerifyReport: ...

    def rebuilding(self, *, wait: bool = True) -> AbstractContextManager[None]:
        """Hold the one-rebuild-at-a-time lock; RebuildRunning if not `wait` and taken."""

    def rebuild(
        self, documents: Iterator[dict[str, Any]], total: int, progress: Progress | None = None
    ) -> str | None:
        """Build a new index from `documents` and switch to it; the old one's name, if any."""

    def written_during_rebuild(self, retired: str | None) -> set[str]:
        """The ids written to the replaced index while the rebuild ran (to catch them up)."""

    def drop(self, name: str) -> None:
        """Remove a replaced index."""

    def close(self) -> None:
        """Let go of the files this process holds open (when it is done with the app)."""


class RebuildRunning(RuntimeError):
    """Another process is rebuilding the index now."""
