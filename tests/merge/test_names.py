"""Name normalisation, identifier normalisation and the CONSTRUCT-to-INSERT rewrite of kg.merge."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode

from kg.errors import QueryError
from kg.merge import construct_from, light_key, mapping_files, name_key, normalise_identifier


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Citibank, N.A.", "Citibank, National Association"),
        ("Citicorp LLC", "Citicorp, L.L.C."),
        ("Wells Fargo & Company", "Wells Fargo and Co."),
        ("The Acme Widget Corp.", "ACME WIDGET CORPORATION"),
        ("Orion Foods Pte. Ltd.", "Orion Foods"),
        ("Société Générale S.A.", "société générale"),
        ("Hangzhou Cloudworks Co., Ltd.", "Hangzhou Cloudworks"),
    ],
)
def test_same_name_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Citigroup Inc.", "Citicorp LLC"),
        ("WFC Holdings, LLC", "Wells Fargo & Company"),
        ("Alibaba Group", "Alibaba Pictures Group"),
        ("Bank of America, National Association", "Bank of America Europe Designated Activity Company"),
    ],
)
def test_different_name_key(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_name_key_never_empties_a_name() -> None:
    assert name_key("Company") == "company"
    assert name_key("Inc.") == "inc"


def test_light_key_keeps_legal_forms() -> None:
    assert light_key("Citicorp  LLC") == light_key("citicorp, llc")
    assert light_key("Citicorp LLC") != light_key("Citicorp")


def test_identifiers_normalised() -> None:
    assert normalise_identifier("sec-cik", "0001577552") == normalise_identifier("sec-cik", "1577552") == "1577552"
    assert normalise_identifier("lei", "e57odzwz7ff32twefa76 ") == "E57ODZWZ7FF32TWEFA76"
    assert normalise_identifier("wikidata", "http://www.wikidata.org/entity/Q1359568") == "Q1359568"
    assert normalise_identifier("wikidata", "not a qid") is None
    assert normalise_identifier("sec-cik", "n/a") is None


def test_construct_is_restricted_to_the_source_graph() -> None:
    text = "# a comment { with a brace\nPREFIX x: <http://x/>\nCONSTRUCT { ?s x:q ?o . } WHERE { ?s x:p ?o }\n"
    out = construct_from(text, source=[NamedNode("http://src")])
    assert "CONSTRUCT { ?s x:q ?o . }\nFROM <http://src>\n" in out
    assert out.rstrip().endswith("WHERE { ?s x:p ?o }")
    assert "PREFIX x: <http://x/>" in out and "comment" not in out
    with pytest.raises(QueryError):
        construct_from("SELECT * WHERE { ?s ?p ?o }", source=[])
    with pytest.raises(QueryError):
        construct_from("CONSTRUCT { ?s ?p ?o WHERE { ?s ?p ?o }", source=[])


def test_every_mapping_is_a_construct_that_can_be_scoped() -> None:
    files = mapping_files()
    assert {f.stem for f in files} >= {"gleif-l1", "gleif-l2", "fibo-entities", "fibo-control", "schema", "wikidata"}
    for f in files:
        out = construct_from(f.read_text(encoding="utf-8"), source=[NamedNode("http://s")])
        assert out.count("FROM <http://s>") == 1, f


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_name_key_is_total_and_stable(name: str) -> None:
    key = name_key(name)
    assert key == key.strip() and "  " not in key
    assert name_key(name) == key  # deterministic
    if any(ch.isalnum() for ch in name):
        assert key
