"""From what a person types to a Whoosh query: words, phrases, compounds and synonyms."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as q

from portal.search.analysis import analyse

MAX_QUERY_LENGTH = 200
MAX_EXPANSIONS = 8
MIN_COMPOUND_PART = 4

# Everything is searched in one "content" field in which the title is written four times,
# the summary three times, organizations and topic labels twice, and what the topics mean and
# the body once: that gives the boosts title > summary > organization and tags > body with one
# matcher per term (six fields would mean six times the matchers, and they dominate the time).
CONTENT_FIELD = "content"
CONTENT_WEIGHTS = {"title": 4, "summary": 3, "organizations": 2, "tags": 2, "topics": 1, "body": 1}
# The exact word scores higher than its compounds and synonyms.
EXPANSION_WEIGHT = 0.6

_PHRASE = re.compile(r'"([^"]+)"')
_OPERATORS = {"AND", "OR", "NOT", "OG", "ELLER", "IKKE"}


@dataclass
class ParsedQuery:
    """The query as units the user meant: each a list of index terms (a word or a phrase)."""

    text: str
    words: list[list[str]] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    # A hyphenated word ("bonus-malus", "e-handel"): its parts as a phrase, and the word joined
    # ("bonusmalus", "ehandel"); either form, and their synonyms, match.
    compounds: list[tuple[list[str], str]] = field(default_factory=list)
    truncated: bool = False
    # The typed words behind `words`, in order (to join "bonus malus" into one unit).
    word_texts: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.compounds)

    @property
    def unit_count(self) -> int:
        return len(self.words) + len(self.phrases) + len(self.compounds)


def clean(raw: str | None) -> tuple[str, bool]:
    """Trim, drop control characters and cap the length."""
    text = "".join(ch for ch in (raw or "") if ch.isprintable()).strip()
    truncated = len(text) > MAX_QUERY_LENGTH
    return text[:MAX_QUERY_LENGTH], truncated


def parse(raw: str | None) -> ParsedQuery:
    """Split into quoted phrases and words; operators, wildcards and brackets are plain text."""
    text, truncated = clean(raw)
    parsed = ParsedQuery(text=text, truncated=truncated)
    for phrase in _PHRASE.findall(text):
        terms = analyse(phrase)
        if len(terms) > 1:
            parsed.phrases.append(terms)
        elif terms:
            parsed.words.append(terms)
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    for raw_word in rest.split():
        if raw_word in _OPERATORS:
            continue
        terms = analyse(raw_word)
        if len(terms) > 1:
            # "bonus-malus" analyses to two terms: the phrase, or the word written joined.
            joined = analyse(re.sub(r"[\W_]+", "", raw_word))
            if len(joined) == 1 and "-" in raw_word:
                parsed.compounds.append((terms, joined[0]))
            else:
                parsed.phrases.append(terms)
        elif terms:
            parsed.words.append(terms)
            parsed.word_texts.append(raw_word)
    return parsed


class Synonyms:
    """Groups of equivalent words from seed/synonyms.txt, compared as index terms."""

    def __init__(self, groups: list[list[tuple[str, ...]]]) -> None:
        self.groups = groups
        # Every member is a trigger: one word ("ehandel"), or several ("vann og avløp",
        # "bonus-malus", "e-handel"), looked up by its terms.
        self.by_member: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in groups:
            for member in group:
                self.by_member.setdefault(member, []).extend(group)

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        groups = []
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                members = [tuple(analyse(part)) for part in line.split(",")]
                group = list(dict.fromkeys(m for m in members if m))
                if len(group) > 1:
                    groups.append(group)
        return cls(groups)

    def of(self, term: str) -> list[tuple[str, ...]]:
        return self.of_member((term,))

    def of_member(self, member: tuple[str, ...]) -> list[tuple[str, ...]]:
        return [m for m in dict.fromkeys(self.by_member.get(member, [])) if m != member]

    def is_member(self, member: tuple[str, ...]) -> bool:
        return member in self.by_member


class SynonymFile:
    """seed/synonyms.txt, read again when it changes (an editor may extend it while serving)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._synonyms: Synonyms | None = None
        self._mtime = -1.0

    def current(self) -> Synonyms:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = 0.0
        if self._synonyms is None or mtime != self._mtime:
            self._synonyms = Synonyms.load(self.path)
            self._mtime = mtime
        return self._synonyms


def compound_expansions(term: str, vocabulary: list[str]) -> list[str]:
    """Index terms that contain the term as a compound part ("strategi" → "innkjøpsstrategi").

    The vocabulary should list the most common terms first: the first few matches are kept.
    """
    if len(term) < MIN_COMPOUND_PART:
        return []
    # Inside a compound the -el syncope is undone: "møbl" (møbler) appears as "møbel…".
    variants = {term}
    if len(term) >= 4 and term.endswith("l") and term[-2] not in "aeiouyæøå":
        variants.add(term[:-1] + "el")
    found = []
    for candidate in vocabulary:
        if candidate == term or len(candidate) < len(term) + 3:
            continue
        for variant in variants:
            if candidate.endswith(variant) or (
                candidate.startswith(variant) and len(candidate) - len(variant) >= 4
            ):
                found.append(candidate)
                break
        if len(found) >= MAX_EXPANSIONS:
            break
    return found


def units(
    parsed: ParsedQuery,
    *,
    synonyms: Synonyms,
    expand: Callable[[str], list[str]] = lambda _term: [],
) -> list[list[tuple[str, ...]]]:
    """What the user meant, unit by unit: the term sequences any one of which satisfies it,
    the typed form first (then compounds and synonyms). The case search and the related
    topics, goals and organisations both match these."""
    out: list[list[tuple[str, ...]]] = []
    words = [terms[0] for terms in parsed.words]
    compounds = list(parsed.compounds)
    # Two typed words that are one thing ("bonus malus", "e handel", "vann og avløp" minus the
    # stop word) are searched as that thing, joined or as a phrase, with its synonyms.
    texts = parsed.word_texts if len(parsed.word_texts) == len(words) else [""] * len(words)
    index, kept = 0, []
    while index < len(words):
        if index + 1 < len(words):
            pair = (words[index], words[index + 1])
            joined = analyse(texts[index] + texts[index + 1]) if texts[index] else []
            if synonyms.is_member(pair) or (len(joined) == 1 and synonyms.is_member((joined[0],))):
                compounds.append((list(pair), joined[0] if len(joined) == 1 else ""))
                index += 2
                continue
        kept.append(words[index])
        index += 1
    for term in kept:
        out.append([(term,), *((t,) for t in expand(term)), *synonyms.of(term)])
    for terms in parsed.phrases:
        out.append([tuple(terms), *synonyms.of_member(tuple(terms))])
    for parts, joined in compounds:
        alternatives = [tuple(parts)]
        if joined:
            alternatives += [(joined,), *synonyms.of(joined)]
        alternatives += synonyms.of_member(tuple(parts))
        out.append(list(dict.fromkeys(alternatives)))
    return out


def build(
    parsed: ParsedQuery,
    *,
    synonyms: Synonyms,
    expand: Callable[[str], list[str]] = lambda _term: [],
    require_all: bool = True,
) -> q.Query:
    """Each unit must match in some field (or any may, when require_all is false)."""
    clauses = [_any_field(unit) for unit in units(parsed, synonyms=synonyms, expand=expand)]
    if not clauses:
        return q.NullQuery
    if len(clauses) == 1:
        return clauses[0]
    return q.And(clauses) if require_all else q.Or(clauses)


def _any_field(alternatives: list[tuple[str, ...]]) -> q.Query:
    clauses: list[q.Query] = []
    for index, terms in enumerate(alternatives):
        weight = 1.0 if index == 0 else EXPANSION_WEIGHT
        if len(terms) == 1:
            clauses.append(q.Term(CONTENT_FIELD, terms[0], boost=weight))
        else:
            clauses.append(q.Phrase(CONTENT_FIELD, list(terms), boost=weight))
    return clauses[0] if len(clauses) == 1 else q.Or(clauses)


def highlight_terms(query: q.Query) -> frozenset[str]:
    """The index terms a query looks for (to mark them in the stored text)."""
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for _field, text in query.iter_all_terms(phrases=True)
    )
