"""The mapping table (kg.merge.TableMapper), CONSTRUCT triggers, and the equivalence of the streamed mapping with
running every mapping over the stored source."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from kg import vocab
from kg.errors import QueryError
from kg.merge import (
    ConstructMapping,
    TableMapper,
    construct_mappings,
    map_source,
    mapping_table,
    merge_files,
    read_construct_mapping,
    read_mapping_table,
)
from kg.store import GraphStore

SHARED = Path(__file__).resolve().parents[2] / "../shared"
MERGE = SHARED / "merge"
DATA = Path(__file__).resolve().parent / "data"
KG = vocab.KG
RDFS_LABEL = vocab.RDFS + "label"
SKOS_ALT = vocab.SKOS + "altLabel"
TYPE = vocab.RDF + "type"

ORG_SAMPLE = """\
@prefix org: <http://www.w3.org/ns/org#> .
@prefix orgs: <https://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://ex/a> a org:FormalOrganization , org:OrganizationalUnit ; rdfs:label "Ardent Unit"@en , "Ardent" ;
    skos:altLabel "AU"@en .
<http://ex/b> skos:prefLabel "Brisk Parent" ; rdfs:label "not used: a prefLabel wins" .
<http://ex/b> a orgs:Organization .
<http://ex/c#Corvid> a org:Organization ; org:hasUnit <http://ex/a> ; org:unitOf _:x ; org:subOrganizationOf "text" .
<http://ex/d> skos:prefLabel "Not an organization" ; orgs:subOrganizationOf <http://ex/b> .
_:y a org:Organization ; skos:prefLabel "a blank organization" .
"""


def triples(store: GraphStore, graph: ox.NamedNode) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value, q.object.value) for q in store.quads(graph)}


def test_org_table_maps_types_names_aliases_and_edges(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "org.ttl"
    path.write_text(ORG_SAMPLE, encoding="utf-8")
    report = merge_files(store, [path], name="org")
    got = triples(store, vocab.mapped_graph("org"))
    a, b, c, d = "http://ex/a", "http://ex/b", "http://ex/c#Corvid", "http://ex/d"
    assert got == {
        (a, TYPE, KG + "Organization"), (a, KG + "orgKind", "unit"), (a, RDFS_LABEL, "Ardent Unit"),
        (a, RDFS_LABEL, "Ardent"), (a, SKOS_ALT, "AU"),
        (b, TYPE, KG + "Organization"), (b, RDFS_LABEL, "Brisk Parent"),
        (c, TYPE, KG + "Organization"), (c, RDFS_LABEL, "Corvid"),  # no name: the IRI's local name
        (a, KG + "subsidiaryOf", c),  # inverse edge (hasUnit)
        (d, KG + "subsidiaryOf", b),  # an edge maps whatever the types of its ends
    }
    # names are plain strings (the language tag is dropped), as the shapes require
    labels = [q.object for q in store.quads(vocab.mapped_graph("org")) if q.predicate.value == RDFS_LABEL]
    assert all(lit.language is None and lit.datatype.value == vocab.XSD + "string" for lit in labels)
    assert report.triples_mapped == len(got) and report.triples_loaded == 16


@pytest.mark.parametrize("limit", [None, 0])
def test_streamed_mapping_equals_every_mapping_over_the_stored_source(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int | None
) -> None:
    """CONSTRUCT files run on an in-memory copy of the triples they read (limit None) or, past the limit, on the
    store (limit 0): either way the mapped graphs are those of every mapping run over the stored source."""
    import kg.merge

    if limit is not None:
        monkeypatch.setattr(kg.merge, "SUBSET_LIMIT", limit)
    org = tmp_path / "org.ttl"
    org.write_text(ORG_SAMPLE, encoding="utf-8")
    cases = {"gleif": [MERGE / "gleif" / "L1Data.ttl", MERGE / "gleif" / "L2Data.ttl"],
             "fibo": [MERGE / "fibo" / "FinancialInstitutionExamples.rdf"], "wikidata": [DATA / "wikidata.ttl"],
             "vocab": [DATA / "vocabularies.trig"], "conflicting": [DATA / "conflicting.ttl"], "org": [org]}
    for name, files in cases.items():
        merge_files(store, files, name=name)
    monkeypatch.setattr(ConstructMapping, "wanted", lambda self, seen: True)  # no trigger skips any file
    for name in cases:
        again = ox.NamedNode(vocab.GRAPH + f"test/{name}")
        n = map_source(store, vocab.source_graph(name), again)
        assert n == len(list(store.quads(again))) > 0
        want, got = _rdflib(store, vocab.mapped_graph(name)), _rdflib(store, again)
        assert isomorphic(want, got), name


def _rdflib(store: GraphStore, graph: ox.NamedNode) -> object:
    import rdflib

    g = rdflib.Graph()
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)],
                        format=ox.RdfFormat.N_TRIPLES)
    g.parse(data=data, format="nt")
    return g


def test_construct_files_whose_triggers_are_absent_do_not_run(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    real = type(store).query

    def counting(self: GraphStore, sparql: str, **kw: object) -> object:
        if "CONSTRUCT" in sparql:
            ran.append(sparql)
        return real(self, sparql, **kw)

    monkeypatch.setattr(type(store), "query", counting)
    org = tmp_path / "org.ttl"
    org.write_text(ORG_SAMPLE, encoding="utf-8")
    merge_files(store, [org], name="org")
    assert ran == []  # W3C ORG is all in the table
    merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    assert len(ran) == 1 and "P749" in ran[0]


def test_every_shipped_construct_declares_triggers_in_its_own_vocabulary() -> None:
    for mapping in construct_mappings():
        assert mapping.triggers, mapping.path.name
        text = mapping.sparql
        for term in mapping.triggers:
            local = term.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            assert local in text.split("# triggers:", 1)[1].split("CONSTRUCT", 1)[1], (mapping.path.name, term)
    assert not mapping_table().vocabulary & {t for m in construct_mappings() for t in m.triggers or ()}


def test_trigger_and_table_errors_name_the_file_and_line(tmp_path: Path) -> None:
    rq = tmp_path / "x.rq"
    rq.write_text("# mapping: x\n# triggers: nope:thing\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="nope"):
        read_construct_mapping(rq)
    rq.write_text("# mapping: x\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert read_construct_mapping(rq).triggers is None and read_construct_mapping(rq).wanted(set())
    tsv = tmp_path / "t.tsv"
    tsv.write_text("# ok\nclass\torg:Organization\tkg:Organization\nfrobnicate\ta:b\tc:d\n", encoding="utf-8")
    with pytest.raises(QueryError, match="line 3"):
        read_mapping_table(tsv)
    tsv.write_text("class\torg:Organization\tkg:Organization\tkg:orgKind\n", encoding="utf-8")
    with pytest.raises(QueryError, match="line 1"):
        read_mapping_table(tsv)


def test_table_mapper_waits_for_types_that_come_after_names() -> None:
    a = ox.NamedNode("http://ex/late")
    out: list[ox.Triple] = []
    mapper = TableMapper()
    mapper.feed([ox.Triple(a, ox.NamedNode(vocab.SKOS + "prefLabel"), ox.Literal("Late Co", language="en")),
                 ox.Triple(a, ox.NamedNode(vocab.RDF + "type"), ox.NamedNode(vocab.ORG + "Organization"))],
                out.append, finish=True)
    assert {(t.predicate.value, t.object.value) for t in out} == {(TYPE, KG + "Organization"),
                                                                  (RDFS_LABEL, "Late Co")}
    assert ox.NamedNode(vocab.ORG + "Organization") in mapper.seen


def test_merge_loading_in_parallel_pieces_gives_the_same_graphs(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A big N-Triples file is bulk loaded in pieces side by side while the mapping thread loads the mapped graph:
    the merged store is the one a single sequential load gives, blank nodes (GLEIF periods) included: no cut
    falls between two mentions of one blank node, which Oxigraph would read as two."""
    import io

    import rdflib

    import kg.store
    from kg.store import LocalStore, RdfFormatName

    nt = tmp_path / "gleif.nt"
    with open(nt, "wb") as fh:
        for f in (MERGE / "gleif" / "L1Data.ttl", MERGE / "gleif" / "L2Data.ttl"):
            ox.serialize(ox.parse(path=str(f), format=ox.RdfFormat.TURTLE), fh, format=ox.RdfFormat.N_TRIPLES)
    exports = []
    for workers, threshold in (("1", 1 << 40), ("2", 0)):
        monkeypatch.setenv("KG_LOAD_WORKERS", workers)
        monkeypatch.setattr(kg.store, "PARALLEL_LOAD_BYTES", threshold)
        monkeypatch.setattr(kg.store, "MAX_PIECE_BYTES", nt.stat().st_size // 5)
        with LocalStore(tmp_path / f"store-{workers}") as store:
            report = merge_files(store, [nt], name="gleif")
            assert report.triples_mapped > 0 and report.organizations > 0
            assert len(kg.store.line_pieces(nt, 2)) >= 3
            buf = io.BytesIO()
            store.export(buf, RdfFormatName.nquads)
            data = rdflib.Dataset()
            data.parse(data=buf.getvalue(), format="nquads")
            exports.append({str(g.identifier): g for g in data.graphs() if len(g)})
    assert exports[0].keys() == exports[1].keys()
    for name, graph in exports[0].items():
        assert isomorphic(graph, exports[1][name]), name
