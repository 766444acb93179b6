"""Excerpts of a hit: its title and summary with the searched words marked, or passages of its
body that show them.

What is shown is exactly what `whoosh.highlight.highlight()` gives with the Norwegian analyzer,
`WholeFragmenter` for title and summary, `ContextFragmenter(maxchars=220, surround=70)` for the
body, Whoosh's default fragment scorer and order, and `EscapingFormatter`
(`tests/search/test_excerpts.py` compares them). Whoosh gets there by running the analyzer over
the whole text and walking every word through a chain of generators; a body of a few hundred
words cost more than scoring the search. Here the words and their places come from one regular
expression split, a word's index term is looked up (`analysis.term_of`), and the fragmenter's
rules are followed word by word only around matched words: between passages nothing happens
that the next passage depends on, except which of the last words lie within `surround`
characters, and that is a bisection.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

import numpy as np
from markupsafe import Markup, escape
from whoosh.highlight import (
    DEFAULT_CHARLIMIT,
    FIRST,
    BasicFragmentScorer,
    Formatter,
    Fragment,
    get_text,
    top_fragments,
)

from portal.search.analysis import WORD_REGEX, latin1_words, term_of

TITLE_FIELDS = ("title", "summary")
PASSAGE_CHARS = 220  # a body passage's words (ContextFragmenter's maxchars)
SURROUND = 70  # characters of context around its first and last marked word
PASSAGES = 2
_SPLIT = re.compile(f"({WORD_REGEX})")
_SCORER = BasicFragmentScorer()
_RUN = re.compile(rb"[^ ]+")  # a word of `latin1_words`' bytes
_SHORT = 400  # characters up to which its words are found by `_RUN`


class EscapingFormatter(Formatter):
    """Highlights matched words with <mark>; everything else is HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


class _Word:
    """A marked word as Whoosh's fragments hold it."""

    __slots__ = ("startchar", "endchar", "text", "boost")

    def __init__(self, startchar: int, endchar: int, text: str) -> None:
        self.startchar, self.endchar, self.text, self.boost = startchar, endchar, text, 1.0


class _Words:
    """A text's words: where each starts and ends, and which the search asked for.

    Each different word is looked up once; where and how long the words are is worked out
    only for a text that has a searched word."""

    def __init__(self, text: str, terms: frozenset[str]) -> None:
        spaced = latin1_words(text)
        if spaced is None:
            pieces = _SPLIT.split(text)  # gap, word, gap, word, …, gap
            words: list = pieces[1::2]
            wanted = {word: term for word in set(words) if (term := term_of(word)[0]) in terms}
        else:
            words = spaced.split()
            wanted = _FORMS.searched(set(words), terms)
        self.marked = [i for i, word in enumerate(words) if word in wanted] if wanted else []
        if self.marked:
            if spaced is None:
                ends = list(accumulate(map(len, pieces)))
                self.starts, self.ends = ends[0:-1:2], ends[1::2]
            else:  # a Latin-1 character is a byte: where the bytes change between word and gap
                self.starts, self.ends = _spans(spaced)
            self._words, self._wanted = words, wanted

    def word(self, i: int) -> _Word:
        """A marked word (as a fragment holds it)."""
        return _Word(self.starts[i], self.ends[i], self._wanted[self._words[i]])


class _Forms:
    """The index term of every word seen as `latin1_words` gives it, and the words seen of
    every term: which words of a text are searched for is then an intersection of sets."""

    LIMIT = 200_000  # words kept (then it starts again)

    def __init__(self) -> None:
        self.terms: dict[bytes, str] = {}
        self.forms: dict[str, set[bytes]] = {}
        self.lock = threading.Lock()

    def searched(self, words: set[bytes], terms: frozenset[str]) -> dict[bytes, str]:
        """Of these words, those whose index term is one of `terms`, with their term."""
        with self.lock:
            new = words.difference(self.terms)
            if new and len(self.terms) + len(new) > self.LIMIT:
                self.terms.clear()
                self.forms.clear()
                new = words
            for word in new:
                term = term_of(word.decode("latin-1"))[0]
                self.terms[word] = term
                self.forms.setdefault(term, set()).add(word)
            return {word: term for term in terms
                    for word in words.intersection(self.forms.get(term, ()))}  # fmt: skip


_FORMS = _Forms()


def _spans(spaced: bytes) -> tuple[list[int], list[int]]:
    """Where each word of `latin1_words`' bytes starts and ends."""
    if len(spaced) < _SHORT:  # a title or a summary: fewer steps than numpy's
        spans = [match.span() for match in _RUN.finditer(spaced)]
        return [start for start, _ in spans], [end for _, end in spans]
    inside = np.frombuffer(spaced, dtype=np.uint8) != 0x20
    edges = (np.flatnonzero(inside[1:] != inside[:-1]) + 1).tolist()
    if inside[0]:
        edges.insert(0, 0)
    if inside[-1]:
        edges.append(len(spaced))
    return edges[0::2], edges[1::2]


def highlights_of(stored: Mapping[str, Any], terms: frozenset[str]) -> dict[str, str]:
    """Title and summary whole, matched words marked; when the summary shows none of them,
    up to two passages of the body that do (reading the body is most of the cost, and a
    second passage says nothing the marked summary does not)."""
    formatter = EscapingFormatter()
    out: dict[str, str] = {}
    for fieldname in (*TITLE_FIELDS, "body"):
        if fieldname == "body" and "summary" in out:
            break
        text = stored.get(fieldname) or ""
        words = _Words(text, terms)
        if not words.marked:
            continue
        if fieldname == "body":
            fragments = _passages(text, words)
            top = PASSAGES
        else:
            fragments = [_whole(text, words)]
            top = 1
        marked = formatter.format(top_fragments(fragments, top, _SCORER, FIRST))
        if "<mark>" in marked:
            out[fieldname] = Markup(marked)  # noqa: S704 - EscapingFormatter escapes
    return out


def _whole(text: str, words: _Words) -> Fragment:
    """WholeFragmenter: the whole text, its marked words up to Whoosh's limit."""
    within = bisect_right(words.ends, DEFAULT_CHARLIMIT)
    return Fragment(text, [words.word(i) for i in words.marked if i < within])


def _passages(text: str, words: _Words) -> list[Fragment]:
    """ContextFragmenter's passages, rule for rule (its `fragment_tokens`), visiting only the
    words of each passage and the word after it."""
    starts, ends, marked = words.starts, words.ends, words.marked
    is_marked = set(marked)
    count = bisect_right(ends, DEFAULT_CHARLIMIT)  # Whoosh stops at the first word past it
    # A passage the limit cuts off ends with the word that crossed it.
    last_end = ends[count] if count < len(ends) else (ends[-1] if ends else 0)
    out: list[Fragment] = []
    i = 0  # the word at hand
    since = 0  # the first word that may be context before the next passage
    countdown = -1  # < 0: outside a passage; 0: a passage has just ended at this word
    while i < count:
        if countdown < 0:  # outside a passage: on to the next marked word
            at = bisect_left(marked, i)
            if at == len(marked) or marked[at] >= count:
                break
            i = marked[at]
            # Context: the words since the last passage that start at most `SURROUND`
            # characters before the end of the word before this one.
            context = bisect_left(starts, ends[i - 1] - SURROUND, since, i) if i > since else i
        else:  # right after a passage: no context, and an unmarked word is not kept for one
            context = i
        size = ends[i] - starts[i]
        if size > PASSAGE_CHARS or (countdown == 0 and i not in is_marked):
            countdown = -size  # an empty passage, which scores nothing
            i += 1
            since = i
            continue
        countdown = SURROUND
        if context < i:
            first = starts[context]
        else:
            first = starts[i]
            countdown += SURROUND
        tokens = [words.word(i)]
        length = 0
        while True:  # word i belongs to the passage
            length += size
            countdown -= size
            if countdown <= 0:
                out.append(_fragment(text, tokens, first, ends[i]))
                i += 1
                since = i
                break
            i += 1
            if i >= count:
                out.append(_fragment(text, tokens, first, last_end))
                return out
            size = ends[i] - starts[i]
            if length + size > PASSAGE_CHARS:
                countdown = 0
            elif i in is_marked:
                countdown = SURROUND
                tokens.append(words.word(i))
    return out


def _fragment(text: str, tokens: list[_Word], first: int | None, end: int) -> Fragment:
    """mkfrag: from the first word of context to the end, within the text."""
    start = first if first is not None else (tokens[0].startchar if tokens else 0)
    return Fragment(text, tokens, max(0, start), min(len(text), end))
