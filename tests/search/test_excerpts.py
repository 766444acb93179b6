"""Excerpts: the marked words and passages are exactly Whoosh's own."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from whoosh.highlight import ContextFragmenter, WholeFragmenter, highlight

from portal.search.analysis import WORD_REGEX, analyse, norwegian_analyzer, term_of
from portal.search.excerpts import EscapingFormatter, highlights_of

SEED_CASES = sorted((Path(__file__).parents[2] / "seed" / "cases").glob("*.yaml"))


def whoosh_highlights(stored: dict, terms: frozenset[str]) -> dict[str, str]:
    """The reference: Whoosh's highlight() over the analyzer's tokens, field by field."""
    out: dict[str, str] = {}
    for fieldname, fragmenter, top in (
        ("title", WholeFragmenter(), 1),
        ("summary", WholeFragmenter(), 1),
        ("body", ContextFragmenter(maxchars=220, surround=70), 2),
    ):
        if fieldname == "body" and "summary" in out:
            break
        marked = highlight(stored.get(fieldname) or "", terms, norwegian_analyzer(), fragmenter,
                           EscapingFormatter(), top=top)  # fmt: skip
        if "<mark>" in marked:
            out[fieldname] = marked
    return out


def _term_sets(text: str, rng: random.Random) -> list[frozenset[str]]:
    terms = sorted(set(analyse(text)))
    sets = [frozenset(), frozenset({"finnesikke"}), frozenset({"og", "i"})]  # stop words too
    for size in (1, 1, 2, 3, 5):
        sets.append(frozenset(rng.sample(terms, min(size, len(terms)))))
    return sets


@pytest.mark.parametrize("path", SEED_CASES, ids=lambda p: p.stem)
def test_marked_words_and_passages_are_whooshs(path):
    text = path.read_text(encoding="utf-8")
    rng = random.Random(path.name)
    lines = text.splitlines()
    stored = {
        "title": lines[1],
        "summary": "\n".join(lines[2:6]) + " <b>&</b>",
        "body": text,
    }
    without_summary = {"title": lines[1], "body": text}
    for terms in _term_sets(text, rng):
        assert highlights_of(stored, terms) == whoosh_highlights(stored, terms)
        assert highlights_of(without_summary, terms) == whoosh_highlights(without_summary, terms)


def test_a_body_longer_than_whooshs_limit_is_cut_where_whoosh_cuts_it():
    # Passages that score alike: Whoosh keeps the last ones before its limit of characters.
    filler = ["anskaffelse", "gjenbruk", "kommunen", "avtale", "<&>"]
    rng = random.Random(5)
    body = (
        " ".join("møbler" if i % 40 == 0 else rng.choice(filler) for i in range(5000)) + " sluttord"
    )  # the last word is past 32 768 characters
    stored = {"title": "Tittel", "body": body}
    for terms in (frozenset({"sluttord"}), frozenset(analyse("møbler")),
                  frozenset(analyse("møbler sluttord"))):  # fmt: skip
        assert highlights_of(stored, terms) == whoosh_highlights(stored, terms)
    assert highlights_of(stored, frozenset({"sluttord"})) == {}
    assert highlights_of(stored, frozenset(analyse("møbler")))["body"].count("<mark>") == 2
    # A passage still open at the limit ends with the word that crossed it.
    body = "ord " * 8190 + "møbler " + "langtordetter " * 20
    stored = {"title": "Tittel", "body": body}
    assert highlights_of(stored, frozenset(analyse("møbler"))) == whoosh_highlights(
        stored, frozenset(analyse("møbler"))
    )


@pytest.mark.parametrize("seed", range(80))
def test_random_texts_give_whooshs_passages(seed):
    """Texts of words long and short (some longer than a passage), stop words, numbers and
    punctuation, with the searched words close together, far apart or absent; in Latin-1
    with signs outside it, or with decimals or words outside it (found another way)."""
    rng = random.Random(seed)
    vocabulary = ["møbler", "kommunen", "og", "i", "avtale", "leverandør", "x",
                  "gjenbruk", "anskaffelsesstrategiarbeidet", "å", "Bonus-malus", "kr.",
                  "a" * 75, "b" * 230, "renhold", "«ombruk»", "2024"]  # fmt: skip
    vocabulary += [["–"], ["3,5"], ["Łódź", "–"], ["3,5", "Łódź"]][seed // 2 % 4]
    weights = [rng.random() for _ in vocabulary]
    text = " ".join(rng.choices(vocabulary, weights, k=rng.randint(0, 900)))
    searched = rng.sample(["møbler", "renhold", "avtale", "a" * 75, "b" * 230, "og", "x", "kr"],
                          rng.randint(1, 3))  # fmt: skip
    terms = frozenset(term_of(w)[0] for word in searched for w in re.findall(WORD_REGEX, word))
    if seed % 2:  # a passage with no context before it
        text = f"{searched[0]} {text}"
    stored = {"title": text[:300], "summary": "", "body": text}
    assert highlights_of(stored, terms) == whoosh_highlights(stored, terms)


@pytest.mark.parametrize("seed", range(30))
def test_a_passage_with_no_words_before_it_has_twice_the_context_after(seed):
    rng = random.Random(seed)
    filler = ["kommunen", "og", "i", "avtale", "3,5", "x", "gjenbruk", "kr.", "2024", "å"]
    stored = {"title": "Tittel", "body": " ".join(["møbler", *rng.choices(filler, k=80)])}
    terms = frozenset(analyse("møbler"))
    assert highlights_of(stored, terms) == whoosh_highlights(stored, terms)
