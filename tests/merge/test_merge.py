"""kg.merge on the shared GLEIF and FIBO samples, a hand-written Wikidata-style graph and hand-written facts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyoxigraph import NamedNode

from kg import vocab
from kg.errors import InputError, RdfSyntaxError
from kg.merge import conflicts, merge_files, merged_sources, merged_subsidiaries, relink, unmerge
from kg.queries import rows
from kg.store import GraphStore, RdfFormatName

SHARED = Path(__file__).resolve().parents[2] / "../shared"
MERGE = SHARED / "merge"
DATA = Path(__file__).resolve().parent / "data"
GLEIF = [MERGE / "gleif" / "L1Data.ttl", MERGE / "gleif" / "L2Data.ttl"]
FIBO = [MERGE / "fibo" / "FinancialInstitutionExamples.rdf"]
FIBO_NS = "https://spec.edmcouncil.org/fibo/ontology/EXMP/LegalEntities/FinancialInstitutionExamples/"
LEI = {
    "citigroup": "6SHGI4ZSSLCXXQSBB395",
    "citicorp": "549300PSHWOM1D1JVL23",
    "citibank": "E57ODZWZ7FF32TWEFA76",
    "eagle": "549300Z97UQPIB27EY09",
    "blackrock_na": "549300J43MRRHUL8JX64",
    "blackrock_national": "549300RK1FB0VMTPD087",
}
SAME_AS = vocab.term("owl:sameAs")
Adder = Callable[..., None]


def gleif_iri(lei: str) -> str:
    return f"https://rdf.gleif.org/sample/L1/L-{lei}"



def links(store: GraphStore) -> dict[frozenset[str], dict[str, str]]:
    """Every kg:Link as {frozenset({a, b}): {reason, score, key}} over all links graphs."""
    out: dict[frozenset[str], dict[str, str]] = {}
    for row in store.query(
        """SELECT ?a ?b ?reason ?score ?key WHERE { GRAPH ?g { ?l a kg:Link ; rdf:subject ?a ; rdf:object ?b ;
           kg:matchReason ?reason ; kg:matchScore ?score ; kg:matchKey ?key . ?a owl:sameAs ?b } }"""
    ):
        out[frozenset((row["a"].value, row["b"].value))] = {
            "reason": row["reason"].value, "score": row["score"].value, "key": row["key"].value}
    return out


def linked(store: GraphStore, a: str, b: str) -> bool:
    return frozenset((a, b)) in links(store)


def dump(store: GraphStore, graph: NamedNode | None = None, fmt: RdfFormatName = RdfFormatName.nquads) -> bytes:
    out = io.BytesIO()
    store.export(out, fmt, graph=graph)
    return out.getvalue()


def same_dataset(a: bytes, b: bytes) -> bool:
    """N-Quads dumps equal up to blank node names (sources such as GLEIF hold blank nodes)."""
    from rdflib.compare import isomorphic

    def graphs(data: bytes) -> dict[str, rdflib.Graph]:
        ds = rdflib.Dataset()
        ds.parse(data=data, format="nquads")
        return {str(g.identifier): g for g in ds.graphs() if len(g)}

    ga, gb = graphs(a), graphs(b)
    return ga.keys() == gb.keys() and all(isomorphic(ga[k], gb[k]) for k in ga)


@pytest.fixture
def add_article(article: Callable[[str], list]) -> Callable[[GraphStore], None]:
    def add(store: GraphStore, sha: str = "a" * 64) -> None:
        store.add_graphs(article(sha))

    return add


# --- GLEIF + FIBO ----------------------------------------------------------------------------------------------------
def test_sources_are_loaded_unchanged(store: GraphStore) -> None:
    report = merge_files(store, GLEIF, name="gleif")
    assert report.triples_loaded == 304 + 154
    got = {(q.subject, q.predicate, q.object) for q in store.quads(vocab.source_graph("gleif"))}

    want = set()
    for path in GLEIF:
        want |= {(t.subject, t.predicate, t.object) for t in ox.parse(path=str(path))}
    assert len(got) == len(want) == 458

    def plain(t: tuple) -> bool:  # blank nodes get new ids; the store writes xsd:dateTime in canonical form
        return not any(isinstance(x, ox.BlankNode) or (isinstance(x, ox.Literal) and x.datatype.value.endswith(
            "#dateTime")) for x in t)

    assert {t for t in want if plain(t)} <= got
    assert report.organizations == 9


def test_gleif_and_fibo_companies_linked_by_lei(store: GraphStore) -> None:
    merge_files(store, GLEIF, name="gleif")
    report = merge_files(store, FIBO, name="fibo")
    found = links(store)
    for key, fibo_local in (("citigroup", "CitigroupInc-US-DE"), ("citicorp", "CiticorpLLC-US-DE"),
                            ("citibank", "CitibankNA-US-DE")):
        link = found[frozenset((gleif_iri(LEI[key]), FIBO_NS + fibo_local))]
        assert (link["reason"], float(link["score"]), link["key"]) == ("lei", 1.0, LEI[key])
    assert report.links_by_reason.get("lei") == 3
    # the names differ between the two sources: GLEIF's legal name is not FIBO's label for the bank
    names = {row["n"].value for row in store.query(
        "SELECT ?n ?e ?g WHERE { GRAPH ?g { ?e rdfs:label|skos:altLabel ?n } }",
        substitutions={"e": NamedNode(FIBO_NS + "CitibankNA-US-DE"), "g": vocab.mapped_graph("fibo")})}
    assert "Citibank, N.A." in names
    # the FIBO company trading as "Citibank, N.A." is another legal entity of the same source: never joined
    assert not any(FIBO_NS + "CitiCardsSouthDakotaAcceptanceCorp-US-DE" in pair for pair in found)


def test_blackrock_entities_with_different_leis_not_merged(store: GraphStore, tmp_path: Path) -> None:
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    a, b = gleif_iri(LEI["blackrock_na"]), gleif_iri(LEI["blackrock_national"])
    # a third source names the trust company without any LEI: the name fits two different LEIs, so no link
    extra = tmp_path / "names.ttl"
    extra.write_text(
        '@prefix schema: <https://schema.org/> .\n'
        '<https://example.org/x/btc> a schema:Organization ; schema:name "BlackRock Institutional Trust Co., N.A." .\n'
        '<https://example.org/x/cc> a schema:Organization ; schema:name "Citicorp Limited Liability Company" .\n',
        encoding="utf-8",
    )
    report = merge_files(store, [extra], name="names")
    assert not linked(store, a, b)
    assert not any("https://example.org/x/btc" in pair for pair in links(store))
    assert not any(q.predicate == SAME_AS and {q.subject.value, q.object.value} == {a, b} for q in store.quads())
    # while a name with a single identified match is linked, with a lower score and its reason
    cc = links(store)[frozenset(("https://example.org/x/cc", gleif_iri(LEI["citicorp"])))]
    assert cc["reason"] == "normalised-name" and float(cc["score"]) < 1
    assert report.links_by_reason.get("normalised-name", 0) >= 1


def test_transitive_subsidiaries_of_citigroup_across_sources(store: GraphStore) -> None:
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    cols, data = rows(merged_subsidiaries(store, "Citigroup Inc."))
    got = {(r[cols.index("childName")], r[cols.index("parentName")]):
           (r[cols.index("corroboration")], set(r[cols.index("sources")].split())) for r in data}
    g, f = vocab.mapped_graph("gleif").value, vocab.mapped_graph("fibo").value
    assert got[("Citicorp LLC", "Citigroup Inc.")] == (2, {g, f})
    assert got[("Citibank, National Association", "Citicorp LLC")] == (2, {g, f})
    assert got[("The Eagle Tax-Exempt Trust Series 20170009", "Citibank, National Association")] == (1, {g})
    assert got[("Citi Cards South Dakota Acceptance Corp.", "Citigroup Inc.")] == (1, {f})
    assert len(got) == 4  # Wells Fargo's tree and the ultimate-parent statements are not below/among them
    _, everything = rows(merged_subsidiaries(store))
    assert len(everything) == 6


def test_unmerge_fibo_leaves_gleif_and_documents_as_before(store: GraphStore, add_article: Adder) -> None:
    add_article(store)
    merge_files(store, GLEIF, name="gleif")
    before = dump(store)
    graphs_before = store.named_graphs()
    merge_files(store, FIBO, name="fibo")
    assert store.named_graphs() != graphs_before
    report = unmerge(store, "fibo")
    assert set(report.graphs_removed) == {vocab.source_graph("fibo").value, vocab.mapped_graph("fibo").value,
                                          vocab.links_graph("fibo").value}
    assert store.named_graphs() == graphs_before
    assert dump(store) == before


def test_unmerge_removes_links_of_later_sources_that_depend_on_it(store: GraphStore, add_article: Adder) -> None:
    add_article(store)
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    doc_citi = vocab.org_iri("Citigroup").value
    fibo_citi = FIBO_NS + "CitigroupInc-US-DE"
    assert linked(store, fibo_citi, gleif_iri(LEI["citigroup"]))
    assert linked(store, fibo_citi, doc_citi)  # also linked directly, not only through GLEIF
    doc_graph = vocab.document_graph("a" * 64)
    doc_before = dump(store, doc_graph)
    report = unmerge(store, "gleif")
    assert report.links_removed == 3
    assert not any(gleif_iri(LEI["citigroup"]) in pair for pair in links(store))
    assert linked(store, fibo_citi, doc_citi)
    assert dump(store, doc_graph) == doc_before
    with pytest.raises(InputError):
        unmerge(store, "gleif")


def test_merging_again_replaces_the_source(store: GraphStore) -> None:
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    first = dump(store)
    merge_files(store, FIBO, name="fibo")
    assert dump(store) == first
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    assert same_dataset(dump(store), first)


# --- Wikidata-style graph + extracted facts --------------------------------------------------------------------------
def test_wikidata_graph_joins_companies_extracted_from_news(store: GraphStore, add_article: Adder) -> None:
    add_article(store)
    report = merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    alibaba, cloud = vocab.org_iri("Alibaba Group").value, vocab.org_iri("Hangzhou Cloudworks").value
    found = links(store)
    assert found[frozenset((vocab.WD + "Q1359568", alibaba))]["reason"] in ("alias", "normalised-name")
    assert found[frozenset((vocab.WD + "Q99990001", cloud))]["reason"] == "normalised-name"
    assert not any(vocab.WD + "Q99990003" in pair for pair in found)
    assert not linked(store, vocab.WD + "Q1359568", vocab.org_iri("Citigroup").value)
    assert report.links == 2
    # identifiers and edges mapped from the direct properties
    mapped = vocab.mapped_graph("wikidata")
    ask = store.query("ASK { GRAPH ?g { wd:Q1359568 kg:wikidataId \"Q1359568\" ; kg:secCik \"1577552\" . "
                      "wd:Q99990001 kg:subsidiaryOf wd:Q1359568 . wd:Q99990002 kg:subsidiaryOf wd:Q1359568 ; "
                      "kg:ownedBy wd:Q1359568 } }", substitutions={"g": mapped})
    assert bool(ask)
    # the news edge and the Wikidata edge are one edge, corroborated by both graphs
    cols, data = rows(merged_subsidiaries(store, "Alibaba"))
    by_child = {r[cols.index("childName")]: r for r in data}
    edge = by_child["Hangzhou Cloudworks"]
    assert edge[cols.index("corroboration")] == 2
    assert set(edge[cols.index("sources")].split()) == {mapped.value, vocab.document_graph("a" * 64).value}
    assert by_child["Lakeside Logistics Network"][cols.index("corroboration")] == 1


def test_sec_cik_links_regardless_of_zero_padding(store: GraphStore, tmp_path: Path) -> None:
    merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    other = tmp_path / "edgar.ttl"
    other.write_text(
        "@prefix wdt: <http://www.wikidata.org/prop/direct/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<http://www.wikidata.org/entity/Q1> rdfs:label "Some Filer" ; wdt:P5531 "1577552" .\n',
        encoding="utf-8",
    )
    merge_files(store, [other], name="edgar")
    assert links(store)[frozenset((vocab.WD + "Q1", vocab.WD + "Q1359568"))]["reason"] == "sec-cik"


# --- vocabularies ----------------------------------------------------------------------------------------------------
def test_org_and_schema_namespace_variants_are_normalised(store: GraphStore) -> None:
    merge_files(store, [DATA / "vocabularies.trig"], name="vocab")
    ex = "https://example.org/vocab/"
    edges = {(r["c"].value, r["p"].value) for r in store.query(
        "SELECT ?c ?p ?g WHERE { GRAPH ?g { ?c kg:subsidiaryOf ?p } }",
        substitutions={"g": vocab.mapped_graph("vocab")})}
    assert edges == {(ex + "o1u", ex + "o1"), (ex + "o2s", ex + "o2"), (ex + "s1c", ex + "s1"), (ex + "s2c", ex + "s2")}
    labels = {r["e"].value: r["n"].value for r in store.query(
        "SELECT ?e ?n ?g WHERE { GRAPH ?g { ?e a kg:Organization ; rdfs:label ?n } }",
        substitutions={"g": vocab.mapped_graph("vocab")})}
    assert labels[ex + "o1u"] == "Orgh Unit" and labels[ex + "s2"] == "Schs Parent Inc."
    assert bool(store.query('ASK { GRAPH ?g { ?e kg:lei "529900T8BM49AURSDO55" } }',
                            substitutions={"g": vocab.mapped_graph("vocab")}))
    # the dataset's own named graphs went into the source graph, so unmerging leaves nothing behind
    assert all(g.startswith(vocab.GRAPH) for g in store.named_graphs())
    unmerge(store, "vocab")
    assert len(store) == 0


# --- conflicts -------------------------------------------------------------------------------------------------------
def test_conflicts_report_different_parents_and_numbers(store: GraphStore) -> None:
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    assert len(conflicts(store)) == 0
    merge_files(store, [DATA / "conflicting.ttl"], name="conflicting")
    cols, data = rows(conflicts(store))
    kinds = {(r[cols.index("kind")], r[cols.index("property")].rsplit("#", 1)[-1]) for r in data}
    assert kinds == {("parent", "subsidiaryOf"), ("number", "ownershipPercentage")}
    numbers = [r for r in data if r[cols.index("kind")] == "number"]
    assert {numbers[0][cols.index("value1")], numbers[0][cols.index("value2")]} == {80, 100}
    parents = [r for r in data if r[cols.index("kind")] == "parent"]
    assert all("Eagle" in (r[cols.index("entityName")] or "") for r in parents)
    unmerge(store, "conflicting")
    assert len(conflicts(store)) == 0


# --- errors and exports ----------------------------------------------------------------------------------------------
def test_malformed_rdf_names_file_and_line_and_leaves_store_unchanged(
    store: GraphStore, tmp_path: Path, add_article: Adder
) -> None:
    add_article(store)
    merge_files(store, GLEIF, name="gleif")
    before = dump(store)
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b x:c .\nx:a x:b x:c ;\n  x:d \"open\n", encoding="utf-8")
    for files, name in (([bad], "new"), ([FIBO[0], bad], "new"), ([GLEIF[0], bad], "gleif"), ([bad], "gleif")):
        with pytest.raises(RdfSyntaxError) as err:
            merge_files(store, files, name=name)
        msg = str(err.value)
        assert "\n" not in msg and str(bad) in msg and "line" in msg
        assert dump(store) == before
    with pytest.raises(InputError):
        merge_files(store, [tmp_path / "missing.ttl"], name="x")
    unknown = tmp_path / "data.unknown"
    unknown.write_text("", encoding="utf-8")
    with pytest.raises(RdfSyntaxError, match="--format"):
        merge_files(store, [unknown], name="x")
    assert dump(store) == before


@pytest.mark.parametrize("fmt", [RdfFormatName.trig, RdfFormatName.nquads, RdfFormatName.turtle])
def test_exports_of_the_merged_dataset_parse_in_rdflib(
    store: GraphStore, fmt: RdfFormatName, add_article: Adder
) -> None:
    add_article(store)
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    data = dump(store, fmt=fmt)
    if fmt.supports_datasets:
        ds = rdflib.Dataset()
        ds.parse(data=data, format={"trig": "trig", "nquads": "nquads"}[fmt.value])
        names = {str(c.identifier) for c in ds.graphs()}
        assert vocab.links_graph("fibo").value in names and vocab.source_graph("gleif").value in names
        assert len(ds) == len(store) or sum(len(c) for c in ds.graphs()) == len(store)
    else:
        g = rdflib.Graph()
        g.parse(data=data, format="turtle")
        assert (rdflib.URIRef(gleif_iri(LEI["citigroup"])), rdflib.OWL.sameAs,
                rdflib.URIRef(FIBO_NS + "CitigroupInc-US-DE")) in g


def test_mapped_graphs_conform_to_the_shapes(store: GraphStore) -> None:
    from kg.validate import validate_store

    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")
    merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    merge_files(store, [GLEIF[1]], name="l2only")  # relationships without the level-1 records
    for name in ("gleif", "fibo", "wikidata", "l2only"):
        report = validate_store(store, graph=vocab.mapped_graph(name))
        assert report.conforms, (name, [str(v) for v in report.violations[:3]])
    # GLEIF entity IRIs carry the LEI, so the level-2 file alone still links to FIBO by LEI
    assert linked(store, gleif_iri(LEI["citicorp"]), FIBO_NS + "CiticorpLLC-US-DE")
    assert store.has_graph(vocab.links_graph("l2only"))


def test_relink_after_more_news_links_the_new_companies_once(store: GraphStore, add_article: Adder) -> None:
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    assert merged_sources(store) == ["gleif", "wikidata"]
    before = links(store)
    add_article(store)  # news arrives after the merges
    assert links(store) == before
    counts = relink(store)
    assert counts["wikidata"] == 2 and counts["gleif"] == 1
    found = links(store)
    assert found[frozenset((vocab.WD + "Q99990001", vocab.org_iri("Hangzhou Cloudworks").value))]
    assert found[frozenset((gleif_iri(LEI["citigroup"]), vocab.org_iri("Citigroup").value))]["reason"] == \
        "normalised-name"
    again = dump(store)
    relink(store)
    assert dump(store) == again
    with pytest.raises(InputError):
        relink(store, ["nothing"])


def test_a_company_in_many_articles_links_once_depending_on_each(store: GraphStore, add_article: Adder) -> None:
    shas = [f"{i:064x}" for i in range(3)]
    for sha in shas:
        add_article(store, sha)
    merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    deps = [row["d"].value for row in store.query(
        "SELECT ?d ?l ?x WHERE { GRAPH ?g { ?l rdf:subject|rdf:object ?x ; kg:dependsOn ?d } }",
        substitutions={"x": NamedNode(vocab.org_iri("Hangzhou Cloudworks").value)})]
    want = [vocab.mapped_graph("wikidata").value] + [vocab.document_graph(s).value for s in shas]
    assert sorted(deps) == sorted(want)


# --- robustness: a failed re-merge keeps the old version; removing a document drops the links that need it --------
@pytest.mark.parametrize("where", ["finish", "constructs", "resolve", "swap"])
def test_a_re_merge_failing_midway_keeps_the_previous_version(
    store: GraphStore, add_article: Adder, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import kg.merge as merge

    add_article(store)
    merge_files(store, GLEIF, name="gleif")
    merge_files(store, FIBO, name="fibo")  # links of fibo depend on gleif's graphs
    before = dump(store)
    before_gleif = {g: dump(store, g) for g in (vocab.source_graph("gleif"), vocab.mapped_graph("gleif"),
                                                vocab.links_graph("gleif"), vocab.links_graph("fibo"))}

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"injected failure in {where}")

    target = {"finish": (merge.TableMapper, "finish"), "constructs": (merge, "construct_from"),
              "resolve": (merge, "resolve"), "swap": (merge, "_swap")}[where]
    monkeypatch.setattr(*target, boom)
    with pytest.raises(RuntimeError, match="injected"):
        merge_files(store, [GLEIF[1]], name="gleif")  # a different version: level 2 only
    assert {g: dump(store, g) for g in before_gleif} == before_gleif
    assert dump(store) == before
    assert not any("/staging/" in g for g in store.named_graphs())
    monkeypatch.undo()
    report = merge_files(store, [GLEIF[1]], name="gleif")  # and the re-merge then works
    assert report.triples_loaded == 154 and not any("/staging/" in g for g in store.named_graphs())


def test_a_re_merge_that_fails_to_parse_keeps_the_previous_version(store: GraphStore, tmp_path: Path) -> None:
    merge_files(store, GLEIF, name="gleif")
    before = dump(store)
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError, match="line 2"):
        merge_files(store, [GLEIF[1], bad], name="gleif")
    assert dump(store) == before


def test_removing_a_document_drops_the_links_that_depend_on_it(store: GraphStore, add_article: Adder) -> None:
    from kg.merge import drop_links_depending_on

    one, two = "1" * 64, "2" * 64
    add_article(store, one)
    add_article(store, two)
    merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    cloud = vocab.org_iri("Hangzhou Cloudworks").value
    pair = frozenset((vocab.WD + "Q99990001", cloud))
    assert pair in links(store)

    def depends(graph_iri: str) -> bool:
        return bool(store.query("ASK { GRAPH ?g { ?l kg:dependsOn ?d } }",
                                substitutions={"d": NamedNode(graph_iri)}))

    # the company is still named in the other article: the link stays, without the removed document
    assert store.remove_graph(vocab.document_graph(one))
    assert drop_links_depending_on(store, [vocab.document_graph(one)]) == 0
    assert pair in links(store) and not depends(vocab.document_graph(one).value)
    assert depends(vocab.document_graph(two).value)
    # the last article naming it goes: so does the link, with its owl:sameAs triple
    assert store.remove_graph(vocab.document_graph(two))
    assert drop_links_depending_on(store, [vocab.document_graph(two).value]) == 2
    assert links(store) == {}
    assert not any(q.predicate == SAME_AS for q in store.quads())
    assert relink(store) == {"wikidata": 0}
