"""The word lists and name shapes of extraction, read once from ``kg/extract/data``.

Pure Python (no spaCy). Owns the loading of ``lexicon.json`` and ``model_shapes.json`` and the regular expressions
built from them: the candidate features, the sentence component and the assembly rules read :func:`lexicon`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def phrase_re(words) -> re.Pattern[str]:
    """A case-insensitive regex matching any of ``words`` as whole words."""
    return re.compile(rf"(?<![\w-])(?:{_alt(words)})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    """Word lists (lower case unless said) and the name-shape patterns built from them."""

    legal_suffixes: frozenset[str]
    org_heads: frozenset[str]
    institution_heads: frozenset[str]
    unit_nouns: dict[str, str]  # 'units' -> 'unit', 'laboratory' -> 'lab'
    org_descriptors: frozenset[str]
    product_descriptors: frozenset[str]
    coref_nouns: frozenset[str]
    stop_names: frozenset[str]  # as written: 'Series A', 'API', ...
    places: frozenset[str]
    model_tiers: frozenset[str]  # as written: 'Pro', 'Max', ...
    non_model_words: frozenset[str]  # as written
    program_heads: frozenset[str]  # as written: 'Programme', 'Fund', ...
    lowercase_program_heads: frozenset[str]
    model_re: re.Pattern[str]
    program_re: re.Pattern[str]
    boilerplate: tuple[re.Pattern[str], ...]
    open_source_re: re.Pattern[str]
    closed_source_re: re.Pattern[str]
    status_res: dict[str, re.Pattern[str]]
    rumour_re: re.Pattern[str]
    planned_re: re.Pattern[str]
    completed_re: re.Pattern[str]
    parent_nouns: frozenset[str] = frozenset()  # lemmas: 'owner', 'parent' ('X's owner Y')
    parent_modifiers: frozenset[str] = frozenset()  # 'parent', 'holding' ('X's holding company, Y')
    part_nouns: frozenset[str] = frozenset()  # 'part', 'member' ('X, part of Y')


@cache
def lexicon() -> Lexicon:
    """The loaded word lists (cached per process)."""
    d = json.loads((DATA_DIR / "lexicon.json").read_text(encoding="utf-8"))
    shapes = json.loads((DATA_DIR / "model_shapes.json").read_text(encoding="utf-8"))
    subs = {"TIER": f"(?:{_alt(d['model_tiers'])})", **shapes["parts"]}
    model_src = shapes["model"]
    for _ in range(3):
        for k, v in subs.items():
            model_src = model_src.replace("{" + k + "}", v)
    program_src = shapes["program"].replace("{HEAD}", f"(?:{_alt(d['program_heads'])})")
    return Lexicon(
        legal_suffixes=frozenset(d["legal_suffixes"]),
        org_heads=frozenset(d["org_heads"]),
        institution_heads=frozenset(d["institution_heads"]),
        unit_nouns=dict(d["unit_nouns"]),
        org_descriptors=frozenset(d["org_descriptors"]),
        product_descriptors=frozenset(d["product_descriptors"]),
        coref_nouns=frozenset(d["coref_nouns"]),
        stop_names=frozenset(d["stop_names"]),
        places=frozenset(d["places"]),
        model_tiers=frozenset(d["model_tiers"]),
        non_model_words=frozenset(d["non_model_words"]),
        program_heads=frozenset(d["program_heads"]),
        lowercase_program_heads=frozenset(d["lowercase_program_heads"]),
        model_re=re.compile(model_src),
        program_re=re.compile(program_src),
        boilerplate=tuple(re.compile(p, re.IGNORECASE) for p in d["boilerplate"]),
        open_source_re=phrase_re(d["open_source_cues"]),
        closed_source_re=phrase_re(d["closed_source_cues"]),
        status_res={k: phrase_re(v) for k, v in d["status_cues"].items()},
        rumour_re=phrase_re(d["rumour_cues"]),
        planned_re=phrase_re(d["planned_cues"]),
        completed_re=phrase_re(d["completed_cues"]),
        parent_nouns=frozenset(d.get("parent_nouns", ())),
        parent_modifiers=frozenset(d.get("parent_modifiers", ())),
        part_nouns=frozenset(d.get("part_nouns", ())),
    )


def org_key(name: str) -> str:
    """Normalised identity of an organization name: case, punctuation and legal suffixes dropped.

    >>> org_key("Zentra Group Holding Ltd."), org_key("the Orbis LLC")
    ('zentra', 'orbis')
    """
    lex = lexicon()
    toks = [re.sub(r"\.(?:com|net|io|ai)$", "", t.strip(".,'’")) for t in re.findall(r"[\w&.+'’-]+", name.lower())]
    toks = [t for t in toks if t and t not in ("'s", "s")]
    if toks and toks[0] == "the":
        toks = toks[1:]
    while len(toks) > 1 and toks[-1] in lex.legal_suffixes:
        toks.pop()
    return " ".join(toks)
