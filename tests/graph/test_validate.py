"""kg.validate: the fixture graph conforms to the SHACL shapes; broken data gives readable violations."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from kg import vocab
from kg.facts import Facts, Investment, Model
from kg.rdf import facts_to_quads
from kg.resources import ontology_file
from kg.store import LocalStore
from kg.validate import Violation, validate_store

BAD = vocab.document_graph("c" * 64)


def test_fixture_store_conforms(graph_store):
    report = validate_store(graph_store)
    assert report.conforms, "\n".join(str(v) for v in report.violations)
    assert all(v.severity != "Violation" for v in report.violations)


def test_one_graph_can_be_validated_alone(graph_store, gd):
    report = validate_store(graph_store, graph=vocab.document_graph(gd.DOC_B.sha256))
    assert report.conforms


def test_every_class_has_a_shape():
    shapes = rdflib.Graph().parse(ontology_file("shapes.ttl"), format="turtle")
    targets = {str(o) for o in shapes.objects(None, rdflib.URIRef(vocab.SH + "targetClass"))}
    for cls in ("Organization", "Subsidiary", "Program", "Model", "Investment", "Document", "Evidence", "Assertion"):
        assert vocab.KG + cls in targets, f"no shape for kg:{cls}"
    assert vocab.SCHEMA + "MonetaryAmount" in targets


def _store_with(tmp_path, gd, quads: list[ox.Quad]) -> LocalStore:
    store = LocalStore(tmp_path / "s")
    good = facts_to_quads(gd.facts_a(), gd.DOC_A, ingested_at=gd.INGESTED, extractor=gd.EXTRACTOR)
    store.replace_graph(vocab.document_graph(gd.DOC_A.sha256), good)
    store.add_graphs(quads)
    return store


def test_bad_data_gives_readable_violations(tmp_path, gd):
    ev = vocab.evidence_iri("c" * 64, 5, 2, "r")
    model = vocab.model_iri("Broken")
    xsd = vocab.XSD
    quads = [
        ox.Quad(ev, vocab.term("rdf:type"), vocab.kg("Evidence"), BAD),
        ox.Quad(ev, vocab.kg("confidence"), ox.Literal("1.5", datatype=ox.NamedNode(xsd + "decimal")), BAD),
        ox.Quad(model, vocab.term("rdf:type"), vocab.kg("Model"), BAD),
        ox.Quad(model, vocab.kg("parameterCount"), ox.Literal("seven"), BAD),
    ]
    store = _store_with(tmp_path, gd, quads)
    try:
        report = validate_store(store)
    finally:
        store.close()
    assert not report.conforms
    by_path = {(v.focus, v.path): v for v in report.violations}
    conf = by_path[("kgid:" + ev.value.removeprefix(vocab.ID), "kg:confidence")]
    assert isinstance(conf, Violation)
    assert conf.value == '"1.5"^^xsd:decimal' and "between 0 and 1" in conf.message
    assert conf.shape == "kgsh:EvidenceShape" and conf.severity == "Violation"
    assert "kg:confidence" in str(conf) and "1.5" in str(conf)
    missing = by_path[("kgid:" + ev.value.removeprefix(vocab.ID), "kg:inDocument")]
    assert "kg:inDocument" in missing.message
    label = by_path[("kgid:model/broken", "rdfs:label")]
    assert "rdfs:label" in label.message
    count = by_path[("kgid:model/broken", "kg:parameterCount")]
    assert count.value == '"seven"'


def test_inconsistent_facts_are_caught(tmp_path, gd):
    facts = Facts(
        models=(Model("Odd", parameters_min=10, parameters_max=5),),
        investments=(Investment("Someone", 10.0, "euro"),),
    )
    doc = gd.DOC_B
    quads = facts_to_quads(facts, doc, ingested_at=gd.INGESTED, extractor="x")
    store = LocalStore(tmp_path / "s")
    try:
        store.replace_graph(vocab.document_graph(doc.sha256), quads)
        report = validate_store(store)
    finally:
        store.close()
    assert not report.conforms
    paths = {v.path for v in report.violations}
    assert "kg:minParameterCount" in paths  # min > max
    assert "schema:currency" in paths  # "EURO" is not an ISO 4217 code


def test_a_reified_triple_must_be_asserted(tmp_path, gd):
    fact = ox.NamedNode(vocab.ID + "fact/orphan")
    a, b = vocab.org_iri("Halcyon Cloud"), vocab.org_iri("Lumen Lab")
    quads = [
        ox.Quad(fact, vocab.term("rdf:type"), vocab.kg("Assertion"), BAD),
        ox.Quad(fact, vocab.term("rdf:subject"), a, BAD),
        ox.Quad(fact, vocab.term("rdf:predicate"), vocab.kg("subsidiaryOf"), BAD),
        ox.Quad(fact, vocab.term("rdf:object"), b, BAD),
        ox.Quad(fact, vocab.kg("statedIn"), vocab.document_iri(gd.DOC_A.sha256), BAD),
    ]
    store = _store_with(tmp_path, gd, quads)
    try:
        report = validate_store(store)
    finally:
        store.close()
    assert [v.message for v in report.violations if v.focus == "kgid:fact/orphan"] == [
        "the reified triple is not itself in the graph"]


def test_whole_graph_checks(tmp_path, gd):
    """Self-subsidiary, a span past the end of its document and a non-USD amountUSD are each reported."""
    a = vocab.org_iri("Halcyon Cloud")
    ev = vocab.evidence_iri(gd.DOC_A.sha256, 0, 16, "ner.org")
    inv = vocab.investment_iri("Halcyon Cloud", 12e9, "EUR", "data centres")
    quads = [
        ox.Quad(a, vocab.kg("subsidiaryOf"), a, BAD),
        ox.Quad(ev, vocab.term("nif:endIndex"), ox.Literal("100000", datatype=ox.NamedNode(vocab.XSD + "integer")),
                BAD),
        ox.Quad(inv, vocab.kg("amountUSD"), vocab.amount_iri(12e9, "EUR"), BAD),
    ]
    store = _store_with(tmp_path, gd, quads)
    try:
        report = validate_store(store)
    finally:
        store.close()
    messages = {(v.focus, v.message) for v in report.violations}
    assert ("kgid:org/halcyon-cloud", "an organization cannot be its own subsidiary") in messages
    assert ("kgid:" + ev.value.removeprefix(vocab.ID), "the evidence span ends after the end of its document") \
        in messages
    assert ("kgid:" + inv.value.removeprefix(vocab.ID), "kg:amountUSD must be an amount in USD") in messages
