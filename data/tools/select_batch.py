"""Draw a new batch of real texts to annotate (a new blind test), disjoint from everything in the manifest.

    python data/tools/select_batch.py ../shared/corpora data/gold/MANIFEST.json test3 /tmp/batches \
        --sizes reuters21578-acq=22 bbc=22 ai-model-posts=22 --seed 20261202

Uses the same relation-rich score and excerpt rule as ``select_texts.py``, draws (seeded) among the top
candidates that no split holds yet, appends the draw to the manifest with ``split`` = the batch name, and writes
one folder per corpus under OUT with ``ID.txt`` (the text, for the annotators; never committed) and
``ID.source.json`` (corpus, id, date, span, sha256, split) beside it, as ``import_gold.py`` expects.
For BBC, tech articles are drawn as well as business ones (half each), since models and programmes in plain
prose are mostly in tech news.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

from select_texts import ALREADY_ANNOTATED, eligible, score


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", type=Path)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("batch")
    ap.add_argument("out", type=Path)
    ap.add_argument("--sizes", nargs="+", required=True, help="STEM=N per corpus")
    ap.add_argument("--seed", type=int, required=True)
    a = ap.parse_args()
    manifest = json.loads(a.manifest.read_text(encoding="utf-8"))
    taken = {m["id"] for m in manifest}
    taken |= {json.loads(p.read_text())["source"]["id"] for p in ALREADY_ANNOTATED.glob("*.gold.json")}
    rng = random.Random(a.seed)
    added = []
    for spec in a.sizes:
        stem, n = spec.split("=")
        records = [json.loads(line) for line in (a.corpora / f"{stem}.jsonl").open(encoding="utf-8")]
        seen_titles = {r["title"].strip().lower() for r in records if r["id"] in taken}
        groups: dict[str, list] = {}
        for r, end, text in eligible(records, stem, taken, seen_titles):
            group = r["id"].split("-")[1] if stem == "bbc" else stem
            groups.setdefault(group, []).append((score(text, stem), r["id"], end, text, r))
        share = {g: int(n) // len(groups) + (i < int(n) % len(groups)) for i, g in enumerate(sorted(groups))}
        for group in sorted(groups):
            pool = sorted(groups[group], key=lambda t: (-t[0], t[1]))
            need = share[group]
            for _, rid, end, text, r in rng.sample(pool[: int(need * 1.6)], need):
                meta = {
                    "corpus": stem, "id": rid, "split": a.batch, "span": [0, end],
                    "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                }
                added.append(meta)
                folder = a.out / stem
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{rid}.txt").write_text(text, encoding="utf-8")
                (folder / f"{rid}.source.json").write_text(
                    json.dumps({**meta, "date": r.get("date"), "title": r["title"]}, indent=1) + "\n",
                    encoding="utf-8")
    manifest.extend(added)
    a.manifest.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(added)} texts -> {a.out} (split {a.batch})")


if __name__ == "__main__":
    main()
