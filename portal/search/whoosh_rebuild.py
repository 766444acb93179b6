"""A rebuild's indexing processes: each fed batches of documents in turn by the process that
reads them from the database, each building its own segments (`whoosh_bulk.SegmentBuilder`);
the segments are committed together at the end, as one new generation of the index."""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from whoosh.index import TOC, clean_files

from portal.search.whoosh_bulk import SegmentBuilder

BATCH = 200  # documents sent to a process at a time (at most)
TURNS = 8  # a small rebuild's documents go out in at least this many batches per process
FIRST_BATCH = 8  # the first batch's size; each next is twice the last (up to the batch size)
SEGMENT_DOCS = 25_000  # a process starts a new segment after this many (bounds its memory)


def commit(ix, segments: list) -> None:
    """Make the segments the index's content (a new generation of its table of contents)."""
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)


class _Segments:
    """One process's segments: a builder that starts a new segment every SEGMENT_DOCS."""

    def __init__(self, ix, folder: str) -> None:
        self.ix, self.folder = ix, folder
        self.done: list = []
        self.builder = SegmentBuilder(ix, folder)

    def add(self, doc: dict[str, Any]) -> None:
        self.builder.add(doc)

    def roll(self) -> None:
        """Write the segment being built if it is full, and start another."""
        if self.builder.docnum >= SEGMENT_DOCS:
            self.done.append(self.builder.finish())
            self.builder = SegmentBuilder(self.ix, self.folder)

    def finish(self) -> list:
        if self.builder.docnum:
            self.done.append(self.builder.finish())
        return self.done


def build(ix, folder: str, documents: Iterable[dict[str, Any]],
          progress: Callable[[int], None] | None = None, processes: int = 1,
          total: int | None = None) -> int:  # fmt: skip
    """Index the documents (about `total`, if known) into the new, empty index `ix` in
    `folder`, in up to `processes` processes; returns how many were indexed."""
    if processes > 1:
        # Batches small enough that every process gets about as many documents, and the last
        # process starts soon.
        size = BATCH if total is None else max(1, min(BATCH, total // (processes * TURNS)))
        return _build_in_processes(ix, folder, documents, progress, processes, size)
    segments, count = _Segments(ix, folder), 0
    try:
        for count, doc in enumerate(documents, start=1):
            segments.add(doc)
            segments.roll()
            if progress is not None:
                progress(count)
        commit(ix, segments.finish())
    except BaseException:
        segments.builder.cancel()
        raise
    return count


def _build_in_processes(ix, folder, documents, progress, processes: int, size: int) -> int:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    # One inbox for all: whichever process is free takes the next batch, so that they finish
    # together however fast each goes.
    inbox = context.Queue(maxsize=2 * processes)
    workers = [
        context.Process(target=_work, args=(ix, folder, inbox, results, number), daemon=True)
        for number in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        count = 0
        batch: list[dict[str, Any]] = []
        wanted = min(size, FIRST_BATCH)
        for doc in documents:
            batch.append(doc)
            count += 1
            if len(batch) == wanted:
                _send(inbox, batch, workers, results)
                batch, wanted = [], min(size, 2 * wanted)
            if progress is not None:
                progress(count)
        if batch:
            _send(inbox, batch, workers, results)
        for _worker in workers:
            _send(inbox, None, workers, results)
        made: dict[int, list] = {}
        while len(made) < processes:
            try:
                kind, number, payload = results.get(timeout=1.0)
            except queue.Empty:
                if any(w.exitcode not in (None, 0) for w in workers):
                    raise RuntimeError("an indexing process died") from None
                continue
            if kind == "error":
                raise RuntimeError(f"an indexing process failed:\n{payload}")
            made[number] = payload
        commit(ix, [segment for number in sorted(made) for segment in made[number]])
        return count
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        inbox.cancel_join_thread()  # batches a dead process never took are dropped, not waited on
        inbox.close()
        results.close()


def _send(inbox, batch, workers, results) -> None:
    """Put a batch (or the end) in the inbox. Until the end is taken a process stops only when
    it fails, so if the inbox stays full while one has stopped, that process's error is raised
    (or that it died, if it sent none)."""
    while True:
        try:
            inbox.put(batch, timeout=1.0)
            return
        except queue.Full:
            if not all(worker.is_alive() for worker in workers):
                raise _failure(results) from None


def _failure(results) -> RuntimeError:
    try:
        kind, _number, payload = results.get(timeout=1.0)
    except queue.Empty:
        kind = payload = None
    if kind == "error":
        return RuntimeError(f"an indexing process failed:\n{payload}")
    return RuntimeError("an indexing process died")


def _work(ix, folder: str, inbox, results, number: int) -> None:
    try:
        segments = _Segments(ix, folder)
        while (batch := inbox.get()) is not None:
            for doc in batch:
                segments.add(doc)
            segments.roll()
        results.put(("done", number, segments.finish()))
    except BaseException:
        results.put(("error", number, traceback.format_exc()))
