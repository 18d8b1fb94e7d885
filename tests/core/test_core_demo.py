"""kg demo: the wiring with a fake extractor (fast), and the real pipeline on seeds/ (slow)."""

from __future__ import annotations

import io
import json
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.facts import Facts, Investment, Model, Organization, Program, Subsidiary
from kg.ingest import demo_sources, run_demo
from kg.resources import seeds_dir
from kg.store import open_store

SHARED = Path(__file__).resolve().parents[2] / "../shared"


def _facts(_text: str, **_kw: object) -> Facts:
    return Facts(
        organizations=(Organization("Top Group", aliases=("Top",)), Organization("Mid Corp"), Organization("Leaf Labs"),
                       Organization("Side Corp")),
        subsidiaries=(Subsidiary("Mid Corp", "Top Group"), Subsidiary("Leaf Labs", "Mid Corp"),
                      Subsidiary("Side Corp", "Top")),
        models=(Model("Tiny-2", developer="Top Group", parameters_min=1_000_000_000, parameters_max=9_000_000_000,
                      open_source=True),),
        investments=(Investment("Top Group", 5e9, "EUR", target="robots", period_years=2),),
        programs=(Program("Builders Programme", organizers=("Mid Corp", "Leaf Labs")),),
    )


def test_demo_sources_are_the_seed_articles() -> None:
    srcs = demo_sources()
    assert [s.path for s in srcs] == [f"seeds/{p.name}" for p in sorted(seeds_dir().glob("*.txt"))]
    assert all(s.title for s in srcs)


def test_run_demo_prints_tree_and_tables(fake_extractor: types.ModuleType, monkeypatch: pytest.MonkeyPatch,
                                         store_dir: Path) -> None:
    monkeypatch.setattr(fake_extractor, "extract_many", lambda texts, **kw: (_facts(t) for t in texts))
    monkeypatch.setattr("kg.ingest.DEMO_QUERIES", (
        ("Tree", "subsidiaries", {"org": "Top Group"}, ("tree",)),
        ("Models", "models", {}, ("name", "minParameters", "maxParameters")),
        ("Programs", "programs", {}, ("programName", "organizerName")),
    ))
    out = io.StringIO()
    with open_store(store_dir) as st:
        report = run_demo(st, out)
        assert report.documents == len(demo_sources())
        again = run_demo(st, io.StringIO())
        assert again.replaced == report.documents
    text = out.getvalue()
    assert "Top Group\n├── Mid Corp\n│   └── Leaf Labs\n└── Side Corp\n" in text
    assert "Tiny-2" in text and "1000000000" in text and "Builders Programme" in text


def _readme_demo_block() -> str:
    """The first code block of the README's worked example (what it says `kg demo` prints)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## A worked example"):]
    start = section.index("```\n") + 4
    return section[start:section.index("```", start)]


@pytest.mark.slow
def test_demo_with_the_trained_pipeline(runner: CliRunner, tmp_path: Path) -> None:
    pytest.importorskip("kg.extract")
    store = tmp_path / "demo"
    res = runner.invoke(app, ["--store", str(store), "demo"])
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert out.strip("\n") == _readme_demo_block().strip("\n"), "README example is stale"
    tree = out[out.index("== Subsidiary tree"):out.index("== AI models")]
    assert tree.index("Alibaba Group Holding") < tree.index("└── Ele.me")  # the tree is drawn under the root
    # the shipped weights read Alibaba Cloud as the group's arm and Tongyi Lab as its unit (and miss the 380bn yuan
    # investment, which the 0.3.0 weights read: README, A worked example)
    assert tree.index("├── Alibaba Cloud") < tree.index("│   └── Tongyi Lab"), tree
    res = runner.invoke(app, ["--store", str(store), "validate"])
    assert res.exit_code == 0, res.stdout + res.stderr
    # Running the demo again (and ingesting the article again by hand) changes nothing, byte for byte.
    before = runner.invoke(app, ["--store", str(store), "export", "--format", "trig"]).stdout_bytes
    assert runner.invoke(app, ["--store", str(store), "demo"]).exit_code == 0
    [seed] = sorted(seeds_dir().glob("*.txt"))
    text = seed.read_text(encoding="utf-8")
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / seed.name).write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["--store", str(store), "ingest", str(copy)])
    assert res.exit_code == 0 and "skipped 1" in res.stderr
    assert runner.invoke(app, ["--store", str(store), "export", "--format", "trig"]).stdout_bytes == before


@pytest.mark.slow
def test_extract_seed_json_matches_format(runner: CliRunner) -> None:
    pytest.importorskip("kg.extract")
    [seed] = sorted(seeds_dir().glob("*.txt"))
    res = runner.invoke(app, ["extract", str(seed), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    subs = {(s["child"], s["parent"]) for s in data["subsidiaries"]}
    assert ("Tongyi Lab", "Alibaba Cloud") in subs
    orgs = {o["name"] for o in data["organizations"]}
    assert {"Alibaba Group Holding", "Alibaba Cloud", "Tongyi Lab", "Cainiao"} <= orgs
    text = seed.read_text(encoding="utf-8")
    for kind in ("organizations", "models", "investments", "programs"):
        for rec in data[kind]:
            for ev in rec.get("evidence", []):
                assert text[ev["start"]:ev["end"]] == ev["text"]


@pytest.mark.slow
def test_ingest_with_two_workers_gives_the_same_graph(runner: CliRunner, tmp_path: Path) -> None:
    """spaCy multi-process extraction writes exactly what one process writes (dev texts read at run time)."""
    pytest.importorskip("kg.extract")
    dev = sorted((SHARED / "eval" / "dev").glob("*.txt"))[:4]
    if not dev:
        pytest.skip("../shared/eval/dev is not available")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}) + "\n" for p in dev),
                      encoding="utf-8")
    exports = []
    for workers in ("1", "2"):
        store = tmp_path / f"store{workers}"
        res = runner.invoke(app, ["--store", str(store), "ingest", "--workers", workers, str(corpus)])
        assert res.exit_code == 0, res.stderr
        assert f"ingested {len(dev)} document(s)" in res.stderr
        out = runner.invoke(app, ["--store", str(store), "export", "--format", "nquads"])
        # ingestion times differ between the two runs; everything else is the same
        exports.append(sorted(line for line in out.stdout.splitlines() if "ingestedAt" not in line))
    assert exports[0] == exports[1]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known limit of the shipped weights: the seed article's models, its "
                   "programme and (since the t4 retrain) its 380bn yuan investment are not read "
                   "(README, worked example)")
def test_extract_seed_models_investment_and_programme(runner: CliRunner) -> None:
    pytest.importorskip("kg.extract")
    [seed] = sorted(seeds_dir().glob("*.txt"))
    data = json.loads(runner.invoke(app, ["extract", str(seed), "--format", "json"]).stdout)
    assert {"Qwen2.5", "QwQ-Max-Preview"} <= {m["name"] for m in data["models"]}
    assert any(i["currency"] == "CNY" and i["amount"] == 380_000_000_000 for i in data["investments"])
    assert data["programs"]
