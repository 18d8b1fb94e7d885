"""kg eval: its matching agrees with shared/eval/score.py, gold folders read texts beside them or from a corpus."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.evaluate import (
    aggregate,
    confidence_outcomes,
    evaluate,
    predictions_from_folder,
    reliability,
    render_text,
    score_document,
)
from kg.gold import read_gold_set

GOLD = {
    "organizations": [{"name": "Orbis Holdings Inc", "aliases": ["Orbis"]}, {"name": "Kestrel Lab", "aliases": []}],
    "subsidiaries": [{"child": "Kestrel Lab", "parent": "Orbis Holdings Inc"}],
    "models": [{"name": "Fjord 3", "aliases": [], "developer": "Kestrel Lab", "parameters": 7000000000,
                "active_parameters": 1000000000}],
    "investments": [{"investor": "Orbis", "amount": 240000000, "currency": "USD"}],
    "programs": [{"name": "Fjord Fellowship", "organizers": ["Kestrel Lab"]}],
    "optional": {"organizations": [{"name": "Reuters", "aliases": []}],
                 "investments": [{"investor": "Kestrel Lab", "amount": None, "currency": None}]},
}
PRED = {
    "organizations": [{"name": "Orbis", "aliases": []}, {"name": "Kestrel Lab"}, {"name": "Reuters"},
                      {"name": "Fjord"}],
    "subsidiaries": [{"child": "Kestrel Lab", "parent": "Orbis"}, {"child": "Orbis", "parent": "Kestrel Lab"}],
    "models": [{"name": "Fjord 3", "developer": "Orbis", "parameters": 7000000000, "active_parameters": 1000000000}],
    "investments": [{"investor": "Orbis Holdings Inc", "amount": 240500000, "currency": "USD"},
                    {"investor": "Kestrel Lab", "amount": 5, "currency": "USD"}],
    "programs": [{"name": "Fjord Fellowship", "organizers": ["Kestrel Lab", "Orbis"]}],
}


def _score_py(shared):
    path = shared("eval/score.py")
    spec = importlib.util.spec_from_file_location("shared_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_counts_of_a_hand_made_case():
    d = score_document(GOLD, PRED)
    assert (d["organizations"]["tp"], d["organizations"]["pred"], d["organizations"]["gold"]) == (2, 3, 2)
    assert (d["subsidiaries"]["tp"], d["subsidiaries"]["pred"]) == (1, 2)
    assert d["investments"]["tp"] == 1 and d["investments"]["pred"] == 1  # the optional one is not counted
    assert d["model_attributes"] == {"hits": 1, "total": 2}  # parameters right, developer wrong
    assert d["active_parameters"] == {"hits": 1, "total": 1}
    assert d["program_organizers"]["tp"] == 1 and d["program_organizers"]["pred"] == 2


def test_matching_agrees_with_score_py(shared):
    mod = _score_py(shared)
    cases = [(GOLD, PRED), (GOLD, {}), ({}, PRED), (GOLD, GOLD)]
    ours = aggregate(score_document(g, p) for g, p in cases)
    theirs = mod.total([mod.score_doc(g, p) for g, p in cases])
    for key in ("organizations", "subsidiaries", "models", "investments", "programs", "program_organizers", "micro"):
        assert ours[key] == theirs[key], key
    assert ours["model_attributes"] == theirs["model_attributes"]


@pytest.mark.slow
def test_kg_eval_agrees_with_score_py_on_shared_real(shared, tmp_path):
    """The extractor's predictions on ../shared/eval/real, scored by kg eval and by score.py: the same numbers."""
    real = shared("eval/real")
    from kg.extract import extract, load_pipeline

    nlp = load_pipeline()
    docs = read_gold_set(real)
    for doc in docs:
        facts = extract(doc.text, nlp=nlp, date=doc.date)
        (tmp_path / f"{doc.name}.json").write_text(json.dumps(facts.to_dict()), encoding="utf-8")
    ours = evaluate(docs, predictions_from_folder(tmp_path))["total"]
    out = subprocess.run([sys.executable, str(shared("eval/score.py")), str(real), "--pred", str(tmp_path), "--json"],
                         capture_output=True, text=True, check=True)
    theirs = json.loads(out.stdout)["total"]
    for key in ("organizations", "subsidiaries", "models", "investments", "programs", "program_organizers", "micro"):
        assert ours[key] == theirs[key], key
    assert ours["model_attributes"] == theirs["model_attributes"]
    result = CliRunner().invoke(app, ["eval", str(real), "--pred", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"micro F1 {theirs['micro']['f1']:.3f}" in result.output


def _corpus(tmp_path, text):
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    rec = {"id": "doc-1", "title": "t", "date": "1987-03-02", "text": text}
    (corpora / "mini.jsonl").write_text(json.dumps(rec) + "\n" + json.dumps({**rec, "id": "doc-2"}) + "\n")
    return corpora


def test_gold_points_into_a_corpus_by_id(tmp_path):
    text = "ORBIS BUYS KESTREL\n\nOrbis Holdings Inc said it bought Kestrel Lab."
    corpora = _corpus(tmp_path, text)
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    excerpt = text[:18]
    sha = hashlib.sha256(excerpt.encode()).hexdigest()
    src = {"corpus": "mini", "id": "doc-1", "span": [0, 18], "text_sha256": sha}
    (gold_dir / "doc-1.gold.json").write_text(json.dumps({"source": src, **GOLD}))
    docs = read_gold_set(gold_dir, corpora=corpora)
    assert [d.name for d in docs] == ["doc-1"] and docs[0].text == excerpt
    report = evaluate(docs, lambda d: PRED)
    assert "micro F1" in render_text(report, verbose=True)


def test_gold_refuses_a_changed_text(tmp_path):
    corpora = _corpus(tmp_path, "some text")
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    src = {"corpus": "mini", "id": "doc-1", "text_sha256": "0" * 64}
    (gold_dir / "x.gold.json").write_text(json.dumps({"source": src}))
    with pytest.raises(InputError, match="sha256"):
        read_gold_set(gold_dir, corpora=corpora)
    (gold_dir / "x.gold.json").write_text(json.dumps({"source": {"corpus": "mini", "id": "nope"}}))
    with pytest.raises(InputError, match="no record with id 'nope'"):
        read_gold_set(gold_dir, corpora=corpora)


def test_kg_eval_bad_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {tmp_path / 'missing'}: no such gold folder"]


def test_kg_eval_json_from_saved_predictions(tmp_path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "a.txt").write_text("text")
    (gold_dir / "a.gold.json").write_text(json.dumps(GOLD))
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "a.json").write_text(json.dumps(PRED))
    result = CliRunner().invoke(app, ["eval", str(gold_dir), "--pred", str(pred), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total"]["organizations"]["tp"] == 2
    assert report["documents"]["a"]["_misses"]["subsidiaries"] == []


def _ev(rule, confidence):
    return {"text": "x", "start": 0, "end": 1, "rule": rule, "confidence": confidence}


def test_calibration_reads_an_entitys_own_decision_not_its_attribute_links():
    """A model found for sure (0.95) whose developer link is unsure (0.15) is a 0.95 model; an edge or an
    investment is as sure as its least sure evidence."""
    pred = {"models": [{"name": "Fjord 3", "evidence": [_ev("entity:MODEL", 0.95), _ev("model:developer", 0.15)]}],
            "subsidiaries": [{"child": "Kestrel Lab", "parent": "Orbis",
                              "evidence": [_ev("model:subsidiary", 0.6), _ev("rule:x", 0.9)]}]}
    assert sorted(confidence_outcomes(GOLD, pred)) == [(0.6, 1), (0.95, 1)]
    table = reliability([(0.95, 1), (0.95, 0), (0.15, 0)])
    assert table["n"] == 3 and table["ece"] == pytest.approx((2 * 0.45 + 0.15) / 3, abs=1e-4)


@pytest.mark.slow
def test_kg_eval_of_the_extractor_reports_calibration(shared):
    """Running the extractor (not saved predictions), kg eval sees the evidence confidences."""
    result = CliRunner().invoke(app, ["eval", str(shared("eval/dev")), "--format", "json"])
    assert result.exit_code == 0, result.output
    cal = json.loads(result.output)["calibration"]
    assert cal["n"] > 0 and 0.0 <= cal["ece"] <= 1.0
