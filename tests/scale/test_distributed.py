"""Distributed ingestion on a dask.distributed LocalCluster gives the same store as a local ingest."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.corpus import SourceText
from kg.distributed import ingest_dask
from kg.ingest import ingest
from kg.server import OxigraphServer
from kg.store import GraphStore, LocalStore, RdfFormatName, open_store

NOW = "2025-01-02T03:04:05Z"

TEXTS = [
    "Marlow Works is a division of Quillon Holdings. Quillon Holdings is based in a small town.",
    "Tessel Corp is a division of Marlow Works, the engineering arm said on Tuesday.",
    "Quillon Holdings and Tessel Corp signed an agreement with Brindle Corp.",
    "Analysts expect Brindle Corp to grow. Orchard Works is a division of Brindle Corp.",
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One in-process worker (threads share the test's modules, so the fake extractor reaches it)."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as lc:
        yield lc.scheduler_address


def _sources(texts: list[str] = TEXTS) -> list[SourceText]:
    return [SourceText.from_text(t, id=f"doc{i}", path=f"corpus/doc{i}.txt") for i, t in enumerate(texts)]


def _export(store: GraphStore) -> bytes:
    out = io.BytesIO()
    store.export(out, RdfFormatName.nquads)
    return out.getvalue()


def test_dask_ingest_matches_local_ingest(fake_extractor: object, cluster: str, tmp_path: Path) -> None:
    report = ingest_dask(str(tmp_path / "dask"), _sources(), scheduler=cluster, partition_size=3, now=NOW)
    assert (report.documents, report.skipped, report.failed) == (4, 0, 0)
    with LocalStore(tmp_path / "local") as local:
        expected = ingest(local, _sources(), now=NOW)
        assert expected.quads == report.quads
        with LocalStore(tmp_path / "dask", read_only=True) as got:
            assert _export(got) == _export(local)


def test_dask_ingest_resumes_and_isolates_failures(fake_extractor: object, cluster: str, tmp_path: Path) -> None:
    loc = str(tmp_path / "s")
    first = ingest_dask(loc, _sources()[:2], scheduler=cluster, partition_size=1, now=NOW)
    assert first.documents == 2
    bad = SourceText.from_text("EXPLODE Brindle Corp here.", id="bad")
    again = ingest_dask(loc, [*_sources(), bad], scheduler=cluster, partition_size=2, now=NOW, max_in_flight=1)
    assert (again.documents, again.skipped, again.failed, again.not_extracted) == (2, 2, 0, 1)
    assert any("bad" in e and "refuses" in e for e in again.errors), again.errors
    with LocalStore(loc, read_only=True) as st:
        assert len([g for g in st.named_graphs() if "/graph/doc/" in g]) == 4


@pytest.mark.server
def test_dask_ingest_into_a_server(fake_extractor: object, cluster: str, oxigraph_server: OxigraphServer,
                                   tmp_path: Path) -> None:
    report = ingest_dask(oxigraph_server.url, _sources(), scheduler=cluster, now=NOW)
    assert report.documents == 4
    with LocalStore(tmp_path / "local") as local:
        ingest(local, _sources(), now=NOW)
        assert _export(open_store(oxigraph_server.url)) == _export(local)


def test_kg_ingest_dask_option(fake_extractor: object, cluster: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(f'{{"id": "n{i}", "text": "{t}"}}\n' for i, t in enumerate(TEXTS)), "utf-8")
    store = str(tmp_path / "store")
    result = CliRunner().invoke(app, ["--store", store, "ingest", str(corpus), "--dask", cluster])
    assert result.exit_code == 0, result.output
    assert "ingested 4 document(s)" in result.output
    with LocalStore(store, read_only=True) as st:
        assert len([g for g in st.named_graphs() if "/graph/doc/" in g]) == 4


def test_unreachable_scheduler_is_one_line_error(tmp_path: Path) -> None:
    from kg.errors import KgError
    from kg.server import free_port

    with pytest.raises(KgError, match="Dask scheduler"):
        ingest_dask(str(tmp_path / "s"), _sources(), scheduler=f"tcp://127.0.0.1:{free_port()}",
                    connect_timeout=1)
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
def test_dask_with_the_trained_pipeline(tmp_path: Path) -> None:
    """Real spaCy on a worker process: the same facts as the local ingest of the same texts."""
    from dask.distributed import LocalCluster

    texts = [
        "Harbin Lumen Group said its unit Lumen Cloud will spend 2 billion yuan on data centres over two years.",
        "Northgate Labs, a subsidiary of Vellum Technologies, released the open-source model Vellum-7B.",
        "Vellum Technologies invested $300 million in robotics, the company said on Friday.",
    ]
    with LocalCluster(n_workers=1, processes=True, threads_per_worker=1, dashboard_address=None) as lc:
        report = ingest_dask(str(tmp_path / "dask"), _sources(texts), scheduler=lc.scheduler_address, now=NOW)
    assert (report.documents, report.failed) == (3, 0)
    with LocalStore(tmp_path / "local") as local:
        ingest(local, _sources(texts), now=NOW)
        with LocalStore(tmp_path / "dask", read_only=True) as got:
            assert _export(got) == _export(local)
