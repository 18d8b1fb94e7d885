"""kg.queries: every canned query against the fixture store, with its expected rows; headers, parameters, output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kg.errors import QueryError
from kg.facts import DocumentInfo, Facts, Model, Organization, Subsidiary
from kg.queries import (
    CannedQuery,
    Param,
    bind_params,
    get_query,
    list_queries,
    parse_query,
    rows,
    run_query,
    write_result,
)
from kg.rdf import facts_to_quads
from kg.resources import queries_dir
from kg.store import LocalStore
from kg.vocab import document_graph

ID = "https://w3id.org/kgnews/id/"
KG = "https://w3id.org/kgnews/ontology#"
DOC_A = ID + "doc/" + "a" * 64
DOC_B = ID + "doc/" + "b" * 64
REQUIRED = ("subsidiaries", "parents", "models", "investments", "programs", "organizations", "why", "documents")


def org(slug: str) -> str:
    return f"{ID}org/{slug}"


def answer(store, name: str, **params: str) -> tuple[list[str], list[list[object]]]:
    query = get_query(name)
    cols, data = rows(run_query(store, query, params))
    assert tuple(cols) == query.columns, f"{name}: result columns differ from the header"
    return cols, data


def test_the_required_queries_exist_with_headers():
    queries = {q.name: q for q in list_queries()}
    for name in REQUIRED:
        q = queries[name]
        assert q.summary and q.columns and q.path is not None and q.path.parent == queries_dir()
    assert [q.name for q in list_queries()] == sorted(queries)


def test_subsidiaries_transitive_with_depth(graph_store):
    _, data = answer(graph_store, "subsidiaries", org="ORCHID VENTURES")
    assert data == [
        [org("halcyon-holdings"), "Halcyon Holdings", org("orchid-ventures"), "Orchid Ventures", 1],
        [org("halcyon-cloud"), "Halcyon Cloud", org("halcyon-holdings"), "Halcyon Holdings", 2],
        [org("lumen-lab"), "Lumen Lab", org("halcyon-cloud"), "Halcyon Cloud", 3],
    ]
    # an alias names the root too; a leaf has no subsidiaries
    _, data = answer(graph_store, "subsidiaries", org="Halcyon")
    assert [(r[1], r[4]) for r in data] == [("Halcyon Cloud", 1), ("Lumen Lab", 2)]
    assert answer(graph_store, "subsidiaries", org="Lumen Lab")[1] == []
    assert answer(graph_store, "subsidiaries", org="No Such Company")[1] == []


def test_parents_up_to_the_ultimate_parent(graph_store):
    _, data = answer(graph_store, "parents", org="lumen lab")
    assert data == [
        [org("halcyon-cloud"), "Halcyon Cloud", 1, False],
        [org("halcyon-holdings"), "Halcyon Holdings", 2, False],
        [org("orchid-ventures"), "Orchid Ventures", 3, True],
    ]
    assert answer(graph_store, "parents", org="Orchid Ventures")[1] == []


def test_models_largest_first(graph_store):
    _, data = answer(graph_store, "models")
    assert data == [
        [ID + "model/gale-2", "Gale-2", org("lumen-lab"), "Lumen Lab", None, 1_000_000_000, 30_000_000_000,
         None, None, None, None, True],
        [ID + "model/quill-4", "Quill-4", org("fernwood"), "Fernwood", None, None, None,
         "3000000000 8000000000", None, None, None, None],
        [ID + "model/gale-2-mini", "Gale-2-Mini", org("lumen-lab"), "Lumen Lab", 7_000_000_000, None, None,
         None, None, ID + "model/gale-2", "Gale-2", None],
    ]
    _, data = answer(graph_store, "models", by="FERNWOOD")
    assert [r[1] for r in data] == ["Quill-4"]


def test_investments_largest_first(graph_store):
    _, data = answer(graph_store, "investments")
    assert [r[1:] for r in data] == [
        [org("halcyon-cloud"), "Halcyon Cloud", 12e9, "EUR", 13e9, "data centres", 2.0, None, None, None, None],
        [org("orchid-ventures"), "Orchid Ventures", 4e8, "USD", 4e8, "Fernwood", None, None, None, None, None],
    ]
    assert all(r[0].startswith(ID + "investment/") for r in data)
    _, data = answer(graph_store, "investments", investor="orchid ventures")
    assert [r[2] for r in data] == ["Orchid Ventures"]


def test_programs_with_organizers(graph_store):
    _, data = answer(graph_store, "programs")
    prog = ID + "program/spark-founders-programme"
    assert data == [
        [prog, "Spark Founders Programme", org("halcyon-cloud"), "Halcyon Cloud"],
        [prog, "Spark Founders Programme", org("lumen-lab"), "Lumen Lab"],
    ]


def test_organizations_with_aliases_and_document_counts(graph_store):
    _, data = answer(graph_store, "organizations")
    assert data == [
        [org("halcyon-holdings"), "Halcyon Holdings", None, "Halcyon", 2],
        [org("fernwood"), "Fernwood", None, None, 1],
        [org("halcyon-cloud"), "Halcyon Cloud", "arm", None, 1],
        [org("lumen-lab"), "Lumen Lab", "unit", None, 1],
        [org("orchid-ventures"), "Orchid Ventures", None, None, 1],
    ]


def test_documents(graph_store, gd):
    _, data = answer(graph_store, "documents")
    assert data == [
        [DOC_A, "Halcyon spends on data centres", "news/a.txt", "a" * 64, len(gd.TEXT_A), "2026-01-01",
         gd.INGESTED, gd.EXTRACTOR, 8],
        [DOC_B, "Orchid backs Fernwood", "news/b.txt", "b" * 64, len(gd.TEXT_B), None, gd.INGESTED,
         gd.EXTRACTOR, 4],
    ]


def test_why_an_entity(graph_store, gd):
    _, data = answer(graph_store, "why", about="Lumen Lab")
    got = [(r[0].rsplit("/", 1)[1], r[1].rsplit("#", 1)[1], r[5], r[6], r[9]) for r in data]
    assert got == [
        ("lumen-lab", "subsidiaryOf", 168, 205, "sub.unit"),
        ("lumen-lab", "mentionedIn", 196, 205, "ner.org"),
        ("gale-2", "developer", 229, 242, "model.range"),
        ("gale-2-mini", "developer", 308, 345, "model.size"),
        ("spark-founders-programme", "organizer", 411, 435, "prog.run"),
    ]
    for r in data:  # the offsets point at the mention in the original text, inside the sentence
        assert r[3] == DOC_A and r[4] == "Halcyon spends on data centres"
        assert gd.TEXT_A[r[5]:r[6]] == r[7] and r[7] in r[8]
        assert 0 <= r[10] <= 1


def test_why_a_fact_between_two_entities_and_by_iri(graph_store):
    _, data = answer(graph_store, "why", about="halcyon holdings", other="Orchid Ventures")
    assert [(r[1], r[2], r[3], r[9], r[10]) for r in data] == [
        (KG + "subsidiaryOf", org("orchid-ventures"), DOC_B, "sub.parent", 0.9)]
    # the same entity named by IRI, and a fact named by its IRI
    by_iri = answer(graph_store, "why", about=org("halcyon-holdings"), other="orchid ventures")[1]
    assert by_iri == data
    assert answer(graph_store, "why", about="Halcyon Holdings", other=org("orchid-ventures"))[1] == data
    assert answer(graph_store, "why", about="halcyon holdings", other=org("halcyon-holdings"))[1] == []
    facts = [r for r in rows(run_query(graph_store, "SELECT ?f WHERE { ?f a kg:Assertion ; rdf:predicate "
                                                    "kg:basedOn }"))[1]]
    (fact,) = {r[0] for r in facts}
    _, data = answer(graph_store, "why", about=fact)
    assert [(r[0], r[1], r[2], r[9]) for r in data] == [
        (ID + "model/gale-2-mini", KG + "basedOn", ID + "model/gale-2", "model.size")]
    assert answer(graph_store, "why", about="Nobody At All")[1] == []


def test_every_query_file_parses_and_parameterless_ones_run(graph_store):
    for q in list_queries():
        assert q.sparql.strip() and q.name
        if not any(p.required for p in q.params):
            result = run_query(graph_store, q)
            assert result.kind == "select"
            if q.columns:
                assert result.variables == q.columns


# --- header and parameters -------------------------------------------------------------------------------------
HEADER = """# name: demo
# summary: A demo query.
# param: who literal required Who to look for
# param: n integer optional How many
# param: x decimal optional A number
# param: it iri optional An IRI
# columns: s who
SELECT ?s ?who ?n ?x ?it WHERE { ?s ?p ?who }
"""


def test_header_parsing():
    q = parse_query(HEADER)
    assert q.name == "demo" and q.summary == "A demo query." and q.columns == ("s", "who")
    assert q.params[0] == Param("who", "literal", True, "Who to look for")
    assert [p.type for p in q.params] == ["literal", "integer", "decimal", "iri"]


@pytest.mark.parametrize("line", ["# param: who", "# param: who text required x", "# param: who literal maybe x",
                                  "# param: 1x literal required x"])
def test_bad_param_lines_are_refused(line):
    with pytest.raises(QueryError, match="param"):
        parse_query(line + "\nSELECT * WHERE {}")


def test_binding_checks_values():
    q = parse_query(HEADER)
    subs = bind_params(q, {"who": "Acme", "n": "3", "x": "2.50", "it": "kgid:org/acme"})
    assert subs["who"].value == "Acme"
    assert subs["n"].value == "3" and subs["n"].datatype.value.endswith("#integer")
    assert subs["x"].value == "2.5" and subs["x"].datatype.value.endswith("#decimal")
    assert subs["it"].value == ID + "org/acme"
    assert bind_params(q, {"who": "a", "it": "<http://example.org/z>"})["it"].value == "http://example.org/z"
    with pytest.raises(QueryError, match="needs --param who"):
        bind_params(q, {})
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        bind_params(q, {"who": "a", "nope": "b"})
    with pytest.raises(QueryError, match="not an integer"):
        bind_params(q, {"who": "a", "n": "many"})
    with pytest.raises(QueryError, match="not a number"):
        bind_params(q, {"who": "a", "x": "nan"})
    with pytest.raises(QueryError, match="not an IRI"):
        bind_params(q, {"who": "a", "it": "not an iri"})


def test_parameters_are_bound_not_pasted(graph_store):
    """A value full of SPARQL syntax is just a string that matches nothing."""
    _, data = answer(graph_store, "subsidiaries", org='x" } ; DROP ALL ; SELECT * { "')
    assert data == []


def test_unknown_query_and_missing_file(tmp_path):
    with pytest.raises(QueryError, match=r"unknown query .nope.*subsidiaries"):
        get_query("nope")
    with pytest.raises(QueryError, match="no such query file"):
        get_query(str(tmp_path / "missing.rq"))


def test_query_file_by_path(graph_store, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("# summary: Count organizations.\nSELECT (COUNT(DISTINCT ?o) AS ?n) "
                    "WHERE { ?o a kg:Organization }\n", encoding="utf-8")
    q = get_query(str(path))
    assert isinstance(q, CannedQuery) and q.name == "count" and q.path == path
    assert rows(run_query(graph_store, q)) == (["n"], [[5]])


def test_missing_required_parameter_when_running(graph_store):
    with pytest.raises(QueryError, match="needs --param org"):
        run_query(graph_store, get_query("subsidiaries"), {})


def test_ad_hoc_sparql_text_binds_loosely(graph_store):
    text = "SELECT ?o ?name WHERE { ?o rdfs:label ?name }"
    _, data = rows(run_query(graph_store, text, {"name": "Fernwood"}))
    assert data == [[org("fernwood"), "Fernwood"]]


def test_ask_and_construct(graph_store):
    assert rows(run_query(graph_store, "ASK { ?o a kg:Organization }")) == (["ask"], [[True]])
    result = run_query(graph_store, "CONSTRUCT { ?o a kg:Organization } WHERE { ?o rdfs:label \"Fernwood\" }")
    assert rows(result) == (["subject", "predicate", "object"],
                            [[org("fernwood"), "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", KG + "Organization"]])


def test_malformed_sparql_is_a_query_error(graph_store):
    with pytest.raises(QueryError):
        run_query(graph_store, "SELECT WHERE {")


# --- output formats --------------------------------------------------------------------------------------------
def test_json_is_w3c_sparql_results(graph_store):
    buf = io.StringIO()
    write_result(run_query(graph_store, get_query("parents"), {"org": "Halcyon Cloud"}), "json", buf)
    doc = json.loads(buf.getvalue())
    assert doc["head"]["vars"] == ["ancestor", "ancestorName", "depth", "ultimate"]
    first = doc["results"]["bindings"][0]
    assert first["ancestor"] == {"type": "uri", "value": org("halcyon-holdings")}
    assert first["ancestorName"] == {"type": "literal", "value": "Halcyon Holdings"}
    assert first["depth"]["datatype"].endswith("#integer") and first["depth"]["value"] == "1"
    buf = io.StringIO()
    write_result(run_query(graph_store, "ASK { ?s ?p ?o }"), "json", buf)
    assert json.loads(buf.getvalue()) == {"head": {}, "boolean": True}


def test_csv_tsv_and_table(graph_store):
    result = run_query(graph_store, get_query("parents"), {"org": "Lumen Lab"})
    buf = io.StringIO()
    write_result(result, "csv", buf)
    table = list(csv.reader(io.StringIO(buf.getvalue())))
    assert table[0] == ["ancestor", "ancestorName", "depth", "ultimate"]
    assert table[3] == [org("orchid-ventures"), "Orchid Ventures", "3", "true"]
    buf = io.StringIO()
    write_result(result, "tsv", buf)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "?ancestor\t?ancestorName\t?depth\t?ultimate"
    assert lines[1].startswith(f"<{org('halcyon-cloud')}>\t\"Halcyon Cloud\"\t")
    buf = io.StringIO()
    write_result(result, "table", buf)
    text = buf.getvalue()
    assert "kgid:org/orchid-ventures" in text and "Orchid Ventures" in text and "ancestorName" in text
    buf = io.StringIO()
    write_result(run_query(graph_store, get_query("subsidiaries"), {"org": "nobody"}), "table", buf)
    assert "(no results)" in buf.getvalue()
    with pytest.raises(QueryError, match="unknown result format"):
        write_result(result, "xml", io.StringIO())


# --- shapes the fixture store does not have: two parent paths, documents that disagree --------------------------
def _store_of(tmp_path, docs: list[tuple[str, Facts]]) -> LocalStore:
    """A store with one named graph per (sha-letter, facts) document, reopened read-only."""
    path = tmp_path / "store"
    with LocalStore(path) as store:
        for letter, facts in docs:
            doc = DocumentInfo(sha256=letter * 64, path=f"news/{letter}.txt", title=f"Doc {letter}", chars=100)
            quads = facts_to_quads(facts, doc, ingested_at="2026-01-01T00:00:00Z", extractor="kg-test")
            store.replace_graph(document_graph(doc.sha256), quads)
    return LocalStore(path, read_only=True)


def _subs(*edges: tuple[str, str]) -> Facts:
    names = sorted({n for e in edges for n in e})
    return Facts(organizations=tuple(Organization(n) for n in names),
                 subsidiaries=tuple(Subsidiary(c, p, relation="unit") for c, p in edges))


def test_depth_is_the_shortest_path_with_one_row_per_entity(tmp_path):
    # Rootco -> Alder, Birch, Dune; Alder and Birch -> Cedar (a diamond); Cedar -> Dune (Dune also sits right under
    # Rootco); Dune -> Elm. One document states the upper edges, another the lower ones, a third repeats some.
    store = _store_of(tmp_path, [
        ("c", _subs(("Alder", "Rootco"), ("Birch", "Rootco"), ("Dune", "Rootco"))),
        ("d", _subs(("Cedar", "Alder"), ("Cedar", "Birch"), ("Dune", "Cedar"), ("Elm", "Dune"))),
        ("e", _subs(("Cedar", "Birch"), ("Dune", "Cedar"), ("Alder", "Rootco"))),
    ])
    with store:
        _, data = answer(store, "subsidiaries", org="rootco")
        _, up = answer(store, "parents", org="Dune")
    assert [(r[1], r[3], r[4]) for r in data] == [
        ("Alder", "Rootco", 1), ("Birch", "Rootco", 1), ("Dune", "Rootco", 1),
        ("Cedar", "Alder", 2),  # two shortest paths: the parent with the smaller IRI
        ("Elm", "Dune", 2),
    ]
    assert len({r[0] for r in data}) == len(data) == 5
    # upwards the same: Dune sits right under Rootco and, through Cedar, two levels below Alder and Birch
    assert [(r[1], r[2], r[3]) for r in up] == [("Cedar", 1, False), ("Rootco", 1, True), ("Alder", 2, False),
                                                  ("Birch", 2, False)]


def test_subsidiaries_below_a_middle_node_and_in_a_cycle(tmp_path):
    store = _store_of(tmp_path, [("c", _subs(("Alder", "Rootco"), ("Cedar", "Alder"), ("Rootco", "Cedar"),
                                             ("Elm", "Cedar")))])
    with store:
        _, data = answer(store, "subsidiaries", org="Alder")
    # Alder -> Cedar -> Rootco -> Alder: the root itself is never its own subsidiary
    assert [(r[1], r[3], r[4]) for r in data] == [("Cedar", "Alder", 1), ("Elm", "Cedar", 2), ("Rootco", "Cedar", 2)]


def test_conflicts_between_documents_without_links(tmp_path):
    """Two documents name different parents for Cedar and different sizes for a model: both are reported."""
    a = Facts(organizations=(Organization("Cedar"), Organization("Alder"), Organization("Birch")),
              subsidiaries=(Subsidiary("Cedar", "Alder"), Subsidiary("Birch", "Alder")),
              models=(Model("Fir-1", developer="Cedar", parameters=7_000_000_000),))
    b = Facts(organizations=(Organization("Cedar"), Organization("Birch"), Organization("Alder")),
              subsidiaries=(Subsidiary("Cedar", "Birch"), Subsidiary("Birch", "Alder")),
              models=(Model("Fir-1", developer="Cedar", parameters=8_000_000_000),))
    store = _store_of(tmp_path, [("c", a), ("d", b)])
    with store:
        _, data = answer(store, "conflicts")
    got = [(r[0], r[1].rsplit("/", 1)[1], r[2], r[3].rsplit("#", 1)[1], str(r[4]), str(r[6])) for r in data]
    assert got == [
        ("number", "fir-1", "Fir-1", "parameterCount", "7000000000", "8000000000"),
        ("parent", "cedar", "Cedar", "subsidiaryOf", org("alder"), org("birch")),
    ]
    assert all(r[5] == ID.replace("/id/", "/graph/") + "doc/" + "c" * 64 for r in data)


def test_merged_subsidiaries_below_a_root_and_for_an_unknown_name(graph_store):
    _, data = answer(graph_store, "merged_subsidiaries", org="halcyon holdings")
    assert [(r[1], r[3], r[4]) for r in data] == [("Lumen Lab", "Halcyon Cloud", 1),
                                                  ("Halcyon Cloud", "Halcyon Holdings", 1)]
    assert len(answer(graph_store, "merged_subsidiaries")[1]) == 3
    # a name that names nothing gives nothing (it used to give every edge of the store)
    assert answer(graph_store, "merged_subsidiaries", org="No Such Company")[1] == []


def test_table_is_plain_columns_one_row_a_line_nothing_cut(graph_store):
    """The table format (issue 12, item 10): a header line, then one line per row, columns two spaces apart and
    padded to the widest cell, every value whole (no frame, no wrapping, no "…"), the same on a terminal and in a
    pipe; a newline or a terminal escape inside a value cannot break the layout."""
    result = run_query(graph_store, get_query("parents"), {"org": "Lumen Lab"})
    buf = io.StringIO()
    write_result(result, "table", buf)
    assert buf.getvalue().splitlines() == [
        "ancestor                   ancestorName      depth  ultimate",
        "kgid:org/halcyon-cloud     Halcyon Cloud     1      false",
        "kgid:org/halcyon-holdings  Halcyon Holdings  2      false",
        "kgid:org/orchid-ventures   Orchid Ventures   3      true",
    ]
    long = "http://example.org/" + "x" * 300
    odd = run_query(graph_store, f'SELECT ?a ?b WHERE {{ VALUES (?a ?b) {{ (<{long}> "one\\ntwo\\u001b[31mred") }} }}')
    buf = io.StringIO()
    write_result(odd, "table", buf)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith(long + "  one two\\x1b[31mred"), lines
    assert not set("┏┃│━─└┘…") & set(buf.getvalue())
    buf = io.StringIO()
    write_result(run_query(graph_store, get_query("subsidiaries"), {"org": "nobody"}), "table", buf)
    assert buf.getvalue() == "child  childName  parent  parentName  depth\n(no results)\n"
