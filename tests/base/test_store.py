"""The store layer: atomic graph replacement, sorted exports, error translation, read-only handles."""

from __future__ import annotations

import io
import itertools
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


DOC_TYPE = (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/kgnews/ontology#Document"))


def test_stats_counts_documents(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    doc_graph = ox.NamedNode("https://w3id.org/kgnews/graph/doc/abc")
    doc = ox.NamedNode("https://w3id.org/kgnews/id/doc/abc")
    store.replace_graph(doc_graph, [quad("https://e/a", "https://e/b", doc_graph), ox.Quad(doc, *DOC_TYPE, doc_graph)])
    store.replace_graph(G1, [quad("https://e/a", "https://e/b", G1)])
    assert stats(store).documents == 1 and stats(store).graphs == 2 and stats(store).quads == 3


def test_stats_counts_documents_being_written_apart(tmp_path: Path) -> None:
    """A document graph whose ``a kg:Document`` marker is not written yet (a batch in progress, or one a crash cut
    short) is not a document: ``query documents`` does not list it, so ``stats`` does not count it either."""
    store = LocalStore(tmp_path / "s")
    body = "".join(f"<https://w3id.org/kgnews/id/doc/{i}> <https://e/p> \"d{i}\" "
                   f"<https://w3id.org/kgnews/graph/doc/{i}> .\n" for i in range(5))
    marker = ("<https://w3id.org/kgnews/id/doc/0> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
              "<https://w3id.org/kgnews/ontology#Document> <https://w3id.org/kgnews/graph/doc/0> .\n")
    store.add_nquads(body, marker)
    s = stats(store)
    assert (s.documents, s.in_progress, s.graphs, s.quads) == (1, 4, 5, 6)


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


# --- parallel bulk loading of big N-Triples files (LocalStore.append_file) ---------------------------------------
def _ntriples(path: Path, n: int, *, bad_line: int | None = None) -> Path:
    lines = [f'<https://e/s{i}> <https://e/p> "value {i} \\"quoted\\" caf\\u00e9" .' for i in range(n)]
    lines += [f"<https://e/s{i}> <https://e/q> <https://e/s{i + 1}> ." for i in range(n)]
    if bad_line is not None:
        lines[bad_line - 1] = '<https://e/broken> <https://e/p> "no end .'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_line_pieces_cut_at_line_ends_and_cover_the_file(tmp_path: Path) -> None:
    from kg.store import line_pieces

    path = _ntriples(tmp_path / "x.nt", 500)
    data = path.read_bytes()
    for count, max_bytes in ((2, 1 << 30), (3, 1 << 30), (2, 5000)):
        pieces = line_pieces(path, count, max_bytes)
        assert pieces[0][0] == 0 and pieces[-1][1] == len(data)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
        assert all(data[end - 1:end] == b"\n" for _, end in pieces)
        assert len(pieces) >= count and all(end - start <= max_bytes + 200 for start, end in pieces)
    one_line = tmp_path / "one.nt"
    one_line.write_bytes(b"<https://e/a> <https://e/p> <https://e/b> .")  # no line end at all
    assert line_pieces(one_line, 4) == [(0, one_line.stat().st_size)]


def test_append_file_in_parallel_pieces_loads_the_same_quads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.store

    path = _ntriples(tmp_path / "x.nt", 2000)
    exports = []
    for workers, threshold in (("1", 1 << 40), ("3", 0)):
        monkeypatch.setenv("KG_LOAD_WORKERS", workers)
        monkeypatch.setattr(kg.store, "PARALLEL_LOAD_BYTES", threshold)
        monkeypatch.setattr(kg.store, "MAX_PIECE_BYTES", 20_000)  # many pieces, more than the workers
        with LocalStore(tmp_path / f"s{workers}") as store:
            store.append_file(path, RdfFormatName.ntriples, graph=G1)
            assert len(store) == 4000
            exports.append(export(store))
    assert exports[0] == exports[1]


def test_append_file_in_pieces_names_the_line_of_the_whole_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.store

    monkeypatch.setenv("KG_LOAD_WORKERS", "2")
    monkeypatch.setattr(kg.store, "PARALLEL_LOAD_BYTES", 0)
    path = _ntriples(tmp_path / "bad.nt", 1000, bad_line=1700)  # in the second half of the file
    assert kg.store.line_pieces(path, 2)[1][0] < sum(len(x) + 1 for x in path.read_text().splitlines()[:1699])
    with LocalStore(tmp_path / "s") as store, pytest.raises(RdfSyntaxError) as info:
        store.append_file(path, RdfFormatName.ntriples, graph=G1)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "line 1700" in message and "\n" not in message
    assert message.count("(line 1700)") <= 1 and "line 700" not in message.replace("line 1700", "")


def test_no_cut_falls_between_two_mentions_of_a_blank_node(tmp_path: Path) -> None:
    from kg.store import blank_node_spans, line_pieces

    lines = [f"<https://e/s{i}> <https://e/p> <https://e/o{i}> ." for i in range(300)]
    lines[10] = "<https://e/s10> <https://e/p> _:kept."  # no space before the final dot
    lines[250] = "_:kept <https://e/p> \"the same blank node\" ."
    lines[100] = "_:local <https://e/p> _:local ."  # one line: constrains nothing
    path = tmp_path / "b.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    assert blank_node_spans(path) == [(offsets[10] + 30, offsets[250])]
    pieces = line_pieces(path, 4, max_bytes=2000)
    assert len(pieces) >= 3
    assert not any(offsets[10] < start <= offsets[250] for start, _ in pieces)
    with LocalStore(tmp_path / "s") as store:  # loaded in those pieces: still one blank node
        import kg.store

        kg.store._load_pieces(store._store, path, RdfFormatName.ntriples, G1, 3)
        blanks = {q.subject for q in store.quads(G1) if isinstance(q.subject, ox.BlankNode)}
        blanks |= {q.object for q in store.quads(G1) if isinstance(q.object, ox.BlankNode)}
        assert len(blanks) == 2 and len(store) == 300
