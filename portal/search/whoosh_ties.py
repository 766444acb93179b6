"""Settling near ties: Whoosh's own sums where the order of addition would decide a page.

The scorer (whoosh_scoring.py) adds a document's word and phrase scores in its own order;
Whoosh adds them in the order of its tree of matchers. The sums can differ in their last bit,
and where two documents near the last place of a page score within rounding of each other,
that bit orders them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
from whoosh import query as q

from portal.search.whoosh_scoring import CLOSE, Leaves, Scores, Within, adds_up


def settle_ties(searcher, query: q.Query, near: Scores, leaves: Leaves) -> Scores:
    """Whoosh's own scores for documents whose order rounding may have changed.

    Near scores are only a problem where two documents score within rounding of each other
    (`CLOSE`) but differently in Whoosh's order of addition. Two documents whose words and
    phrases each score the same have the same sum in any order: they are equal, to the bit,
    in Whoosh too. Only where near documents differ in what they add up is one document of
    each such kind scored again by Whoosh's matcher (`exact_scores`), and its score given to
    every near document of its kind.
    """
    in_order = sorted(near, key=lambda d: -near[d])
    close = [
        (a, b)
        for a, b in itertools.pairwise(in_order)
        if near[a] - near[b] <= max(abs(near[a]), 1.0) * CLOSE
    ]
    if not close or not adds_up(query):  # one term's score is Whoosh's to the bit
        return {}
    tied = sorted({d for pair in close for d in pair})
    kind = dict(zip(tied, _parts_of(np.array(tied, dtype=np.int64), leaves), strict=True))
    unsure = {k for a, b in close if kind[a] != kind[b] for k in (kind[a], kind[b])}
    if not unsure:
        return {}
    one_of = {kind[d]: d for d in tied if kind[d] in unsure}
    exact = exact_scores(searcher, query, one_of.values())
    return {d: exact[one_of[kind[d]]] for d in tied if kind[d] in unsure}


def _parts_of(docs: np.ndarray, leaves: Leaves) -> list[tuple[float, ...]]:
    """For each document, what each word or phrase adds to its score (0 where it is absent,
    which adds nothing in any order)."""
    columns = []
    for parts in leaves.values():
        column = np.zeros(len(docs))
        for part in parts:  # each segment's, in ascending document order
            if len(part):
                at = np.minimum(np.searchsorted(part.docs, docs), len(part.docs) - 1)
                here = part.docs[at] == docs
                column[here] = part.scores[at[here]]
        columns.append(column)
    if not columns:
        return [() for _ in docs]
    return [tuple(row) for row in np.column_stack(columns).tolist()]


def exact_scores(searcher, query: q.Query, docnums: Iterable[int]) -> Scores:
    """Whoosh's own scores for the given documents, as its matcher over the whole index adds
    them up (the same tree of matchers, its postings limited to these documents)."""
    # Without a context Whoosh builds the tree the full ranking used (unions of the terms'
    # matchers, added up in that order).
    matcher = query.matcher(Within(searcher, set(docnums)))
    found: Scores = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found
