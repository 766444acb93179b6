"""The Whoosh schema of the case index."""

from __future__ import annotations

from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from portal.search.analysis import norwegian_analyzer, spelling_analyzer
from portal.taxonomy.facets import FACET_FIELDS


def make_schema() -> Schema:
    text = norwegian_analyzer()
    fields: dict[str, Any] = {
        # Columns too, so that a process reads every document's id, slug and date without
        # unpickling the stored documents (the text is what makes those slow).
        "id": ID(stored=True, unique=True, sortable=True),
        "slug": ID(stored=True, sortable=True),
        "version": NUMERIC(bits=64, stored=True, signed=False),
        "published": NUMERIC(bits=64, stored=True, sortable=True),
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
