"""The word lists and shape patterns of the rule layer, read once from ``kg/extract/data``.

Pure Python (no spaCy). Owns the loading of ``lexicon.json`` and ``model_shapes.json`` and the regular expressions
built from them; the spaCy components and the relation rules only read :func:`lexicon`.
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
    raw: dict
    legal_suffixes: frozenset[str]
    org_heads: frozenset[str]
    unit_heads: frozenset[str]
    implicit_unit_heads: frozenset[str]
    unit_nouns: dict[str, str]
    org_descriptors: frozenset[str]
    product_descriptors: frozenset[str]
    stop_names: frozenset[str]
    places: frozenset[str]
    coref_nouns: frozenset[str]
    model_tiers: frozenset[str]
    non_model_words: frozenset[str]
    model_cues: re.Pattern[str]
    program_heads: frozenset[str]
    program_named_only: frozenset[str]
    model_re: re.Pattern[str]
    program_re: re.Pattern[str]
    boilerplate: tuple[re.Pattern[str], ...]
    organizer_re: re.Pattern[str]
    based_on_re: re.Pattern[str]
    open_source_re: re.Pattern[str]
    closed_source_re: re.Pattern[str]
    status_res: dict[str, re.Pattern[str]]
    negation_re: re.Pattern[str]
    investment_re: re.Pattern[str]
    non_investment_re: re.Pattern[str]
    denial_re: re.Pattern[str]
    rumour_re: re.Pattern[str]
    planned_re: re.Pattern[str]
    completed_re: re.Pattern[str]
    announced_re: re.Pattern[str]
    product_list_re: re.Pattern[str]
    corporate_verbs: frozenset[str]
    person_cues: frozenset[str]
    sentence_starters: frozenset[str]
    hardware_words: frozenset[str]
    owned_descriptors: frozenset[str]
    lowercase_program_heads: frozenset[str]


@cache
def lexicon() -> Lexicon:
    """The loaded word lists (cached per process)."""
    d = json.loads((DATA_DIR / "lexicon.json").read_text(encoding="utf-8"))
    shapes = json.loads((DATA_DIR / "model_shapes.json").read_text(encoding="utf-8"))
    tiers = _alt(d["model_tiers"])
    subs = {"TIER": f"(?:{tiers})"}
    model_src = shapes["model"]
    for k, v in shapes["parts"].items():
        subs[k] = v
    for _ in range(3):
        for k, v in subs.items():
            model_src = model_src.replace("{" + k + "}", v)
    heads = _alt(d["program_heads"])
    program_src = shapes["program"].replace("{HEAD}", f"(?:{heads})")
    return Lexicon(
        raw=d,
        legal_suffixes=frozenset(d["legal_suffixes"]),
        org_heads=frozenset(d["org_heads"]),
        unit_heads=frozenset(d["unit_heads"]),
        implicit_unit_heads=frozenset(d["implicit_unit_heads"]),
        unit_nouns=dict(d["unit_nouns"]),
        org_descriptors=frozenset(d["org_descriptors"]),
        product_descriptors=frozenset(d["product_descriptors"]),
        stop_names=frozenset(d["stop_names"]),
        places=frozenset(d["places"]),
        coref_nouns=frozenset(d["coref_nouns"]),
        model_tiers=frozenset(d["model_tiers"]),
        non_model_words=frozenset(d["non_model_words"]),
        model_cues=phrase_re(d["model_cues"]),
        program_heads=frozenset(d["program_heads"]),
        program_named_only=frozenset(d["program_named_only"]),
        model_re=re.compile(model_src),
        program_re=re.compile(program_src),
        boilerplate=tuple(re.compile(p, re.IGNORECASE) for p in d["boilerplate"]),
        organizer_re=phrase_re(d["organizer_triggers"]),
        based_on_re=phrase_re(d["based_on_triggers"]),
        open_source_re=phrase_re(d["open_source_cues"]),
        closed_source_re=phrase_re(d["closed_source_cues"]),
        status_res={k: phrase_re(v) for k, v in d["status_cues"].items()},
        negation_re=phrase_re(d["negation_cues"]),
        investment_re=phrase_re(d["investment_triggers"]),
        non_investment_re=phrase_re(d["non_investment_cues"]),
        denial_re=phrase_re(d["denial_cues"]),
        rumour_re=phrase_re(d["rumour_cues"]),
        planned_re=phrase_re(d["planned_cues"]),
        completed_re=phrase_re(d["completed_cues"]),
        announced_re=phrase_re(d["announced_cues"]),
        product_list_re=phrase_re(d["product_list_cues"]),
        corporate_verbs=frozenset(d["corporate_verbs"]),
        person_cues=frozenset(d["person_cues"]),
        sentence_starters=frozenset(d["sentence_starters"]),
        hardware_words=frozenset(d["hardware_words"]),
        owned_descriptors=frozenset(d["owned_descriptors"]),
        lowercase_program_heads=frozenset(d["lowercase_program_heads"]),
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
