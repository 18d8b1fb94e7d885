"""Resolved periods in RDF: kg:periodStart / kg:periodEnd / kg:announcedOn as xsd:date, checked by the SHACL shapes."""

from __future__ import annotations

from kg import vocab
from kg.facts import DocumentInfo, Facts, Investment, Organization
from kg.rdf import facts_to_quads
from kg.validate import _rdflib_graph, validate_graph

XSD_DATE = vocab.XSD + "date"


def quads(**period: str | None):
    facts = Facts(organizations=(Organization("Brightwater Ferries"),),
                  investments=(Investment("Brightwater Ferries", 5e8, "EUR", period_years=2, **period),))
    return facts_to_quads(facts, DocumentInfo(sha256="c" * 64, date="2025-03-06"),
                          ingested_at="2025-03-07T00:00:00Z", extractor="test")


def values(qs, prop: str) -> list[tuple[str, str]]:
    return [(q.object.value, q.object.datatype.value) for q in qs if q.predicate == vocab.kg(prop)]


def test_period_and_day_are_xsd_dates():
    qs = quads(period_start="2025-03-06", period_end="2027-03-06", announced_on="2025-03-05")
    assert values(qs, "periodStart") == [("2025-03-06", XSD_DATE)]
    assert values(qs, "periodEnd") == [("2027-03-06", XSD_DATE)]
    assert values(qs, "announcedOn") == [("2025-03-05", XSD_DATE)]
    assert validate_graph(_rdflib_graph(qs)).conforms


def test_open_ended_and_missing_periods():
    qs = quads(period_end="2028-12-31")
    assert values(qs, "periodStart") == [] and values(qs, "periodEnd") == [("2028-12-31", XSD_DATE)]
    assert values(quads(), "periodEnd") == []
    assert validate_graph(_rdflib_graph(qs)).conforms


def test_a_period_that_ends_before_it_starts_violates_the_shapes():
    report = validate_graph(_rdflib_graph(quads(period_start="2027-01-01", period_end="2026-12-31")))
    assert not report.conforms
    assert any(v.path == "kg:periodStart" for v in report.violations)
