"""The search backend interface: the rest of the portal talks to this, never to Whoosh."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


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


@dataclass
class Hit:
    case_id: int
    slug: str
    score: float | None
    highlights: dict[str, str]  # field → escaped HTML with <mark>


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
    def index(self, documents: Iterable[dict[str, Any]]) -> None: ...

    def delete(self, versions: Mapping[str, int]) -> None: ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def verify(self, documents: Iterable[dict[str, Any]]) -> VerifyReport: ...

    def rebuild(self, documents: Iterator[dict[str, Any]], total: int, progress=None) -> None: ...

    def more_like(self, text: str, limit: int) -> list[Hit]: ...
