"""Views after ``kg merge``: the GLEIF sample (../shared/merge) mapped onto our ontology and linked by owl:sameAs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import graph, vocab
from kg.store import LocalStore

GLEIF = Path(__file__).resolve().parents[2] / "../shared/merge/gleif"


@pytest.fixture()
def merged_store(tmp_path: Path):
    from kg.merge import merge_files

    if not (GLEIF / "L1Data.ttl").exists():
        pytest.skip("the shared GLEIF sample is not beside the repository")
    store = LocalStore(tmp_path / "store")
    doc = vocab.document_graph("c" * 64)
    ours = vocab.org_iri("Citigroup Inc.")  # a company a news article of ours might mention
    store.add_graphs([
        ox.Quad(ours, vocab.term("rdf:type"), vocab.kg("Organization"), doc),
        ox.Quad(ours, vocab.term("rdfs:label"), ox.Literal("Citigroup Inc."), doc),
    ])
    merge_files(store, [GLEIF / "L1Data.ttl", GLEIF / "L2Data.ttl"], name="gleif")
    yield store
    store.close()


def test_merged_source_joins_our_node_and_deepens_the_tree(merged_store: LocalStore) -> None:
    ours = vocab.org_iri("Citigroup Inc.").value
    data = graph.load_graph_data(merged_store)
    same_as = {(a, b) for a, rel, b in data.relations if rel == "sameAs" and ours in (a, b)}
    assert same_as, "the merge links our Citigroup Inc. to the GLEIF record"
    whole = graph.whole_graph(data)
    component = next(c for c in graph.connected_components(whole) if ours in c)
    assert len(component) > 2  # our lone node now reaches the GLEIF group through sameAs
    merged = graph.contract_same_as(whole)
    assert ours in merged and merged.nodes[ours]["same_as"]
    groups = graph.tree_depths(data)
    assert groups and groups[0].depth >= 2  # GLEIF's parent chains make a multi-level tree
    drawing = graph.build_drawing(merged_store, "subsidiaries", root=groups[0].root)
    assert drawing.layout in ("tree", "layered") and len(drawing.nodes) == groups[0].size
