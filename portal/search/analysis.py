"""Norwegian (bokmål) text analysis for the search index.

Tokens are lower-cased, accents are folded except on æ, ø and å (é → e, ü → u), stop words are
dropped, and the Snowball stemmer for Norwegian reduces inflections. One rule is added on top of
Snowball: nouns in -el lose their e when inflected (møbel/møbler, eksempel/eksempler,
sykkel/sykler), so a stem ending in consonant + "el" is syncopated to match ("møbel" → "møbl",
"sykkel" → "sykl").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language

KEEP = set("æøåÆØÅ")
VOWELS = set("aeiouyæøå")
WORD_REGEX = r"\w+(?:[.,]\d+)*"

_snowball = stemmer_for_language("no")
# The Norwegian stop list includes words that carry meaning in this domain.
STOP_WORDS = frozenset(stopwords_for_language("no")) - {"samme", "mot", "mellom", "over"}


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Remove accents but keep the Norwegian letters æ, ø and å."""
    out = []
    for char in text:
        if char in KEEP or ord(char) < 128:
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


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


class FoldFilter(Filter):
    """Accent folding that leaves æ, ø and å alone."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


def norwegian_analyzer():
    """Tokenize, lower-case, fold, drop stop words and stem."""
    return (
        RegexTokenizer(WORD_REGEX)
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem, cachesize=-1)
    )


def spelling_analyzer():
    """Whole words, lower-cased and folded: the vocabulary for "Mente du" suggestions."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter() | FoldFilter()


def words(text: str) -> list[str]:
    """The plain words of a text, lower-cased and folded (no stemming, no stop words)."""
    return [fold(w.lower()) for w in re.findall(WORD_REGEX, text)]


def analyse(text: str) -> list[str]:
    """Index terms for a text, exactly as the index produces them."""
    return [token.text for token in norwegian_analyzer()(text)]
