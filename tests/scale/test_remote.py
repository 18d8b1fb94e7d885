"""RemoteStore against a real Oxigraph server: every GraphStore method behaves as on the local store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.errors import QueryError, RdfSyntaxError, StoreError
from kg.remote import RemoteStore, bind_values, with_prefixes
from kg.server import OxigraphServer, free_port
from kg.store import GraphStore, LocalStore, RdfFormatName, open_store

pytestmark = pytest.mark.server

G2 = ox.NamedNode("https://w3id.org/kgnews/graph/doc/" + "cd" * 32)


@pytest.fixture(params=["local", "remote", "kg-serve"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The same tests on both backends, the remote one served by oxigraph and by kg serve (with its token)."""
    if request.param == "local":
        with LocalStore(tmp_path / "local") as st:
            yield st
    elif request.param == "kg-serve":
        import threading

        from kg.server import KgServer, Policy

        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("KG_TOKEN", "test-token-0123456789abcdef")
        policy = Policy(host="127.0.0.1", allow_update=True, token="test-token-0123456789abcdef")
        server = KgServer(tmp_path / "kg-served", bind=f"127.0.0.1:{free_port()}", policy=policy).start()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield open_store(server.url)
        finally:
            server.stop()
            thread.join(timeout=10)
    else:
        server = request.getfixturevalue("oxigraph_server")
        st = open_store(server.url)
        assert isinstance(st, RemoteStore)
        yield st


def _graph(sample: Any) -> ox.NamedNode:
    q = sample.quads()[0].graph_name
    assert isinstance(q, ox.NamedNode)
    return q


def _canonical(quads: list[ox.Quad]) -> set[ox.Quad]:
    """Quads as Oxigraph stores them (it normalises e.g. xsd:nonNegativeInteger literals to xsd:integer)."""
    mem = ox.Store()
    mem.extend(quads)
    return set(mem)


def _export(st: GraphStore, fmt: RdfFormatName, graph: ox.NamedNode | None = None) -> bytes:
    out = io.BytesIO()
    st.export(out, fmt, graph=graph)
    return out.getvalue()


def test_write_read_remove(sample: Any, store: GraphStore) -> None:
    quads = sample.quads()
    store.add_graphs(quads)
    g = _graph(sample)
    assert store.named_graphs() == [g.value]
    assert store.has_graph(g) and not store.has_graph(G2)
    assert len(store) == len(quads)
    assert set(store.quads(g)) == _canonical(quads)
    assert set(store.quads()) == _canonical(quads)
    assert list(store.quads(G2)) == []
    assert store.remove_graph(g) is True
    assert store.remove_graph(g) is False
    assert len(store) == 0 and store.named_graphs() == []


def test_replace_graph(sample: Any, store: GraphStore) -> None:
    store.add_graphs(sample.quads())
    g = _graph(sample)
    s, p = ox.NamedNode("https://w3id.org/kgnews/id/org/x"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    new = [ox.Quad(s, p, ox.Literal('two "quoted"\nlines', language="en"), g)]
    store.replace_graph(g, new)
    assert set(store.quads(g)) == _canonical(new)
    assert len(store) == 1


def test_queries_with_substitutions(sample: Any, store: GraphStore) -> None:
    store.add_graphs(sample.quads())
    q = ("SELECT ?child ?parent WHERE { ?c kg:subsidiaryOf ?p . ?c rdfs:label ?child . ?p rdfs:label ?parent }"
         " ORDER BY ?child")
    rows = [(r["child"].value, r["parent"].value) for r in store.query(q)]  # type: ignore[union-attr]
    assert rows == [("Brightwater Works", "Quillon Holdings"), ("Ferrous Corp", "Brightwater Works")]
    # a parameter used inside a subquery, as the canned queries do
    sub = ("SELECT ?name ?org WHERE { { SELECT ?o ?org WHERE { ?o rdfs:label ?l . FILTER(LCASE(?l) = LCASE(?org)) } }"
           " ?c kg:subsidiaryOf ?o ; rdfs:label ?name }")
    got = [r["name"].value for r in store.query(sub, substitutions={"org": ox.Literal("quillon holdings")})]  # type: ignore[union-attr]
    assert got == ["Brightwater Works"]
    assert bool(store.query("ASK { ?m kg:parameterCount ?n FILTER(?n > 1000) }")) is True
    triples = list(store.query("CONSTRUCT { ?m rdfs:label ?l } WHERE { ?m a kg:Model ; rdfs:label ?l }"))  # type: ignore[arg-type]
    assert [t.object.value for t in triples] == ["Tern-7"]
    assert bool(store.query("ASK { ?s ?p ?o }", union=False)) is False  # nothing in the real default graph


def test_exports_are_identical_across_backends(sample: Any, oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    remote = open_store(oxigraph_server.url)
    with LocalStore(tmp_path / "local") as local:
        for st in (local, remote):
            st.add_graphs(sample.quads())
        for fmt in (RdfFormatName.turtle, RdfFormatName.trig, RdfFormatName.nquads, RdfFormatName.ntriples):
            assert _export(remote, fmt) == _export(local, fmt)
        g = _graph(sample)
        assert _export(remote, RdfFormatName.turtle, g) == _export(local, RdfFormatName.turtle, g)


def test_malformed_queries_and_updates(sample: Any, store: GraphStore) -> None:
    store.add_graphs(sample.quads())
    with pytest.raises(QueryError, match="malformed SPARQL"):
        store.query("SELECT * WHERE { ?s ?p ")
    with pytest.raises(QueryError, match="update"):
        store.query("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="malformed SPARQL update"):
        store.update("INSERT DATA { <http://x/a> <http://x/b> ")
    assert len(store) == len(sample.quads())
    store.update("DELETE WHERE { GRAPH ?g { ?s a kg:Model ; ?p ?o } }")
    assert bool(store.query("ASK { ?m a kg:Model }")) is False


def test_load_file(store: GraphStore, tmp_path: Path) -> None:
    good = tmp_path / "good.nq"
    good.write_text('<http://x/a> <http://x/b> "1" <http://x/g> .\n<http://x/a> <http://x/b> "2" .\n', "utf-8")
    target = ox.NamedNode("https://w3id.org/kgnews/graph/source/x")
    assert store.load_file(good, RdfFormatName.nquads, graph=target) == 2
    if isinstance(store, RemoteStore):  # LocalStore keeps the file's own named graphs (reported to its owner)
        assert {q.graph_name for q in store.quads()} == {target}
    ttl = tmp_path / "good.ttl"
    ttl.write_text('@prefix x: <http://x/> .\nx:a x:b "3" .\n', "utf-8")
    assert store.load_file(ttl, RdfFormatName.turtle, graph=target) == 1  # replaces the graph
    before = _export(store, RdfFormatName.nquads)
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix x: <http://x/> .\nx:a x:b "4" .\nx:a x:b <oops\n', "utf-8")
    with pytest.raises(RdfSyntaxError, match=r"bad\.ttl"):
        store.load_file(bad, RdfFormatName.turtle, graph=ox.NamedNode("http://x/other"))
    assert _export(store, RdfFormatName.nquads) == before
    assert not store.has_graph(ox.NamedNode("http://x/other"))


def test_read_only_remote_refuses_writes(sample: Any, oxigraph_server: OxigraphServer) -> None:
    ro = open_store(oxigraph_server.url, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        ro.add_graphs(sample.quads())
    with pytest.raises(StoreError, match="read-only"):
        ro.remove_graph(_graph(sample))
    assert len(ro) == 0


def test_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot reach"):
        open_store(f"http://127.0.0.1:{free_port()}")


def test_server_refuses_a_locked_store(oxigraph_server: OxigraphServer) -> None:
    second = OxigraphServer(oxigraph_server.location, bind=f"127.0.0.1:{free_port()}")
    with pytest.raises(StoreError):
        second.start(timeout=20)
    assert not second.running()


def test_served_data_persists_in_the_directory(sample: Any, tmp_path: Path) -> None:
    server = OxigraphServer(tmp_path / "db", bind=f"127.0.0.1:{free_port()}").start()
    try:
        open_store(server.url).add_graphs(sample.quads())
    finally:
        server.stop()
    with LocalStore(tmp_path / "db", read_only=True) as local:
        assert len(local) == len(sample.quads())
        _facts, doc = sample.facts()
        assert local.has_graph(ox.NamedNode("https://w3id.org/kgnews/graph/doc/" + doc.sha256))


def test_bind_values_and_prefixes_skip_strings_and_comments() -> None:
    q = 'SELECT ?x WHERE { ?x rdfs:comment "?x WHERE { ASK {" } # SELECT ?x { \nORDER BY ?x'
    assert bind_values(q, {"x": ox.Literal("a")}) == (
        'SELECT ("a" AS ?x) WHERE { "a" rdfs:comment "?x WHERE { ASK {" } # SELECT ?x { \nORDER BY ("a")'
    )
    sub = "SELECT ?a WHERE { { SELECT ?x WHERE { ?x ?p ?o FILTER(BOUND(?x)) } } BIND(?a AS ?x) VALUES ?x { 1 } }"
    assert bind_values(sub, {"x": ox.Literal("v")}) == (
        'SELECT ?a WHERE { { SELECT * WHERE { "v" ?p ?o FILTER(true) } } BIND(?a AS ?x) VALUES ?x { 1 } }'
    )
    assert with_prefixes("PREFIX rdfs: <http://other/>\nASK {}").count("PREFIX rdfs:") == 1
    assert "\n" not in with_prefixes("ASK {}")
