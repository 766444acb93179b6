"""Spelling suggestions ("Mente du"), as both backends make them.

Both work on word lists in Python, so the Whoosh and the PostgreSQL backend suggest the same
corrections (and mark the same words: see excerpts.py).
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh.spelling import ListCorrector

from portal.search import query as query_mod
from portal.search.analysis import analyse, words


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
