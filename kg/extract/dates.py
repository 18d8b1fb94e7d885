"""The date grammar: investment periods and announcement days in plain text, resolved against the article date.

Pure Python on purpose (no spaCy), like :mod:`kg.extract.numbers`. The words (months, weekdays, "last"/"this"/
"next", quarters and halves, period units, prepositions) live in ``kg/extract/data/dates.json``; this module owns
the regular grammar built from them and the calendar arithmetic, nothing else.

A period is a closed range of ISO dates ``start .. end``; either end may be unknown (``None``). Rules:

- a duration runs from the article date: "over the next three years" from 2025-02-24 is 2025-02-24 .. 2028-02-24
  (the same day N years later, clamped to the month's last day); "over the past two years" ends on the article date;
- a calendar reference covers the whole of it: "in 2026" is 2026-01-01 .. 2026-12-31, "next year", "in the first
  quarter of 2027", "in the second half of next year", "in March 2026";
- a deadline starts on the article date and ends with its reference: "by 2027" is date .. 2027-12-31, "by the end
  of next year", "by mid-2026" (30 June); "since 2019" runs the other way, 2019-01-01 .. date;
- a start anchor ("starting in 2026") moves the start of a duration: "three years starting in 2026" is
  2026-01-01 .. 2028-12-31;
- without an article date, only what the text fixes resolves: "in 2026" and "in Q3 2026" fully, "by 2027" its end;
  relative phrases ("next year", "over the next three years", "in the first quarter") give nothing.

>>> str(find_period("to invest $5bn over the next three years", on="2025-02-24"))
'2025-02-24..2028-02-24'
>>> str(find_period("in the second half of next year", on="2025-02-24"))
'2026-07-01..2026-12-31'
>>> str(find_period("by 2027")), find_period("next year") is None
('..2027-12-31', True)
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"

DateLike = str | dt.date


def article_date(value: DateLike | None) -> dt.date | None:
    """The article date as a :class:`datetime.date`: a date, or an ISO date or date-time string ('2025-02-24',
    '2025-02-24T08:30:00Z'); ``None`` stays ``None``. Anything else raises :class:`kg.errors.InputError`.

    >>> article_date("2025-02-24T08:30:00+01:00"), article_date(None)
    (datetime.date(2025, 2, 24), None)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    from kg.corpus import normalise_date

    return dt.date.fromisoformat(normalise_date(str(value)))


@cache
def _words() -> dict:
    return json.loads((_DATA / "dates.json").read_text(encoding="utf-8"))


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _ialt(words) -> str:
    """Alternation that ignores case (prepositions and relative words), as a scoped inline flag."""
    return f"(?i:{_alt(words)})"


# --- calendar arithmetic -------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the last day of the target month.

    >>> add_months(dt.date(2024, 2, 29), 12), add_months(dt.date(2025, 1, 31), 1), add_months(dt.date(2025, 3, 15), -3)
    (datetime.date(2025, 2, 28), datetime.date(2025, 2, 28), datetime.date(2024, 12, 15))
    """
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_range(year: int, first: int, months: int) -> tuple[dt.date, dt.date]:
    """First and last day of ``months`` months starting with month ``first`` of ``year``."""
    start = dt.date(year, first, 1)
    return start, add_months(start, months) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A resolved period in ``text[offset:end_offset]``: ``start .. end`` inclusive, either may be ``None``."""

    start: dt.date | None
    end: dt.date | None
    offset: int = 0
    end_offset: int = 0
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.start.isoformat() if self.start else ''}..{self.end.isoformat() if self.end else ''}"

    @property
    def start_iso(self) -> str | None:
        return self.start.isoformat() if self.start else None

    @property
    def end_iso(self) -> str | None:
        return self.end.isoformat() if self.end else None


# --- the grammar ---------------------------------------------------------------------------------------------------

_YEAR = (r"(?<![\d$€£¥.,])(?:19|20)\d{2}(?!\d|,\d|%|\.\d)"
         r"(?!\s?(?i:million|billion|trillion|thousand|crore|lakh|bn|mn|m\b|b\b|k\b))")


@dataclass(frozen=True)
class _Grammar:
    # each: (kind, compiled pattern), in priority order; the pattern's groups are read by _resolve
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    anchor: re.Pattern[str]
    weekday: re.Pattern[str]
    day_word: re.Pattern[str]
    month_day: re.Pattern[str]
    not_after: re.Pattern[str]


def _when(tag: str) -> str:
    """A calendar reference, its groups prefixed with ``tag``: a part of a year (quarter, half, Q3, H2, a month, the
    start/middle/end), or a year (2026, next year, the year)."""
    w = _words()
    rel = _ialt(w["relative_years"])
    ordinal = _ialt(w["ordinals"])
    part = _ialt(w["parts"])
    month = _alt(w["months"])
    counter = iter(range(10))

    def year() -> str:
        k = next(counter)
        return (rf"(?:(?P<{tag}y{k}>{_YEAR})|(?P<{tag}rel{k}>{rel})\s+(?i:year)|(?i:the\s+(?:current\s+)?year)"
                r"|(?i:year[- ]end))")

    def of_year() -> str:
        return rf"(?:\s+(?i:of)\s+(?:(?i:the)\s+)?{year()}|\s+{year()})"

    return (
        rf"(?:(?:(?i:the)\s+)?(?P<{tag}ord>{ordinal})\s+(?:(?i:calendar)\s+)?(?P<{tag}part>{part})(?:{of_year()})?"
        rf"|(?P<{tag}qh>[QH])(?P<{tag}qn>[1-4])(?:{of_year()})?"
        rf"|(?P<{tag}month>{month})\b\.?(?:\s+{year()})?"
        rf"|(?:(?i:the)\s+)?(?P<{tag}edge>(?i:start|beginning|middle|end))\s+(?i:of)\s+{year()}"
        rf"|(?P<{tag}mid>(?i:mid|early|late|end))-?\s?{year()}"
        rf"|{year()})"
    )


@cache
def _grammar() -> _Grammar:
    w = _words()
    from kg.extract.numbers import _grammar as numbers_grammar

    num = numbers_grammar().num
    fut, past = _ialt(w["future"]), _ialt(w["past"])
    units = _ialt(w["units_in_months"])
    dur_prep = _ialt(w["duration_prepositions"])
    duration = re.compile(
        rf"\b{dur_prep}\s+(?P<the>(?i:the)\s+)?(?:(?P<fut>{fut})|(?P<past>{past}))?\s*(?P<n>(?i:{num}))?\s*"
        rf"(?P<unit>{units})\b"
    )
    adjective = re.compile(
        rf"\b(?P<n>(?i:{num}))[- ](?P<unit>(?i:year|month|decade))(?:,?\s+|-)(?:(?i:long)\s+)?"
        rf"(?:[\w$€£¥,.]+\s+){{0,3}}?"
        rf"(?P<noun>{_ialt(w['plan_nouns'])})s?\b"
    )
    span = re.compile(
        rf"\b(?i:between|from)\s+(?P<y1>{_YEAR})\s+(?i:and|to|through|until|till)\s+(?P<y2>{_YEAR})"
        rf"|(?<![\w$€£¥.,])(?P<y3>{_YEAR})\s?(?:-|–)\s?(?P<y4>{_YEAR}|\d{{2}})(?![\d,%])"
    )
    deadline = re.compile(
        rf"\b{_ialt(w['deadline_prepositions'])}\s+(?:(?i:the\s+)?(?i:end)(?:\s+(?i:of)|-)\s*)?{_when('d')}"
    )
    within = re.compile(rf"\b{_ialt(w['in_prepositions'])}\s+{_when('i')}")
    since = re.compile(rf"\b{_ialt(w['since_prepositions'])}\s+{_when('s')}")
    bare = re.compile(rf"\b(?P<rel>{_ialt(w['relative_years'])})\s+(?i:year)\b")
    bare_part = re.compile(rf"\b{_when('p')}")
    anchor = re.compile(rf"\b{_ialt(w['start_prepositions'])}\s+(?:(?i:in)\s+)?{_when('a')}")
    weekday = re.compile(rf"\b(?P<pre>(?i:on|last|next|this)\s+)?(?P<wd>{_alt(w['weekdays'])})\b")
    day_word = re.compile(rf"\b(?P<dw>{_ialt(w['relative_days'])})\b")
    months = _alt(w["months"])
    month_day = re.compile(
        rf"\b(?i:on)\s+(?:(?P<m1>{months})\b\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{months})\b\.?)(?:,?\s+(?P<y>{_YEAR}))?(?!\d)"
    )
    patterns = (("duration", duration), ("adjective", adjective), ("span", span), ("deadline", deadline),
                ("since", since), ("within", within), ("bare", bare), ("part", bare_part))
    not_after = re.compile(rf"\b{_ialt(w['not_after'])}\s+$")
    return _Grammar(patterns, anchor, weekday, day_word, month_day, not_after)


# --- resolving one reference ---------------------------------------------------------------------------------------


def _year_of(m: re.Match[str], tag: str, on: dt.date | None) -> int | None:
    """The year a reference names: explicit, relative to ``on``, or ``on``'s year for 'the year'/'year-end'/none."""
    groups = m.groupdict()
    for k, v in groups.items():
        if v and k.startswith(f"{tag}y") and k[len(tag) + 1:].isdigit():
            return int(v)
    if on is None:
        return None
    for k, v in groups.items():
        if v and k.startswith(f"{tag}rel"):
            return on.year + int(_words()["relative_years"][v.lower()])
    return on.year


def _when_range(m: re.Match[str], tag: str, on: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """First and last day of the calendar reference matched with groups ``tag``."""
    w = _words()
    year = _year_of(m, tag, on)
    if year is None:
        return None
    ordinal, part = m.group(f"{tag}ord"), m.group(f"{tag}part")
    if ordinal and part:
        size = int(w["parts"][part.lower()])
        n = int(w["ordinals"][ordinal.lower()])
        if n * size > 12:
            return None  # "the third half"
        return _month_range(year, 1 + (n - 1) * size, size)
    qh = m.group(f"{tag}qh")
    if qh:
        size, n = (3 if qh == "Q" else 6), int(m.group(f"{tag}qn"))
        if n * size > 12:
            return None
        return _month_range(year, 1 + (n - 1) * size, size)
    month = m.group(f"{tag}month")
    if month:
        return _month_range(year, int(w["months"][month]), 1)
    edge = (m.group(f"{tag}edge") or m.group(f"{tag}mid") or "").lower()
    if edge in ("start", "beginning", "early"):
        return _month_range(year, 1, 6) if edge == "early" else _month_range(year, 1, 1)
    if edge in ("middle", "mid"):
        return dt.date(year, 6, 30), dt.date(year, 6, 30)
    if edge in ("end", "late"):
        return _month_range(year, 7, 6) if edge == "late" else _month_range(year, 12, 1)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _duration_months(kind: str, m: re.Match[str]) -> int | None:
    """Whole months of a duration match ('over the next three years' -> 36), None when it is not a duration: 'for
    years' has no count, 'for next year' (no 'the', no count) is a calendar year."""
    from kg.extract.numbers import _base_value

    n_text = m.group("n")
    if kind == "duration" and not n_text and not (m.group("the") and (m.group("fut") or m.group("past"))):
        return None
    n = _base_value(n_text) if n_text else 1.0
    if n is None or n <= 0:
        return None
    months = n * int(_words()["units_in_months"][m.group("unit").lower()])
    if months != int(months) or months > 1200:
        return None
    return int(months)


def _resolve(kind: str, m: re.Match[str], on: dt.date | None) -> tuple[dt.date | None, dt.date | None] | None:
    w = _words()
    if kind in ("duration", "adjective"):
        months = _duration_months(kind, m)
        if months is None or on is None:
            return None
        if kind == "duration" and m.group("past"):
            return add_months(on, -months), on
        return on, add_months(on, months)
    if kind == "span":
        y1 = int(m.group("y1") or m.group("y3"))
        y2s = m.group("y2") or m.group("y4")
        y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
        if not y1 < y2 <= y1 + 50:
            return None
        return dt.date(y1, 1, 1), dt.date(y2, 12, 31)
    if kind == "deadline":
        r = _when_range(m, "d", on)
        if r is None or (on is not None and r[1] < on):
            return None
        return on, r[1]
    if kind == "since":
        r = _when_range(m, "s", on)
        if r is None or (on is not None and r[0] > on):
            return None
        return r[0], on
    if kind in ("within", "part"):
        tag = "i" if kind == "within" else "p"
        if kind == "part" and not (m.group("pord") or m.group("pqh") or m.group("pmid")):
            return None  # a bare year or month needs a preposition; "next year" is the "bare" kind
        return _when_range(m, tag, on)
    if kind == "bare":
        if on is None:
            return None
        year = on.year + int(w["relative_years"][m.group("rel").lower()])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None  # pragma: no cover


def find_period(text: str, *, on: DateLike | None = None) -> Period | None:
    """The first period stated in ``text``, resolved against the article date ``on`` (see the module rules).

    >>> str(find_period("spend 2 billion in 2026")), str(find_period("by the end of next year", on="2025-05-02"))
    ('2026-01-01..2026-12-31', '2025-05-02..2026-12-31')
    >>> str(find_period("over five years starting in 2026", on="2025-05-02"))
    '2026-01-01..2030-12-31'
    >>> str(find_period("in the first quarter", on="2025-05-02")), find_period("in the first quarter") is None
    ('2025-01-01..2025-03-31', True)
    """
    found = locate_period(text, on=on)
    return found if found is not None and (found.start or found.end) else None


def locate_period(text: str, *, on: DateLike | None = None) -> Period | None:
    """Like :func:`find_period`, but a period phrase that cannot be resolved (a relative one without an article
    date) is returned too, with ``start`` and ``end`` None: where the phrase is matters on its own (it is not part
    of an investment's target).

    >>> p = locate_period("in robotics over the next two years")
    >>> (p.start, p.end, p.offset, p.end_offset)
    (None, None, 12, 35)
    """
    day = article_date(on)
    try:
        return _locate(text, day)
    except (ValueError, OverflowError):  # calendar arithmetic past year 9999 or before year 1
        return None


def _locate(text: str, day: dt.date | None) -> Period | None:
    g = _grammar()
    best: tuple[int, int, int, str, re.Match[str]] | None = None
    for prio, (kind, pat) in enumerate(g.patterns):
        for m in pat.finditer(text):
            if m.end() == m.start() or g.not_after.search(text[max(0, m.start() - 20):m.start()]):
                continue  # "founded in 2019": a date of something else
            key = (m.start(), -(m.end() - m.start()), prio, kind, m)
            if best is not None and key[:3] >= best[:3]:
                break
            if _resolve(kind, m, day) is not None or _names_a_period(kind, m):
                best = key
                break
    if best is None:
        return None
    _, _, _, kind, m = best
    if kind in ("duration", "adjective") and not (kind == "duration" and m.group("past")):
        months = _duration_months(kind, m)
        a = g.anchor.search(text)
        ar = _when_range(a, "a", day) if a is not None and months else None
        if ar is not None and months and (day is None or ar[0] > day):
            return Period(ar[0], add_months(ar[0], months) - dt.timedelta(days=1), m.start(), m.end(), kind)
    r = _resolve(kind, m, day) or (None, None)
    return Period(r[0], r[1], m.start(), m.end(), kind)


def _names_a_period(kind: str, m: re.Match[str]) -> bool:
    """A relative phrase that names a period even when it cannot be resolved (no article date): it still takes the
    place of any later phrase, so 'next year ... in 2024' without a date gives nothing rather than 2024."""
    if kind in ("duration", "adjective"):
        return _duration_months(kind, m) is not None
    return kind in ("bare", "deadline", "since", "within") or (
        kind == "part" and bool(m.group("pord") or m.group("pqh") or m.group("pmid")))


def find_day(text: str, *, on: DateLike | None = None) -> dt.date | None:
    """The day ``text`` says something happened: 'on Tuesday' (the last Tuesday on or before the article date),
    'yesterday', 'today', 'on March 3' (the last March 3 on or before the article date) or 'on 3 March 2025'
    (needs no article date). Future references ('next Friday') are not days something happened.

    >>> find_day("Kestrel said on Tuesday it would invest", on="2025-02-27")
    datetime.date(2025, 2, 25)
    >>> find_day("said on 3 March 2025"), find_day("said on March 30", on="2025-02-27")
    (datetime.date(2025, 3, 3), datetime.date(2024, 3, 30))
    """
    day = article_date(on)
    try:
        return _find_day(text, day)
    except (ValueError, OverflowError):  # calendar arithmetic past year 9999 or before year 1
        return None


def _find_day(text: str, day: dt.date | None) -> dt.date | None:
    g = _grammar()
    w = _words()
    hits: list[tuple[int, dt.date]] = []
    for m in g.month_day.finditer(text):
        month = int(w["months"][m.group("m1") or m.group("m2")])
        d = int(m.group("d1") or m.group("d2"))
        if m.group("y"):
            year = int(m.group("y"))
        elif day is not None:
            year = day.year
        else:
            continue
        try:
            got = dt.date(year, month, d)
        except ValueError:
            continue
        if not m.group("y") and day is not None and got > day:
            try:
                got = dt.date(year - 1, month, d)
            except ValueError:
                continue
        hits.append((m.start(), got))
    if day is not None:
        for m in g.weekday.finditer(text):
            pre = (m.group("pre") or "").strip().lower()
            if pre in ("next", "this"):
                continue
            back = (day.weekday() - int(w["weekdays"][m.group("wd")])) % 7
            if pre == "last" and back == 0:
                back = 7
            hits.append((m.start(), day - dt.timedelta(days=back)))
        for m in g.day_word.finditer(text):
            hits.append((m.start(), day + dt.timedelta(days=int(w["relative_days"][m.group("dw").lower()]))))
    return min(hits, key=lambda h: h[0])[1] if hits else None
