"""Norwegian analysis: stemming, æøå, folding, compounds and synonyms."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.search.analysis import analyse, fold
from portal.search.query import Synonyms, compound_expansions, parse


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("møbler", "møbel"),
        ("eksempler", "eksemplet"),
        ("løsninger", "løsningen"),
        ("sykler", "sykkel"),
        ("strategien", "strategi"),
        ("anskaffelsene", "anskaffelse"),
    ],
)
def test_inflections_share_a_stem(a, b):
    assert analyse(a) == analyse(b)


def test_norwegian_letters_are_kept_and_matched():
    assert analyse("Ålesund") == ["ålesund"]
    assert analyse("gjørvik") != analyse("gjorvik")
    assert analyse("ÆRE") == analyse("ære")


def test_accents_are_folded():
    assert fold("kafé") == "kafe"
    assert fold("Müller") == "Muller"
    assert analyse("idé") == analyse("ide")


def test_stop_words_are_dropped():
    assert analyse("og i på av for") == []


def test_compound_parts_find_the_compound():
    vocabulary = ["innkjøpsstrategi", "strategi", "møbelkoordinator", "møbl", "bil"]
    assert "innkjøpsstrategi" in compound_expansions(analyse("strategi")[0], vocabulary)
    assert "møbelkoordinator" in compound_expansions(analyse("møbler")[0], vocabulary)
    assert compound_expansions("bil", vocabulary) == []


def test_synonym_groups(tmp_path: Path):
    path = tmp_path / "synonyms.txt"
    path.write_text("# comment\nombruk, gjenbruk\nsamspill, partnering, samspillsentreprise\n")
    synonyms = Synonyms.load(path)
    assert (analyse("gjenbruk")[0],) in synonyms.of(analyse("ombruk")[0])
    assert (analyse("partnering")[0],) in synonyms.of(analyse("samspill")[0])
    assert synonyms.of("ukjent") == []


def test_parse_keeps_phrases_and_ignores_syntax():
    parsed = parse('"åpen bok" AND (samspill) OR NOT bonus-malus*')
    assert parsed.phrases[0] == analyse("åpen bok")
    assert [analyse("samspill")] in [parsed.words] or analyse("samspill") in parsed.words
    assert (analyse("bonus malus"), analyse("bonusmalus")[0]) in parsed.compounds
    assert not [w for w in parsed.words if w[0] in {"and", "or", "not"}]


def test_parse_caps_the_length():
    parsed = parse("møbler " * 2000)
    assert parsed.truncated
    assert len(parsed.text) <= 200


@pytest.mark.parametrize(
    "options",
    [{}, {"positions": True, "chars": True}, {"positions": True, "chars": True,
                                              "removestops": False, "mode": "query"}],
)  # fmt: skip
def test_the_fast_analyzer_gives_the_reference_tokens(options):
    from portal.search.analysis import composed_norwegian_analyzer, norwegian_analyzer

    text = (Path(__file__).parents[2] / "seed" / "cases" / "asker-brukte-mobler.yaml").read_text()
    fields = ("text", "pos", "startchar", "endchar", "stopped")

    def run(analyzer):
        return [tuple(getattr(t, f, None) for f in fields) for t in analyzer(text, **options)]

    assert run(norwegian_analyzer()) == run(composed_norwegian_analyzer())


def test_words_found_fast_are_the_expressions_words():
    """`word_list` and `spelling_words` (Latin-1 bytes where they can) find what WORD_REGEX and
    SPELLING_REGEX find, in any text."""
    import random
    import re

    from portal.search.analysis import SPELLING_REGEX, WORD_REGEX, spelling_words, word_list

    # Word characters in and outside Latin-1 (letters, digits of other scripts, "²", "µ",
    # "ª", "_"), signs in and outside it, decimal marks and breaks.
    pool = "aZæøåÅé9_²µªßÿŁ٣ ,.;-–—«»“\n\t\u00a0\u0085×÷"
    rng = random.Random(5)
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        found = [w if isinstance(w, str) else w.decode("latin-1") for w in word_list(text)]
        assert found == re.findall(WORD_REGEX, text), text
        spelled = [w if isinstance(w, str) else w.decode("latin-1") for w in spelling_words(text)]
        assert spelled == re.findall(SPELLING_REGEX, text), text
    # Ordinary Norwegian prose takes the fast way.
    assert word_list("Gjenbruk av møbler – «ombruk» i 2024.") == [
        b"Gjenbruk", b"av", "møbler".encode("latin-1"), b"ombruk", b"i", b"2024",
    ]  # fmt: skip
