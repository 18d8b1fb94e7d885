"""IRI minting is deterministic and the facts JSON round-trips."""

from __future__ import annotations

import doctest
import json

from hypothesis import given
from hypothesis import strategies as st

import kg.resources
import kg.store
import kg.vocab
from kg.facts import Evidence, Facts, Investment, Model, Organization, Program, Subsidiary
from kg.vocab import normalise_name, org_iri, slug


def test_doctests() -> None:
    for module in (kg.vocab, kg.store, kg.resources):
        assert doctest.testmod(module).failed == 0


def test_same_name_same_iri() -> None:
    assert org_iri("Alpha Holdings") == org_iri("the  alpha   holdings")
    assert org_iri("Alpha Holdings") != org_iri("Alpha Holding")


@given(st.text(min_size=1, max_size=40))
def test_slug_is_iri_safe(name: str) -> None:
    s = slug(name)
    assert s and " " not in s and "/" not in s and "#" not in s and "<" not in s and ">" not in s
    assert slug(name) == s


@given(st.text(max_size=40))
def test_normalise_is_idempotent(name: str) -> None:
    assert normalise_name(normalise_name(name)) == normalise_name(name)


def test_facts_round_trip_json() -> None:
    ev = Evidence(start=3, end=8, text="Alpha", sentence="The Alpha deal.", sentence_start=0, rule="r", confidence=0.9)
    facts = Facts(
        organizations=(Organization("Alpha Group", ("Alpha",), "company", (ev,)), Organization("Beta Labs")),
        subsidiaries=(Subsidiary("Beta Labs", "Alpha Group", "unit", (ev,)),),
        models=(Model("Zed-2", developer="Alpha Group", sizes=(7_000_000_000, 13_000_000_000), open_source=True),),
        investments=(Investment("Alpha Group", 1.5e9, "EUR", amount_usd=1.6e9, period_years=2.0),),
        programs=(Program("Alpha Fellows", ("Alpha Group", "Beta Labs")),),
        extractor="test",
    )
    data = json.loads(json.dumps(facts.to_dict()))
    assert data["investments"][0]["amount"] == 1_500_000_000
    assert data["models"][0]["sizes"] == [7_000_000_000, 13_000_000_000]
    assert Facts.from_dict(data) == facts
    assert len(facts) == 6
