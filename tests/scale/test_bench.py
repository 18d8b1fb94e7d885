"""`python -m bench` runs end to end on tiny sizes and writes each ratio it ran to its JSON file (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "ingest,queries,cold,memory", "--ingest-docs", "16",
         "--query-sizes", "2000,4000", "--memory-docs", "20,60", "--repeat", "1", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["failures"] == {}
    names = set(data["ratios"])
    assert {"ingest_facts_vs_bulk_load", "canned_queries_vs_pyoxigraph", "query_growth_2k_to_4k",
            "cold_start_kg_query_vs_import"} <= names
    assert any(n.startswith("peak_memory_") for n in names) and "peak_memory_growth_vs_pyoxigraph" in names
    for r in data["ratios"].values():
        assert r["value"] > 0
        assert r["name"] in proc.stdout
    # the same rows through kg.queries.run_query as directly on pyoxigraph, for every canned query and size
    for sizes in data["query_table"]["queries"].values():
        for figures in sizes.values():
            assert figures["rows"] == figures["rows_direct"]
    # the synthetic subsidiary trees are found by the canned query: 3 units and 2 labs under each of them
    sub = data["query_table"]["queries"]["subsidiaries"]
    assert all(f["rows"] >= 5 for f in sub.values())


def test_a_partial_run_keeps_the_other_benchmarks_results() -> None:
    from bench.__main__ import keep_earlier

    settings = {"repeat": 2}
    earlier = {"quick": False, "settings": settings, "query_table": {"queries": {}},
               "ratios": {"ingest_facts_vs_bulk_load": {"value": 1.0, "benchmark": "ingest"},
                          "cold_start_kg_query_vs_import": {"value": 1.4, "benchmark": "cold"},
                          "peak_memory_growth_vs_pyoxigraph": {"value": 0.7}}}
    now = {"quick": False, "settings": settings,
           "ratios": {"cold_start_kg_query_vs_import": {"value": 1.3, "benchmark": "cold"}}}
    merged = keep_earlier(earlier, now, ran=["cold"])
    assert {k: v["value"] for k, v in merged["ratios"].items()} == {
        "ingest_facts_vs_bulk_load": 1.0, "cold_start_kg_query_vs_import": 1.3, "peak_memory_growth_vs_pyoxigraph": 0.7}
    assert merged["kept_from_earlier_runs"] == ["ingest_facts_vs_bulk_load", "peak_memory_growth_vs_pyoxigraph"]
    assert merged["query_table"] == {"queries": {}}
    # other sizes (a --quick file, other settings) are not mixed in
    assert keep_earlier({**earlier, "quick": True}, now, ran=["cold"]) == now
    assert keep_earlier({**earlier, "settings": {"repeat": 1}}, now, ran=["cold"]) == now
