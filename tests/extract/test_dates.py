"""The date grammar (pure Python, no spaCy): periods and days resolved against the article date, examples and
properties. Every phrase here is our own wording."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import InputError
from kg.extract.dates import add_months, article_date, find_day, find_period, locate_period

ON = "2025-02-24"  # a Monday

WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
years = st.integers(min_value=1990, max_value=2099)


def period(text: str, on: str | None = ON) -> str | None:
    p = find_period(text, on=on)
    return str(p) if p else None


@pytest.mark.parametrize(
    ("text", "with_date", "without_date"),
    [
        # durations run from the article date
        ("to invest the money over the next three years", "2025-02-24..2028-02-24", None),
        ("spread over five years", "2025-02-24..2030-02-24", None),
        ("within 18 months", "2025-02-24..2026-08-24", None),
        ("over the coming decade", "2025-02-24..2035-02-24", None),
        ("during the next year", "2025-02-24..2026-02-24", None),
        ("a seven-year plan for the port", "2025-02-24..2032-02-24", None),
        ("a 10-year, $2 billion commitment", "2025-02-24..2035-02-24", None),
        ("over the past two years", "2023-02-24..2025-02-24", None),
        ("over four years starting in 2027", "2027-01-01..2030-12-31", "2027-01-01..2030-12-31"),
        # calendar references
        ("in 2026", "2026-01-01..2026-12-31", "2026-01-01..2026-12-31"),
        ("last year", "2024-01-01..2024-12-31", None),
        ("this year", "2025-01-01..2025-12-31", None),
        ("next year", "2026-01-01..2026-12-31", None),
        ("in the second half of next year", "2026-07-01..2026-12-31", None),
        ("in the first quarter", "2025-01-01..2025-03-31", None),
        ("in the third quarter of 2026", "2026-07-01..2026-09-30", "2026-07-01..2026-09-30"),
        ("in Q4 2025", "2025-10-01..2025-12-31", "2025-10-01..2025-12-31"),
        ("H1 2027", "2027-01-01..2027-06-30", "2027-01-01..2027-06-30"),
        ("in September 2026", "2026-09-01..2026-09-30", "2026-09-01..2026-09-30"),
        ("in late 2026", "2026-07-01..2026-12-31", "2026-07-01..2026-12-31"),
        ("early next year", "2026-01-01..2026-06-30", None),
        ("between 2025 and 2030", "2025-01-01..2030-12-31", "2025-01-01..2030-12-31"),
        ("in its 2026-28 budget", "2026-01-01..2028-12-31", "2026-01-01..2028-12-31"),
        # deadlines start on the article date
        ("by 2027", "2025-02-24..2027-12-31", "..2027-12-31"),
        ("by the end of next year", "2025-02-24..2026-12-31", None),
        ("by the end of the year", "2025-02-24..2025-12-31", None),
        ("by mid-2026", "2025-02-24..2026-06-30", "..2026-06-30"),
        ("through 2029", "2025-02-24..2029-12-31", "..2029-12-31"),
        # "since" runs up to the article date
        ("has put $4 billion into the venture since 2019", "2019-01-01..2025-02-24", "2019-01-01.."),
        ("since the second half of last year", "2024-07-01..2025-02-24", None),
    ],
)
def test_period_examples(text, with_date, without_date):
    assert period(text) == with_date
    assert period(text, on=None) == without_date


@pytest.mark.parametrize(
    "text",
    [
        "for years",
        "the company may invest more",  # 'may' is a verb, not the month
        "to expand in Marseille and Augsburg",  # month abbreviations only as whole words
        "it employs 2,000 people",
        "a 2026 million budget",
        "Varnholt, founded in 2019, said",
        "since 2030",  # after the article date
        "by 2020",  # a deadline before the article date is not a period
        "next Friday",
        "",
    ],
)
def test_not_periods(text):
    assert find_period(text, on=ON) is None


def test_the_first_phrase_wins_and_unresolved_phrases_still_count():
    assert period("by 2027, up from what it spent last year") == "2025-02-24..2027-12-31"
    # without a date 'next year' cannot be resolved, but it is still the period meant: 2024 is not taken instead
    assert period("next year, after the 2024 election", on=None) is None
    p = locate_period("in robotics by the end of next year")
    assert p is not None and (p.start, p.end) == (None, None)
    assert "in robotics by the end of next year"[p.offset:p.end_offset] == "by the end of next year"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Brask Foods said on Monday", "2025-02-24"),  # the article date is a Monday
        ("said on Thursday it would", "2025-02-20"),
        ("said Friday", "2025-02-21"),
        ("announced last Monday", "2025-02-17"),
        ("yesterday", "2025-02-23"),
        ("Orvane today announced", "2025-02-24"),
        ("the deal signed on Feb. 12", "2025-02-12"),
        ("signed on 12 February", "2025-02-12"),
        ("signed on March 3", "2024-03-03"),  # no year: the last March 3 on or before the article date
        ("signed on March 3, 2023", "2023-03-03"),
    ],
)
def test_day_examples(text, day):
    assert find_day(text, on=ON) == dt.date.fromisoformat(day)


def test_days_without_an_article_date_need_the_year():
    assert find_day("signed on 12 February 2024") == dt.date(2024, 2, 12)
    assert find_day("said on Monday") is None
    assert find_day("will sign next Friday", on=ON) is None
    assert find_day("signed on 31 February 2024") is None
    assert find_day("opened on 3 Marchmont Street", on=ON) is None


@pytest.mark.parametrize("bad", ["2025-02-30", "24/02/2025", "yesterday", "2025-2-4"])
def test_bad_article_dates_are_input_errors(bad):
    with pytest.raises(InputError):
        article_date(bad)


def test_calendar_edges_give_nothing_rather_than_fail():
    assert find_period("over the next three years", on="9999-06-01") is None
    assert find_period("next year", on="9999-06-01") is None
    assert find_day("yesterday", on="0001-01-01") is None
    assert str(find_period("last year", on="9999-06-01")) == "9998-01-01..9998-12-31"


def test_article_date_forms():
    assert article_date("2025-02-24T23:30:00Z") == dt.date(2025, 2, 24)
    assert article_date(dt.datetime(2025, 2, 24, 8, 0)) == dt.date(2025, 2, 24)
    assert article_date(dt.date(2025, 2, 24)) == dt.date(2025, 2, 24)
    assert article_date(None) is None


# ---- properties ----------------------------------------------------------------------------------------------------


@given(on=days, n=st.integers(min_value=1, max_value=10), words=st.booleans())
def test_next_n_years_runs_from_the_article_date(on, n, words):
    p = find_period(f"will invest over the next {WORDS[n] if words else n} years", on=on)
    assert p is not None
    assert p.start == on
    assert p.end == add_months(on, 12 * n)
    assert (p.end.year - p.start.year) == n


@given(on=st.one_of(st.none(), days), year=years)
def test_an_explicit_year_does_not_depend_on_the_article_date(on, year):
    p = find_period(f"plans to spend the money in {year}, it said", on=on)
    assert p is not None and (p.start, p.end) == (dt.date(year, 1, 1), dt.date(year, 12, 31))


@given(on=days, year=years)
def test_a_deadline_starts_on_the_article_date(on, year):
    p = find_period(f"by {year}", on=on)
    if dt.date(year, 12, 31) < on:
        assert p is None
    else:
        assert p is not None and (p.start, p.end) == (on, dt.date(year, 12, 31))


@given(on=days, rel=st.sampled_from([("last", -1), ("this", 0), ("next", 1)]))
def test_relative_years(on, rel):
    word, offset = rel
    p = find_period(f"{word} year", on=on)
    assert p is not None and (p.start, p.end) == (dt.date(on.year + offset, 1, 1), dt.date(on.year + offset, 12, 31))


@given(on=st.one_of(st.none(), days), year=years, q=st.integers(min_value=1, max_value=4))
def test_quarters_tile_the_year(on, year, q):
    p = find_period(f"in Q{q} {year}", on=on)
    assert p is not None and p.start is not None and p.end is not None
    assert (p.start.month, p.start.day) == (3 * q - 2, 1)
    assert p.end.month == 3 * q and (p.end + dt.timedelta(days=1)).day == 1


@given(text=st.text(max_size=80), on=st.one_of(st.none(), days))
def test_any_text_gives_an_ordered_period_or_none(text, on):
    p = find_period(text, on=on)
    if p is not None:
        assert p.start is not None or p.end is not None
        if p.start is not None and p.end is not None:
            assert p.start <= p.end
        assert 0 <= p.offset < p.end_offset <= len(text)
    d = find_day(text, on=on)
    if d is not None and on is not None and not any(c.isdigit() for c in text):
        assert on - dt.timedelta(days=7) <= d <= on


@given(on=days, weekday=st.sampled_from(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                         "Sunday"]))
def test_on_a_weekday_is_the_last_such_day_up_to_the_article_date(on, weekday):
    d = find_day(f"the group said on {weekday}", on=on)
    assert d is not None
    assert d.strftime("%A") == weekday
    assert on - dt.timedelta(days=6) <= d <= on


@given(day=days, months=st.integers(min_value=-240, max_value=240))
def test_add_months_moves_whole_months_and_clamps(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day
    assert moved.day == day.day or (moved + dt.timedelta(days=1)).day == 1


def test_doctests_of_the_date_and_number_grammars():
    import doctest

    import kg.extract.dates
    import kg.extract.numbers

    for module in (kg.extract.dates, kg.extract.numbers):
        result = doctest.testmod(module)
        assert result.attempted >= 5 and result.failed == 0, module.__name__
