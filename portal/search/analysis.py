"""Norwegian (bokmål) text analysis for the search index.

Tokens are lower-cased, accents are folded except on æ, ø and å (é → e, ü → u), stop words are
dropped, and the Snowball stemmer for Norwegian reduces inflections. One rule is added on top of
Snowball: nouns in -el lose their e when inflected (møbel/møbler, eksempel/eksempler,
sykkel/sykler), so a stem ending in consonant + "el" is syncopated to match ("møbel" → "møbl",
"sykkel" → "sykl").
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language

from portal.letters import fold

VOWELS = set("aeiouyæøå")
WORD_REGEX = r"\w+(?:[.,]\d+)*"

_snowball = stemmer_for_language("no")
# The Norwegian stop list includes words that carry meaning in this domain.
STOP_WORDS = frozenset(stopwords_for_language("no")) - {"samme", "mot", "mellom", "over"}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Norwegian, plus syncope of -el stems (møbel → møbl)."""
    stemmed = _snowball(word)
    if (
        len(stemmed) >= 5
        and stemmed.endswith("el")
        and stemmed[-3] not in VOWELS
        and stemmed[-3] != "l"
    ):
        stemmed = stemmed[:-2] + "l"
        if stemmed[-2] == stemmed[-3]:  # sykkel → sykkl → sykl, as in "sykler"
            stemmed = stemmed[:-2] + "l"
    return stemmed


@lru_cache(maxsize=200_000)
def term_of(raw: str) -> tuple[str, bool]:
    """A word as it appears in a text → (its index term, whether it is a stop word).

    Kept per word: folding goes letter by letter, and texts repeat their words."""
    word = fold(raw.lower())
    if word in STOP_WORDS:
        return word, True
    return stem(word), False


class FoldFilter(Filter):
    """Accent folding that leaves æ, ø and å alone."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


def composed_norwegian_analyzer():
    """The analysis as a chain of Whoosh's own parts (the reference for NorwegianAnalyzer)."""
    return (
        RegexTokenizer(WORD_REGEX)
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem, cachesize=-1)
    )


_WORD = re.compile(WORD_REGEX)

# Latin-1 bytes with every character that is not a word character (`\w`: alphanumeric or "_")
# made a space.
_GAPS = bytes(c if chr(c).isalnum() or c == 0x5F else 0x20 for c in range(256))
_DECIMAL = re.compile(rb"[.,][0-9]")  # where WORD_REGEX may join a word and a number


class _WordOutsideLatin1(Exception):
    """A word character that Latin-1 has no byte for."""


def _gap(error: UnicodeEncodeError) -> tuple[str, int]:
    """Characters Latin-1 lacks become spaces, unless one of them is a word character."""
    part = error.object[error.start : error.end]
    if any(c.isalnum() or c == "_" for c in part):
        raise _WordOutsideLatin1
    return " " * len(part), error.end


codecs.register_error("portal-word-gaps", _gap)


def _latin1(text: str) -> bytes | None:
    """The text in Latin-1, signs outside it made spaces; None if a word character is."""
    try:
        return text.encode("latin-1", "portal-word-gaps")
    except _WordOutsideLatin1:
        return None


def latin1_words(text: str) -> bytes | None:
    """The text as Latin-1 bytes with every character that is not a word character a space,
    so that its words are what `WORD_REGEX` finds in it, at the same places: None unless
    every word character of the text is in Latin-1 and no decimal mark in it is followed by a
    digit (as in nearly every Norwegian text)."""
    data = _latin1(text)
    if data is None or _DECIMAL.search(data):
        return None
    return data.translate(_GAPS)


def word_list(text: str) -> list[str] | list[bytes]:
    """The words `WORD_REGEX` finds in a text, in order: as Latin-1 bytes where
    `latin1_words` can find them (three times faster), otherwise as str."""
    found = latin1_words(text)
    return _WORD.findall(text) if found is None else found.split()


class NorwegianAnalyzer(Tokenizer):
    """Tokenize, lower-case, fold, drop stop words and stem, in one pass.

    Gives exactly the tokens of `composed_norwegian_analyzer()` (a test checks it) but without a
    generator per filter, which makes indexing markedly faster.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = _WORD.finditer(value) if tokenize else [None]
        pos = start_pos  # position among kept words
        raw_pos = start_pos - 1  # position among all words
        for match in matches:
            raw_pos += 1
            raw = value if match is None else match.group()
            term, stopped = term_of(raw)
            if stopped and removestops:
                continue
            token.text = term
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal:
                token.original = raw
            if positions:
                # Like StopFilter(renumber=True): kept words are numbered without the stop words.
                if stopped:
                    token.pos = raw_pos
                else:
                    token.pos = pos
                    pos += 1
            if chars:
                begin = 0 if match is None else match.start()
                token.startchar = start_char + begin
                token.endchar = start_char + begin + len(raw)
            yield token


def norwegian_analyzer() -> NorwegianAnalyzer:
    """Tokenize, lower-case, fold, drop stop words and stem."""
    return NorwegianAnalyzer()


SPELLING_REGEX = r"[^\W\d_]{3,}"
_SPELLING_WORD = re.compile(SPELLING_REGEX)


def spelling_analyzer():
    """Whole words, lower-cased and folded: the vocabulary for "Mente du" suggestions."""
    return RegexTokenizer(SPELLING_REGEX) | LowercaseFilter() | FoldFilter()


# Latin-1 bytes with every character that is not a letter of `SPELLING_REGEX` (a word
# character that is neither a decimal digit nor "_") made a space.
_NOT_LETTERS = bytes(c if chr(c).isalnum() and not chr(c).isdecimal() else 0x20 for c in range(256))


def spelling_words(text: str) -> list[str] | list[bytes]:
    """The words of a text that `spelling_analyzer()` makes tokens of, as they are written: as
    Latin-1 bytes where every word character of the text is in Latin-1, otherwise as str."""
    data = _latin1(text)
    if data is None:
        return _SPELLING_WORD.findall(text)
    return [word for word in data.translate(_NOT_LETTERS).split() if len(word) >= 3]


@lru_cache(maxsize=200_000)
def spelling_term(raw: str | bytes) -> str:
    """A word as `spelling_words` gives it → its token of `spelling_analyzer()`."""
    return fold((raw if isinstance(raw, str) else raw.decode("latin-1")).lower())


def spelling_terms(text: str) -> list[str]:
    """The tokens of `spelling_analyzer()` for a text, in one pass (for the index writer)."""
    return [spelling_term(raw) for raw in spelling_words(text)]


def words(text: str) -> list[str]:
    """The plain words of a text, lower-cased and folded (no stemming, no stop words)."""
    return [fold(w.lower()) for w in re.findall(WORD_REGEX, text)]


def analyse(text: str) -> list[str]:
    """Index terms for a text, exactly as the index produces them."""
    return [token.text for token in norwegian_analyzer()(text)]
