"""The cards of the case list, made once per content generation and language.

A card is what the list shows of a case apart from the excerpts of a search: its address,
title and summary, the line with organisations, year and publication date, and its tags.
Making one takes the case with its organisations and topics from the database and a template
with dates and translations; a case turns up in many lists, so each process keeps the cards it
made for the current content generation (see pagecache/generation.py). Any change to public
content starts a new generation, and the cards are made again from the database, unless the
search index names each case's document (see cards_for).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from flask import current_app, get_template_attribute, url_for
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from portal.cases.models import Case
from portal.cases.permissions import visible_cases
from portal.extensions import db
from portal.i18n import current_language
from portal.pagecache import generation
from portal.search.backend import SearchResult

MAX_KEPT = 4000  # per language; a card is one or two kilobytes


@dataclass(frozen=True)
class Card:
    url: str
    title: str
    summary: str
    meta: Markup
    tags: Markup


def cards_for(result: SearchResult) -> list[tuple[Card, dict[str, str]]]:
    """The card of each published case among the hits, in hit order, with its excerpts.

    Where the index names each hit's document (the version of the case it holds), a card is
    kept by that key, across content generations: any change a card shows (the case, an
    organisation's name, a topic's label) indexes the case again as a new document, so an edit
    to one case does not make every card again. Otherwise cards are kept for the generation.
    """
    language = current_language()
    by_document = all(hit.document_key is not None for hit in result.hits)
    if by_document:
        kept = current_app.extensions.setdefault("case_cards", {}).setdefault(language, {})
        key = attrgetter("document_key")
    else:
        kept = generation.kept("case_cards").setdefault(language, {})
        key = attrgetter("case_id")
    missing = {hit.case_id: key(hit) for hit in result.hits if key(hit) not in kept}
    if missing:
        if len(kept) + len(missing) > MAX_KEPT:
            kept.clear()
        made = _make(list(missing), language)
        kept.update((missing[case_id], card) for case_id, card in made.items())
    return [(kept[key(hit)], hit.highlights) for hit in result.hits if key(hit) in kept]


def _make(case_ids: list[int], language: str) -> dict[int, Card]:
    meta = get_template_attribute("cases/_card.html", "card_meta")
    tags = get_template_attribute("cases/_card.html", "card_tags")
    cases = db.session.scalars(
        visible_cases(None)
        .where(Case.id.in_(case_ids))
        .options(selectinload(Case.organizations), selectinload(Case.terms))
    )
    return {
        case.id: Card(
            url=url_for("cases.show_case", slug=case.slug),
            title=case.title,
            summary=case.summary,
            meta=meta(case),
            tags=tags(case, language),
        )
        for case in cases
    }
