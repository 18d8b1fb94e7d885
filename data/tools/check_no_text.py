"""Fail when a repository gold file holds a run of the text it describes (8+ words copied verbatim).

    python data/tools/check_no_text.py data/gold --corpora ../shared/corpora

Only prose fields (notes, negative-fact descriptions and reasons) are checked: names and targets are facts.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from kg.gold import read_gold_set

PROSE = {"notes", "description", "why"}  # people's words; fact fields (names, targets) may quote a phrase


def strings(x, prose=False):
    if isinstance(x, str):
        if prose:
            yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from strings(v, prose or k in PROSE)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v, prose)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--corpora", default=None)
    ap.add_argument("--words", type=int, default=8)
    a = ap.parse_args()
    bad = 0
    for split in sorted(p for p in a.root.iterdir() if p.is_dir()):
        for doc in read_gold_set(split, corpora=a.corpora):
            flat = " ".join(doc.text.split())
            for s in strings(doc.gold):
                words = s.split()
                for i in range(0, max(len(words) - a.words + 1, 0)):
                    run = " ".join(words[i:i + a.words])
                    if all(w[:1].isupper() or w[:1].isdigit() for w in words[i:i + a.words]):
                        continue  # a list of names (benchmarks, models) is facts, not a sentence
                    if re.search(r"\w", run) and run in flat:
                        print(f"{split.name}/{doc.name}: copies {run!r}")
                        bad += 1
                        break
    print(f"{bad} copied run(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
