"""Turn annotators' gold files (texts beside them, evidence as quotes) into the repository's gold (no text).

    python data/tools/import_gold.py BATCH_DIR [BATCH_DIR ...] --out data/gold

For each ``ID.gold.json`` next to ``ID.txt`` and ``ID.source.json``: every ``evidence`` quote becomes
``{"start", "end"}`` offsets into the text (the first place the quote occurs, white space matched loosely), the
``source`` keeps corpus, id, date, span and sha256 only, and the file goes to ``OUT/<split>/ID.gold.json``.
A quote that cannot be found is an error. Quotes and titles never reach the repository: the texts stay in
``../shared/corpora``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

KEEP_SOURCE = ("corpus", "id", "date", "span", "text_sha256")


def locate(quote: str, text: str) -> tuple[int, int] | None:
    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


def convert(rec: dict, text: str, where: str) -> dict:
    out = dict(rec)
    if "evidence" in rec:
        spans = []
        for q in rec.get("evidence") or []:
            if isinstance(q, dict):
                spans.append(q)
                continue
            loc = locate(str(q), text)
            if loc is None:
                raise SystemExit(f"{where}: evidence quote not found: {q!r}")
            spans.append({"start": loc[0], "end": loc[1]})
        out["evidence"] = spans
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("batches", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    n = 0
    for batch in a.batches:
        for gf in sorted(batch.glob("*.gold.json")):
            stem = gf.name[: -len(".gold.json")]
            text = gf.with_name(f"{stem}.txt").read_text(encoding="utf-8")
            meta = json.loads(gf.with_name(f"{stem}.source.json").read_text(encoding="utf-8"))
            gold = json.loads(gf.read_text(encoding="utf-8"))
            assert hashlib.sha256(text.encode()).hexdigest() == meta["text_sha256"], gf
            gold["source"] = {k: meta[k] for k in KEEP_SOURCE if k in meta}
            for part in (gold, gold.get("optional") or {}):
                for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
                    part[kind] = [convert(r, text, f"{gf}:{kind}") for r in part.get(kind) or []]
            dest = a.out / meta["split"] / gf.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            n += 1
    print(f"{n} gold files -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
