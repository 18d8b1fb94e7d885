"""The store layer: atomic graph replacement, sorted exports, error translation, read-only handles."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.errors import QueryError, RdfSyntaxError, StoreError, StoreLockedError
from kg.store import LocalStore, RdfFormatName, is_update, open_store, stats

G1 = ox.NamedNode("https://example.org/graph/1")
G2 = ox.NamedNode("https://example.org/graph/2")
P = ox.NamedNode("https://example.org/p")


def quad(s: str, o: str | ox.Literal, g: ox.NamedNode) -> ox.Quad:
    obj = o if isinstance(o, ox.Literal) else ox.NamedNode(o)
    return ox.Quad(ox.NamedNode(s), P, obj, g)


def export(store: LocalStore, fmt: RdfFormatName = RdfFormatName.nquads) -> bytes:
    buf = io.BytesIO()
    store.export(buf, fmt)
    return buf.getvalue()


def test_replace_graph_replaces_and_keeps_other_graphs(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    store.replace_graph(G1, [quad("https://e/a", "https://e/b", G1), quad("https://e/a", ox.Literal("x"), G1)])
    store.replace_graph(G2, [quad("https://e/c", "https://e/d", G2)])
    store.replace_graph(G1, [quad("https://e/a", ox.Literal('tricky "quoted"\nline'), G1)])
    assert len(store) == 2
    assert sorted(store.named_graphs()) == sorted([G1.value, G2.value])
    objs = [q.object for q in store.quads(G1)]
    assert objs == [ox.Literal('tricky "quoted"\nline')]


def test_export_is_byte_stable_and_parses(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    quads = [quad(f"https://e/{i}", ox.Literal(f"v{i}"), G1) for i in range(20)]
    store.replace_graph(G1, quads)
    first = export(store, RdfFormatName.turtle)
    store.replace_graph(G1, list(reversed(quads)))
    assert export(store, RdfFormatName.turtle) == first
    parsed = rdflib.Graph().parse(data=first.decode(), format="turtle")
    expected = rdflib.Graph()
    for q in quads:
        expected.add((rdflib.URIRef(q.subject.value), rdflib.URIRef(P.value), rdflib.Literal(q.object.value)))
    assert isomorphic(parsed, expected)
    prefix_lines = [ln for ln in first.decode().splitlines() if ln.startswith("@prefix")]
    assert prefix_lines == sorted(prefix_lines)


def test_trig_export_keeps_graphs(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    store.replace_graph(G1, [quad("https://e/a", "https://e/b", G1)])
    store.replace_graph(G2, [quad("https://e/c", "https://e/d", G2)])
    ds = rdflib.Dataset()
    ds.parse(data=export(store, RdfFormatName.trig).decode(), format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {G1.value, G2.value} <= names


def test_query_errors_are_translated(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    with pytest.raises(QueryError, match="malformed SPARQL"):
        store.query("SELEC ?x WHERE {}")
    with pytest.raises(QueryError, match="update"):
        store.query("DELETE WHERE { ?s ?p ?o }")


def test_substitutions_bind_without_pasting(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    evil = ox.Literal("x } ; DROP ALL")
    store.replace_graph(G1, [quad("https://e/a", evil, G1), quad("https://e/b", ox.Literal("y"), G1)])
    res = store.query("SELECT ?s ?v WHERE { ?s ?p ?v }", substitutions={"v": ox.Literal("x } ; DROP ALL")})
    assert [r["s"].value for r in res] == ["https://e/a"]
    assert len(store) == 2
    with pytest.raises(QueryError, match="SELECT clause"):
        store.query("SELECT ?s WHERE { ?s ?p ?v }", substitutions={"v": ox.Literal("y")})


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("not a store")
    with pytest.raises(StoreError, match="is a file"):
        open_store(f)


def test_read_only_needs_existing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        open_store(tmp_path / "missing", read_only=True)


def test_locked_store_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s"
    LocalStore(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, pyoxigraph
            s = pyoxigraph.Store({str(path)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match="in use by another process"):
            LocalStore(path)
        # a read-only handle still works while the writer holds the lock
        assert len(open_store(path, read_only=True)) == 0
    finally:
        holder.communicate("\n", timeout=30)


def test_load_file_reports_line_and_keeps_store(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    store.replace_graph(G1, [quad("https://e/a", "https://e/b", G1)])
    before = export(store)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<https://e/x> <https://e/p> <https://e/y> .\n<https://e/x> <https://e/p> .\n")
    with pytest.raises(RdfSyntaxError, match=r"bad\.ttl.*line 2|bad\.ttl.*2:"):
        store.load_file(bad, RdfFormatName.turtle, graph=G2)
    assert export(store) == before


def test_stats_counts_documents(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    doc_graph = ox.NamedNode("https://w3id.org/kgnews/graph/doc/abc")
    store.replace_graph(doc_graph, [quad("https://e/a", "https://e/b", doc_graph)])
    store.replace_graph(G1, [quad("https://e/a", "https://e/b", G1)])
    assert stats(store).documents == 1 and stats(store).graphs == 2 and stats(store).quads == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("INSERT DATA {}", True), ("prefix a: <http://a/>\nclear all", True), ("SELECT * {}", False),
     ("ASK { ?s ?p ?o }", False), ("# INSERT\nCONSTRUCT WHERE { ?s ?p ?o }", False)],
)
def test_is_update(text: str, expected: bool) -> None:
    assert is_update(text) is expected


def test_format_from_path() -> None:
    assert RdfFormatName.from_path("x.ttl") is RdfFormatName.turtle
    assert RdfFormatName.from_path("x.nq") is RdfFormatName.nquads
    with pytest.raises(RdfSyntaxError):
        RdfFormatName.from_path("x.docx")


def test_add_graphs_writes_document_marker_and_has_document(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    doc = ox.NamedNode("https://w3id.org/kgnews/id/doc/abc")
    graph = ox.NamedNode("https://w3id.org/kgnews/graph/doc/abc")
    marker = ox.Quad(doc, ox.NamedNode(RDF_TYPE), ox.NamedNode(KG_DOCUMENT), graph)
    store.add_graphs([marker, quad("https://e/a", "https://e/b", graph)])
    assert store.has_document(graph)
    assert len(store) == 2
    # a graph whose marker never got written (a crash mid-batch) is not a complete document
    half = ox.NamedNode("https://w3id.org/kgnews/graph/doc/def")
    store.add_graphs([quad("https://e/c", "https://e/d", half)])
    assert store.has_graph(half) and not store.has_document(half)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KG_DOCUMENT = "https://w3id.org/kgnews/ontology#Document"
