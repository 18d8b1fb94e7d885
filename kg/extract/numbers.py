"""The number and currency grammar: amounts, money, parameter counts and periods in plain text.

Pure Python on purpose (no spaCy), so it is fast to test and to reuse. The word lists (number words, scale words,
qualifiers, currency markers) live in ``kg/extract/data/numbers.json`` and ``currency.json``; this module owns the
regular grammar built from them and nothing else. Offsets returned are character offsets into the string given.

>>> parse_number("12,345 crore")
123450000000.0
>>> parse_number("eight billion")
8000000000.0
>>> [(m.amount, m.currency) for m in find_money("a plan to invest 250 billion yuan (US$34.5 billion)")]
[(250000000000.0, 'CNY'), (34500000000.0, 'USD')]
>>> parse_period("over the next three years")
3.0
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"


@cache
def _load(name: str) -> dict:
    return json.loads((_DATA / name).read_text(encoding="utf-8"))


def _alt(words: list[str] | set[str]) -> str:
    """Regex alternation, longest first so that 'lakh crore' wins over 'lakh'."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUMERIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


@dataclass(frozen=True)
class _Grammar:
    units: dict[str, float]
    scales: dict[str, float]
    qualifiers: dict[str, str]
    num: str
    scale_word: str
    item: re.Pattern[str]
    money: re.Pattern[str]
    prefix: dict[str, str]
    suffix: dict[str, str]
    qualifier_re: re.Pattern[str]


@cache
def _grammar() -> _Grammar:
    n = _load("numbers.json")
    c = _load("currency.json")
    units = {k: float(v) for k, v in n["units"].items()}
    scales = {k: float(v) for k, v in n["scales"].items()}
    words = _alt([w for w in units if w not in ("a", "an", "half a")])
    word_num = rf"(?:{words})(?:[- ](?:{words}))?"
    num = rf"(?:{_NUMERIC}|(?:a|an|half a)(?=\s+(?:{_alt([s for s in scales if len(s) > 2])})\b)|{word_num})"
    long_scales = [s for s in scales if len(s) > 1]
    short_scales = [s for s in scales if len(s) == 1]
    scale_word = rf"(?:\s?(?:{_alt(long_scales)})|(?:{_alt(short_scales)}))"
    # an amount: number with an optional scale; a glued shorthand like 8B, 1.5bn, 8x7B
    # a count may also be hyphenated to its scale: "a 13-billion-parameter model"
    count_scale = rf"(?:[\s-]?(?:{_alt(long_scales)})|(?:{_alt(short_scales)}))"
    item = re.compile(
        rf"(?<![\w.$€£¥₹₩])(?P<num>(?:\d+x)?(?:{num}))(?P<scale>{count_scale})?(?![\w])", re.IGNORECASE
    )
    prefix = c["prefix"]
    suffix = c["suffix"]
    alpha_pre = [p for p in prefix if p[0].isalpha()]
    sym_pre = [p for p in prefix if not p[0].isalpha()]
    pre = rf"(?:(?<![A-Za-z])(?:{_alt(alpha_pre)})|{_alt(sym_pre)})"
    money = re.compile(
        rf"(?:(?P<pre>{pre})\s?(?P<num>{num})(?P<scale>{scale_word})?(?![\w])(?:\s(?P<suf>{_alt(suffix)})\b)?"
        rf"|(?<![\w.])(?P<num2>{num})(?P<scale2>{scale_word})?\s(?P<suf2>{_alt(suffix)})\b)",
        re.IGNORECASE,
    )
    qualifier_re = re.compile(rf"\b(?P<q>{_alt(n['qualifiers'])})\s*$", re.IGNORECASE)
    return _Grammar(units, scales, n["qualifiers"], num, scale_word, item, money, prefix, suffix, qualifier_re)


def _scale_value(scale: str | None) -> float:
    if not scale:
        return 1.0
    s = scale.strip(" -").lower()
    g = _grammar()
    return g.scales.get(s, 1.0)


def _base_value(num: str) -> float | None:
    g = _grammar()
    s = num.strip().lower().replace(",", "")
    mult = 1.0
    m = re.match(r"^(\d+)x(.+)$", s)
    if m:  # 8x7 (mixture of experts shorthand): experts times size
        mult, s = float(m.group(1)), m.group(2)
    try:
        return mult * float(s)
    except ValueError:
        pass
    if s in g.units:
        return mult * g.units[s]
    parts = re.split(r"[- ]", s)
    if len(parts) == 2 and all(p in g.units for p in parts):
        return mult * (g.units[parts[0]] + g.units[parts[1]])
    return None


def parse_number(text: str) -> float | None:
    """Value of a number with an optional scale word: '64 billion', '2.5 lakh crore', '8B', 'two trillion'.

    >>> parse_number("2.5 lakh crore")
    2500000000000.0
    >>> parse_number("8x7B")
    56000000000.0
    >>> parse_number("hello") is None
    True
    """
    m = _grammar().item.fullmatch(text.strip())
    if not m:
        return None
    base = _base_value(m.group("num"))
    if base is None:
        return None
    return round(base * _scale_value(m.group("scale")), 4)


@dataclass(frozen=True)
class Money:
    """An amount of money in ``text[start:end]``."""

    start: int
    end: int
    text: str
    amount: float
    currency: str
    qualifier: str | None = None


def resolve_yen(context: str) -> str:
    """'¥' means CNY or JPY: decided by which country's words the context uses (JPY when none)."""
    ctx = context.lower()
    hits = {cur: sum(ctx.count(w) for w in words) for cur, words in _load("currency.json")["yen_context"].items()}
    return "CNY" if hits.get("CNY", 0) > hits.get("JPY", 0) else "JPY"


def resolve_by_context(marker: str, context: str) -> str:
    """'francs' and 'crowns' name several currencies: decided by the country words of the context.

    >>> resolve_by_context("?FRANC", "the Swiss group paid 30 mln francs"), resolve_by_context("?FRANC", "")
    ('CHF', 'FRF')
    """
    c = _load("currency.json")
    table = c.get(marker[1:].lower() + "_context", {})
    ctx = context.lower()
    hits = {cur: sum(ctx.count(w) for w in words) for cur, words in table.items()}
    best = max(hits, key=lambda k: hits[k], default=None)
    return best if best is not None and hits[best] > 0 else c["context_defaults"][marker]


def qualifier_before(text: str) -> str | None:
    """The qualifier ('at least', 'up to', 'about', ...) that ends ``text``, normalised, if any.

    >>> qualifier_before("a plan to put at least ")
    'at least'
    """
    g = _grammar()
    m = g.qualifier_re.search(text[-30:])
    return g.qualifiers[m.group("q").lower()] if m else None


def find_money(text: str, *, context: str | None = None) -> list[Money]:
    """Every amount with a currency marker, in order. ``context`` (default ``text``) resolves '¥'.

    >>> [(m.amount, m.currency) for m in find_money("Rs 12,345 crore and 60 trillion won and £300m")]
    [(123450000000.0, 'INR'), (60000000000000.0, 'KRW'), (300000000.0, 'GBP')]
    """
    g = _grammar()
    out: list[Money] = []
    for m in g.money.finditer(text):
        num = m.group("num") or m.group("num2")
        scale = m.group("scale") if m.group("num") else m.group("scale2")
        base = _base_value(num)
        if base is None:
            continue
        pre, suf = m.group("pre"), m.group("suf") or m.group("suf2")
        cur = None
        if suf:
            cur = next((v for k, v in g.suffix.items() if k.lower() == suf.lower()), None)
        if pre and (cur is None or pre.strip() not in ("$",)):
            cur = next((v for k, v in g.prefix.items() if k.lower() == pre.lower()), cur)
        if cur is None:
            continue
        if cur == "?YEN":
            cur = resolve_yen(context if context is not None else text)
        elif cur.startswith("?"):
            cur = resolve_by_context(cur, context if context is not None else text)
        # a bare number with a one-letter scale and no currency word is too ambiguous ("5 m")
        end = m.end()
        if m.group("num2") and not suf:
            continue
        out.append(Money(m.start(), end, text[m.start():end], round(base * _scale_value(scale), 4), cur,
                         qualifier_before(text[: m.start()])))
    return out


@dataclass(frozen=True)
class ParamGroup:
    """Parameter counts stated together: one size, a list of sizes or a range, in ``text[start:end]``.

    ``explicit``: the word 'parameters' goes with it; ``shorthand``: written like 8B; ``role``: 'active' or
    'total' when the text says; ``excluded``: it counts tokens, words or the like, not parameters.
    """

    start: int
    end: int
    kind: str
    values: tuple[int, ...]
    explicit: bool
    shorthand: bool
    role: str | None
    excluded: bool


_CONN_LIST = re.compile(r"^(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)$", re.IGNORECASE)
_CONN_RANGE = re.compile(r"^\s*(?:to|-|–|—)\s+(?:more than\s+|over\s+|nearly\s+)?$|^(?:-|–)$", re.IGNORECASE)
_PARAM_AFTER = re.compile(r"^[\s-]*(?:(?P<role>total|active|activated)\s+)?(?:parameters?|params?)\b", re.IGNORECASE)
_ACTIVE_AFTER = re.compile(r"^\s*(?:\w+\s+){0,2}(?:are|is|get|being)\s+(?:activated|active)\b", re.IGNORECASE)
_EXCLUDED_AFTER = re.compile(
    r"^[\s-]*(?:\w+[\s-]+){0,2}(?:tokens?|words?|images?|hours?|users?|downloads?|models|characters?|"
    r"people|employees|pages?|documents?|examples?|GPUs?|chips?|times|years?|dollars?|yuan|won|yen|euros?)\b",
    re.IGNORECASE,
)
_PER_TOKEN = re.compile(r"\s*(?:per|for each|each|for every)\s+token", re.IGNORECASE)
_PARAMS_BEFORE = re.compile(r"parameters?\s+(?:\w+\s+){0,3}$", re.IGNORECASE)


def find_parameters(text: str) -> list[ParamGroup]:
    """Groups of parameter-like counts in ``text``: '70 billion parameters', '8B and 70B', 'from 600 million to
    64 billion', '300 billion total parameters, of which 45 billion are activated'.

    >>> [(g.kind, g.values) for g in find_parameters("sizes from 600 million to 64 billion parameters")]
    [('range', (600000000, 64000000000))]
    >>> [(g.kind, g.values, g.shorthand) for g in find_parameters("in 8B and 70B sizes")]
    [('sizes', (8000000000, 70000000000), True)]
    """
    g = _grammar()
    items = []
    for m in g.item.finditer(text):
        base = _base_value(m.group("num"))
        if base is None:
            continue
        scale = m.group("scale")
        sv = _scale_value(scale) if scale else None
        if sv is not None and sv < 1e6:
            continue  # 'thousand' or 'k' is never a parameter count we report
        short = bool(scale) and not scale.startswith(" ") and len(scale.strip()) == 1
        items.append((m.start(), m.end(), base, sv, short))
    groups: list[list] = []
    conns: list[list[str]] = []
    for it in items:
        if groups:
            between = text[groups[-1][-1][1]: it[0]]
            if _CONN_LIST.match(between) or _CONN_RANGE.match(between):
                groups[-1].append(it)
                conns[-1].append("range" if _CONN_RANGE.match(between) else "list")
                continue
        groups.append([it])
        conns.append([])
    out: list[ParamGroup] = []
    for grp, cs in zip(groups, conns, strict=True):
        # bare numbers borrow the scale of the next scaled number ("7 and 13 billion")
        values: list[int] = []
        next_scale = None
        for it in reversed(grp):
            sv = it[3] if it[3] is not None else next_scale
            next_scale = sv if sv is not None else next_scale
            values.append(round(it[2] * sv) if sv is not None else -1)
        values.reverse()
        if any(v < 0 for v in values) or not values:
            continue
        start, end = grp[0][0], grp[-1][1]
        before = text[max(0, start - 60): start]
        after = text[end: end + 60]
        is_range = "range" in cs or bool(re.search(r"\b(?:from|between)\s+$", before, re.IGNORECASE))
        kind = "range" if is_range and len(values) == 2 else ("sizes" if len(values) > 1 else "one")
        pm = _PARAM_AFTER.match(after)
        explicit = bool(pm) or bool(_PARAMS_BEFORE.search(before))
        role = None
        if pm and pm.group("role"):
            role = "total" if pm.group("role").lower() == "total" else "active"
        elif (_ACTIVE_AFTER.match(after) or re.search(r"\b(?:active|activated)\s+$", before, re.IGNORECASE)
              or (pm and _PER_TOKEN.match(after[pm.end():]))):
            role = "active"
        excluded = not pm and bool(_EXCLUDED_AFTER.match(after))
        shorthand = all(it[4] for it in grp) and all(it[3] == 1e9 or it[3] == 1e6 for it in grp)
        out.append(ParamGroup(start, end, kind, tuple(values), explicit, shorthand, role, excluded))
    return out


_PERIOD = re.compile(
    r"\b(?:over|in|during|within|across|for)\s+(?:the\s+)?(?:next|coming|following|past)?\s*"
    r"(?P<n>[\w.-]+)(?:\s+(?:to|-)\s+(?P<n2>[\w.]+))?\s+years?\b",
    re.IGNORECASE,
)


def parse_period(text: str) -> float | None:
    """Years of the first future period in ``text`` ('over the next three years' -> 3; a range gives None).

    >>> parse_period("within 5 years"), parse_period("over the next decade"), parse_period("five to seven years")
    (5.0, 10.0, None)
    """
    if re.search(r"\b(?:over|in|within)\s+the\s+(?:next|coming)\s+decade\b", text, re.IGNORECASE):
        return 10.0
    for m in _PERIOD.finditer(text):
        if m.group("n2"):
            return None
        if "past" in m.group(0).lower():
            continue
        v = _base_value(m.group("n"))
        if v is not None and 0 < v <= 100:
            return float(v)
    return None
