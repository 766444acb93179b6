"""The case list's cards are kept per content generation and language, and never outlive a
change to what they show."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.organizations.models import Organization
from portal.taxonomy.models import Term
from tests.cases.test_workflow import _act, _user

LIST = "/eksempler/?kategori=renovasjon-og-avfall"


def _card_of(page: str, slug: str) -> str:
    start = page.index(f'href="/eksempler/{slug}"')
    return page[start : page.index("</li>\n", page.index('class="tags"', start))]


def test_a_card_shows_the_case_in_the_readers_language(app, client):
    norwegian = _card_of(
        client.get(LIST).get_data(as_text=True), "sirkula-avtaleforvalter-sparte-4-4-millioner"
    )
    client.set_cookie("sprak", "en")
    english = _card_of(
        client.get(LIST).get_data(as_text=True), "sirkula-avtaleforvalter-sparte-4-4-millioner"
    )
    assert "Sirkula IKS" in norwegian and "Sirkula IKS" in english
    assert "<li>Renovasjon og avfall</li>" in norwegian and "publisert" in norwegian
    assert "<li>Waste management</li>" in english and "published" in english


def test_renaming_an_organisation_or_a_topic_remakes_the_cards(app, client):
    client.get(LIST)  # the cards are made and kept
    with app.app_context():
        sirkula = db.session.scalars(
            select(Organization).where(Organization.slug == "sirkula")
        ).one()
        sirkula.name = "Sirkula IKS (Hamar)"
        waste = db.session.scalars(select(Term).where(Term.slug == "renovasjon-og-avfall")).one()
        waste.label_nb = "Avfall og gjenvinning"
        db.session.commit()
    page = client.get(LIST).get_data(as_text=True)
    card = _card_of(page, "sirkula-avtaleforvalter-sparte-4-4-millioner")
    assert "Sirkula IKS (Hamar)" in card
    assert "<li>Avfall og gjenvinning</li>" in card
    # … and so do the filters' labels, kept for the generation like the cards.
    assert 'Sirkula IKS (Hamar) <span class="count">' in page
    assert 'Avfall og gjenvinning <span class="count">' in page


def test_an_unpublished_case_leaves_the_list_at_once(app, client):
    assert "sirkula-avtaleforvalter" in client.get(LIST).get_data(as_text=True)
    editor = _user(app, "redaktor@dfo.no", {Role.EDITOR}, org="statens-innkjopssenter")
    assert (
        _act(
            editor, "sirkula-avtaleforvalter-sparte-4-4-millioner", "unpublish", "Utdatert"
        ).status_code
        == 302
    )
    assert "sirkula-avtaleforvalter" not in client.get(LIST).get_data(as_text=True)


@pytest.mark.whoosh  # the PostgreSQL index names no documents: its cards last a generation
def test_an_edit_to_one_case_makes_only_its_card_again(app, client, factory):
    """Cards are kept by the key of each case's document in the index, across content
    generations: after an edit, the list shows the edited card and reuses every other."""
    from portal.cases.models import Case

    client.get(LIST)
    before = dict(app.extensions["case_cards"]["nb"])
    with app.app_context():
        case = db.session.scalars(
            select(Case).where(Case.slug == "sirkula-avtaleforvalter-sparte-4-4-millioner")
        ).one()
        case.title = "Sirkula fikk en avtaleforvalter"
        db.session.commit()
    page = client.get(LIST).get_data(as_text=True)
    assert "Sirkula fikk en avtaleforvalter" in page
    made = [card.title for key, card in app.extensions["case_cards"]["nb"].items()
            if key not in before]  # fmt: skip
    assert made == ["Sirkula fikk en avtaleforvalter"] and len(before) == 2
