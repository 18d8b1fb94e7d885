"""Gold sets: annotated texts, read from a folder, with their texts found beside them or in a JSONL corpus.

This module owns reading gold annotations (the facts format of ``shared/eval/FORMAT.md`` plus ``optional``,
``negative_facts``, ``notes`` and ``evidence`` offsets) and finding the text each one describes. It imports
neither spaCy nor the store. Two layouts are read, also mixed in one folder:

- ``NAME.txt`` + ``NAME.gold.json`` side by side (``shared/eval/real``, ``shared/eval/dev``);
- ``NAME.gold.json`` alone, whose ``source`` points into a corpus: ``{"corpus": "bbc", "id": "bbc-tech-012",
  "span": [0, 2817], "text_sha256": "..."}``. The text is ``record["text"][span[0]:span[1]]`` of the record with
  that ``id`` in ``CORPORA/<corpus>.jsonl`` (the whole text when there is no ``span``), and its sha256 must be
  ``text_sha256``: a changed corpus is an error, never a silent mismatch. This is how the repository keeps gold
  for third-party text without holding the text (``data/gold``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError

GOLD_SUFFIX = ".gold.json"
#: Where corpora are looked for when neither an argument nor ``KG_CORPORA`` says.
DEFAULT_CORPORA = ("../shared/corpora", "../../shared/corpora")


@dataclass(frozen=True)
class GoldDoc:
    """One annotated text: its name (file stem), gold facts, text, and the corpus it came from (if any)."""

    name: str
    gold: dict[str, Any]
    text: str
    corpus: str | None = None
    date: str | None = None

    @property
    def kind(self) -> str:
        """A short corpus family for per-corpus reports: reuters, bbc, ai-model-posts, or the name's prefix."""
        src = (self.corpus or "").lower()
        for family in ("reuters", "bbc", "ai-model-posts"):
            if src.startswith(family):
                return family
        return src or "other"


def corpora_dir(given: str | Path | None = None) -> Path | None:
    """The corpora folder: ``given``, else ``$KG_CORPORA``, else ``../shared/corpora`` if it exists."""
    if given:
        return Path(given)
    env = os.environ.get("KG_CORPORA")
    if env:
        return Path(env)
    for cand in DEFAULT_CORPORA:
        p = Path(cand)
        if p.is_dir():
            return p
    return None


class _Corpora:
    """Records of JSONL corpora by id, each file read once and only for the ids asked for."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._cache: dict[str, dict[str, dict[str, Any]]] = {}

    def record(self, corpus: str, rid: str, wanted: set[str]) -> dict[str, Any]:
        if self.folder is None:
            raise InputError(f"gold for {corpus}/{rid} points into a corpus, but no corpora folder was given "
                             "(--corpora DIR or KG_CORPORA)")
        if corpus not in self._cache:
            path = self.folder / f"{corpus}.jsonl"
            if not path.exists():
                raise InputError(f"{path}: no such corpus file (needed by the gold for {rid})")
            found: dict[str, dict[str, Any]] = {}
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    # cheap test before parsing: only records whose id is wanted are decoded
                    if not any(f'"{w}"' in line for w in wanted):
                        continue
                    rec = json.loads(line)
                    if rec.get("id") in wanted:
                        found[rec["id"]] = rec
            self._cache[corpus] = found
        try:
            return self._cache[corpus][rid]
        except KeyError:
            raise InputError(f"{self.folder / (corpus + '.jsonl')}: no record with id {rid!r}") from None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _article_date(value: Any) -> str | None:
    """The article date the extractor is given: the ISO date a gold ``source.date`` starts with. The shared format
    lets annotators write notes after it ("2025-02-27 (approx.; ...)"); a value without one gives no date."""
    m = re.match(r"\s*(\d{4}-\d{2}-\d{2})\b", str(value or ""))
    return m.group(1) if m else None


def read_gold_set(folder: str | Path, *, corpora: str | Path | None = None) -> list[GoldDoc]:
    """Every ``*.gold.json`` of ``folder`` (sorted by name) with its text. Raises :class:`InputError` for a missing
    folder, a folder without gold, unreadable JSON, a text that cannot be found, or a sha256 that does not match."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{folder}: no such gold folder")
    files = sorted(root.glob(f"*{GOLD_SUFFIX}"))
    if not files:
        raise InputError(f"{folder}: no *{GOLD_SUFFIX} files")
    golds: list[tuple[str, Path, dict[str, Any]]] = []
    for f in files:
        try:
            g = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise InputError(f"{f}: not a readable gold file ({err})") from None
        if not isinstance(g, dict):
            raise InputError(f"{f}: a gold file holds one JSON object")
        golds.append((f.name[: -len(GOLD_SUFFIX)], f, g))
    wanted: dict[str, set[str]] = {}
    for name, f, g in golds:
        src = g.get("source") or {}
        if not f.with_name(f"{name}.txt").exists() and src.get("corpus") and src.get("id"):
            wanted.setdefault(str(src["corpus"]), set()).add(str(src["id"]))
    store = _Corpora(corpora_dir(corpora) if wanted else None)
    out = []
    for name, f, g in golds:
        src = g.get("source") or {}
        txt = f.with_name(f"{name}.txt")
        if txt.exists():
            text = txt.read_text(encoding="utf-8")
        elif src.get("corpus") and src.get("id"):
            corpus, rid = str(src["corpus"]), str(src["id"])
            rec = store.record(corpus, rid, wanted[corpus])
            full = str(rec.get("text") or "")
            a, z = src.get("span") or (0, len(full))
            text = full[int(a):int(z)]
        else:
            raise InputError(f"{f}: no {name}.txt beside it and no source corpus/id to find its text")
        want = src.get("text_sha256")
        if want and sha256(text) != want:
            raise InputError(f"{f}: the text's sha256 is {sha256(text)[:12]}..., the gold expects {str(want)[:12]}... "
                             "(a different text or corpus version)")
        out.append(GoldDoc(name, g, text, corpus=src.get("corpus"), date=_article_date(src.get("date"))))
    return out


def iter_evidence(gold: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], tuple[int, int]]]:
    """``(kind, record, (start, end))`` for every evidence offset pair of the required and optional records."""
    for part in (gold, gold.get("optional") or {}):
        for kind in ("subsidiaries", "models", "investments", "programs"):
            for rec in part.get(kind) or []:
                for ev in rec.get("evidence") or []:
                    if isinstance(ev, dict) and "start" in ev and "end" in ev:
                        yield kind, rec, (int(ev["start"]), int(ev["end"]))
