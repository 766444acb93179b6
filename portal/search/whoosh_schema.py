"""The Whoosh schema of the case index."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Mapping
from typing import Any

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from portal.search.analysis import norwegian_analyzer, spelling_analyzer
from portal.taxonomy.facets import FACET_FIELDS


class Label(ID):
    """Stored and kept in a column, never searched for: an ID without terms to write."""

    indexed = False


def make_schema() -> Schema:
    text = norwegian_analyzer()
    fields: dict[str, Any] = {
        # Columns too, so that a process reads every document's id, slug and date without
        # unpickling the stored documents (the text is what makes those slow).
        "id": ID(stored=True, unique=True, sortable=True),
        "slug": Label(stored=True, sortable=True),
        # Never searched by range, so not indexed: a number is sixteen terms in Whoosh's
        # index, most of them of one document (a rebuild wrote more terms for these two than
        # for all the text).
        "version": STORED(),
        "published": COLUMN(NumericColumn("q")),
        # Shown and highlighted, not searched: the search goes to "content".
        "title": STORED(),
        "summary": STORED(),
        "body": STORED(),
        # What no page reads of a document (`DIGESTED`), for `search verify` to compare.
        "digest": STORED(),
        "content": TEXT(analyzer=text),
        "spell": TEXT(analyzer=spelling_analyzer(), phrase=False),
    }
    for facet in FACET_FIELDS:
        fields[facet] = KEYWORD(commas=True, lowercase=False)
    return Schema(**fields)


# A document's parts that only `content` and the facets index: the index keeps a digest of
# them rather than the text (the topics' descriptions were a quarter of a stored document, and
# every stored byte is pickled and compressed in a rebuild and read back for excerpts).
DIGESTED = ("organizations", "tags", "topics", *FACET_FIELDS)


def whoosh_document(doc: Mapping[str, Any], fields: Container[str]) -> dict[str, Any]:
    """The fields of `fields` (an index's) for a document (`documents.case_document`): those
    of the current layout, or of one laid out by an older version until `search rebuild`."""
    digest = hashlib.blake2b(
        json.dumps([doc.get(name) or "" for name in DIGESTED]).encode(), digest_size=16
    ).hexdigest()
    return {name: value for name, value in {**doc, "digest": digest}.items() if name in fields}
