"""Whoosh implementation of the search backend, with its index in the instance folder.

Layout: <root>/CURRENT names the live index directory (<root>/index-<stamp>). A rebuild writes a
new directory beside it and swaps CURRENT atomically (os.replace), so searches keep answering
and a crash mid-rebuild leaves the live index as it was. Writers take Whoosh's lock with a
timeout (so several server processes queue instead of failing) and re-check CURRENT once they
hold it, so an update that raced a rebuild lands in the new index.
"""

from __future__ import annotations

import ctypes
import fcntl
import heapq
import logging
import multiprocessing.util
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh.highlight import ContextFragmenter, WholeFragmenter, highlight

from portal.search import query as query_mod
from portal.search.analysis import analyse, norwegian_analyzer, words
from portal.search.backend import Hit, SearchRequest, SearchResult, VerifyReport
from portal.search.documents import FACETS
from portal.search.whoosh_schema import EscapingFormatter, make_schema
from portal.search.whoosh_state import SearcherState, mask, members

WRITE_TIMEOUT = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
log = logging.getLogger(__name__)


class RebuildRunning(RuntimeError):
    """Another process is rebuilding the index now."""


class _DieWithParent:
    """Registered for multiprocessing's after-fork hook: an indexing child started by a rebuild
    asks the kernel to kill it when the rebuilding process dies (even by kill -9), instead of
    waiting forever on its job queue."""

    def __init__(self) -> None:
        self.parent = os.getpid()

    def arm(self) -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # not Linux: nothing to arm
            return
        if os.getppid() != self.parent:  # the parent died before the signal was armed
            os._exit(1)


class WhooshBackend:
    """Search backend on a Whoosh index in `root`."""

    def __init__(self, root: Path, synonyms_path: Path) -> None:
        self.root = Path(root)
        self.synonyms_path = synonyms_path
        self._synonyms: query_mod.Synonyms | None = None
        self._synonyms_mtime = -1.0
        self._state: SearcherState | None = None
        self._lock = threading.Lock()
        self.analyzer = norwegian_analyzer()
        self._fork_guard: _DieWithParent | None = None

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

    def _state_now(self) -> SearcherState:
        """The process's searcher, reopened when CURRENT moved and refreshed when written."""
        with self._lock:
            name = self.current_name()
            if self._state is None or self._state.name != name or name is None:
                if self._state is not None:
                    self._state.close()
                opened_name, ix = self._open_live()
                self._state = SearcherState(opened_name, ix)
            else:
                self._state.refresh_if_changed()
            return self._state

    def generation(self) -> tuple[tuple[str, int], int]:
        """Which index generation this process reads, and how many documents it holds."""
        state = self._state_now()
        return (state.name, state.searcher.reader().generation()), state.searcher.doc_count()

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

    @contextmanager
    def rebuilding(self, *, wait: bool = True) -> Iterator[None]:
        """Hold the rebuild lock (one rebuild at a time, across processes) and, holding it,
        remove what an interrupted rebuild left behind. Raises RebuildRunning if `wait` is
        false and another process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "rebuild.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError as error:
                raise RebuildRunning("a rebuild of the search index is running") from error
            try:
                self._remove_leftovers()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _remove_leftovers(self) -> None:
        """Index directories other than the live one, and pointer files never swapped in:
        with the rebuild lock held, nothing is writing them, so they are leftovers."""
        live = self.current_name()
        removed = []
        for path in self.root.iterdir():
            if path.name.startswith("index-") and path.name != live and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
            elif path.name.startswith("CURRENT.") and path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)
                removed.append(path.name)
        if removed:
            log.warning("removed what an interrupted index rebuild left: %s", ", ".join(removed))

    def clean_leftovers(self) -> None:
        """Remove an interrupted rebuild's leftovers, unless a rebuild is running now."""
        try:
            with self.rebuilding(wait=False):
                pass
        except RebuildRunning:
            pass

    def rebuild(self, documents: Iterator[dict[str, Any]], total: int, progress=None) -> str | None:
        """Build a fresh index beside the live one and swap it in atomically; call it inside
        `rebuilding()`.

        Returns the name of the replaced index, which the caller reconciles and then drops.
        """
        if self._fork_guard is None:
            self._fork_guard = _DieWithParent()
            multiprocessing.util.register_after_fork(self._fork_guard, _DieWithParent.arm)
        old = self.current_name()
        name, path = self._create_directory()
        # Indexing is CPU-bound Python: several indexing processes, more than the cores because
        # the parent (reading the database) keeps them waiting otherwise; measured best at 4 on
        # 2 cores. Segments are kept separate rather than merged, which would serialise again.
        procs = max(2, min(4, 2 * (os.cpu_count() or 1)))
        writer = whoosh_index.open_dir(str(path)).writer(
            limitmb=128, procs=procs, multisegment=procs > 1
        )
        try:
            for count, doc in enumerate(documents, start=1):
                writer.add_document(**doc)
                if progress is not None:
                    progress(count)
            writer.commit()
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
        table = state.facet_table()
        parsed = query_mod.parse(request.text)
        partial = False
        text_query = None
        scores: dict[int, float] = {}
        if parsed.is_empty:
            candidates = table.all
        else:
            synonyms = self.synonyms()
            text_query = query_mod.build(parsed, synonyms=synonyms, expand=state.expand)
            # One scored pass over every match: its document numbers give the total and the
            # facet counts, its scores the ranking (a second, filtered pass costs as much again).
            scores = self._score_all(state, text_query)
            if not scores and parsed.unit_count > 1:
                text_query = query_mod.build(
                    parsed, synonyms=synonyms, expand=state.expand, require_all=False
                )
                scores = self._score_all(state, text_query)
                partial = bool(scores)
            candidates = mask(scores)

        filters = {f: set(v) for f, v in request.filters.items() if v and f in FACETS}
        if request.year_from is not None or request.year_to is not None:
            low, high = request.year_from or 0, request.year_to or 9999
            in_range = {y for y in table.masks["year"] if low <= int(y) <= high}
            filters["year"] = filters["year"] & in_range if "year" in filters else in_range
        matching, facets = table.counts(candidates, filters)
        total = matching.bit_count()
        per_page = request.per_page
        start = (max(request.page, 1) - 1) * per_page
        wanted = start + per_page
        if text_query is not None and request.sort == "relevance":
            # Without filters every scored document matches; with them, list the survivors.
            pool = scores if matching == candidates else members(matching)
            page_docs = heapq.nsmallest(
                wanted,
                pool,
                key=lambda d: (-scores[d], -docs[d].published, docs[d].case_id),
            )[start:]
        else:
            page_docs = table.newest_first(matching, total, wanted)[start:]
        terms = query_mod.highlight_terms(text_query) if text_query is not None else frozenset()
        hits = []
        for docnum in page_docs:
            info = docs[docnum]
            hits.append(
                Hit(
                    case_id=info.case_id,
                    slug=info.slug,
                    score=scores.get(docnum),
                    highlights=self._highlights(state, docnum, terms) if terms else {},
                )
            )
        suggestion = None
        if request.text and (not total or partial):
            suggestion = self._suggest(state, request.text)
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            partial=partial,
            suggestion=suggestion,
            truncated=parsed.truncated,
        )

    @staticmethod
    def _score_all(state: SearcherState, text_query) -> dict[int, float]:
        matcher = text_query.matcher(state.searcher)
        scores: dict[int, float] = {}
        while matcher.is_active():
            scores[matcher.id()] = matcher.score()
            matcher.next()
        return scores

    def _highlights(self, state: SearcherState, docnum: int, terms: frozenset[str]) -> dict:
        """Title and summary whole, the body as up to two passages; matched words marked."""
        stored = state.searcher.stored_fields(docnum)
        out: dict[str, str] = {}
        for fieldname, fragmenter, top in (
            ("title", WholeFragmenter(), 1),
            ("summary", WholeFragmenter(), 1),
            ("body", ContextFragmenter(maxchars=220, surround=70), 2),
        ):
            text = stored.get(fieldname) or ""
            marked = highlight(text, terms, self.analyzer, fragmenter, EscapingFormatter(), top=top)
            if "<mark>" in marked:
                out[fieldname] = Markup(marked)  # noqa: S704 - EscapingFormatter escapes
        return out

    def _suggest(self, state: SearcherState, text: str) -> str | None:
        """Replace words the index has never seen with the closest word it has."""
        known = state.spelling_words()
        stems = state.vocabulary_set()
        cleaned, _ = query_mod.clean(text)
        changed = False
        out = []
        corrector = state.corrector()
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
        loose = query_mod.build(parsed, synonyms=self.synonyms(), require_all=False)
        docs = state.doc_infos()
        return [
            Hit(case_id=docs[h.docnum].case_id, slug=docs[h.docnum].slug, score=h.score,
                highlights={})
            for h in state.searcher.search(loose, limit=limit)
        ]  # fmt: skip

    def verify(self, documents: Iterable[dict[str, Any]]) -> VerifyReport:
        """Compare the live index with the documents the database would produce."""
        self.clean_leftovers()
        state = self._state_now()
        reader = state.searcher.reader()
        indexed: dict[str, dict[str, Any]] = {
            stored["id"]: stored for _docnum, stored in reader.iter_docs()
        }
        report = VerifyReport()
        if set(state.ix.schema.names()) != set(make_schema().names()):
            # Written by an older version of the portal: everything must be re-indexed.
            report.stale.append("(the index layout is out of date: run `flask search rebuild`)")
        compared = ("slug", "title", "summary", "organizations", "tags", "body", *FACETS)
        # "content" is not stored; it is made from the fields compared here.
        for doc in documents:
            stored = indexed.pop(doc["id"], None)
            if stored is None:
                report.missing.append(doc["slug"])
            elif any((stored.get(k) or "") != (doc.get(k) or "") for k in compared):
                report.stale.append(doc["slug"])
        report.extra.extend(sorted(stored["slug"] for stored in indexed.values()))
        return report
