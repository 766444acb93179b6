"""The tables of the PostgreSQL search backend (PORTAL_SEARCH_BACKEND=postgres).

They are part of the schema on every database, so that the migrations and the models agree
everywhere; on SQLite they stay empty. One row per published case holds its analysed terms as
a weighted `tsvector` (GIN-indexed), its facet values as `field:value` strings (GIN-indexed)
and the text shown in hits. `search_terms` and `search_spellings` count in how many documents
each index term and each spelling word occur, with trigram indexes (pg_trgm) for compound
expansion and "Mente du" suggestions; `search_facets` counts each facet value (the browse
page's counts). `search_state` is one row: the index generation, bumped by every write, and
the document count.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from portal.extensions import db

_WORDS = ARRAY(Text).with_variant(JSON(), "sqlite")

search_documents = Table(
    "search_documents",
    db.metadata,
    # No foreign key: the index is a cache of the cases, checked by `flask search verify`.
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("slug", String(200), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("published", BigInteger, nullable=False),
    Column("year", Integer),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("organizations", Text, nullable=False),
    Column("tags", Text, nullable=False),
    Column("topics", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("facets", _WORDS, nullable=False),
    Column("term_list", _WORDS, nullable=False),
    Column("spell_list", _WORDS, nullable=False),
    Column("terms", TSVECTOR().with_variant(Text(), "sqlite"), nullable=False),
    Index("ix_search_documents_terms", "terms", postgresql_using="gin"),
    Index("ix_search_documents_facets", "facets", postgresql_using="gin"),
    Index("ix_search_documents_published", "published"),
)


def _counts(name: str, key: str, *, trigrams: bool) -> Table:
    """A table of how many documents have each value (a term, a word, a facet value)."""
    indexes = [Index(f"ix_{name}_trigrams", key, postgresql_using="gin",
                     postgresql_ops={key: "gin_trgm_ops"})] if trigrams else []  # fmt: skip
    return Table(
        name,
        db.metadata,
        Column(key, Text, primary_key=True),
        Column("ndoc", Integer, nullable=False),
        *indexes,
    )


search_terms = _counts("search_terms", "term", trigrams=True)
search_spellings = _counts("search_spellings", "word", trigrams=True)
# The browse page's counts without filters.
search_facets = _counts("search_facets", "value", trigrams=False)

search_state = Table(
    "search_state",
    db.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
    Column("documents", Integer, nullable=False),
    # Which analysis wrote the index; a different one means `flask search rebuild`.
    Column("analysis", Integer, nullable=False),
)
