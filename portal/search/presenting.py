"""What both backends show of a hit: highlighted text and spelling suggestions.

Both work on stored text and word lists in Python, so the Whoosh and the PostgreSQL backend
mark the same words the same way and suggest the same corrections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    ContextFragmenter,
    Formatter,
    WholeFragmenter,
    get_text,
    top_fragments,
)
from whoosh.spelling import ListCorrector

from portal.search import query as query_mod
from portal.search.analysis import WORD_PATTERN, analyse, term_of, words


class EscapingFormatter(Formatter):
    """Highlights matched words with <mark>; everything else is HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


class _Word:
    """A word of a text as Whoosh's fragmenters read it: where it is, its index term, and
    whether the search asked for that term."""

    __slots__ = ("startchar", "endchar", "text", "matched", "boost")

    def __init__(self) -> None:
        self.boost = 1.0

    def copy(self) -> _Word:
        twin = _Word()
        twin.startchar, twin.endchar = self.startchar, self.endchar
        twin.text, twin.matched = self.text, self.matched
        return twin


def _marked_words(text: str, terms: frozenset[str]):
    """The words of a text with their index terms, matched ones marked.

    The same words, places and terms as the analyzer gives with `chars=True,
    removestops=False` (stop words keep their folded form), which is what Whoosh's
    `highlight()` reads; without a token stream, a word's term is looked up, not worked out.
    """
    word = _Word()  # one object, as the analyzer's token: fragmenters copy what they keep
    for match in WORD_PATTERN.finditer(text):
        word.startchar, word.endchar = match.span()
        word.text = term_of(match.group())[0]
        word.matched = word.text in terms
        yield word


_FIELDS = (
    ("title", WholeFragmenter(), 1),
    ("summary", WholeFragmenter(), 1),
    ("body", ContextFragmenter(maxchars=220, surround=70), 2),
)
_SCORER = BasicFragmentScorer()


def highlights_of(stored: Mapping[str, Any], terms: frozenset[str]) -> dict[str, str]:
    """Title and summary whole, matched words marked; when the summary shows none of them,
    up to two passages of the body that do (reading the body is most of the cost, and a
    second passage says nothing the marked summary does not).

    Exactly what `whoosh.highlight.highlight()` gives with the Norwegian analyzer, these
    fragmenters and its default scorer and order (`tests/search/test_presenting.py`).
    """
    formatter = EscapingFormatter()
    out: dict[str, str] = {}
    for fieldname, fragmenter, top in _FIELDS:
        if fieldname == "body" and "summary" in out:
            break
        text = stored.get(fieldname) or ""
        fragments = fragmenter.fragment_tokens(text, _marked_words(text, terms))
        marked = formatter.format(top_fragments(fragments, top, _SCORER, FIRST))
        if "<mark>" in marked:
            out[fieldname] = Markup(marked)  # noqa: S704 - EscapingFormatter escapes
    return out


def suggest_spelling(
    text: str, is_known: Callable[[str, list[str]], bool], nearest: Callable[[str], list[str]]
) -> str | None:
    """Replace words the index has never seen with the closest word it has ("Mente du").

    `is_known(folded word, its index terms)` says whether the index has the word;
    `nearest(folded word)` gives the best live word within two edits, if any.
    """
    cleaned, _ = query_mod.clean(text)
    changed = False
    out = []
    for raw in cleaned.split():
        folded = words(raw)
        if len(folded) != 1 or len(folded[0]) < 3 or is_known(folded[0], analyse(raw)):
            out.append(raw)
            continue
        options = nearest(folded[0])
        if options:
            out.append(options[0])
            changed = True
        else:
            out.append(raw)
    return " ".join(out) if changed else None


class LiveWordsCorrector(ListCorrector):
    """Suggests the nearest live word; among equally near ones, the most used."""

    def __init__(self, frequencies: dict[str, int]) -> None:
        super().__init__(sorted(frequencies))
        self.frequencies = frequencies

    def _suggestions(self, text: str, maxdist: int, prefix: int):
        for distance_score, word in super()._suggestions(text, maxdist, prefix):
            yield distance_score - 0.5 / self.frequencies.get(word, 1), word
