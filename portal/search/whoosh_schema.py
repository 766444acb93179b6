"""The Whoosh schema of the case index."""

from __future__ import annotations

from typing import Any

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from portal.search.analysis import norwegian_analyzer, spelling_analyzer
from portal.taxonomy.facets import FACET_FIELDS


def make_schema() -> Schema:
    text = norwegian_analyzer()
    fields: dict[str, Any] = {
        # Columns too, so that a process reads every document's id, slug and date without
        # unpickling the stored documents (the text is what makes those slow).
        "id": ID(stored=True, unique=True, sortable=True),
        "slug": ID(stored=True, sortable=True),
        # Never searched by range, so not indexed: a number is sixteen terms in Whoosh's
        # index, most of them of one document (a rebuild wrote more terms for these two than
        # for all the text).
        "version": STORED(),
        "published": COLUMN(NumericColumn("q")),
        # Shown and highlighted, not searched: the search goes to "content".
        "title": STORED(),
        "summary": STORED(),
        "organizations": STORED(),
        "tags": STORED(),
        "topics": STORED(),
        "body": STORED(),
        "content": TEXT(analyzer=text),
        "spell": TEXT(analyzer=spelling_analyzer(), phrase=False),
    }
    for facet in FACET_FIELDS:
        fields[facet] = KEYWORD(stored=True, commas=True, lowercase=False)
    return Schema(**fields)
