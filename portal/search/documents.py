"""What the index stores for a case, built from the database."""

from __future__ import annotations

import time
from typing import Any

from portal.cases.models import BODY_SECTIONS, Case
from portal.search.query import CONTENT_WEIGHTS
from portal.taxonomy.facets import Vocabulary
from portal.text import markdown_to_text


def facet_values(case: Case) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {str(v): [] for v in Vocabulary}
    for term in sorted(case.terms, key=lambda t: (t.position, t.slug)):
        values[str(term.vocabulary)].append(term.slug)
    values["org_type"] = sorted({str(org.org_type) for org in case.organizations})
    values["county"] = sorted({org.county for org in case.organizations if org.county})
    values["organization"] = sorted(org.slug for org in case.organizations)
    values["year"] = [str(case.year)] if case.year else []
    values["has_results"] = ["ja"] if case.results else []
    return values


def case_document(case: Case, version: int | None = None) -> dict[str, Any]:
    """The index document for a published case."""
    # Plain text: what is matched and shown in snippets is what readers see, not Markdown.
    body = "\n\n".join(markdown_to_text(getattr(case, name)) for name in BODY_SECTIONS)
    results = " ".join(f"{r.indicator} {r.note or ''}" for r in case.results)
    # Sorted, so that documents built from the session and from a query compare equal.
    terms = sorted(case.terms, key=lambda t: (str(t.vocabulary), t.position, t.slug))
    tags = " ".join(f"{t.label_nb} {t.label_en}" for t in terms)
    # What a topic means is searchable too: a search for a topic's words finds its cases.
    topics = "\n".join(text for t in terms for text in (t.description_nb, t.description_en) if text)
    organizations = " ".join(
        f"{o.name} {o.county or ''}".strip()
        for o in sorted(case.organizations, key=lambda o: o.slug)
    )
    published = case.published_at.timestamp() if case.published_at else 0.0
    doc: dict[str, Any] = {
        "id": str(case.id),
        "slug": case.slug,
        "version": version if version is not None else time.time_ns(),
        "published": int(published),
        "title": case.title,
        "summary": markdown_to_text(case.summary),
        "organizations": organizations,
        "tags": tags,
        "topics": topics,
        "body": f"{body}\n\n{results}".strip(),
        "content": "",
        # Words offered as "Mente du" suggestions; the body is left out to keep indexing fast.
        "spell": " ".join([case.title, case.summary, organizations, tags]),
    }
    doc["content"] = "\n".join(
        part for name, weight in CONTENT_WEIGHTS.items() for part in [doc[name]] * weight
    )
    for name, values in facet_values(case).items():
        doc[name] = ",".join(values)
    return doc
