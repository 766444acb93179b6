"""Markdown from authors is rendered without anything that could run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.text import render_markdown


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[klikk](javascript:alert(1))",
        '<a href="javascript:alert(1)">klikk</a>',
        "[klikk](JaVaScRiPt:alert(1))",
        '<iframe src="https://evil.example"></iframe>',
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_hostile_markdown_is_neutralised(source):
    tags = _tags(str(render_markdown(source)))
    assert {tag for tag, _ in tags} <= {"p", "a"}
    for _tag, attrs in tags:
        assert not [name for name in attrs if name.startswith("on")]
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:"))


def test_ordinary_markdown_keeps_its_structure():
    html = str(render_markdown("**Viktig**\n\n- en\n- to\n\n[DFØ](https://dfo.no)"))
    assert "<strong>Viktig</strong>" in html
    assert "<li>en</li>" in html
    assert 'href="https://dfo.no"' in html
    assert "noopener" in html


def test_empty_markdown_renders_nothing():
    assert str(render_markdown(None)) == ""


def test_markdown_becomes_the_words_a_reader_sees():
    from portal.text import markdown_to_text

    source = "Asker brukte [Loopfront](https://loopfront.com) og en *bonus-malus*-ordning.\n\n- Én\n- To & tre"
    assert markdown_to_text(source) == (
        "Asker brukte Loopfront og en bonus-malus-ordning.\nÉn\nTo & tre"
    )


def _random_prose(rng) -> str:
    """Text as authors type it: words, numbers, punctuation, spaces, line breaks, paragraphs,
    indented lines, and now and then a character that Markdown reads as markup."""
    pieces = ["anskaffelse", "møbler", "Økern", "2019", "1,4", "mill.", "kr", "(DFØ)", "«sitat»",
              "e-handel", "–", "%", "2.", "3)", "?", "!", ":", ";", "'", '"', "/", "+", "=",
              "-", ">", "#", "*", "_", "[", "]", "&amp;", "&", "<", "`", "~", "|", "\\", "\\.", "\\(", "\u00a0",
              "\t", "    ", "  ", "\n", "\n\n", "\n- ", "\n1. ", "\n   ", "\n====", "\n---"]  # fmt: skip
    weights = [40] * 14 + [2] * (len(pieces) - 14)
    return " ".join(rng.choices(pieces, weights, k=rng.randint(1, 60)))


def test_text_without_markup_is_taken_as_it_is_and_matches_the_rendered_words():
    import random
    from pathlib import Path

    import yaml

    from portal import text

    rng = random.Random(3)
    sources = [_random_prose(rng) for _ in range(3000)]
    for path in sorted((Path(__file__).parents[1] / "seed" / "cases").glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        sources += [case["summary"], *case["sections"].values()]
    plain = 0
    for source in sources:
        rendered = [" ".join(line.split()) for line in text.rendered_text(source).splitlines()]
        assert text.markdown_to_text(source) == "\n".join(line for line in rendered if line)
        plain += text._is_plain(source)
    assert 500 < plain < len(sources) - 500  # both ways are taken
