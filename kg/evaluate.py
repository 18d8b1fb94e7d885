"""Evaluation: score predicted facts against gold, with exactly the matching of ``shared/eval/score.py``.

This module owns the scoring rules (entity identity through any surface form, direct subsidiary edges,
investments on investor + amount within 0.5% + currency, program organizers, model attributes over the models
found, micro F1 over the five kinds) and the reports of ``kg eval``. It adds what ``score.py`` does not report:
``active_parameters`` as a model attribute of its own (kept out of ``model_attributes`` so the two tools agree),
per-corpus totals, and misses and false hits per document. It imports neither spaCy nor the store: predictions
come from a callable (``kg.cli`` passes the extractor) or from a folder of saved JSON.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kg.gold import GoldDoc

KINDS = ("organizations", "subsidiaries", "models", "investments", "programs")
_ENTITY_KINDS = ("organizations", "models", "programs")


def norm(name: str) -> str:
    """The matching form of a name: NFKC, case-folded, "'s " and a leading "the" dropped, punctuation folded.

    >>> norm("The Alibaba Group's")
    "alibaba group's"
    >>> norm("Alibaba-Cloud, Inc.")
    'alibaba cloud inc'
    """
    s = unicodedata.normalize("NFKC", name or "").casefold()
    s = s.replace("’", "'").replace("'s ", " ")
    s = re.sub(r"^the\s+", "", s.strip())
    s = re.sub(r"[^\w.+]+", " ", s)
    return re.sub(r"\s+", " ", s).strip(" .")


def _forms(ent: dict[str, Any]) -> list[str]:
    return [ent.get("name") or "", *(ent.get("aliases") or [])]


class _Registry:
    """Gold entities of one document: any normalised surface form -> a gold entity id."""

    def __init__(self, gold: dict[str, Any]) -> None:
        self.form_to_id: dict[str, int] = {}
        self.names: list[str] = []
        for kind in _ENTITY_KINDS:
            for ent in gold.get(kind, []):
                self.add(_forms(ent))
        required = set(range(len(self.names)))
        for kind in _ENTITY_KINDS:
            for ent in (gold.get("optional") or {}).get(kind, []):
                if any(_forms(ent)):
                    self.add([f for f in _forms(ent) if f])
        self.optional = set(range(len(self.names))) - required

    def add(self, forms: list[str]) -> int:
        forms = [f for f in forms if f]
        ids = {self.form_to_id[norm(f)] for f in forms if norm(f) in self.form_to_id}
        eid = min(ids) if ids else len(self.names)
        if not ids:
            self.names.append(forms[0])
        for f in forms:
            if norm(f):
                self.form_to_id.setdefault(norm(f), eid)
        return eid

    def resolve(self, forms: list[str]) -> int | None:
        for f in forms:
            if norm(f) in self.form_to_id:
                return self.form_to_id[norm(f)]
        return None


def _resolver(reg: _Registry, facts: dict[str, Any]) -> Callable[[str | None], Any]:
    groups: dict[str, list[str]] = {}
    for kind in _ENTITY_KINDS:
        for ent in facts.get(kind, []) or []:
            fs = [f for f in _forms(ent) if f]
            for f in fs:
                groups.setdefault(norm(f), fs)

    def res(name: str | None) -> Any:
        if not name:
            return None
        gid = reg.resolve(groups.get(norm(name), [name]))
        return gid if gid is not None else ("unknown", norm(name))

    return res


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    """Precision, recall and F1 (4 decimals) with the counts; empty sides count as perfect, as in score.py."""
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


def _params(m: dict[str, Any]) -> tuple | None:
    if m.get("parameters") is not None:
        return ("one", int(m["parameters"]))
    if m.get("sizes"):
        return ("sizes", tuple(sorted(int(x) for x in m["sizes"])))
    if m.get("parameters_min") is not None or m.get("parameters_max") is not None:
        lo, hi = m.get("parameters_min"), m.get("parameters_max")
        return ("range", int(lo) if lo is not None else None, int(hi) if hi is not None else None)
    return None


def _close(a: Any, b: Any, tol: float = 0.005) -> bool:
    if a is None or b is None:
        return False
    a, b = float(a), float(b)
    return abs(a - b) <= tol * max(abs(a), abs(b), 1.0)


def score_document(gold: dict[str, Any], pred: dict[str, Any]) -> dict[str, Any]:
    """Counts of one document: ``prf`` per kind and for program organizers, model attribute hits/totals (and the
    extra ``active_parameters``), and ``_misses`` / ``_false`` lists for reports."""
    reg = _Registry(gold)
    res = _resolver(reg, pred)
    gres = _resolver(reg, gold)
    out: dict[str, Any] = {}
    misses: dict[str, list[str]] = {k: [] for k in KINDS}
    false: dict[str, list[str]] = {k: [] for k in KINDS}
    optional = gold.get("optional") or {}

    for kind in _ENTITY_KINDS:
        gold_ids = {reg.resolve(_forms(e)): e["name"] for e in gold.get(kind, [])}
        pred_ids: dict[Any, Any] = {}
        for e in pred.get(kind, []) or []:
            gid = reg.resolve([f for f in _forms(e) if f])
            if gid in reg.optional:
                continue
            pred_ids[gid if gid is not None else ("unknown", norm(e.get("name") or ""))] = e.get("name")
        tp = len(set(gold_ids) & set(pred_ids))
        out[kind] = prf(tp, len(pred_ids), len(gold_ids))
        misses[kind] = sorted(v for k, v in gold_ids.items() if k not in pred_ids)
        false[kind] = sorted(str(v) for k, v in pred_ids.items() if k not in gold_ids)

    gold_edges = {(gres(e["child"]), gres(e["parent"])) for e in gold.get("subsidiaries", [])}
    optional_edges = {(gres(e["child"]), gres(e["parent"])) for e in optional.get("subsidiaries") or []}
    pred_edges = {(res(e.get("child")), res(e.get("parent"))) for e in pred.get("subsidiaries", []) or []}
    pred_edges -= optional_edges - gold_edges
    out["subsidiaries"] = prf(len(gold_edges & pred_edges), len(pred_edges), len(gold_edges))

    def label(x: Any) -> str:
        return reg.names[x] if isinstance(x, int) else str(x[1]) if isinstance(x, tuple) else str(x)

    misses["subsidiaries"] = sorted(f"{label(c)} -> {label(p)}" for c, p in gold_edges - pred_edges)
    false["subsidiaries"] = sorted(f"{label(c)} -> {label(p)}" for c, p in pred_edges - gold_edges)

    hits = total = a_hits = a_total = 0
    attr_misses: list[str] = []
    gmodels = {reg.resolve(_forms(m)): m for m in gold.get("models", [])}
    for m in pred.get("models", []) or []:
        g = gmodels.get(reg.resolve([f for f in _forms(m) if f]))
        if g is None:
            continue
        if g.get("developer"):
            total += 1
            ok = gres(g["developer"]) == res(m.get("developer"))
            hits += ok
            if not ok:
                attr_misses.append(f"{g['name']}: developer {m.get('developer')!r}, gold {g['developer']!r}")
        if _params(g) is not None:
            total += 1
            ok = _params(g) == _params(m)
            hits += ok
            if not ok:
                attr_misses.append(f"{g['name']}: parameters {_params(m)}, gold {_params(g)}")
        if g.get("based_on"):
            total += 1
            ok = gres(g["based_on"]) == res(m.get("based_on"))
            hits += ok
            if not ok:
                attr_misses.append(f"{g['name']}: based_on {m.get('based_on')!r}, gold {g['based_on']!r}")
        if g.get("active_parameters") is not None:
            a_total += 1
            ok = m.get("active_parameters") is not None and int(m["active_parameters"]) == int(g["active_parameters"])
            a_hits += ok
            if not ok:
                attr_misses.append(f"{g['name']}: active {m.get('active_parameters')}, gold {g['active_parameters']}")
    out["model_attributes"] = {"hits": hits, "total": total}
    out["active_parameters"] = {"hits": a_hits, "total": a_total}

    def inv_match(g: dict[str, Any], p: dict[str, Any]) -> bool:
        return (gres(g["investor"]) == res(p.get("investor")) and _close(g.get("amount"), p.get("amount"))
                and (g.get("currency") or "").upper() == (p.get("currency") or "").upper())

    def optional_match(g: dict[str, Any], p: dict[str, Any]) -> bool:
        if g.get("amount") is None:
            return gres(g["investor"]) == res(p.get("investor"))
        return inv_match(g, p)

    ginv, pinv = list(gold.get("investments", [])), list(pred.get("investments", []) or [])
    used: set[int] = set()
    tp = tp_optional = 0
    for g in ginv:
        for i, p in enumerate(pinv):
            if i not in used and inv_match(g, p):
                used.add(i)
                tp += 1
                break
        else:
            misses["investments"].append(f"{g['investor']} {g.get('amount')} {g.get('currency')}")
    for g in optional.get("investments") or []:
        for i, p in enumerate(pinv):
            if i not in used and optional_match(g, p):
                used.add(i)
                tp_optional += 1
                break
    false["investments"] = [f"{p.get('investor')} {p.get('amount')} {p.get('currency')}"
                            for i, p in enumerate(pinv) if i not in used]
    out["investments"] = prf(tp, len(pinv) - tp_optional, len(ginv))

    org_tp = org_pred = org_gold = 0
    gprog = {reg.resolve(_forms(p)): p for p in gold.get("programs", [])}
    for p in pred.get("programs", []) or []:
        g = gprog.get(reg.resolve([f for f in _forms(p) if f]))
        if g is None:
            continue
        gs = {gres(o) for o in g.get("organizers", [])}
        ps = {res(o) for o in p.get("organizers", []) or []}
        org_tp += len(gs & ps)
        org_pred += len(ps)
        org_gold += len(gs)
    out["program_organizers"] = prf(org_tp, org_pred, org_gold)
    out["_misses"], out["_false"], out["_attributes"] = misses, false, attr_misses
    return out


def _confidence(rec: dict[str, Any]) -> float | None:
    """A predicted record's confidence that it is right as a record: for an organization, model or programme the
    confidence of its name decision (evidence ``entity:...``; the evidence of its attributes, such as a developer
    link, says how sure an attribute is, not the entity); otherwise the lowest of its evidence confidences (an
    investment is as sure as the less sure of its amount and its investor)."""
    evs = [e for e in rec.get("evidence") or [] if isinstance(e, dict) and "confidence" in e]
    own = [float(e["confidence"]) for e in evs if str(e.get("rule", "")).startswith("entity:")]
    if own:
        return max(own)
    vals = [float(e["confidence"]) for e in evs]
    return min(vals) if vals else None


def confidence_outcomes(gold: dict[str, Any], pred: dict[str, Any]) -> list[tuple[float, int]]:
    """(confidence, 1 if right else 0) for every predicted organization, model, programme, subsidiary edge and
    investment of one document that carries a confidence; records the gold calls optional are left out."""
    reg = _Registry(gold)
    res = _resolver(reg, pred)
    gres = _resolver(reg, gold)
    optional = gold.get("optional") or {}
    out: list[tuple[float, int]] = []
    for kind in _ENTITY_KINDS:
        gold_ids = {reg.resolve(_forms(e)) for e in gold.get(kind, [])}
        for e in pred.get(kind, []) or []:
            c = _confidence(e)
            gid = reg.resolve([f for f in _forms(e) if f])
            if c is None or gid in reg.optional:
                continue
            out.append((c, int(gid is not None and gid in gold_ids)))
    gold_edges = {(gres(e["child"]), gres(e["parent"])) for e in gold.get("subsidiaries", [])}
    optional_edges = {(gres(e["child"]), gres(e["parent"])) for e in optional.get("subsidiaries") or []}
    for e in pred.get("subsidiaries", []) or []:
        c = _confidence(e)
        key = (res(e.get("child")), res(e.get("parent")))
        if c is None or (key in optional_edges and key not in gold_edges):
            continue
        out.append((c, int(key in gold_edges)))
    for p in pred.get("investments", []) or []:
        c = _confidence(p)
        if c is None:
            continue
        hit = any(gres(g["investor"]) == res(p.get("investor")) and _close(g.get("amount"), p.get("amount"))
                  and (g.get("currency") or "").upper() == (p.get("currency") or "").upper()
                  for g in gold.get("investments", []))
        opt = any(gres(g["investor"]) == res(p.get("investor")) and (g.get("amount") is None or _close(
            g.get("amount"), p.get("amount"))) for g in optional.get("investments") or [])
        if hit or not opt:
            out.append((c, int(hit)))
    return out


def reliability(pairs: list[tuple[float, int]], bins: int = 10) -> dict[str, Any]:
    """Expected calibration error and the reliability table: per confidence bin, the number of facts, their mean
    confidence and the share that is right."""
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


def aggregate(per_doc: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Totals over documents (summed counts, then P/R/F1), with ``micro`` over the five kinds, as in score.py."""
    docs = list(per_doc)
    agg: dict[str, Any] = {}
    for kind in (*KINDS, "program_organizers"):
        agg[kind] = prf(sum(d[kind]["tp"] for d in docs), sum(d[kind]["pred"] for d in docs),
                        sum(d[kind]["gold"] for d in docs))
    for attr in ("model_attributes", "active_parameters"):
        hits = sum(d[attr]["hits"] for d in docs)
        tot = sum(d[attr]["total"] for d in docs)
        agg[attr] = {"hits": hits, "total": tot, "acc": round(hits / tot, 4) if tot else None}
    agg["micro"] = prf(sum(agg[k]["tp"] for k in KINDS), sum(agg[k]["pred"] for k in KINDS),
                       sum(agg[k]["gold"] for k in KINDS))
    return agg


def evaluate(docs: list[GoldDoc], predict: Callable[[GoldDoc], dict[str, Any]]) -> dict[str, Any]:
    """Score ``predict(doc)`` (facts as a dict in the facts format) on every gold document.

    Returns ``{"total": ..., "by_corpus": {family: ...}, "documents": {name: ...}}``; the per-document entries
    keep ``_misses``, ``_false`` and ``_attributes`` for verbose reports.
    """
    per: dict[str, dict[str, Any]] = {}
    families: dict[str, list[dict[str, Any]]] = {}
    outcomes: list[tuple[float, int]] = []
    for doc in docs:
        facts = predict(doc)
        scored = score_document(doc.gold, facts)
        outcomes.extend(confidence_outcomes(doc.gold, facts))
        per[doc.name] = scored
        families.setdefault(doc.kind, []).append(scored)
    return {
        "total": aggregate(per.values()),
        "by_corpus": {k: aggregate(v) for k, v in sorted(families.items())} if len(families) > 1 else {},
        "calibration": reliability(outcomes),
        "documents": per,
    }


def predictions_from_folder(folder: str | Path) -> Callable[[GoldDoc], dict[str, Any]]:
    """A ``predict`` that reads ``FOLDER/<name>.json`` (missing files predict nothing), like ``score.py --pred``."""
    root = Path(folder)

    def predict(doc: GoldDoc) -> dict[str, Any]:
        p = root / f"{doc.name}.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}

    return predict


def render_text(report: dict[str, Any], *, verbose: bool = False) -> str:
    """The report as the table ``score.py`` prints (plus active parameters and per-corpus micro F1)."""
    lines: list[str] = []
    if verbose:
        for name, d in report["documents"].items():
            rows = []
            for kind in KINDS:
                if d["_misses"][kind] or d["_false"][kind]:
                    rows.append(f"  {kind}: missed {d['_misses'][kind]}")
                    rows.append(f"  {kind}: false  {d['_false'][kind]}")
            rows += [f"  attribute: {a}" for a in d["_attributes"]]
            if rows:
                lines += [f"== {name}", *rows]
    agg = report["total"]
    lines.append(f"{'kind':<20}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'pred':>6}{'gold':>6}")
    for kind in (*KINDS, "program_organizers", "micro"):
        s = agg[kind]
        lines.append(f"{kind:<20}{s['p']:>8.3f}{s['r']:>8.3f}{s['f1']:>8.3f}{s['tp']:>6}{s['pred']:>6}{s['gold']:>6}")
    ma, ap = agg["model_attributes"], agg["active_parameters"]
    lines.append(f"model attributes correct: {ma['hits']}/{ma['total']}")
    lines.append(f"active parameters correct: {ap['hits']}/{ap['total']}")
    for family, sub in report.get("by_corpus", {}).items():
        m = sub["micro"]
        lines.append(f"  {family:<18} micro P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} "
                     f"(orgs P {sub['organizations']['p']:.3f} F1 {sub['organizations']['f1']:.3f}, "
                     f"subsidiaries F1 {sub['subsidiaries']['f1']:.3f}, investments F1 {sub['investments']['f1']:.3f}, "
                     f"model attributes {sub['model_attributes']['hits']}/{sub['model_attributes']['total']})")
    cal = report.get("calibration")
    if cal and cal["n"]:
        lines.append(f"calibration of fact confidences: ECE {cal['ece']:.3f} over {cal['n']} facts")
        if verbose:
            for row in cal["table"]:
                lines.append(f"  {row['bin']}: {row['n']:>4} facts, mean confidence {row['confidence']:.2f}, "
                             f"right {row['observed']:.2f}")
    lines.append(f"micro F1 {agg['micro']['f1']:.3f}")
    return "\n".join(lines) + "\n"


def render_json(report: dict[str, Any]) -> str:
    """The report as JSON: ``total``, ``by_corpus`` and ``documents`` (with misses and false hits)."""
    return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
