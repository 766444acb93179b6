"""Whoosh implementation of the search backend, with its index in the instance folder.

Layout: <root>/CURRENT names the live index directory (<root>/index-<stamp>). A rebuild writes a
new directory beside it and swaps CURRENT atomically (os.replace), so searches keep answering
and a crash mid-rebuild leaves the live index as it was. Writers take Whoosh's lock with a
timeout (so several server processes queue instead of failing) and re-check CURRENT once they
hold it, so an update that raced a rebuild lands in the new index.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.highlight import ContextFragmenter, Formatter, get_text

from portal.search import query as query_mod
from portal.search.analysis import analyse, norwegian_analyzer, spelling_analyzer, words
from portal.search.backend import Hit, SearchRequest, SearchResult, VerifyReport
from portal.search.documents import FACETS

WRITE_TIMEOUT = 60.0
HIGHLIGHT_FIELDS = ("title", "summary", "body")


def make_schema() -> Schema:
    text = norwegian_analyzer()
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "slug": ID(stored=True),
        "version": NUMERIC(bits=64, stored=True, signed=False),
        "published": NUMERIC(bits=64, stored=True, sortable=True),
        "title": TEXT(analyzer=text, stored=True),
        "summary": TEXT(analyzer=text, stored=True),
        "organizations": TEXT(analyzer=text, stored=True),
        "tags": TEXT(analyzer=text, stored=True),
        "body": TEXT(analyzer=text, stored=True),
        "spell": TEXT(analyzer=spelling_analyzer(), phrase=False),
    }
    for facet in FACETS:
        fields[facet] = KEYWORD(stored=True, commas=True, lowercase=False)
    return Schema(**fields)


class EscapingFormatter(Formatter):
    """Highlights matched words with <mark>; everything else is HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


@dataclass
class _DocInfo:
    case_id: int
    slug: str
    published: int
    facets: dict[str, frozenset[str]]


class _SearcherState:
    """One process's long-lived searcher and the per-generation caches built on it."""

    def __init__(self, name: str, ix) -> None:
        self.name = name
        self.ix = ix
        self.searcher = ix.searcher()
        self._reset_caches()

    def _reset_caches(self) -> None:
        self.docs: dict[int, _DocInfo] | None = None
        self.vocabulary: list[str] | None = None
        self.spelling: frozenset[str] | None = None

    def refresh_if_changed(self) -> None:
        if not self.searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers and so misses deletions
            # committed to an existing segment. A new searcher sees them.
            old = self.searcher
            self.searcher = self.ix.searcher()
            old.close()
            self._reset_caches()

    def doc_infos(self) -> dict[int, _DocInfo]:
        if self.docs is None:
            docs = {}
            reader = self.searcher.reader()
            for docnum, stored in reader.iter_docs():
                docs[docnum] = _DocInfo(
                    case_id=int(stored["id"]),
                    slug=stored["slug"],
                    published=stored.get("published", 0),
                    facets={
                        f: frozenset(v for v in (stored.get(f) or "").split(",") if v)
                        for f in FACETS
                    },
                )
            self.docs = docs
        return self.docs

    def text_vocabulary(self) -> list[str]:
        if self.vocabulary is None:
            reader = self.searcher.reader()
            terms: set[str] = set()
            for fieldname in query_mod.TEXT_FIELDS:
                terms.update(t.decode("utf-8") for t in reader.lexicon(fieldname))
            self.vocabulary = sorted(terms)
        return self.vocabulary

    def spelling_words(self) -> frozenset[str]:
        if self.spelling is None:
            reader = self.searcher.reader()
            self.spelling = frozenset(t.decode("utf-8") for t in reader.lexicon("spell"))
        return self.spelling

    def close(self) -> None:
        self.searcher.close()


class WhooshBackend:
    """Search backend on a Whoosh index in `root`."""

    def __init__(self, root: Path, synonyms_path: Path) -> None:
        self.root = Path(root)
        self.synonyms_path = synonyms_path
        self._synonyms: query_mod.Synonyms | None = None
        self._synonyms_mtime = -1.0
        self._state: _SearcherState | None = None
        self._lock = threading.Lock()

    # -- storage ------------------------------------------------------------------------------

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            return self.pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def exists(self) -> bool:
        name = self.current_name()
        return bool(name) and whoosh_index.exists_in(str(self.root / name))

    def _create_directory(self) -> tuple[str, Path]:
        name = f"index-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
        path = self.root / name
        path.mkdir(parents=True)
        whoosh_index.create_in(str(path), make_schema())
        return name, path

    def _swap_to(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.pointer)

    def ensure(self) -> None:
        """Create an empty live index if there is none."""
        if self.exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        name, _ = self._create_directory()
        self._swap_to(name)

    def _open_live(self):
        self.ensure()
        name = self.current_name()
        assert name is not None
        return name, whoosh_index.open_dir(str(self.root / name))

    def _state_now(self) -> _SearcherState:
        """The process's searcher, reopened when CURRENT moved and refreshed when written."""
        with self._lock:
            name = self.current_name()
            if self._state is None or self._state.name != name or name is None:
                if self._state is not None:
                    self._state.close()
                opened_name, ix = self._open_live()
                self._state = _SearcherState(opened_name, ix)
            else:
                self._state.refresh_if_changed()
            return self._state

    def synonyms(self) -> query_mod.Synonyms:
        try:
            mtime = self.synonyms_path.stat().st_mtime
        except FileNotFoundError:
            mtime = 0.0
        if self._synonyms is None or mtime != self._synonyms_mtime:
            self._synonyms = query_mod.Synonyms.load(self.synonyms_path)
            self._synonyms_mtime = mtime
        return self._synonyms

    # -- writing ------------------------------------------------------------------------------

    def _write(self, upserts: Iterable[dict[str, Any]], deletes: Mapping[str, int]) -> None:
        upserts = list(upserts)
        for _attempt in range(5):
            name, ix = self._open_live()
            writer = ix.writer(timeout=WRITE_TIMEOUT, delay=0.02)
            if self.current_name() != name:  # a rebuild swapped the index while we waited
                writer.cancel()
                continue
            with writer.searcher() as searcher:
                versions = {
                    doc_id: stored.get("version", 0)
                    for doc_id in {d["id"] for d in upserts} | set(deletes)
                    if (stored := searcher.document(id=doc_id)) is not None
                }
            for doc in upserts:
                # A newer version already indexed (written by a later commit) wins.
                if versions.get(doc["id"], -1) <= doc["version"]:
                    writer.update_document(**doc)
            for doc_id, version in deletes.items():
                if doc_id in versions and versions[doc_id] <= version:
                    writer.delete_by_term("id", doc_id)
            writer.commit()
            return
        raise RuntimeError("the search index kept changing under the writer")

    def index(self, documents: Iterable[dict[str, Any]]) -> None:
        self._write(documents, {})

    def delete(self, versions: Mapping[str, int]) -> None:
        self._write([], versions)

    def apply(self, upserts: list[dict[str, Any]], deletes: Mapping[str, int]) -> None:
        if upserts or deletes:
            self._write(upserts, deletes)

    def rebuild(self, documents: Iterator[dict[str, Any]], total: int, progress=None) -> str | None:
        """Build a fresh index beside the live one and swap it in atomically.

        Returns the name of the replaced index, which the caller reconciles and then drops.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        old = self.current_name()
        name, path = self._create_directory()
        writer = whoosh_index.open_dir(str(path)).writer(limitmb=256)
        try:
            for count, doc in enumerate(documents, start=1):
                writer.add_document(**doc)
                if progress is not None:
                    progress(count)
            writer.commit(optimize=True)
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._swap_to(name)
        return old if old != name else None

    def versions_in(self, name: str) -> dict[str, int]:
        """id → version of every document in a (possibly retired) index directory."""
        ix = whoosh_index.open_dir(str(self.root / name))
        with ix.searcher() as searcher:
            return {
                stored["id"]: stored.get("version", 0)
                for _docnum, stored in searcher.reader().iter_docs()
            }

    def drop(self, name: str) -> None:
        if name and name != self.current_name():
            shutil.rmtree(self.root / name, ignore_errors=True)

    # -- reading ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        state = self._state_now()
        docs = state.doc_infos()
        parsed = query_mod.parse(request.text)
        partial = False
        scored: dict[int, float] | None = None
        results = None
        if not parsed.is_empty:
            synonyms = self.synonyms()
            vocabulary = state.text_vocabulary()
            strict = query_mod.build(parsed, synonyms=synonyms, vocabulary=vocabulary)
            results = state.searcher.search(strict, limit=None, terms=True)
            if results.scored_length() == 0 and len(parsed.words) + len(parsed.phrases) > 1:
                loose = query_mod.build(
                    parsed, synonyms=synonyms, vocabulary=vocabulary, require_all=False
                )
                results = state.searcher.search(loose, limit=None, terms=True)
                partial = results.scored_length() > 0
            scored = {hit.docnum: hit.score for hit in results}
            candidates = list(scored)
        else:
            candidates = list(docs)

        filters = {f: set(v) for f, v in request.filters.items() if v and f in FACETS}
        facets: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        matching: list[int] = []
        for docnum in candidates:
            info = docs.get(docnum)
            if info is None:
                continue
            failed = [f for f, wanted in filters.items() if not (info.facets[f] & wanted)]
            if not failed:
                matching.append(docnum)
            # A facet's counts apply every *other* filter, so choices within it stay visible.
            for facet in FACETS:
                if failed and (len(failed) > 1 or failed[0] != facet):
                    continue
                counts = facets[facet]
                for value in info.facets[facet]:
                    counts[value] = counts.get(value, 0) + 1

        if scored is not None and request.sort == "relevance":
            matching.sort(key=lambda d: (-scored[d], -docs[d].published, docs[d].case_id))
        else:
            matching.sort(key=lambda d: (-docs[d].published, -docs[d].case_id))
        start = (max(request.page, 1) - 1) * request.per_page
        page = matching[start : start + request.per_page]

        hits_by_docnum = {hit.docnum: hit for hit in results} if results is not None else {}
        if results is not None:
            results.formatter = EscapingFormatter()
            results.fragmenter = ContextFragmenter(maxchars=220, surround=70)
        hits = []
        for docnum in page:
            info = docs[docnum]
            highlights: dict[str, str] = {}
            hit = hits_by_docnum.get(docnum)
            if hit is not None:
                for fieldname in HIGHLIGHT_FIELDS:
                    fragment = hit.highlights(fieldname, top=2)
                    if fragment:
                        highlights[fieldname] = Markup(fragment)  # noqa: S704 - escaped above
            hits.append(
                Hit(
                    case_id=info.case_id,
                    slug=info.slug,
                    score=scored.get(docnum) if scored else None,
                    highlights=highlights,
                )
            )
        suggestion = None
        if request.text and (not matching or partial):
            suggestion = self._suggest(state, request.text)
        return SearchResult(
            total=len(matching),
            hits=hits,
            facets=facets,
            partial=partial,
            suggestion=suggestion,
            truncated=parsed.truncated,
        )

    def _suggest(self, state: _SearcherState, text: str) -> str | None:
        """Replace words the index has never seen with the closest word it has."""
        known = state.spelling_words()
        stems = set(state.text_vocabulary())
        cleaned, _ = query_mod.clean(text)
        changed = False
        out = []
        corrector = state.searcher.corrector("spell")
        for raw in cleaned.split():
            folded = words(raw)
            analysed = analyse(raw)
            if (
                len(folded) != 1
                or len(folded[0]) < 3
                or folded[0] in known
                or (analysed and analysed[0] in stems)
            ):
                out.append(raw)
                continue
            options = corrector.suggest(folded[0], limit=1, maxdist=2)
            if options:
                out.append(options[0])
                changed = True
            else:
                out.append(raw)
        return " ".join(out) if changed else None

    def more_like(self, text: str, limit: int) -> list[Hit]:
        """Cases whose words overlap most with the given text (for suggestions)."""
        parsed = query_mod.parse(text)
        if parsed.is_empty:
            return []
        state = self._state_now()
        loose = query_mod.build(parsed, synonyms=self.synonyms(), vocabulary=[], require_all=False)
        docs = state.doc_infos()
        return [
            Hit(case_id=docs[h.docnum].case_id, slug=docs[h.docnum].slug, score=h.score,
                highlights={})
            for h in state.searcher.search(loose, limit=limit)
        ]  # fmt: skip

    def verify(self, documents: Iterable[dict[str, Any]]) -> VerifyReport:
        """Compare the live index with the documents the database would produce."""
        state = self._state_now()
        reader = state.searcher.reader()
        indexed: dict[str, dict[str, Any]] = {
            stored["id"]: stored for _docnum, stored in reader.iter_docs()
        }
        report = VerifyReport()
        compared = ("slug", "title", "summary", "organizations", "tags", "body", *FACETS)
        for doc in documents:
            stored = indexed.pop(doc["id"], None)
            if stored is None:
                report.missing.append(doc["slug"])
            elif any((stored.get(k) or "") != (doc.get(k) or "") for k in compared):
                report.stale.append(doc["slug"])
        report.extra.extend(sorted(stored["slug"] for stored in indexed.values()))
        return report

    def count(self) -> int:
        return self._state_now().searcher.doc_count()
