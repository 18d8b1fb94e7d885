"""`ingest(workers=N)`: the whole per-document pipeline runs in worker processes and the store is the same as with 1.

The fake extractor reaches the workers because they are forked from the test process (Linux), as the real
pipeline does: a forked worker starts with the parent's loaded pipeline.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import kg.ingest as ingest_mod
from kg.corpus import SourceText
from kg.ingest import ingest
from kg.store import GraphStore, LocalStore, RdfFormatName

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")

NOW = "2025-01-02T03:04:05Z"
LATER = "2026-02-03T04:05:06Z"


def _texts(n: int) -> list[str]:
    return [f"Marlow{chr(97 + i % 26)} Works is a division of Quillon Holdings. Item {i} of Tessel Corp."
            for i in range(n)]


def _sources(texts: list[str]) -> list[SourceText]:
    return [SourceText.from_text(t, id=f"doc{i}", path=f"corpus/doc{i}.txt", date=f"2025-03-{1 + i % 28:02d}")
            for i, t in enumerate(texts)]


def _export(store: GraphStore) -> bytes:
    out = io.BytesIO()
    store.export(out, RdfFormatName.nquads)
    return out.getvalue()


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_give_the_same_store_as_one_process(fake_extractor: object, tmp_path: Path, workers: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_mod, "WORKER_CHUNK", 3)  # several chunks in flight, a short last one
    texts = _texts(23)
    with LocalStore(tmp_path / "one") as one, LocalStore(tmp_path / "many") as many:
        r1 = ingest(one, _sources(texts), now=NOW, batch_size=5)
        rn = ingest(many, _sources(texts + texts[:2]), now=NOW, batch_size=5, workers=workers)
        assert (rn.documents, rn.repeated, rn.quads) == (23, 2, r1.quads)
        assert len(many.named_graphs()) == 23
        assert _export(many) == _export(one)


def test_workers_replace_existing_graphs_keeping_their_first_ingestion_time(fake_extractor: object,
                                                                           tmp_path: Path) -> None:
    sources = _sources(_texts(6))
    with LocalStore(tmp_path / "s") as st:
        ingest(st, sources[:4], now=NOW)
        report = ingest(st, sources, now=LATER, workers=2, skip_existing=False)
        assert (report.documents, report.replaced) == (6, 4)
        after = _export(st)
        assert after.count(f'"{NOW}"'.encode()) == 4 and after.count(f'"{LATER}"'.encode()) == 2
        with LocalStore(tmp_path / "fresh") as fresh:
            ingest(fresh, sources[:4], now=NOW)
            ingest(fresh, sources[4:], now=LATER)
            assert _export(fresh) == after


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_document_is_left_out_and_the_others_are_stored(fake_extractor: object, tmp_path: Path,
                                                                  workers: int) -> None:
    """Issue 12, item 2: one document whose extraction raises (here the fake's 'EXPLODE') is reported in one line
    and left out; the run goes on and every other document is stored complete (before: the run stopped)."""
    from pyoxigraph import NamedNode

    from kg.ingest import ErrorLog

    texts = _texts(12)
    texts[9] = "EXPLODE Quillon Holdings."
    sources = _sources(texts)
    shown: list[str] = []
    with LocalStore(tmp_path / "s") as st:
        report = ingest(st, sources, now=NOW, workers=workers, batch_size=2, errors=ErrorLog(echo=shown.append))
        assert (report.documents, report.not_extracted, report.failed) == (11, 1, 0)
        assert shown == ["doc9: not extracted (ValueError: the fake extractor refuses this text)"]
        done = [g for g in st.named_graphs() if "/graph/doc/" in g]
        assert len(done) == 11 and all(st.has_document(NamedNode(g)) for g in done)
        with LocalStore(tmp_path / "clean") as clean:
            ingest(clean, sources[:9] + sources[10:], now=NOW)
            assert _export(st) == _export(clean)
        again = ingest(st, sources, now=NOW, workers=workers)  # resume: the stored ones are skipped
        assert (again.documents, again.skipped, again.not_extracted) == (0, 11, 1)
