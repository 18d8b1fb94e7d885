"""End-to-end quality: our own articles (tests/extract/articles) and the shared dev set, scored by the shared
scorer (../shared/eval/score.py, read at run time). Marked slow: needs the trained pipeline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "../shared"
ARTICLES = Path(__file__).resolve().parent / "articles"

pytestmark = pytest.mark.slow
SCORER = SHARED / "eval" / "score.py"


def _scorer():
    if not SCORER.exists():
        pytest.skip("shared scorer not found beside the repository")
    spec = importlib.util.spec_from_file_location("kg_eval_score", SCORER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _score_folder(folder, run):
    mod = _scorer()
    per_doc = []
    for gold_file in sorted(folder.glob("*.gold.json")):
        text = gold_file.with_name(gold_file.name[: -len(".gold.json")] + ".txt").read_text(encoding="utf-8")
        facts = run(text)
        for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
            for rec in getattr(facts, kind):
                for ev in rec.evidence:
                    assert text[ev.start:ev.end] == ev.text
        per_doc.append(mod.score_doc(json.loads(gold_file.read_text(encoding="utf-8")), facts.to_dict()))
    return mod.total(per_doc)


def _assert_targets(agg):
    assert agg["micro"]["f1"] >= 0.85, agg["micro"]
    for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
        assert agg[kind]["f1"] >= 0.75, (kind, agg[kind])
    assert agg["model_attributes"]["acc"] >= 0.9, agg["model_attributes"]


def test_own_articles_meet_the_targets(run):
    _assert_targets(_score_folder(ARTICLES, run))


def test_dev_set_meets_the_targets(run):
    dev = SHARED / "eval" / "dev"
    if not dev.is_dir():
        pytest.skip("shared dev set not found beside the repository")
    _assert_targets(_score_folder(dev, run))


# Held-out batches only partly tuned so far: kept out of the 0.99 tuned-level check, held by their own floors below.
PARTLY_TUNED = ("m[1-6]_*.gold.json",)


def test_own_articles_stay_at_the_tuned_level(run, tmp_path):
    """Every fully tuned own article (the i and k held-out batches included): the micro F1 must not slip."""
    partly = {g.name for pattern in PARTLY_TUNED for g in ARTICLES.glob(pattern)}
    for gold in ARTICLES.glob("*.gold.json"):
        if gold.name in partly:
            continue
        stem = gold.name[: -len(".gold.json")]
        (tmp_path / gold.name).write_bytes(gold.read_bytes())
        (tmp_path / f"{stem}.txt").write_bytes((ARTICLES / f"{stem}.txt").read_bytes())
    assert len(list(tmp_path.glob("*.gold.json"))) == len(list(ARTICLES.glob("*.gold.json"))) - len(partly) >= 40
    agg = _score_folder(tmp_path, run)
    assert agg["micro"]["f1"] >= 0.99, agg["micro"]


# Held-out batches, tuned on after their first (blind) run: (glob, micro floor). Every kind must stay >= 0.95.
# i1_kaveri ... i6_marlow (wire styles) scored micro 0.842 on their first run; organizations keep a few NER place/name
# misses. k1_suryakant ... k6_harbour (crore/IDR daily, VC roundup, feature, model blog post, restructuring,
# government/consortium programmes) scored 0.871; organizers stay below 1.0 because the gold counts only the
# consortium that organises a programme "backed by" an agency, while the rule (and an older article) also counts the
# backer. First runs and failures: kg/extract/README.md.
# m1_hoshizora ... m6_funding (keiretsu/chaebol wire, earnings call, Chinese tech in yuan, European M&A, open-model
# leaderboard, GBP/INR/BRL funding round-up) scored 0.840 on their first run and 0.937 after general fixes: they are
# only partly tuned, so they keep lower floors (micro, every kind, model attributes) until the rest is fixed.
HELD_OUT_BATCHES = {"i": ("i[1-6]_*.gold.json", 0.97), "k": ("k[1-6]_*.gold.json", 0.98),
                    "m": ("m[1-6]_*.gold.json", 0.92)}
KIND_FLOORS = {"m": (0.83, 0.75)}  # (every kind's F1, model attribute accuracy); others (0.95, 0.95)


@pytest.mark.parametrize("batch", sorted(HELD_OUT_BATCHES))
def test_held_out_batch_after_fixes(run, tmp_path, batch):
    pattern, floor = HELD_OUT_BATCHES[batch]
    for gold in ARTICLES.glob(pattern):
        if gold.name.startswith("i1_jd"):
            continue  # an older article that shares the prefix
        stem = gold.name[: -len(".gold.json")]
        (tmp_path / gold.name).write_bytes(gold.read_bytes())
        (tmp_path / f"{stem}.txt").write_bytes((ARTICLES / f"{stem}.txt").read_bytes())
    assert len(list(tmp_path.glob("*.gold.json"))) == 6
    agg = _score_folder(tmp_path, run)
    assert agg["micro"]["f1"] >= floor, agg["micro"]
    kind_floor, attr_floor = KIND_FLOORS.get(batch, (0.95, 0.95))
    for kind in ("organizations", "subsidiaries", "models", "investments", "programs", "program_organizers"):
        assert agg[kind]["f1"] >= kind_floor, (kind, agg[kind])
    assert agg["model_attributes"]["acc"] >= attr_floor, agg["model_attributes"]
