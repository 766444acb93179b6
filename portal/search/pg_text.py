"""The Norwegian analysis of the search index, written as PostgreSQL `tsvector` and `tsquery`.

PostgreSQL does not analyse anything here: the terms come from the same analyser as the
Whoosh index (`analysis.py`: folding, stop words, Snowball with the -el syncope), and are
written as literals, each lexeme quoted, with its positions and a weight per field:

    title A, summary B, organisations and topic labels C, topic descriptions and body D.

Positions run on across the fields with a gap between them, so that a phrase never spans two
fields; like the Whoosh index, stop words take no position, so "rammeavtale for" finds the
phrase the same way in both. PostgreSQL keeps positions up to 16 383 and 256 per lexeme.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal.search.analysis import norwegian_analyzer, spelling_terms

# Which weight class each field's words get (A is the heaviest).
FIELD_WEIGHTS = (
    ("title", "A"), ("summary", "B"), ("organizations", "C"), ("tags", "C"),
    ("topics", "D"), ("body", "D"),
)  # fmt: skip
# ts_rank_cd's weights for {D, C, B, A}: the body counts little next to the title, as in the
# Whoosh index (where the title is written four times and the body once).
RANK_WEIGHTS = (0.1, 0.3, 0.6, 1.0)
FIELD_GAP = 10
MAX_POSITION = 16_383
MAX_POSITIONS_PER_LEXEME = 256


def quote(lexeme: str) -> str:
    """A lexeme as a tsvector/tsquery literal: quoted, quotes and backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def document_terms(doc: dict[str, Any]) -> tuple[str, list[str]]:
    """The document's tsvector literal, and its distinct terms (for the term counts)."""
    analyzer = norwegian_analyzer()
    positions: dict[str, list[str]] = {}
    offset = 1
    for field, weight in FIELD_WEIGHTS:
        last = offset
        for token in analyzer(doc.get(field) or "", positions=True):
            position = min(offset + token.pos, MAX_POSITION)
            kept = positions.setdefault(token.text, [])
            if len(kept) < MAX_POSITIONS_PER_LEXEME:
                kept.append(f"{position}{weight}")
            last = position
        offset = min(last + FIELD_GAP, MAX_POSITION)
    vector = " ".join(f"{quote(term)}:{','.join(spots)}" for term, spots in positions.items())
    return vector, sorted(positions)


def spelling_words(doc: dict[str, Any]) -> list[str]:
    """The distinct words offered as "Mente du" suggestions (as the Whoosh "spell" field)."""
    return sorted(set(spelling_terms(doc.get("spell") or "")))


def tsquery(units: Iterable[list[tuple[str, ...]]], *, require_all: bool) -> str:
    """Each unit is satisfied by any of its alternatives (a term, or a phrase of terms)."""
    clauses = []
    for alternatives in units:
        options = [" <-> ".join(quote(t) for t in terms) for terms in alternatives if terms]
        if options:
            clauses.append("(" + " | ".join(f"({o})" for o in options) + ")")
    return (" & " if require_all else " | ").join(clauses)
