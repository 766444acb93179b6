"""The term-at-a-time scorer finds exactly what Whoosh's matchers find, scores it the same up to
rounding, and the search ranks exactly as scoring every match with Whoosh would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.search import query as query_mod
from portal.search.backend import SearchRequest
from portal.search.engine import backend
from portal.search.whoosh_scoring import CLOSE, match_scores
from tests.search.test_relevance import QUERIES as RELEVANCE_QUERIES

pytestmark = pytest.mark.whoosh

QUERIES = [
    *RELEVANCE_QUERIES,
    '"åpen bok"',
    '"rammeavtale for" møbler',
    "bonus malus renhold",
    "leverandør dialog marked",
    "klima miljø innovasjon",
]


def _whoosh_scores(state, text_query) -> dict[int, float]:
    return _whoosh_scores_of(state.searcher, text_query)


def _queries(state, text: str):
    parsed = query_mod.parse(text)
    synonyms = backend().synonyms()
    yield query_mod.build(parsed, synonyms=synonyms, expand=state.expand)
    yield query_mod.build(parsed, synonyms=synonyms, expand=state.expand, require_all=False)


def test_the_same_documents_with_the_same_scores(app):
    with app.app_context():
        state = backend()._state_now()
        compared = 0
        for text in QUERIES:
            for text_query in _queries(state, text):
                expected = _whoosh_scores(state, text_query)
                got = match_scores(state.searcher, text_query, state.per_segment).as_dict()
                assert set(got) == set(expected), text
                for docnum, score in expected.items():
                    assert abs(got[docnum] - score) <= abs(score) * CLOSE, text
                compared += len(expected)
        assert compared > 100  # the seed gives the comparison something to compare


def _whoosh_ranking(state, text: str, filters: dict) -> list[int]:
    request = SearchRequest(text=text, filters=filters, per_page=1000)
    result = backend().search(request)  # the matching set, to rank it another way
    docs = state.doc_infos()
    by_case = {info.case_id: docnum for docnum, info in docs.items()}
    parsed = query_mod.parse(text)
    text_query = query_mod.build(parsed, synonyms=backend().synonyms(), expand=state.expand,
                                 require_all=not result.partial)  # fmt: skip
    scores = _whoosh_scores(state, text_query)
    matching = [by_case[hit.case_id] for hit in result.hits]
    ranked = sorted(matching, key=lambda d: (-scores[d], -docs[d].published, docs[d].case_id))
    return [docs[d].case_id for d in ranked]


def test_every_page_ranks_as_scoring_everything_with_whoosh_would(app, factory):
    # Four cases with the same words score exactly alike: the newest must come first.
    now = utcnow()
    with factory.committing() as f:
        owner = f.organization()
        twins = [f.case(title="Kompostering av hageavfall", summary="Kompostering i parken.",
                        organizations=[owner]) for _ in range(4)]  # fmt: skip
        for age, twin in enumerate(twins):
            twin.published_at = now - timedelta(days=age)
        twin_ids = [twin.id for twin in twins]
    with app.app_context():
        state = backend()._state_now()
        for text, filters in [*((q, {}) for q in QUERIES), ("kompostering", {}),
                              ("avfall", {"category": ["renovasjon-og-avfall"]})]:  # fmt: skip
            expected = _whoosh_ranking(state, text, filters)
            for per_page in (1, 3, 20):
                got = []
                for page in range(1, -(-len(expected) // per_page) + 1):
                    request = SearchRequest(text=text, filters=filters, page=page,
                                            per_page=per_page, highlight=False)  # fmt: skip
                    got += [hit.case_id for hit in backend().search(request).hits]
                assert got == expected, (text, per_page)
        assert _whoosh_ranking(state, "kompostering", {})[:4] == twin_ids
        scores = {hit.score for hit in backend().search(SearchRequest(text="kompostering")).hits
                  if hit.case_id in twin_ids}  # fmt: skip
        assert len(scores) == 1  # a true tie, broken by the date


@pytest.mark.parametrize("arrays", [False, True], ids=["from-blocks", "from-arrays"])
def test_long_posting_lists_in_segments_with_deletions_score_as_whoosh_does(tmp_path, arrays):
    """Posting lists of many blocks, over two segments, one with deleted documents: every term
    scores exactly as Whoosh's matcher scores it, and queries of them (phrases too) up to
    rounding; read from Whoosh's blocks, and from the arrays written beside the segments."""
    from random import Random

    from whoosh import index as whoosh_index
    from whoosh import query as q

    from portal.search import whoosh_postings
    from portal.search.analysis import analyse
    from portal.search.whoosh_schema import make_schema
    from portal.search.whoosh_segments import PerSegment, segment_key

    words = ["ombruk", "møbler", "renhold", "bonus", "malus", "samspill", "kontrakt", "avfall"]
    rng = Random(13)

    def document(number: int) -> dict:
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 400)))
        return {"id": str(number), "slug": f"sak-{number}", "version": 1, "published": number,
                "content": text, "spell": text}  # fmt: skip

    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with ix.writer(compound=False) as writer:
        for number in range(700):
            writer.add_document(**document(number))
    writer = ix.writer(compound=False)  # as the portal writes them
    for number in range(0, 700, 7):
        writer.delete_by_term("id", str(number))
    for number in range(700, 1000):
        writer.add_document(**document(number))
    writer.commit(merge=False)
    if arrays:
        assert whoosh_postings.write_missing(ix, str(tmp_path)) == 2
        assert whoosh_postings.write_missing(ix, str(tmp_path)) == 0  # written once

    terms = [q.Term("content", analyse(word)[0]) for word in words]
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 2 and searcher.reader().has_deletions()
        per_segment = PerSegment(str(tmp_path))
        for term in terms:
            expected = _whoosh_scores_of(searcher, term)
            assert len(expected) > 400  # several blocks of postings
            assert match_scores(searcher, term, per_segment).as_dict() == expected  # to the bit
        queries = [
            q.Or([terms[0], q.Term("content", terms[1].text, boost=0.6)]),
            q.And([terms[2], q.Or([terms[3], terms[4]], boost=2.0)]),
            q.And([terms[5], q.Phrase("content", [terms[3].text, terms[4].text])]),
            q.Phrase("content", [terms[0].text, terms[1].text, terms[0].text], boost=1.5),
            q.Or([q.Phrase("content", [terms[6].text, terms[7].text]), terms[2]]),
        ]
        for query in queries:
            expected = _whoosh_scores_of(searcher, query)
            got = match_scores(searcher, query, per_segment).as_dict()
            assert expected and set(got) == set(expected)
            assert all(abs(got[d] - s) <= abs(s) * CLOSE for d, s in expected.items())
        used = [("arrays", "content") in per_segment.of(segment_key(leaf.reader(), offset))
                for leaf, offset in searcher.leaf_searchers()]  # fmt: skip
        assert used == [arrays, arrays]


def _whoosh_scores_of(searcher, query) -> dict[int, float]:
    matcher = query.matcher(searcher)
    scores = {}
    while matcher.is_active():
        scores[matcher.id()] = matcher.score()
        matcher.next()
    return scores


def test_near_ties_of_different_words_are_ordered_by_whooshs_own_sums(app, factory):
    """Cases that use four words as often as each other, each case in another proportion,
    score alike on paper; summed in another order, their scores differ in the last bits. The
    pages must order them by Whoosh's own sums, as scoring everything with Whoosh would, and
    cases that add up the very same parts stay a true tie (the newest first)."""
    from itertools import permutations

    words = ("skolegård", "lekeplass", "sandkasse", "huske")
    now = utcnow()
    with factory.committing() as f:
        owner = f.organization()
        f.case(title="Klatrestativ", organizations=[owner])
        kinds = []
        for number, counts in enumerate(permutations((1, 3, 6, 10))):
            summary = " ".join(w for w, n in zip(words, counts, strict=True) for _ in range(n))
            for twin in range(2):  # two cases of each kind: a true tie, broken by the date
                case = f.case(title="Uteområde", summary=summary, organizations=[owner])
                case.published_at = now - timedelta(days=2 * number + twin)
                kinds.append(case.id)
    with app.app_context():
        state = backend()._state_now()
        # No case has all five words: every case with any of them matches, scores added up
        # by a union of five words.
        text = " ".join((*words, "klatrestativ"))
        expected = _whoosh_ranking(state, text, {})
        assert set(kinds) < set(expected)
        for per_page in (1, 7, 20):
            got = []
            for page in range(1, -(-len(expected) // per_page) + 1):
                request = SearchRequest(text=text, page=page, per_page=per_page, highlight=False)
                got += [hit.case_id for hit in backend().search(request).hits]
            assert got == expected, per_page
