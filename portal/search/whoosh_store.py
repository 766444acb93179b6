"""Where a Whoosh index lives on disk, and everything that writes it.

Layout: <root>/CURRENT names the live index directory (<root>/index-<stamp>). A rebuild writes a
new directory beside it and swaps CURRENT atomically (os.replace), so searches keep answering
and a crash mid-rebuild leaves the live index as it was. Writers take Whoosh's lock with a
timeout (so several server processes queue instead of failing) and re-check CURRENT once they
hold it, so an update that raced a rebuild lands in the new index.

While a rebuild runs, <root>/rebuild.journal exists and every writer adds the ids it writes to
it: the rebuild read the cases as they were when it read them, so once it has swapped in the
new index it waits for any writer still holding the old one and writes those cases again from
the database (an unpublished case is removed, an edited one written anew).
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import multiprocessing.util
import os
import shutil
import signal
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import try_for

from portal.search import whoosh_postings, whoosh_rebuild
from portal.search.backend import Progress, RebuildRunning
from portal.search.whoosh_schema import make_schema, whoosh_document
from portal.search.whoosh_segments import segment_key

WRITE_TIMEOUT = 60.0
# Segments as separate files, not one compound file: a reader opens a compound segment by
# copying each part (the postings above all) into the process's memory, so every worker would
# hold the whole index twice (the copy and the mapped file). Separate files are read in place.
COMPOUND = False
# A rebuild of fewer documents runs in one process (see `rebuild`).
PARALLEL_FROM = 1000
PR_SET_PDEATHSIG = 1  # linux/prctl.h
log = logging.getLogger(__name__)


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


class IndexStore:
    """The live index directory under `root`, its writers and its rebuilds."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._fork_guard: _DieWithParent | None = None
        self.writes = 0  # what this process has written or swapped in (see _state_now)

    # -- storage ------------------------------------------------------------------------------

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    @property
    def journal(self) -> Path:
        """The ids written while a rebuild runs (the file exists only then)."""
        return self.root / "rebuild.journal"

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
        self.writes += 1

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

    # -- writing ------------------------------------------------------------------------------

    def _write(self, upserts: Iterable[dict[str, Any]], deletes: Mapping[str, int]) -> None:
        upserts = list(upserts)
        for _attempt in range(5):
            name, ix = self._open_live()
            writer = ix.writer(timeout=WRITE_TIMEOUT, delay=0.02, compound=COMPOUND)
            if self.current_name() != name:  # a rebuild swapped the index while we waited
                writer.cancel()
                continue
            with writer.searcher() as searcher:
                before = {segment_key(leaf, 0) for leaf, _ in searcher.reader().leaf_readers()}
                versions = {
                    doc_id: stored.get("version", 0)
                    for doc_id in {d["id"] for d in upserts} | set(deletes)
                    if (stored := searcher.document(id=doc_id)) is not None
                }
            if self.journal.exists():  # a rebuild runs: it catches these up after its swap
                ids = "".join(f"{doc_id}\n" for doc_id in [*(d["id"] for d in upserts), *deletes])
                with open(self.journal, "a", encoding="utf-8") as journal:
                    journal.write(ids)
            fields = set(ix.schema.names())
            for doc in upserts:
                # A newer version already indexed (written by a later commit) wins.
                if versions.get(doc["id"], -1) <= doc["version"]:
                    writer.update_document(**whoosh_document(doc, fields))
            for doc_id, version in deletes.items():
                if doc_id in versions and versions[doc_id] <= version:
                    writer.delete_by_term("id", doc_id)
            writer.commit()
            # The new segment's (and a merged one's) postings as arrays, for the searches.
            whoosh_postings.write_missing(ix, str(self.root / name), exclude=before)
            self.writes += 1
            return
        raise RuntimeError("the search index kept changing under the writer")

    def apply(
        self, upserts: list[dict[str, Any]], deletes: Mapping[str, int], connection: Any = None
    ) -> None:
        """Written after the commit (files cannot join the transaction); `connection` unused."""
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
            elif path == self.journal:
                path.unlink()
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

    def rebuild(
        self, documents: Iterator[dict[str, Any]], total: int, progress: Progress | None = None
    ) -> str | None:
        """Build a fresh index beside the live one and swap it in atomically; call it inside
        `rebuilding()`.

        Returns the name of the replaced index, which the caller reconciles and then drops.
        """
        if self._fork_guard is None:
            self._fork_guard = _DieWithParent()
            multiprocessing.util.register_after_fork(self._fork_guard, _DieWithParent.arm)
        self.journal.write_text("")  # before the documents are read: see the module's notes
        name, path = self._create_directory()
        # Indexing is CPU-bound Python: one indexing process per core (each writes segments of
        # its own, and more than a few segments would slow every search), fed by this one,
        # which reads the database; a small bank is indexed here, where starting them costs more.
        processes = max(2, min(4, os.cpu_count() or 1)) if total >= PARALLEL_FROM else 1
        try:
            ix = whoosh_index.open_dir(str(path))
            fields = set(ix.schema.names())
            whoosh_rebuild.build(
                ix, str(path), (whoosh_document(doc, fields) for doc in documents), progress,
                processes, total,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            self.journal.unlink(missing_ok=True)
            raise
        old = self.current_name()  # (a writer may have made the first one meanwhile)
        self._swap_to(name)
        return old if old != name else None

    def written_during_rebuild(self, retired: str | None) -> set[str]:
        """The ids written while the rebuild ran, once no writer holds the replaced index any
        more (one that held it when the new index was swapped in has finished; any other finds
        the new one). Ends the journal."""
        if retired is not None:
            lock = FileStorage(str(self.root / retired)).lock("MAIN_WRITELOCK")
            if try_for(lock.acquire, timeout=WRITE_TIMEOUT, delay=0.02):
                lock.release()
            else:
                log.warning("a writer held the replaced index %s past the timeout", retired)
        try:
            return set(self.journal.read_text(encoding="utf-8").split())
        finally:
            self.journal.unlink(missing_ok=True)

    def drop(self, name: str) -> None:
        if name and name != self.current_name():
            shutil.rmtree(self.root / name, ignore_errors=True)
