"""A rebuild's segments written in bulk: Whoosh's own files, without its writer's per-posting work.

Whoosh's writer sends every posting of every document through a sorting pool as a tuple, then
through its postings writer one call at a time, and its analyser yields every word as a token
through generators: about 6 ms per case, most of a rebuild. Here a segment is built the way a
bulk indexer builds one:

- each field's postings are gathered in memory (`whoosh_gathering`): the prose field's words
  as arrays, analysed line by line, until the segment is written, when their positions are
  encoded for many postings at once (`whoosh_encoding`); the spelling words and the keyword
  fields counted with numpy; any other field's postings from Whoosh's own `field.index()`;
- stored fields, field lengths and columns go through Whoosh's per-document writer, as its
  writer sends them;
- at the end, each field's terms are cut into Whoosh's blocks, with Whoosh's statistics,
  headers and terms table, the numbers for all blocks worked out with numpy at once
  (`whoosh_encoding.write_terms`). A block's data is pickled in protocol 4 rather than
  Whoosh's protocol 2 (half the size, several times faster to write and to read; Whoosh's
  reader takes either). Otherwise the files are the ones Whoosh's writer writes for the same
  documents in the same order, byte for byte, and Whoosh's reader finds the same postings and
  statistics in them as in its own writer's (`tests/search/test_bulk.py`);
- the prose field's postings arrays (`whoosh_postings`) are saved from the same arrays, instead
  of being read back from the blocks.

A rebuild runs one builder per process (`whoosh_rebuild`).
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import W3PerDocWriter
from whoosh.util.numeric import byte_to_length, length_to_byte

from portal.search import whoosh_postings
from portal.search.analysis import NorwegianAnalyzer
from portal.search.whoosh_encoding import STORED_COLUMN, write_terms
from portal.search.whoosh_gathering import Counted, Prose, Terms, counted_field
from portal.search.whoosh_pickles import encoded_positions


class _PerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer, its stored documents deflated as the blocks are."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, STORED_COLUMN if fieldname == "_stored" else column)


class SegmentBuilder:
    """One new segment of an index, built in memory and written by `finish()`."""

    def __init__(self, ix, folder: str | None = None) -> None:
        self.storage, self.schema = ix.storage, ix.schema
        self.indexname = ix.indexname
        self.folder = folder  # where the postings arrays go (None: not written)
        self.codec = default_codec()
        self.segment = self.codec.new_segment(self.storage, self.indexname)
        self.perdoc = _PerDocWriter(self.codec, self.storage, self.segment)
        self.docnum = 0
        self.prose: dict[str, Prose] = {}
        self.other: dict[str, Terms | Counted] = {}
        self.lengths: dict[str, array] = {}  # per scorable field: each document's length
        self._plans: dict[tuple[str, ...], list[tuple]] = {}  # see `_plan`
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise NotImplementedError(f"field {name!r}: vectors and spelling fields")
            if not field.indexed:
                continue
            if type(field.format) is formats.Positions and isinstance(
                field.analyzer, NorwegianAnalyzer
            ):
                self.prose[name] = Prose(field.format.field_boost)
            elif (counted := counted_field(field)) is not None:
                self.other[name] = counted
            else:
                self.other[name] = Terms()
            if field.scorable:
                self.lengths[name] = array("i")

    def add(self, fields: dict[str, Any]) -> None:
        """Add a document, as `writer.add_document(**fields)` adds it."""
        docnum, perdoc = self.docnum, self.perdoc
        plan = self._plans.get(keys := tuple(fields))
        if plan is None:
            plan = self._plans[keys] = self._plan(keys)
        perdoc.start_doc(docnum)
        lengths: dict[str, int] = {}
        for name, field, prose, counted, other, stored, column, scorable in plan:
            value = fields[name]
            if value is None:
                continue
            length = 0
            if prose is not None or counted is not None:
                if not isinstance(value, str):
                    raise ValueError(f"field {name!r} takes text")
                length = (counted if prose is None else prose).add_text(docnum, value)
            elif other is not None:
                length = other.add(docnum, field.index(value))
            if not scorable:
                length = 0
            lengths[name] = length
            perdoc.add_field(name, field, value if stored else None, length)
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        for name, column in self.lengths.items():
            # What Whoosh reads back for a posting's block statistics: the length as stored.
            stored_length = length_to_byte(lengths.get(name, 0))
            column.append(byte_to_length(stored_length) if stored_length else 0)
        self.docnum += 1

    def _plan(self, keys: tuple[str, ...]) -> list[tuple]:
        """How a document with these fields (in this order) is added: per field, in Whoosh's
        order, where its postings go (prose, counted or other, none if it is not indexed),
        whether it is stored, its column and whether it is scorable."""
        if any(name.startswith("_") or name not in self.schema for name in keys):
            raise ValueError(f"fields this writer does not index: {sorted(keys)}")
        plan = []
        for name in sorted(keys):
            field = self.schema[name]
            other = self.other.get(name) if field.indexed else None
            counted = other if isinstance(other, Counted) else None
            plan.append((name, field, self.prose.get(name) if field.indexed else None, counted,
                         None if counted is not None else other, field.stored,
                         field.column_type, field.indexed and field.scorable))  # fmt: skip
        return plan

    def cancel(self) -> None:
        """Close what is open (the segment's files are left for the caller to remove)."""
        if not self.perdoc.is_closed:
            if self.perdoc._indoc:
                self.perdoc.finish_doc()
            self.perdoc.close()

    def finish(self):
        """Write the segment's files; returns the segment, for the index's table of contents."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        for name in sorted({*self.prose, *self.other}):
            prose = self.prose.get(name)
            if prose is not None and not prose:
                self._save_arrays(name, {}, [], [], [])  # every segment has its arrays
                continue
            if prose is None and not self.other[name]:
                continue  # Whoosh's writer starts only fields with postings
            field = self.schema[name]
            held = self.lengths.get(name)
            lengths = None if held is None else np.frombuffer(held, dtype=np.int32)
            writer.start_field(name, field)
            if prose is not None:
                self._write_prose(writer, name, prose, lengths)
            else:
                write_terms(writer, *self.other[name].postings(), lengths)
            writer.finish_field()
        writer.close()
        self.segment.set_doc_count(self.docnum)
        return self.segment

    def _write_prose(self, writer, name: str, prose: Prose, lengths) -> None:
        arrays_terms: dict[bytes, tuple[int, int, int]] = {}
        all_docs, all_weights, all_positions = [], [], []
        at = placed = 0
        for texts, bounds, docs, counts, positions in prose.postings():
            weights = counts.astype(np.float64) * prose.boost
            values = encoded_positions(counts, positions)
            write_terms(writer, texts, bounds, docs, weights, values, lengths)
            if self.folder is not None:
                position_starts = (np.cumsum(counts) - counts).tolist()
                for text, first, stop in zip(texts, bounds[:-1], bounds[1:], strict=False):
                    arrays_terms[text] = (at + first, at + stop, placed + position_starts[first])
                at += len(docs)
                placed += len(positions)
                all_docs.append(docs)
                all_weights.append(weights.astype(np.float32))
                all_positions.append(positions)
        self._save_arrays(
            name, arrays_terms, all_docs, all_weights, all_positions if prose.boost == 1.0 else []
        )

    def _save_arrays(self, name: str, terms: dict, docs: list, weights: list, positions: list):
        """The prose field's postings arrays (`whoosh_postings`), where the index has a folder;
        positions are left empty where a posting's weight is not its number of positions."""
        if self.folder is not None:
            whoosh_postings.save(
                self.folder, self.segment.segment_id(), name, terms,
                whoosh_postings.joined(docs, np.int32), whoosh_postings.joined(weights, np.float32),
                whoosh_postings.joined(positions, np.int32),
            )  # fmt: skip
