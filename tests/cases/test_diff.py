"""The structured diff between two revisions, read as an editor reads it."""

from __future__ import annotations

import pytest

from portal.cases.diff import content_diff


@pytest.fixture
def page_context(app):
    """As on a page in Norwegian (the interface's default language)."""
    with app.test_request_context("/"):
        yield


def _image(key: str, alt: str, cover: bool = False, credit: str | None = None) -> dict:
    return {"key": key, "alt_text": alt, "credit": credit, "cover": cover}


def _by_label(changes) -> dict:
    return {change.label: change for change in changes}


def test_images_added_removed_renamed_reordered_and_a_new_cover(page_context):
    old = {"images": [_image("a", "Hall", cover=True), _image("b", "Tak"), _image("c", "Dør")]}
    new = {"images": [_image("c", "Inngangsdør", cover=True, credit="Ola"), _image("a", "Hall"),
                      _image("d", "Lader")]}  # fmt: skip
    change = _by_label(content_diff(old, new))["Bilder"]
    assert change.added == ["Lader"]
    assert change.removed == ["Tak"]
    assert "Alternativ tekst: «Dør» → «Inngangsdør»" in change.notes
    assert "Fotograf for «Inngangsdør»: (ikke oppgitt) → Ola" in change.notes
    assert "Ny rekkefølge: Inngangsdør, Hall, Lader" in change.notes
    assert "Nytt forsidebilde: Inngangsdør" in change.notes


def test_values_results_and_contact_in_words(page_context):
    old = {"year": 2022, "procurement_status": "completed", "estimated_value_nok": 1500000,
           "contact": {"name": None, "consent": False},
           "results": [{"indicator": "CO₂", "value": "12.5", "unit": "tonn",
                        "evidence_level": "documented"}]}  # fmt: skip
    new = {**old, "year": None, "procurement_status": "ongoing", "estimated_value_nok": 2000000,
           "contact": {"name": "Kari", "consent": True}, "results": []}  # fmt: skip
    changes = _by_label(content_diff(old, new))
    assert (changes["År"].before, changes["År"].after) == ("2022", "(ikke oppgitt)")
    status = changes["Status for anskaffelsen"]
    assert (status.before, status.after) == ("Gjennomført", "Pågår")
    value = changes["Anslått verdi (kr)"]
    assert value.after.replace("\xa0", " ") == "2 000 000"
    assert changes["Målte resultater"].removed == ["CO₂: 12,5 tonn · Dokumentert"]
    assert changes["Kontaktpersonens navn"].after == "Kari"
    assert changes["Kontaktperson vises offentlig"].after == "ja"


def test_revisions_from_before_images_were_recorded_say_nothing_about_images(page_context):
    assert content_diff({"title": "A"}, {"title": "A", "images": [_image("a", "Hall")]}) == []


def test_line_endings_and_trailing_spaces_are_not_changes(page_context):
    old = {"background": "Første linje\nAndre linje"}
    new = {"background": "Første linje \r\nAndre linje\r\n"}
    assert content_diff(old, new) == []
    changed = content_diff(old, {"background": "Første linje\r\nTredje linje"})
    assert [line["kind"] for line in changed[0].lines] == ["kept", "removed", "added"]
