"""A rebuild's segments written in bulk are the files Whoosh's own writer writes, whether one
process or several write them."""

from __future__ import annotations

import os
import random
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.formats import Positions

from portal.search import (
    whoosh_bulk,
    whoosh_encoding,
    whoosh_gathering,
    whoosh_pickles,
    whoosh_postings,
    whoosh_rebuild,
    whoosh_store,
)
from portal.search.backend import SearchRequest
from portal.search.engine import backend
from portal.search.service import search_cases
from portal.search.sync import published_documents
from portal.search.whoosh_schema import make_schema, whoosh_document

pytestmark = pytest.mark.whoosh


@pytest.fixture
def documents(ctx) -> list[dict]:
    """The seed's documents, and some that reach the corners of Whoosh's encoding."""
    fields = set(make_schema().names())
    docs = [whoosh_document(doc, fields) for doc in published_documents(version=7)]
    base = docs[0]
    rng = random.Random(13)
    vocabulary = sorted({w for d in docs for w in d["body"].split() if w.isalpha()})
    long_text = " ".join(rng.choice(vocabulary[:400]) for _ in range(66_000))

    def variant(number: int, **fields) -> dict:
        return {**base, "id": str(9000 + number), "slug": f"variant-{number}", **fields}

    docs += [
        # Positions past 65 535 (pickled in four bytes), a word first seen there.
        variant(1, content=f"{long_text} sjeldenord"),
        # A word more than a thousand times (pickle writes its list in batches of 1 000).
        variant(2, content=" ".join(["ombruk"] * 1_200 + ["møbler"] * 3)),
        # Nothing to index: only stop words, and no text at all.
        variant(3, content="og i på av", spell=""),
        variant(4, content="", spell="", category="", theme="", year=""),
        # Numbers, decimals and accents as the analyser keeps them.
        variant(5, content="2,5 millioner kroner i 2019; 1.000 m² på Økern — Café rénovation"),
        # Words in Latin-1 among signs outside it, and words outside it (`word_list`).
        variant(7, content="«Bærekraft» – m² naïve_mål 3. etasje\nŁódź og Kraków – „ombruk“"),
        # Facet values with spaces, empty places and repeats, as Whoosh's keyword field takes them.
        variant(6, theme=" ombruk , ,ombruk,,Gjenbruk ", spell="Økern økern ØKERN ab æøå"),
    ]
    return docs


@pytest.fixture
def many_documents(documents) -> list[dict]:
    """Enough documents for the common words' postings to fill several blocks of 128."""
    return [
        {**doc, "id": f"{doc['id']}{copy}", "slug": f"{doc['slug']}-{copy}"}
        for copy in range(12)
        for doc in documents
    ]


def _files(folder: Path) -> dict[str, bytes]:
    """A segment's files by their kind (the segment's random name left out)."""
    out = {}
    for path in folder.iterdir():
        if path.is_file() and path.name.startswith("MAIN_") and "." in path.name:
            out[path.name.split(".", 1)[1]] = path.read_bytes()
    return out


def _with_whooshs_writer(folder: Path, docs: list[dict]) -> None:
    """Whoosh's own writer, as it is."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ix.writer(compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    whoosh_postings.write_missing(whoosh_index.open_dir(str(folder)), str(folder))


def _in_bulk(folder: Path, docs: list[dict], processes: int = 1) -> int:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    return whoosh_rebuild.build(ix, str(folder), docs, processes=processes)


def _encoding_as_the_bulk_writer(monkeypatch) -> None:
    """Whoosh's writer, with its blocks' data pickled in the protocol the bulk writer uses,
    and its blocks and stored documents deflated as the bulk writer deflates them."""
    real = whoosh3.dumps

    def dumps(obj, protocol):
        block_data = isinstance(obj, tuple) and len(obj) == 3 and isinstance(obj[0], tuple)
        return real(obj, whoosh_encoding.BLOCK_PROTOCOL if block_data else protocol)

    monkeypatch.setattr(whoosh3, "dumps", dumps)
    deflating = SimpleNamespace(
        compress=lambda data, _level: whoosh_encoding.deflate(data), decompress=zlib.decompress
    )
    monkeypatch.setattr(whoosh3, "zlib", deflating)
    monkeypatch.setattr(whoosh3, "STORED_COLUMN", whoosh_encoding.STORED_COLUMN)


@pytest.mark.parametrize("chunk", [whoosh_gathering.CHUNK, 5], ids=["one-chunk", "small-chunks"])
def test_the_segment_is_whooshs_byte_for_byte(many_documents, tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(whoosh_gathering, "CHUNK", chunk)
    with monkeypatch.context() as patched:
        _encoding_as_the_bulk_writer(patched)
        _with_whooshs_writer(tmp_path / "whoosh", many_documents)
    _in_bulk(tmp_path / "bulk", many_documents)
    theirs, ours = _files(tmp_path / "whoosh"), _files(tmp_path / "bulk")
    # Postings, terms, stored documents, field lengths, columns and the postings arrays.
    assert {"pst", "trm", "_stored.col", "_content_len.col", "id.col", "published.col",
            "arrays_content_positions.npy"} <= set(theirs)  # fmt: skip
    assert sorted(ours) == sorted(theirs)
    for kind in sorted(theirs):
        assert ours[kind] == theirs[kind], kind


def test_whooshs_reader_finds_in_the_segment_what_whooshs_writer_put_there(
    many_documents, tmp_path
):
    """Whoosh's own writer (blocks in pickle's protocol 2) and the bulk writer (protocol 4):
    the same postings, block by block, with the same statistics."""
    _with_whooshs_writer(tmp_path / "whoosh", many_documents)
    _in_bulk(tmp_path / "bulk", many_documents)
    theirs, ours = _content(tmp_path / "whoosh"), _content(tmp_path / "bulk")
    assert ours == theirs
    assert len(theirs["postings"]) > 1_000
    assert any(len(blocks) > 1 for blocks in theirs["blocks"].values())
    # Smaller: protocol 2 pickles a posting's value as a call with the value as text.
    sizes = [
        sum(p.stat().st_size for p in (tmp_path / kind).glob("*.pst"))
        for kind in ("whoosh", "bulk")
    ]
    assert sizes[1] < sizes[0] * 0.8


def test_positions_are_encoded_as_whoosh_encodes_them():
    rng = random.Random(5)
    encode = Positions().encode
    for trial in range(200):
        counts = [rng.choice([1, 1, 2, 3, 8, 40]) for _ in range(rng.randint(1, 30))]
        if trial % 10 == 0:
            counts.append(1_001)  # pickle's second batch
        positions = []
        for count in counts:
            top = rng.choice([255, 256, 300, 65_535, 65_537, 2**31 - 1])
            positions += sorted(rng.sample(range(max(top, count)), count))
        got = whoosh_pickles.encoded_positions(np.array(counts), np.array(positions))
        got = got.items(0, len(counts))
        starts = np.cumsum([0, *counts])
        assert got == [encode(positions[a:b]) for a, b in zip(starts, starts[1:], strict=False)]


def _content(folder: Path) -> dict:
    """What an index holds, by case id rather than by document number."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        postings, infos, blocks = {}, {}, {}
        for fieldname in ix.schema.names():
            if not ix.schema[fieldname].indexed:
                continue
            for text in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, text)
                found = {}
                while matcher.is_active():
                    found[ids[matcher.id()]] = (matcher.weight(), matcher.value())
                    matcher.next()
                postings[fieldname, text] = found
                info = reader.term_info(fieldname, text)
                infos[fieldname, text] = (info.weight(), info.doc_frequency(), info.min_length(),
                                          info.max_length(), info.max_weight())  # fmt: skip
                if len(list(reader.leaf_readers())) == 1:  # numbers and blocks are per segment
                    blocks[fieldname, text] = _blocks(reader.postings(fieldname, text))
        stored = {ids[d]: s for d, s in reader.iter_docs()}
        lengths = {ids[d]: reader.doc_field_length(d, "content") for d in ids}
        published = reader.column_reader("published")
        columns = {ids[d]: published[d] for d in ids}
        segments = len(list(reader.leaf_readers()))
    return {"postings": postings, "infos": infos, "blocks": blocks, "stored": stored,
            "lengths": lengths, "columns": columns, "segments": segments}  # fmt: skip


def _blocks(matcher) -> list[tuple]:
    """A posting list's blocks as Whoosh's matcher reads them: each one's statistics."""
    found = []
    while matcher.is_active():
        found.append((matcher.block_min_id(), matcher.block_max_id(), matcher.block_max_weight(),
                      matcher.block_min_length(), matcher.block_max_length()))  # fmt: skip
        matcher._next_block()
    return found


def test_processes_and_segments_hold_the_same_documents(documents, tmp_path, monkeypatch):
    _in_bulk(tmp_path / "one", documents)
    monkeypatch.setattr(whoosh_rebuild, "BATCH", 4)
    monkeypatch.setattr(whoosh_rebuild, "SEGMENT_DOCS", 6)
    assert _in_bulk(tmp_path / "two", documents, processes=2) == len(documents)
    one, two = _content(tmp_path / "one"), _content(tmp_path / "two")
    assert one["segments"] == 1
    # Seven batches (the last of one document), taken by whichever process is free; each
    # process cuts a segment after two batches, so four segments however they are shared.
    assert two["segments"] == 4
    for key in ("postings", "stored", "lengths", "columns"):
        assert two[key] == one[key], key
    # Every segment has its arrays, and they give what Whoosh's blocks give.
    ix = whoosh_index.open_dir(str(tmp_path / "two"))
    assert whoosh_postings.segments_without_arrays(ix, str(tmp_path / "two")) == []
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            arrays = whoosh_postings.open_arrays(str(tmp_path / "two"), leaf, "content")
            for text in list(leaf.lexicon("content"))[:50]:
                docs, weights, _values, _deleted = whoosh_postings.raw_postings(
                    leaf, "content", text
                )
                got_docs, got_weights = arrays.postings(text)
                assert got_docs.tolist() == docs.tolist()
                assert got_weights.tolist() == weights.tolist()


def _found(request: SearchRequest) -> tuple[int, list[tuple[str, float | None]], dict]:
    result = search_cases(request)
    return result.total, [(h.slug, h.score) for h in result.hits], result.facets


def test_a_failing_document_stops_the_rebuild_and_leaves_the_live_index(app, monkeypatch):
    monkeypatch.setattr(whoosh_rebuild, "BATCH", 3)
    with app.app_context():
        store = backend()
        monkeypatch.setattr(whoosh_store, "PARALLEL_FROM", 0)  # in processes, however few
        before = store.current_name()
        queries = [
            SearchRequest(),
            SearchRequest(text="ombruk"),
            SearchRequest(text='"bonus malus"'),
        ]
        found = [_found(q) for q in queries]
        docs = list(published_documents())
        docs[10] = {**docs[10], "content": 42}  # not text: the indexing process fails
        with pytest.raises(RuntimeError, match="'content' takes text"):
            store.rebuild(iter(docs), total=len(docs))
        assert store.current_name() == before
        assert [p.name for p in store.root.iterdir() if p.name.startswith("index-")] == [before]
        assert search_cases(SearchRequest()).total == 18
        # The same documents without the fault make an index in processes that searches alike.
        docs[10] = next(d for d in published_documents() if d["id"] == docs[10]["id"])
        replaced = store.rebuild(iter(docs), total=len(docs))
        store.drop(replaced)
        assert [_found(q) for q in queries] == found
        assert found[1][0] > 0 and found[2][0] > 0
        assert not any(name.endswith(".tmp") for name in os.listdir(store.root))


def test_an_indexing_process_that_dies_stops_the_build(documents, tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_rebuild, "BATCH", 2)
    real_add = whoosh_bulk.SegmentBuilder.add

    def add(self, fields):
        if fields["slug"] == "variant-2":
            os._exit(3)  # as if the kernel killed it: no error is sent back
        real_add(self, fields)

    monkeypatch.setattr(whoosh_bulk.SegmentBuilder, "add", add)
    with pytest.raises(RuntimeError, match="an indexing process died"):
        _in_bulk(tmp_path / "index", documents * 20, processes=2)


def test_a_rebuild_whose_every_process_fails_says_why(documents, tmp_path, monkeypatch):
    """Both processes stop on their first batch while batches are still coming: the rebuild
    stops with their error rather than waiting for room in their inbox."""
    monkeypatch.setattr(whoosh_rebuild, "BATCH", 2)
    bad = [{**doc, "content": 42} for doc in documents] * 10
    with pytest.raises(RuntimeError, match="'content' takes text"):
        _in_bulk(tmp_path / "index", bad, processes=2)


def test_field_lengths_become_whooshs_bytes():
    """Block and term statistics keep a field length as Whoosh's one-byte approximation;
    the bulk writer works it out for many at once, up to and past the largest it can hold."""
    from whoosh.util.numeric import length_to_byte

    from portal.search.whoosh_encoding import _NO_LENGTH, length_bytes

    lengths = np.array([*range(0, 120_000), 2**40, _NO_LENGTH], dtype=np.int64)
    expected = [length_to_byte(n) for n in lengths[:-1].tolist()] + [length_to_byte(None)]
    assert length_bytes(lengths).tolist() == expected
