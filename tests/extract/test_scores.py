"""End-to-end quality floors of the shipped extractor, scored with :mod:`kg.evaluate` (the matching of
``../shared/eval/score.py``; ``tests/quality/test_eval.py`` checks they agree). Marked slow: needs the trained pipeline.

These are regression floors, not estimates. The estimate is the blind first run recorded in ``data/BLIND.md``. Each
floor sits a little under what the shipped weights measure (``FLOORS`` in this file, with the measured value beside
it), so retraining that loses quality fails here. Where the floors are far below the rule-era ones (own articles and
the shared dev set were at 0.99 / 1.00), it is because those numbers came from rules tuned on those very texts; see
the CHANGELOG entry of 0.2.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ARTICLES = Path(__file__).resolve().parent / "articles"
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# folder -> (micro F1 floor, measured micro F1 of the shipped weights). Per-kind floors below.
FLOORS: dict[str, tuple[float, float]] = {
    "own articles": (0.66, 0.692),  # was held at 0.99 by rules tuned on these articles; models in prose 0.14
    "shared dev": (0.54, 0.566),  # was 1.00, the same rules; its models are not read (0.0)
    "shared real": (0.89, 0.918),  # training data since the first weights
    "gold dev": (0.75, 0.781),  # dev alone; with test2 (what the thresholds were chosen on) 0.807
}
KIND_FLOORS: dict[str, dict[str, float]] = {
    # investments were 0.63 with the 0.3.0 weights; the t4 retrain (blind test4 up 0.017) reads fewer here (0.39)
    "own articles": {"organizations": 0.86, "subsidiaries": 0.53, "investments": 0.37},
    "shared dev": {"organizations": 0.78},
    "shared real": {"organizations": 0.91, "models": 0.95},
    # subsidiaries were 0.56 with thresholds chosen on these 46 texts alone; chosen on 112 they are 0.47 here
    # model attributes fell with the t4 retrain (6/12 here; 21/36 with test2): its developer threshold is 0.25, not 0.1
    "gold dev": {"organizations": 0.83, "subsidiaries": 0.49, "models": 0.57, "investments": 0.76,
                 "model_attributes": 0.45},
}


def _score(docs, run) -> dict:
    from kg.evaluate import evaluate

    def predict(doc):
        facts = run(doc.text, date=doc.date)
        for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
            for rec in getattr(facts, kind):
                for ev in rec.evidence:
                    assert doc.text[ev.start:ev.end] == ev.text, (doc.name, ev)
        return facts.to_dict(evidence=False)

    return evaluate(docs, predict)["total"]


def _check(name: str, report: dict) -> None:
    floor, _measured = FLOORS[name]
    assert report["micro"]["f1"] >= floor, (name, report["micro"])
    for kind, kfloor in KIND_FLOORS.get(name, {}).items():
        got = report[kind]["acc"] if kind == "model_attributes" else report[kind]["f1"]
        assert got >= kfloor, (name, kind, report[kind])


@pytest.fixture(scope="module")
def run_dated(nlp):
    from kg.extract import extract

    def _run(text: str, date=None):
        return extract(text, date=date, nlp=nlp)

    return _run


def test_own_articles(run_dated):
    from kg.gold import read_gold_set

    _check("own articles", _score(read_gold_set(ARTICLES), run_dated))


def test_shared_dev(run_dated, shared):
    from kg.gold import read_gold_set

    _check("shared dev", _score(read_gold_set(shared("eval/dev")), run_dated))


def test_shared_real(run_dated, shared):
    from kg.gold import read_gold_set

    _check("shared real", _score(read_gold_set(shared("eval/real")), run_dated))


def test_gold_dev(run_dated, shared):
    from kg.gold import read_gold_set

    docs = read_gold_set(REPO / "data" / "gold" / "dev", corpora=shared("corpora"))
    _check("gold dev", _score(docs, run_dated))
