"""kg.ingest with a fake extractor: batching, resume, re-ingestion keeping the first ingestion time, removal."""

from __future__ import annotations

import io
import json
import types
from pathlib import Path

import pytest

from kg.corpus import iter_sources, read_text_file
from kg.errors import InputError
from kg.ingest import ErrorLog, ingest, remove_document, timestamp
from kg.store import RdfFormatName, open_store
from kg.vocab import document_graph


def _export(store_dir: Path, fmt: RdfFormatName = RdfFormatName.trig) -> bytes:
    with open_store(store_dir, read_only=True) as st:
        buf = io.BytesIO()
        st.export(buf, fmt)
        return buf.getvalue()


def test_ingest_folder_writes_one_graph_per_document(fake_extractor: types.ModuleType, store_dir: Path,
                                                     articles: dict[str, Path]) -> None:
    with open_store(store_dir) as st:
        report = ingest(st, iter_sources([articles["a"].parent]), batch_size=2, now="2024-01-01T00:00:00Z")
        assert (report.documents, report.skipped, report.failed, report.replaced) == (3, 0, 0, 0)
        assert report.quads == len(st)
        graphs = st.named_graphs()
    shas = {read_text_file(p).sha256 for p in articles.values()}
    assert set(graphs) == {document_graph(s).value for s in shas}
    assert b'"2024-01-01T00:00:00Z"' in _export(store_dir)


def test_resume_skips_existing_and_force_replaces_keeping_first_time(
    fake_extractor: types.ModuleType, store_dir: Path, articles: dict[str, Path]
) -> None:
    folder = articles["a"].parent
    with open_store(store_dir) as st:
        ingest(st, iter_sources([articles["a"]]), now="2024-01-01T00:00:00Z")
    first = _export(store_dir)
    n_calls = len(fake_extractor.calls)
    with open_store(store_dir) as st:
        report = ingest(st, iter_sources([folder]), now="2025-06-06T06:06:06Z")
    assert (report.documents, report.skipped) == (2, 1)
    assert len(fake_extractor.calls) == n_calls + 2  # the existing one was not extracted again
    # A forced re-ingestion at a later time gives the same bytes: the first ingestion time is kept.
    before = _export(store_dir)
    with open_store(store_dir) as st:
        report = ingest(st, iter_sources([folder]), skip_existing=False, now="2030-01-01T00:00:00Z")
        assert (report.documents, report.replaced, report.skipped) == (3, 3, 0)
    after = _export(store_dir)
    assert after == before
    assert b"2030-01-01" not in after
    assert first.count(b"2024-01-01T00:00:00Z") == 1


def test_same_text_twice_in_one_run_is_ingested_once(fake_extractor: types.ModuleType, store_dir: Path,
                                                       tmp_path: Path, texts: dict[str, str]) -> None:
    p = tmp_path / "dup.jsonl"
    p.write_text("\n".join(json.dumps({"id": i, "text": texts["b"]}) for i in range(3)) + "\n", encoding="utf-8")
    with open_store(store_dir) as st:
        report = ingest(st, iter_sources([p]))
        assert (report.documents, report.skipped, report.repeated) == (1, 0, 2)  # not "already in the store"
        assert len(st.named_graphs()) == 1


def test_progress_events_tell_extracted_stored_repeated_and_failed_apart(
        fake_extractor: types.ModuleType, store_dir: Path, tmp_path: Path, texts: dict[str, str]) -> None:
    p = tmp_path / "mix.jsonl"
    records = [{"id": 1, "text": texts["a"]}, {"id": 2, "text": texts["b"]}, {"id": 3, "text": texts["b"]}]
    p.write_text("\n".join(json.dumps(r) for r in records) + "\n{oops\n", encoding="utf-8")
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps(records[0]) + "\n", encoding="utf-8")
    with open_store(store_dir) as st:
        ingest(st, iter_sources([first]))
    events: list[tuple[str, int]] = []
    log = ErrorLog(progress=lambda e, n: events.append((e, n)))
    with open_store(store_dir) as st:
        report = ingest(st, iter_sources([p], on_error=log), errors=log, progress=lambda e, n: events.append((e, n)))
    assert (report.documents, report.skipped, report.repeated, report.failed) == (1, 1, 1, 1)
    assert sorted(events) == [("extracted", 1), ("failed", 1), ("repeated", 1), ("stored", 1)]


def test_error_log_counts_failures(fake_extractor: types.ModuleType, store_dir: Path, tmp_path: Path,
                                   texts: dict[str, str]) -> None:
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps({"id": 1, "text": texts["a"]}) + "\n{oops\n", encoding="utf-8")
    seen: list[str] = []
    log = ErrorLog(echo=seen.append)
    with open_store(store_dir) as st:
        report = ingest(st, iter_sources([p], on_error=log), errors=log)
    assert (report.documents, report.failed) == (1, 1)
    assert report.errors == tuple(seen) and "not valid JSON" in seen[0]


def test_predicate_skip(fake_extractor: types.ModuleType, store_dir: Path, articles: dict[str, Path]) -> None:
    with open_store(store_dir) as st:
        ingest(st, iter_sources([articles["a"].parent]))
        report = ingest(st, iter_sources([articles["a"], articles["a"].parent]),
                        skip_existing=lambda s: s.origin.value != "file")
    # the named file is replaced; the folder's documents are skipped (including the named one, met again)
    assert (report.documents, report.replaced, report.skipped, report.repeated) == (1, 1, 2, 1)


def test_remove_document_by_sha_prefix_path_and_file(fake_extractor: types.ModuleType, store_dir: Path,
                                                     articles: dict[str, Path]) -> None:
    with open_store(store_dir) as st:
        ingest(st, iter_sources([articles["a"].parent]))
        sha_a = read_text_file(articles["a"]).sha256
        assert remove_document(st, sha_a) == document_graph(sha_a).value
        sha_b = read_text_file(articles["b"]).sha256
        assert remove_document(st, str(articles["b"])) == document_graph(sha_b).value  # recorded path
        sha_c = read_text_file(articles["c"]).sha256
        assert remove_document(st, sha_c[:10]) == document_graph(sha_c).value
        assert st.named_graphs() == []
        assert len(st) == 0
        with pytest.raises(InputError, match="no such document"):
            remove_document(st, sha_a)
        with pytest.raises(InputError, match="no such document"):
            remove_document(st, "nothing-like-this")


def test_remove_by_content_of_moved_file(fake_extractor: types.ModuleType, store_dir: Path, tmp_path: Path,
                                         articles: dict[str, Path]) -> None:
    with open_store(store_dir) as st:
        ingest(st, iter_sources([articles["c"]]))
        moved = tmp_path / "moved.txt"
        moved.write_bytes(articles["c"].read_bytes())
        remove_document(st, str(moved))
        assert st.named_graphs() == []


def test_timestamp() -> None:
    import datetime as dt

    assert timestamp(dt.datetime(2024, 3, 1, 9, 30, 5, 123, tzinfo=dt.UTC)) == "2024-03-01T09:30:05Z"
    assert timestamp("2020-01-01T00:00:00Z") == "2020-01-01T00:00:00Z"
    assert timestamp().endswith("Z")


def test_error_log_echoes_only_the_first_errors() -> None:
    shown: list[str] = []
    log = ErrorLog(echo=shown.append, keep=3)
    for i in range(10):
        log(InputError(f"bad {i}"))
    assert log.count == 10
    assert shown == ["bad 0", "bad 1", "bad 2 (further errors are counted, not shown)"]
    assert log.messages == ["bad 0", "bad 1", "bad 2"]


def test_half_written_graph_is_re_ingested_not_skipped(fake_extractor: types.ModuleType, store_dir: Path,
                                                       articles: dict[str, Path]) -> None:
    """A crash in the middle of a batch can leave a graph without its kg:Document marker: resume redoes it."""
    import pyoxigraph as ox

    from kg.vocab import KG, RDF

    with open_store(store_dir) as st:
        ingest(st, iter_sources([articles["a"]]), now="2024-01-01T00:00:00Z")
    complete = _export(store_dir)
    graph = document_graph(read_text_file(articles["a"]).sha256)
    with open_store(store_dir) as st:
        kept = [q for q in st.quads(graph)
                if not (q.predicate == ox.NamedNode(RDF + "type") and q.object == ox.NamedNode(KG + "Document"))]
        st.remove_graph(graph)
        st.add_graphs(kept[: len(kept) // 2])  # what a crash mid-batch leaves behind
        assert st.has_graph(graph) and not st.has_document(graph)
        report = ingest(st, iter_sources([articles["a"]]), now="2024-01-01T00:00:00Z")
        assert (report.documents, report.skipped) == (1, 0)
        assert st.has_document(graph)
    assert _export(store_dir) == complete
