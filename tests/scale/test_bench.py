"""`python -m bench` runs end to end on tiny sizes and writes each ratio it ran to its JSON file (no timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_reuters_benchmark_reports_every_figure_on_real_articles(tmp_path: Path) -> None:
    """The Reuters run on a tiny slice: ingest vs bare spaCy, 2 workers vs 1, bytes and quads per article, and the
    canned queries against pyoxigraph, with the same rows both ways (no timings asserted)."""
    corpus = REPO.parent / "shared" / "corpora" / "reuters21578.jsonl"
    if not corpus.exists() and os.environ.get("CI") != "true":
        pytest.skip(f"{corpus} not found (the shared corpora are not mounted)")
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "reuters", "--reuters-docs", "30", "--repeat", "1",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["failures"] == {}
    ratios = data["ratios"]
    assert {"reuters_ingest_vs_bare_spacy", "reuters_ingest_2_workers_vs_1", "reuters_store_bytes_per_article",
            "reuters_quads_per_article", "reuters_canned_queries_vs_pyoxigraph"} <= set(ratios)
    for r in ratios.values():
        assert r["value"] > 0 and r["benchmark"] == "reuters"
        assert r["details"]["docs"] == 30
    ingest = ratios["reuters_ingest_vs_bare_spacy"]["details"]
    assert ingest["ingest_s"] > 0 and ingest["spacy_s"] > 0
    workers = ratios["reuters_ingest_2_workers_vs_1"]["details"]
    assert workers["w1_s"] > 0 and workers["w2_s"] > 0
    table = data["reuters_table"]
    assert table["docs"] == 30 and table["store_bytes"] > 0
    assert ratios["reuters_store_bytes_per_article"]["value"] == table["store_bytes"] / 30
    assert ratios["reuters_quads_per_article"]["value"] == table["quads"] / 30
    queries = ratios["reuters_canned_queries_vs_pyoxigraph"]["details"]
    assert queries["popular_company_set"]
    assert table["dropped"] == {}
    from kg.queries import list_queries

    assert set(table["queries"]) == {q.name for q in list_queries()}
    for figures in table["queries"].values():
        assert figures["rows"] == figures["rows_direct"]
    # the popular company is found by the parameterised queries that take one organization
    assert table["queries"]["why"]["rows"] > 0


def test_reuters_slice_is_the_first_unique_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import suite

    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": "a", "text": "First invented text."}, {"id": "b", "text": "First invented text."},
            {"id": "c", "text": "Second invented text."}, {"id": "d", "text": "Third invented text."}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setattr(suite, "REUTERS", corpus)
    assert [r["id"] for r in suite.reuters_records(3) or []] == ["a", "c", "d"]
    assert suite.reuters_texts(2) == ["First invented text.", "Second invented text."]
    monkeypatch.setattr(suite, "REUTERS", tmp_path / "absent.jsonl")
    assert suite.reuters_records(3) is None
    assert suite.bench_reuters(3, tmp_path, 1) == ([], {})
