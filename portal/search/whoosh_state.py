"""Per-process state over the live index: the searcher and the caches built on it (the facet
table in whoosh_facets.py, what is kept per segment in whoosh_segments.py)."""

from __future__ import annotations

import bisect
from operator import attrgetter

from whoosh.reading import SegmentReader

from portal.search import query as query_mod
from portal.search.presenting import LiveWordsCorrector
from portal.search.whoosh_facets import DocInfo, FacetTable, date_order, mask
from portal.search.whoosh_segments import PerSegment, Segment, layout_of, segment_key
from portal.taxonomy.facets import FACET_FIELDS


def _scan(leaves) -> tuple[dict[int, DocInfo], dict[str, dict[str, int]]]:
    """Document infos and facet masks of some segments, from their columns and postings (never
    the stored documents: unpickling the text is what makes those slow)."""
    docs: dict[int, DocInfo] = {}
    masks: dict[str, dict[str, int]] = {f: {} for f in FACET_FIELDS}
    for leaf, offset in leaves:
        live = list(leaf.all_doc_ids())
        if all(leaf.has_column(f) for f in ("id", "slug", "published")):
            ids, slugs = leaf.column_reader("id"), leaf.column_reader("slug")
            published = leaf.column_reader("published")
            for d in live:
                docs[offset + d] = DocInfo(int(ids[d]), slugs[d], published[d] or 0)
        else:  # an index written before the columns: read the stored documents
            for d in live:
                stored = leaf.stored_fields(d)
                docs[offset + d] = DocInfo(int(stored["id"]), stored["slug"],
                                            stored.get("published", 0))  # fmt: skip
        for facet in FACET_FIELDS:
            values = masks[facet]
            for term in leaf.lexicon(facet):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                bits = mask(offset + d for d in leaf.postings(facet, term).all_ids())
                if bits:
                    values[value] = values.get(value, 0) | bits
    return docs, masks


class SearcherState:
    """One process's long-lived searcher and the per-generation caches built on it."""

    def __init__(self, name: str, ix) -> None:
        self.name = name
        self.ix = ix
        self.folder = getattr(ix.storage, "folder", "")  # the index's directory
        self.searcher = ix.searcher()
        # Kept across generations, per segment: what scoring reads (field lengths, postings
        # arrays) and the prose fields' words.
        self.per_segment = PerSegment(getattr(ix.storage, "folder", None))
        self.words = PerSegment()
        self._reset_caches()

    def _reset_caches(self) -> None:
        self.docs: dict[int, DocInfo] | None = None
        self.vocabulary: list[str] | None = None
        self.spelling: dict[str, int] | None = None
        self.spelling_corrector: LiveWordsCorrector | None = None
        self.expansions: dict[str, list[str]] = {}
        self.vocabulary_lookup: frozenset[str] | None = None
        self.table: FacetTable | None = None
        self.layout: list[Segment] = []
        self.scanned = 0  # documents read by the last build (all, or only the new segments)
        # The last generation's layout and tables, to build this one's from (see _build).
        self.previous: tuple[list[Segment], dict[int, DocInfo], FacetTable] | None = None

    def expand(self, term: str) -> list[str]:
        """Compound expansions of a term, cached for the life of this searcher.

        Compounds add recall for rare words. A word that is common on its own already finds
        plenty, and widening it would cost time and precision, so it is not expanded.
        """
        if term not in self.expansions:
            if len(self.expansions) > 50_000:
                self.expansions.clear()
            frequency = self.searcher.doc_frequency(query_mod.CONTENT_FIELD, term)
            common = frequency > max(50, self.searcher.doc_count() // 50)
            self.expansions[term] = (
                [] if common else query_mod.compound_expansions(term, self.text_vocabulary())
            )
        return self.expansions[term]

    def refresh_if_changed(self) -> None:
        if not self.searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers and so misses deletions
            # committed to an existing segment. A new searcher sees them.
            old = self.searcher
            previous = (self.layout, self.docs, self.table) if self.table is not None else None
            self.searcher = self.ix.searcher()
            old.close()
            self._reset_caches()
            alive = [segment.segment_id for segment in layout_of(self.searcher.reader())]
            self.per_segment.keep_only(alive)
            self.words.keep_only(alive)
            self.previous = previous

    def facet_table(self) -> FacetTable:
        if self.table is None:
            self._build()
        assert self.table is not None
        return self.table

    def doc_infos(self) -> dict[int, DocInfo]:
        if self.docs is None:
            self._build()
        assert self.docs is not None
        return self.docs

    def _build(self) -> None:
        """The document infos and facet table of this generation.

        A write adds a segment and marks deletions; it does not renumber the documents of the
        segments it leaves alone. So when the segments this process knew are still there, in
        the same places, only the new segments are read and the new deletions cleared: the
        first search after a change costs what the change added, not what the bank holds.
        """
        reader = self.searcher.reader()
        leaves = list(reader.leaf_readers())
        layout = layout_of(reader)
        kept = 0
        if self.previous is not None:
            old_layout, _docs, _table = self.previous
            for old, new in zip(old_layout, layout, strict=False):
                if (old.segment_id, old.offset, old.size) != (new.segment_id, new.offset, new.size):
                    break
                kept += 1
        if kept == 0:
            docs, masks = _scan(leaves)
            self.scanned = len(docs)
            self.docs, self.layout = docs, layout
            self.table = FacetTable(docs, masks)
            self.previous = None
            return
        old_layout, old_docs, old_table = self.previous  # type: ignore[misc]
        end = layout[kept - 1].offset + layout[kept - 1].size
        gone = set()
        for old, new in zip(old_layout[:kept], layout[:kept], strict=True):
            gone |= new.deleted - old.deleted
        # Copied whole and mended (the old generation's may still be in use by a request):
        # only the deletions and the documents of segments replaced since are taken out.
        docs = dict(old_docs)
        dropped = [d for old in old_layout[kept:] for d in range(old.offset, old.offset + old.size)]
        for d in (*gone, *dropped):
            docs.pop(d, None)
        keep = ((1 << end) - 1) & ~mask(gone)
        masks = {f: {v: b for v, bits in values.items() if (b := bits & keep)}
                 for f, values in old_table.masks.items()}  # fmt: skip
        added, added_masks = _scan(leaves[kept:])
        self.scanned = len(added)
        for facet, values in added_masks.items():
            for value, bits in values.items():
                masks[facet][value] = masks[facet].get(value, 0) | bits
        docs.update(added)
        removed = set(gone)
        survivors = [d for d in old_table.by_date if d < end and d not in removed]
        newest = lambda d: (-docs[d].published, -docs[d].case_id)  # noqa: E731
        by_date = survivors
        for d in date_order(docs, added):  # few: each put in its place by bisection
            by_date.insert(bisect.bisect_left(by_date, newest(d), key=newest), d)
        self.docs, self.layout = docs, layout
        every = (old_table.all & keep) | mask(added)
        self.table = FacetTable(docs, masks, by_date, all_docs=every)
        self.previous = None

    def document_key(self, docnum: int) -> tuple[str, int]:
        """The document's segment and its number there: a segment never changes, so this names
        one version of a case's document for as long as the segment lives."""
        layout = self.layout if self.docs is not None else layout_of(self.searcher.reader())
        at = bisect.bisect_right(layout, docnum, key=attrgetter("offset")) - 1
        return layout[at].segment_id, docnum - layout[at].offset

    def text_vocabulary(self) -> list[str]:
        """Every term of the prose fields, the most widely used first."""
        if self.vocabulary is None:
            frequency: dict[str, int] = {}
            for leaf, offset in self.searcher.reader().leaf_readers():
                for word, count in self._words_of(leaf, offset).items():
                    frequency[word] = frequency.get(word, 0) + count
            self.vocabulary = sorted(frequency, key=lambda w: (-frequency[w], w))
        return self.vocabulary

    def _words_of(self, leaf, offset: int) -> dict[str, int]:
        """A segment's prose words with their document frequencies (read once per segment;
        like the whole index's, they count documents deleted since)."""
        words = self.words.of(segment_key(leaf, offset))
        if not words:
            for term, info in leaf.iter_field(query_mod.CONTENT_FIELD):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                words[word] = info.doc_frequency()
        return words

    def vocabulary_set(self) -> frozenset[str]:
        if self.vocabulary_lookup is None:
            self.vocabulary_lookup = frozenset(self.text_vocabulary())
        return self.vocabulary_lookup

    def spelling_words(self) -> dict[str, int]:
        """Word → number of live documents using it, for the spelling suggestions.

        A segment's lexicon keeps the words of documents deleted from it (an unpublished case)
        until segments merge; such words must never be suggested, so segments with deletions
        are counted from their postings, which skip deleted documents.
        """
        if self.spelling is None:
            counts: dict[str, int] = {}
            for leaf, _offset in self.searcher.reader().leaf_readers():
                deletions = leaf.has_deletions()
                for term, info in leaf.iter_field("spell"):
                    if deletions:
                        live = sum(1 for _ in leaf.postings("spell", term).all_ids())
                    else:
                        live = info.doc_frequency()
                    if live:
                        word = term.decode("utf-8") if isinstance(term, bytes) else term
                        counts[word] = counts.get(word, 0) + live
            self.spelling = counts
        return self.spelling

    def corrector(self) -> LiveWordsCorrector:
        if self.spelling_corrector is None:
            self.spelling_corrector = LiveWordsCorrector(self.spelling_words())
        return self.spelling_corrector

    def stored_fields(self, docnum: int) -> dict:
        """A document's stored fields, read through a reader kept for its segment: a new
        searcher after every write would read each segment's table of stored documents again
        (at 100 000 cases, tens of milliseconds on the first search after an edit)."""
        segment_id, local = self.document_key(docnum)
        kept = self.per_segment.of(segment_id)
        if "stored" not in kept:
            leaf = next(leaf for leaf, offset in self.searcher.reader().leaf_readers()
                        if segment_key(leaf, offset) == segment_id)  # fmt: skip
            kept["stored"] = SegmentReader(self.ix.storage, self.ix.schema, leaf._segment)
        return kept["stored"].stored_fields(local)

    def close(self) -> None:
        self.per_segment.close()
        self.searcher.close()
