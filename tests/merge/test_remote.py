"""kg merge against a real Oxigraph server (SPARQL 1.1 Protocol + Graph Store Protocol) gives the local answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import vocab
from kg.merge import conflicts, merge_files, merged_subsidiaries, unmerge
from kg.queries import rows
from kg.store import LocalStore, open_store

pytestmark = pytest.mark.server

SHARED = Path(__file__).resolve().parents[2] / "../shared"
GLEIF = [SHARED / "merge" / "gleif" / "L1Data.ttl", SHARED / "merge" / "gleif" / "L2Data.ttl"]
FIBO = [SHARED / "merge" / "fibo" / "FinancialInstitutionExamples.rdf"]
DATA = Path(__file__).resolve().parent / "data"


def test_merge_over_the_sparql_protocol_matches_the_local_store(tmp_path: Path) -> None:
    from kg.server import OxigraphServer, free_port

    server = OxigraphServer(tmp_path / "served", bind=f"127.0.0.1:{free_port()}").start()
    try:
        remote = open_store(server.url)
        with LocalStore(tmp_path / "local") as local:
            for st in (remote, local):
                merge_files(st, GLEIF, name="gleif")
                merge_files(st, FIBO, name="fibo")
                merge_files(st, [DATA / "conflicting.ttl"], name="other")
            assert remote.named_graphs() == local.named_graphs()
            assert rows(merged_subsidiaries(remote, "Citigroup Inc.")) == rows(merged_subsidiaries(local,
                                                                                                   "Citigroup Inc."))
            assert rows(conflicts(remote)) == rows(conflicts(local))
            assert len(conflicts(remote)) == 2
            unmerge(remote, "fibo")
            unmerge(local, "fibo")
            assert remote.named_graphs() == local.named_graphs()
            assert vocab.source_graph("fibo").value not in remote.named_graphs()
    finally:
        server.stop()
