"""kg.rdf: the quads of a document follow ontology/README.md, deterministically, and survive a Turtle round trip."""

from __future__ import annotations

import io
from dataclasses import replace

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg import vocab
from kg.errors import InputError
from kg.facts import DocumentInfo, Evidence, Facts, Investment, Model, Organization, Program, Subsidiary
from kg.rdf import canonical_datetime, facts_to_quads, facts_to_turtle
from kg.resources import ontology_file
from kg.store import LocalStore, RdfFormatName

KG = vocab.KG
RDF_TYPE = vocab.term("rdf:type")


def quads_a(gd) -> list[ox.Quad]:
    return facts_to_quads(gd.facts_a(), gd.DOC_A, ingested_at=gd.INGESTED, extractor=gd.EXTRACTOR)


def objects(quads: list[ox.Quad], s: ox.NamedNode, p: ox.NamedNode) -> set:
    return {q.object for q in quads if q.subject == s and q.predicate == p}


def subjects_of_type(quads: list[ox.Quad], cls: str) -> set:
    return {q.subject for q in quads if q.predicate == RDF_TYPE and q.object == vocab.kg(cls)}


def to_rdflib(quads: list[ox.Quad]) -> rdflib.Graph:
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode(), format="nt")


def test_same_facts_give_identical_quads(gd):
    first, second = quads_a(gd), quads_a(gd)
    assert first == second
    assert len(first) == len(set(first))
    assert facts_to_turtle(gd.facts_a(), gd.DOC_A, ingested_at=gd.INGESTED, extractor=gd.EXTRACTOR) == facts_to_turtle(
        gd.facts_a(), gd.DOC_A, ingested_at=gd.INGESTED, extractor=gd.EXTRACTOR)


def test_everything_is_in_the_document_graph_and_there_are_no_blank_nodes(gd):
    quads = quads_a(gd)
    assert {q.graph_name for q in quads} == {vocab.document_graph(gd.DOC_A.sha256)}
    for q in quads:
        assert not isinstance(q.subject, ox.BlankNode)
        assert not isinstance(q.object, ox.BlankNode)


def test_document_provenance(gd):
    quads = quads_a(gd)
    doc = vocab.document_iri(gd.DOC_A.sha256)
    assert objects(quads, doc, RDF_TYPE) == {vocab.kg("Document")}
    assert [o.value for o in objects(quads, doc, vocab.kg("sha256"))] == [gd.DOC_A.sha256]
    assert [o.value for o in objects(quads, doc, vocab.kg("sourcePath"))] == ["news/a.txt"]
    assert [o.value for o in objects(quads, doc, vocab.term("dcterms:title"))] == [gd.DOC_A.title]
    (when,) = objects(quads, doc, vocab.kg("ingestedAt"))
    assert when.datatype == ox.NamedNode(vocab.XSD + "dateTime") and when.value == gd.INGESTED
    (date,) = objects(quads, doc, vocab.term("dcterms:date"))
    assert date.datatype == ox.NamedNode(vocab.XSD + "date")
    assert [o.value for o in objects(quads, doc, vocab.kg("extractorVersion"))] == [gd.EXTRACTOR]


def test_relations_resolve_aliases_and_are_reified_with_evidence(gd):
    quads = quads_a(gd)
    cloud, holdings = vocab.org_iri("Halcyon Cloud"), vocab.org_iri("Halcyon Holdings")
    # "Halcyon" is an alias of Halcyon Holdings: the edge goes to the same node, no new organization.
    assert objects(quads, cloud, vocab.kg("subsidiaryOf")) == {holdings}
    assert vocab.org_iri("Halcyon") not in subjects_of_type(quads, "Organization")
    assert vocab.kg("Subsidiary") in objects(quads, cloud, RDF_TYPE)

    facts = [q.subject for q in quads if q.predicate == RDF_TYPE and q.object == vocab.kg("Assertion")]
    reified = set()
    for f in facts:
        (s,) = objects(quads, f, vocab.term("rdf:subject"))
        (p,) = objects(quads, f, vocab.term("rdf:predicate"))
        (o,) = objects(quads, f, vocab.term("rdf:object"))
        assert ox.Quad(s, p, o, vocab.document_graph(gd.DOC_A.sha256)) in quads  # the triple itself is asserted
        assert objects(quads, f, vocab.kg("statedIn")) == {vocab.document_iri(gd.DOC_A.sha256)}
        assert objects(quads, f, vocab.kg("evidence")), f"{f} has no evidence"
        reified.add((s, p, o))
    relations = {vocab.kg(p) for p in ("subsidiaryOf", "developer", "basedOn", "investor", "organizer")}
    asserted = {(q.subject, q.predicate, q.object) for q in quads if q.predicate in relations}
    assert asserted and asserted <= reified
    (kind,) = [o.value for f in facts for o in objects(quads, f, vocab.kg("relationKind"))
               if objects(quads, f, vocab.term("rdf:subject")) == {cloud}]
    assert kind == "arm"


def test_evidence_offsets_and_text(gd):
    quads = quads_a(gd)
    ev = gd.facts_a().subsidiaries[1].evidence[0]
    iri = vocab.evidence_iri(gd.DOC_A.sha256, ev.start, ev.end, ev.rule)
    assert [o.value for o in objects(quads, iri, vocab.term("nif:anchorOf"))] == [ev.text]
    assert [int(o.value) for o in objects(quads, iri, vocab.term("nif:beginIndex"))] == [ev.start]
    assert [int(o.value) for o in objects(quads, iri, vocab.term("nif:endIndex"))] == [ev.end]
    assert [o.value for o in objects(quads, iri, vocab.kg("sentence"))] == [ev.sentence]
    assert [o.value for o in objects(quads, iri, vocab.kg("rule"))] == ["sub.unit"]
    (conf,) = objects(quads, iri, vocab.kg("confidence"))
    assert conf.value == "0.7" and conf.datatype == ox.NamedNode(vocab.XSD + "decimal")
    assert objects(quads, iri, vocab.term("prov:wasDerivedFrom")) == {vocab.document_iri(gd.DOC_A.sha256)}


def test_models_investments_and_programs(gd):
    quads = quads_a(gd)
    gale, mini = vocab.model_iri("Gale-2"), vocab.model_iri("Gale-2-Mini")
    assert [int(o.value) for o in objects(quads, gale, vocab.kg("minParameterCount"))] == [1_000_000_000]
    assert [int(o.value) for o in objects(quads, gale, vocab.kg("maxParameterCount"))] == [30_000_000_000]
    assert [o.value for o in objects(quads, gale, vocab.kg("openSource"))] == ["true"]
    assert objects(quads, mini, vocab.kg("basedOn")) == {gale}
    assert objects(quads, mini, vocab.kg("developer")) == {vocab.org_iri("Lumen Lab")}

    (inv,) = subjects_of_type(quads, "Investment")
    assert inv == vocab.investment_iri("Halcyon Cloud", 12e9, "EUR", "data centres")
    (amount,) = objects(quads, inv, vocab.kg("amount"))
    assert [o.value for o in objects(quads, amount, vocab.term("schema:value"))] == ["12000000000"]
    assert [o.value for o in objects(quads, amount, vocab.term("schema:currency"))] == ["EUR"]
    (usd,) = objects(quads, inv, vocab.kg("amountUSD"))
    assert [o.value for o in objects(quads, usd, vocab.term("schema:currency"))] == ["USD"]
    assert [o.value for o in objects(quads, inv, vocab.kg("period"))] == ["P2Y"]
    assert [o.value for o in objects(quads, inv, vocab.kg("periodYears"))] == ["2"]

    prog = vocab.program_iri("Spark Founders Programme")
    assert objects(quads, prog, vocab.kg("organizer")) == {vocab.org_iri("Halcyon Cloud"), vocab.org_iri("Lumen Lab")}


def test_unknown_names_mint_entities_and_known_targets_link(gd):
    facts = Facts(
        subsidiaries=(Subsidiary("Tiny Unit", "Big Parent Co"),),
        models=(Model("M-1", developer="Nobody Labs", based_on="M-0"),),
        investments=(Investment("Big Parent Co", 5e6, "usd", target="Tiny Unit"),),
    )
    quads = facts_to_quads(facts, gd.DOC_B, ingested_at=gd.INGESTED, extractor="x")
    orgs = subjects_of_type(quads, "Organization")
    assert {vocab.org_iri(n) for n in ("Tiny Unit", "Big Parent Co", "Nobody Labs")} <= orgs
    assert vocab.model_iri("M-0") in subjects_of_type(quads, "Model")
    for org in orgs:
        assert len(objects(quads, org, vocab.term("rdfs:label"))) == 1
        assert objects(quads, org, vocab.kg("mentionedIn")) == {vocab.document_iri(gd.DOC_B.sha256)}
    (inv,) = subjects_of_type(quads, "Investment")
    assert objects(quads, inv, vocab.kg("targetOrganization")) == {vocab.org_iri("Tiny Unit")}
    (amount,) = objects(quads, inv, vocab.kg("amount"))
    assert [o.value for o in objects(quads, amount, vocab.term("schema:currency"))] == ["USD"]


def test_a_record_named_like_an_earlier_alias_joins_that_entity(gd):
    facts = Facts(organizations=(Organization("Acme Group", aliases=("Acme",)), Organization("ACME")))
    quads = facts_to_quads(facts, gd.DOC_B, ingested_at=gd.INGESTED, extractor="x")
    assert subjects_of_type(quads, "Organization") == {vocab.org_iri("Acme Group")}
    assert {o.value for o in objects(quads, vocab.org_iri("Acme Group"), vocab.term("rdfs:label"))} == {"Acme Group"}


def test_program_without_organizers_and_empty_facts(gd):
    quads = facts_to_quads(Facts(programs=(Program("Solo Scheme"),)), gd.DOC_B, ingested_at=gd.INGESTED, extractor="")
    assert vocab.program_iri("Solo Scheme") in subjects_of_type(quads, "Program")
    only_doc = facts_to_quads(Facts(), gd.DOC_B, ingested_at=gd.INGESTED, extractor="")
    assert {q.subject for q in only_doc} == {vocab.document_iri(gd.DOC_B.sha256)}


def test_ingestion_time_is_canonical_and_checked(gd):
    assert canonical_datetime("2026-03-04T10:00:00+02:00") == "2026-03-04T08:00:00Z"
    with pytest.raises(InputError):
        facts_to_quads(Facts(), gd.DOC_B, ingested_at="yesterday", extractor="")


def test_turtle_round_trip_through_the_store(gd, tmp_path):
    """rdflib parses the store's Turtle export and finds the very graph facts_to_quads made."""
    quads = quads_a(gd) + facts_to_quads(gd.facts_b(), gd.DOC_B, ingested_at=gd.INGESTED, extractor=gd.EXTRACTOR)
    store = LocalStore(tmp_path / "s")
    try:
        for doc in (gd.DOC_A, gd.DOC_B):
            g = vocab.document_graph(doc.sha256)
            store.replace_graph(g, [q for q in quads if q.graph_name == g])
        buf = io.BytesIO()
        store.export(buf, RdfFormatName.turtle)
    finally:
        store.close()
    exported = rdflib.Graph().parse(data=buf.getvalue().decode("utf-8"), format="turtle")
    assert isomorphic(exported, to_rdflib(quads))


def test_facts_to_turtle_parses_to_the_same_graph(gd):
    text = facts_to_turtle(gd.facts_a(), gd.DOC_A, ingested_at=gd.INGESTED, extractor=gd.EXTRACTOR)
    assert isomorphic(rdflib.Graph().parse(data=text, format="turtle"), to_rdflib(quads_a(gd)))


def test_reingesting_replaces_the_graph(gd, tmp_path):
    store = LocalStore(tmp_path / "s")
    try:
        g = vocab.document_graph(gd.DOC_A.sha256)
        store.replace_graph(g, quads_a(gd))
        first = io.BytesIO()
        store.export(first, RdfFormatName.trig)
        n = len(store)
        store.replace_graph(g, quads_a(gd))
        second = io.BytesIO()
        store.export(second, RdfFormatName.trig)
        assert len(store) == n
        assert first.getvalue() == second.getvalue()
    finally:
        store.close()


def test_every_term_used_is_defined_in_the_ontology_with_label_and_comment(gd):
    ont = rdflib.Graph().parse(ontology_file("kg.ttl"), format="turtle")
    more = Facts(
        organizations=(Organization("X Corp", kind="company", evidence=(
            Evidence(0, 1, "X", "X.", 0, "r", 1.0),)),),
        models=(Model("Big", parameters=10, sizes=(1, 2), active_parameters=3, status="released"),),
        investments=(Investment("X Corp", 1.0, "EUR", period_years=1.5, qualifier="about", status="planned"),),
    )
    used = {t for q in quads_a(gd) + facts_to_quads(more, gd.DOC_B, ingested_at=gd.INGESTED, extractor="x")
            for t in (q.predicate, q.object) if isinstance(t, ox.NamedNode) and t.value.startswith(KG)}
    assert len(used) > 30
    for t in used:
        node = rdflib.URIRef(t.value)
        assert ont.value(node, rdflib.RDFS.label) is not None, f"{t.value} has no label in kg.ttl"
        assert ont.value(node, rdflib.RDFS.comment) is not None, f"{t.value} has no comment in kg.ttl"


def test_ontology_aligns_to_wikidata_fibo_and_gleif(gd):
    ont = rdflib.Graph().parse(ontology_file("kg.ttl"), format="turtle")
    sub = rdflib.URIRef(KG + "subsidiaryOf")
    has = rdflib.URIRef(KG + "hasSubsidiary")
    close = rdflib.SKOS.closeMatch
    fibo = "https://spec.edmcouncil.org/fibo/ontology/BE/OwnershipAndControl/CorporateControl/"
    assert rdflib.URIRef(vocab.WDT + "P749") in set(ont.objects(sub, close))
    assert rdflib.URIRef(vocab.WDT + "P355") in set(ont.objects(has, close))
    assert rdflib.URIRef(fibo + "hasSubsidiary") in set(ont.objects(has, close))
    assert rdflib.URIRef(vocab.ORG + "subOrganizationOf") in set(ont.objects(sub, rdflib.RDFS.subPropertyOf))
    assert any("gleif.org" in str(o) for o in ont.objects(sub, None))


def test_fibo_iri_exists_in_the_shared_fibo_file(gd):
    from pathlib import Path

    fibo = Path(__file__).resolve().parents[2] / "../shared/merge/fibo/CorporateControl.rdf"
    if not fibo.exists():
        pytest.skip("shared data not present")
    g = rdflib.Graph().parse(fibo, format="xml")
    iri = rdflib.URIRef("https://spec.edmcouncil.org/fibo/ontology/BE/OwnershipAndControl/CorporateControl/"
                        "hasSubsidiary")
    assert (iri, rdflib.RDF.type, rdflib.OWL.ObjectProperty) in g


def test_document_without_optional_fields(gd):
    doc = replace(gd.DOC_B, title=None, path=None, date="sometime")
    quads = facts_to_quads(Facts(), doc, ingested_at=gd.INGESTED, extractor="")
    preds = {q.predicate for q in quads}
    assert vocab.term("dcterms:title") not in preds and vocab.term("dcterms:date") not in preds
    assert DocumentInfo  # the type stays importable from kg.facts for callers
