"""The Atom feed and the sitemap stay well-formed XML whatever the content holds."""

from __future__ import annotations

from xml.etree import ElementTree

import feedparser
import pytest

HOSTILE = [
    "Bygg & anlegg <script>alert(1)</script>",
    'Sitat "med" anførsel ]]> og <![CDATA[x]]>',
    "Gjenbruk ♻️ og 🚲 i Bodø — æøå ÆØÅ",
    # Control characters XML cannot hold (a NUL never gets this far: see test_nul.py).
    "Styre\x0btegn\x1f fjernes",
]


@pytest.fixture
def hostile_cases(factory):
    with factory.committing() as f:
        for n, text in enumerate(HOSTILE):
            org = f.organization(name=f"{text} kommune")
            f.case(title=text, summary=f"Sammendrag: {text}", organizations=[org],
                   slug=f"fiendtlig-{n}")  # fmt: skip


def test_the_feed_parses_and_keeps_every_character_as_text(client, hostile_cases):
    response = client.get("/eksempler/nye.atom")
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)  # raises on malformed XML
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    entries = {e["link"].rsplit("/", 1)[1]: e for e in parsed.entries}
    for n, text in enumerate(HOSTILE):
        clean = text.replace("\x0b", "").replace("\x1f", "")
        entry = entries[f"fiendtlig-{n}"]
        assert entry.title == clean
        assert entry.summary == f"Sammendrag: {clean}"
        assert entry.author == f"{clean} kommune"
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert "<script>" not in response.get_data(as_text=True)


def test_the_sitemap_parses_with_hostile_content(client, hostile_cases):
    root = ElementTree.fromstring(client.get("/sitemap.xml").data)
    locs = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://localhost/eksempler/fiendtlig-0" in locs
