"""Ad-hoc parameters (issue 12, item 8): ``-p NAME=VALUE`` binds ``?NAME`` in any query form, wherever it occurs,
by a VALUES block of library-serialised terms; the value never changes the query's shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import QueryError
from kg.queries import bind_by_values, rows, run_query
from kg.store import LocalStore

G = ox.NamedNode("https://e/graph")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")

#: Labels that are SPARQL syntax if pasted: quotes, braces, an IRI end and a dot, newlines, backslashes.
TRICKY = {
    "quote": 'say "hi"',
    "single": "it's '''",
    "braces": "{ ?s ?p ?o }",
    "iri_end": "> . }",
    "newline": "line one\nline two\r\n",
    "backslash": "C:\\new\\table \\u0041",
    "triple": '""" } """',
    "plain": "Fernwood",
}
INJECTION = 'x" } ; DROP ALL ; #'


@pytest.fixture(scope="module")
def tricky_store(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    path: Path = tmp_path_factory.mktemp("params") / "store"
    store = LocalStore(path)
    store.replace_graph(G, [ox.Quad(ox.NamedNode(f"https://e/{k}"), LABEL, ox.Literal(v), G)
                            for k, v in TRICKY.items()])
    store.replace_graph(ox.NamedNode("https://e/other"), [
        ox.Quad(ox.NamedNode("https://e/plain"), ox.NamedNode("https://e/knows"), ox.NamedNode("https://e/quote"),
                ox.NamedNode("https://e/other"))])
    return store


def subjects(store: LocalStore, sparql: str, **params: str) -> list[str]:
    _, data = rows(run_query(store, sparql, params))
    return sorted(str(r[0]) for r in data)


FILTERED = "SELECT ?s WHERE { ?s rdfs:label ?n FILTER(?n = ?name) }"


@pytest.mark.parametrize("key", sorted(TRICKY))
def test_unprojected_variable_in_a_filter_is_bound_to_exactly_the_value(tricky_store, key):
    assert subjects(tricky_store, FILTERED, name=TRICKY[key]) == [f"https://e/{key}"]


def test_injection_attempt_matches_nothing_and_changes_nothing(tricky_store):
    before = len(tricky_store)
    assert subjects(tricky_store, FILTERED, name=INJECTION) == []
    # projected, the value arrives as exactly that literal
    _, data = rows(run_query(tricky_store, "SELECT ?name WHERE { }", {"name": INJECTION}))
    assert data == [[INJECTION]]
    assert len(tricky_store) == before


def test_every_query_form(tricky_store):
    ask = "ASK { ?s rdfs:label ?n FILTER(?n = ?name) }"
    assert rows(run_query(tricky_store, ask, {"name": TRICKY["braces"]})) == (["ask"], [[True]])
    assert rows(run_query(tricky_store, ask, {"name": INJECTION})) == (["ask"], [[False]])
    construct = "CONSTRUCT { ?s <https://e/is> ?name } WHERE { ?s rdfs:label ?n FILTER(?n = ?name) }"
    _, data = rows(run_query(tricky_store, construct, {"name": TRICKY["newline"]}))
    assert data == [["https://e/newline", "https://e/is", TRICKY["newline"]]]
    short = "CONSTRUCT WHERE { ?s rdfs:label ?name }"
    _, data = rows(run_query(tricky_store, short, {"name": TRICKY["iri_end"]}))
    assert data == [["https://e/iri_end", str(LABEL.value), TRICKY["iri_end"]]]
    describe = "DESCRIBE ?s WHERE { ?s rdfs:label ?n FILTER(?n = ?name) }"
    _, data = rows(run_query(tricky_store, describe, {"name": TRICKY["quote"]}))
    assert {r[0] for r in data} == {"https://e/quote"} and [TRICKY["quote"]] == [r[2] for r in data]
    _, data = rows(run_query(tricky_store, "DESCRIBE ?x", {"x": "<https://e/plain>"}))
    assert {r[2] for r in data} == {TRICKY["plain"], "https://e/quote"}


def test_nested_groups_subqueries_optional_and_union(tricky_store):
    nested = "SELECT ?s WHERE { ?s ?p ?o { ?s rdfs:label ?n FILTER(?n = ?name) } }"
    assert subjects(tricky_store, nested, name=TRICKY["single"]) == ["https://e/single"]
    sub = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s rdfs:label ?n FILTER(?n = ?name) } } }"
    assert subjects(tricky_store, sub, name=TRICKY["backslash"]) == ["https://e/backslash"]
    union = ("SELECT ?s WHERE { { ?s rdfs:label ?n FILTER(?n = ?a) } UNION { ?s rdfs:label ?n FILTER(?n = ?b) } }")
    assert subjects(tricky_store, union, a=TRICKY["quote"], b=TRICKY["triple"]) == ["https://e/quote",
                                                                                     "https://e/triple"]
    optional = ("SELECT ?s ?o WHERE { ?s rdfs:label ?n FILTER(?n = ?name) OPTIONAL { ?s <https://e/knows> ?o } }")
    _, data = rows(run_query(tricky_store, optional, {"name": "Fernwood"}))
    assert data == [["https://e/plain", "https://e/quote"]]
    iri = "SELECT ?s WHERE { ?s <https://e/knows> ?who }"
    assert subjects(tricky_store, iri, who="<https://e/quote>") == ["https://e/plain"]
    exists = "SELECT ?s WHERE { ?s rdfs:label ?n FILTER NOT EXISTS { ?s rdfs:label ?name } }"
    assert len(subjects(tricky_store, exists, name="Fernwood")) == len(TRICKY) - 1


def test_text_that_looks_like_syntax_inside_the_query_is_left_alone(tricky_store):
    """Strings, IRIs and comments holding braces or ``?name`` are not places to bind."""
    text = ('SELECT ?s WHERE { # a { comment ?name\n ?s rdfs:label ?n FILTER(?n = ?name || ?n = "{ ?name }")'
            " FILTER(?s != <https://e/x#?name>) FILTER(?n != '} ?name') }")
    assert subjects(tricky_store, text, name="Fernwood") == ["https://e/plain"]
    bound = bind_by_values(text, {"name": ox.Literal("Fernwood")})
    assert bound.count("VALUES") == 1 and bound.replace(' VALUES ?name { "Fernwood" } ', "", 1) == text


def test_values_never_change_the_shape():
    """The only difference after binding is one VALUES block per group that uses the variable."""
    text = "SELECT ?s WHERE { ?s ?p ?name OPTIONAL { ?s ?q ?name } }"
    bound = bind_by_values(text, {"name": ox.Literal(INJECTION)})
    block = ' VALUES ?name { "x\\" } ; DROP ALL ; #" } '
    assert bound.count(block) == 2 and bound.replace(block, "") == text


def test_unknown_and_assigned_variables_are_refused(tricky_store):
    with pytest.raises(QueryError, match=r"no variable \?nmae"):
        run_query(tricky_store, FILTERED, {"nmae": "x"})
    with pytest.raises(QueryError, match=r"assigns \?name"):
        run_query(tricky_store, "SELECT ?s WHERE { ?s rdfs:label ?n BIND(?n AS ?name) }", {"name": "x"})
    with pytest.raises(QueryError, match="not an IRI"):
        run_query(tricky_store, FILTERED, {"name": "<https://e/x> } DROP ALL #>"})


def test_cli_binds_an_unprojected_variable(tricky_store, tmp_path):
    tricky_store.close()
    path = Path(tricky_store.location)
    res = CliRunner().invoke(app, ["--store", str(path), "query", "--sparql", FILTERED, "-p", f"name={INJECTION}",
                                   "-f", "csv"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == ["s"]
    res = CliRunner().invoke(app, ["--store", str(path), "query", "--sparql", FILTERED, "-p", "name=Fernwood",
                                   "-f", "csv"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.split() == ["s", "https://e/plain"]
