"""Choose the real texts to annotate and split them into train / dev / test (run once; the output is the manifest).

Texts come from ``../shared/corpora`` (never copied into the repository). Relation-rich texts are favoured by a
keyword score (units, purchases, stakes, funding, model sizes, programmes); within each corpus the choice is a
seeded random draw among the top-scoring candidates, so the selection is reproducible:

    python data/tools/select_texts.py ../shared/corpora data/gold/MANIFEST.json

AI blog posts are long; each is cut to an excerpt: the title plus whole paragraphs (never inside a code fence)
until at least 3,000 characters. The manifest records ``span`` = [start, end] into the record's text.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261201
SIZES = {  # corpus file stem -> (train, dev, test)
    "reuters21578-acq": (60, 16, 24),
    "bbc": (50, 15, 22),
    "ai-model-posts": (45, 15, 22),
}
ALREADY_ANNOTATED = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "real"

CUES = {
    "reuters21578-acq": r"\b(unit|subsidiary|division|acquir\w*|stake|purchase\w*|buy\w*|sell\w*|sold|owned|"
    r"mln dlrs|stg)\b",
    "bbc": r"\b(unit|subsidiary|division|arm|acquir\w*|takeover|stake|bought|buy\w*|sold|owned|invest\w*|"
    r"billion|bn|m)\b",
    "ai-model-posts": r"(\b\d+(\.\d+)?\s?[BM]\b|\bbillion parameters\b|\bopen[- ]source\w*\b|\bopen weights?\b|"
    r"\bbased on\b|\bfine-tuned\b|\breleas\w+\b|\bprogram(me)?\b)",
}


def excerpt_end(text: str, minimum: int = 3000) -> int:
    """End offset of the title plus whole paragraphs until ``minimum`` characters, never inside a code fence."""
    pos, fence = 0, False
    for m in re.finditer(r"\n\s*\n", text):
        chunk = text[pos : m.start()]
        fence ^= chunk.count("```") % 2 == 1
        pos = m.end()
        if not fence and m.start() >= minimum:
            return m.start()
    return len(text)


def score(text: str, stem: str) -> float:
    hits = len(re.findall(CUES[stem], text, flags=re.I))
    return hits / max(len(text) / 1000, 1.0)


def eligible(records: list[dict], stem: str, skip_ids: set[str], seen_titles: set[str]):
    """(record, end, text) of each record worth annotating: not in ``skip_ids``, no duplicate, a title not seen yet
    (``seen_titles`` grows), the text cut to an excerpt for posts and of a readable length otherwise."""
    for r in records:
        title = r["title"].strip().lower()
        if r["id"] in skip_ids or r.get("duplicate_of") or title in seen_titles:
            continue
        seen_titles.add(title)
        end = excerpt_end(r["text"]) if stem == "ai-model-posts" else len(r["text"])
        text = r["text"][:end]
        if stem != "ai-model-posts" and not 300 <= len(text) <= 4500:
            continue
        yield r, end, text


def main(corpora: Path, out: Path) -> None:
    done = {json.loads(p.read_text())["source"]["id"] for p in ALREADY_ANNOTATED.glob("*.gold.json")}
    rng = random.Random(SEED)
    manifest = []
    for stem, (n_train, n_dev, n_test) in SIZES.items():
        records = [json.loads(line) for line in (corpora / f"{stem}.jsonl").open(encoding="utf-8")]
        pool = [(score(text, stem), r["id"], end, text) for r, end, text in eligible(records, stem, done, set())]
        pool.sort(key=lambda t: (-t[0], t[1]))
        need = n_train + n_dev + n_test
        top = pool[: int(need * 1.6)]
        chosen = rng.sample(top, need)
        for i, (_, rid, end, text) in enumerate(chosen):
            split = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
            manifest.append({
                "corpus": stem, "id": rid, "split": split, "span": [0, end],
                "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            })
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(manifest)} texts -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
