"""Norwegian letters: accents folded away except on æ, ø and å, and alphabetical order.

The search analysis folds words with `fold` (é → e, ü → u, æøå kept); lists of names are
ordered with `norwegian_sort_key`, which folds the same way, ignores case and puts Æ, Ø, Å
after Z in that order (portal.db turns it into the databases' collations).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

KEEP = set("æøåÆØÅ")
_AFTER_Z = str.maketrans({"æ": "{", "ø": "|", "å": "}"})  # the characters after "z"


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


def norwegian_sort_key(text: str | None) -> str:
    """A key giving Norwegian alphabetical order (also for sorting in Python)."""
    return fold((text or "").casefold()).translate(_AFTER_Z)


def compare_norwegian(left: str | None, right: str | None) -> int:
    """Norwegian order as a comparison (SQLite's collation); equal keys fall back to the text."""
    a, b = norwegian_sort_key(left), norwegian_sort_key(right)
    return (a > b) - (a < b) or ((left or "") > (right or "")) - ((left or "") < (right or ""))
