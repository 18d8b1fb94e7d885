"""Hand-made facts and quads shared by the scale tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

import pyoxigraph as ox

from kg.facts import DocumentInfo, Evidence, Facts, Investment, Model, Organization, Subsidiary

NOW = "2025-01-02T03:04:05Z"


def facts() -> tuple[Facts, DocumentInfo]:
    """Hand-made facts of an invented article: a parent, two divisions, a model and an investment."""
    text = "Quillon Holdings said Brightwater Works is a division of it; Ferrous Corp too."
    ev = Evidence(start=0, end=16, text=text[:16], sentence=text, sentence_start=0, rule="hand", confidence=0.9)
    facts = Facts(
        organizations=(
            Organization("Quillon Holdings", aliases=("Quillon",), evidence=(ev,)),
            Organization("Brightwater Works", kind="division"),
            Organization("Ferrous Corp"),
        ),
        subsidiaries=(
            Subsidiary("Brightwater Works", "Quillon Holdings", relation="division", evidence=(ev,)),
            Subsidiary("Ferrous Corp", "Brightwater Works", relation="unit"),
        ),
        models=(Model("Tern-7", developer="Quillon Holdings", parameters=7_000_000_000, open_source=True),),
        investments=(Investment("Quillon Holdings", 2.5e9, "EUR", target="data centres \"north\"", period_years=2),),
        extractor="hand 1",
    )
    doc = DocumentInfo(sha256="ab" * 32, path="articles/quillon.txt", title="Quillon's divisions", chars=len(text),
                       date="2025-03-01")
    return facts, doc


def quads() -> list[ox.Quad]:
    from kg.rdf import facts_to_quads

    facts_, doc = facts()
    return facts_to_quads(facts_, doc, ingested_at=NOW, extractor="hand 1")
