"""The number and currency grammar (pure Python, no spaCy): examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.extract.numbers import find_money, find_parameters, parse_number, parse_period, qualifier_before

SCALES = {"million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "mn": 1e6, "crore": 1e7, "lakh crore": 1e12}
CURRENCIES = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "HK$": "HKD", "S$": "SGD", "Rs": "INR", "RMB": "CNY"}
SUFFIXES = {"yuan": "CNY", "won": "KRW", "euros": "EUR", "yen": "JPY", "rupees": "INR"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("4,250", 4250),
        ("3.5 billion", 3.5e9),
        ("nine million", 9e6),
        ("twenty-two trillion", 22e12),
        ("640 crore", 6.4e9),
        ("2.75 lakh crore", 2.75e12),
        ("13B", 13e9),
        ("4x22B", 88e9),
        ("6bn", 6e9),
        ("250m", 250e6),
    ],
)
def test_parse_number_examples(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_parse_number_rejects_words():
    assert parse_number("several") is None
    assert parse_number("") is None


@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(sorted(SCALES)))
def test_number_times_scale(n, scale):
    assert parse_number(f"{n:,} {scale}") == pytest.approx(n * SCALES[scale])


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=99),
       st.sampled_from(["billion", "million"]))
def test_decimals(whole, frac, scale):
    assert parse_number(f"{whole}.{frac:02d} {scale}") == pytest.approx(float(f"{whole}.{frac:02d}") * SCALES[scale])


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(sorted(CURRENCIES)),
       st.sampled_from(["billion", "million"]))
def test_prefix_currency(n, marker, scale):
    sep = " " if marker[-1].isalpha() else ""
    text = f"The firm will put {marker}{sep}{n} {scale} into new plants."
    money = find_money(text)
    assert len(money) == 1
    m = money[0]
    assert m.currency == CURRENCIES[marker]
    assert m.amount == pytest.approx(n * SCALES[scale])
    assert text[m.start:m.end] == m.text


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(sorted(SUFFIXES)), st.sampled_from(sorted(SCALES)))
def test_suffix_currency(n, word, scale):
    text = f"a budget of {n} {scale} {word} for robots"
    [m] = find_money(text)
    assert m.currency == SUFFIXES[word]
    assert m.amount == pytest.approx(n * SCALES[scale])


@given(st.sampled_from(["at least", "up to", "about", "roughly", "nearly", "more than"]))
def test_qualifier(q):
    [m] = find_money(f"it plans to spend {q} €40 million")
    assert m.qualifier == qualifier_before(f"spend {q} ")
    assert m.qualifier is not None


def test_yen_by_context():
    assert find_money("The Osaka lender will lend ¥90 billion to Japanese start-ups.")[0].currency == "JPY"
    assert find_money("The Shenzhen firm, quoting yuan prices, earmarked ¥90 billion.")[0].currency == "CNY"


def test_usd_equivalent_pairs_in_order():
    money = find_money("a 15 trillion won ($11 billion) fund")
    assert [(m.currency, m.amount) for m in money] == [("KRW", 15e12), ("USD", 11e9)]


def test_no_money_without_a_currency():
    assert find_money("the firm hired 3,000 people and sold 2 million phones") == []


@pytest.mark.parametrize(
    ("text", "kind", "values"),
    [
        ("a 13 billion parameter model", "one", (13_000_000_000,)),
        ("in 3B, 11B and 90B flavours", "sizes", (3_000_000_000, 11_000_000_000, 90_000_000_000)),
        ("with parameters from 1.8 billion to 40 billion", "range", (1_800_000_000, 40_000_000_000)),
        ("ranging from 2 to 32 billion parameters", "range", (2_000_000_000, 32_000_000_000)),
        ("2, 9 and 27 billion parameters", "sizes", (2_000_000_000, 9_000_000_000, 27_000_000_000)),
    ],
)
def test_parameter_groups(text, kind, values):
    [g] = [g for g in find_parameters(text) if not g.excluded]
    assert (g.kind, g.values) == (kind, values)


def test_active_and_total_parameters():
    gs = find_parameters("671 billion total parameters, of which 37 billion are activated per token")
    assert [(g.values[0], g.role) for g in gs] == [(671_000_000_000, "total"), (37_000_000_000, "active")]


def test_tokens_are_not_parameters():
    gs = find_parameters("trained on 14 trillion tokens with a vocabulary of 100,000 words")
    assert all(g.excluded or not g.explicit for g in gs)
    assert find_parameters("trained on 14 trillion tokens")[0].excluded


@given(st.lists(st.integers(min_value=1, max_value=400), min_size=2, max_size=5, unique=True))
def test_shorthand_lists(sizes):
    text = ", ".join(f"{s}B" for s in sizes[:-1]) + f" and {sizes[-1]}B"
    [g] = find_parameters(f"released in {text} versions")
    assert g.kind == "sizes"
    assert g.values == tuple(s * 1_000_000_000 for s in sizes)
    assert g.shorthand


@pytest.mark.parametrize(
    ("text", "years"),
    [("over the next three years", 3), ("within 10 years", 10), ("in the coming decade", 10),
     ("over the next decade", 10), ("over the next four to six years", None), ("over the past five years", None)],
)
def test_period(text, years):
    assert parse_period(text) == years
