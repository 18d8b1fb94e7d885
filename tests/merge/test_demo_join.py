"""The graph extracted from the demo article joined with the hand-written Wikidata-style graph (trained pipeline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import vocab
from kg.merge import merge_files, merged_subsidiaries
from kg.queries import rows
from kg.store import GraphStore

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.slow
def test_demo_article_joins_wikidata_companies(store: GraphStore) -> None:
    from kg.ingest import demo_sources, ingest

    ingest(store, demo_sources())
    docs = [g for g in store.named_graphs() if g.startswith(vocab.GRAPH + "doc/")]
    assert docs
    report = merge_files(store, [DATA / "wikidata.ttl"], name="wikidata")
    assert report.links >= 1
    joined = {
        (row["b"].value if row["a"].value == vocab.WD + "Q1359568" else row["a"].value)
        for row in store.query("SELECT ?a ?b WHERE { GRAPH ?g { ?l a kg:Link ; rdf:subject ?a ; rdf:object ?b } }")
        if vocab.WD + "Q1359568" in (row["a"].value, row["b"].value)
    }
    extracted = [iri for iri in joined if iri.startswith(vocab.ID + "org/")]
    assert extracted, "the parent company of the demo article is not linked to its Wikidata item"
    # below that company, edges from the article and from Wikidata come out together
    cols, data = rows(merged_subsidiaries(store, "Alibaba"))
    sources = {s for r in data for s in r[cols.index("sources")].split()}
    assert vocab.mapped_graph("wikidata").value in sources
    assert sources & set(docs)
