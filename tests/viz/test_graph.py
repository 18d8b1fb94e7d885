"""kg.graph: the networkx views, metrics and layouts, on the hand-written fixture store (conftest.py)."""

from __future__ import annotations

import dataclasses
import json

import networkx as nx
import pytest

from kg import graph, vocab
from kg.errors import QueryError

HOLDINGS = vocab.org_iri("Northwind Holdings").value
CLOUD = vocab.org_iri("Northwind Cloud").value
LABS = vocab.org_iri("Northwind Labs").value
RETAIL = vocab.org_iri("Northwind Retail").value
BLUEBIRD = vocab.org_iri("Bluebird Ventures").value
ZEPHYR = vocab.model_iri("Zephyr-2").value
CHAT = vocab.model_iri("Zephyr-2-Chat").value
GUST = vocab.model_iri("Gust").value
SPARK = vocab.program_iri("Spark Accelerator").value
EXT_PARENT = "https://example.org/registry/NW-001"
EXT_CHILD = "https://example.org/registry/NW-002"


def edges(g: nx.DiGraph) -> set[tuple[str, str, str]]:
    return {(u, v, a["relation"]) for u, v, a in g.edges(data=True)}


def test_load_graph_data_reads_labels_kinds_and_document_counts(data: graph.GraphData) -> None:
    assert data.entities[HOLDINGS] == {"kind": "organization", "label": "Northwind Holdings", "documents": 2}
    assert data.entities[ZEPHYR]["kind"] == "model"
    assert data.entities[SPARK]["kind"] == "program"
    assert set(data.aliases[HOLDINGS]) == {"Northwind", "Northwind Holdings"}
    assert data.models[ZEPHYR]["sizes"] == (1_000_000_000, 8_000_000_000, 70_000_000_000)
    assert data.models[ZEPHYR]["open_source"] is True
    assert data.models[CHAT]["parameters"] == 8_000_000_000
    inv = next(i for i in data.investments.values() if i["currency"] == "CNY")
    assert inv["amount"] == 50e9 and inv["amount_usd"] == 7e9 and inv["period_years"] == 3
    assert inv["investor"] == HOLDINGS and inv["target_organization"] is None


def test_subsidiary_tree_points_from_parent_to_child(data: graph.GraphData) -> None:
    g = graph.subsidiary_tree(data)
    assert edges(g) == {
        (HOLDINGS, CLOUD, "hasSubsidiary"),
        (HOLDINGS, RETAIL, "hasSubsidiary"),
        (CLOUD, LABS, "hasSubsidiary"),
        (EXT_PARENT, EXT_CHILD, "hasSubsidiary"),
    }
    assert g.nodes[HOLDINGS]["kind"] == "organization"
    assert g.nodes[HOLDINGS]["aliases"] == ("Northwind",)
    assert g.nodes[HOLDINGS]["documents"] == 2


@pytest.mark.parametrize("root", ["Northwind", "the northwind holdings", HOLDINGS])
def test_subsidiary_tree_under_a_root_found_by_alias_name_or_iri(data: graph.GraphData, root: str) -> None:
    g = graph.subsidiary_tree(data, root)
    assert set(g) == {HOLDINGS, CLOUD, RETAIL, LABS}


def test_subtree_of_a_unit_and_of_a_leaf(data: graph.GraphData) -> None:
    assert set(graph.subsidiary_tree(data, "Northwind Cloud")) == {CLOUD, LABS}
    # known to the store but without subsidiaries: a tree of one node
    assert set(graph.subsidiary_tree(data, "Bluebird Ventures")) == {BLUEBIRD}


def test_unknown_root_is_a_query_error(data: graph.GraphData) -> None:
    with pytest.raises(QueryError, match="nothing named 'Nowhere Inc'"):
        graph.subsidiary_tree(data, "Nowhere Inc")
    with pytest.raises(QueryError, match="unknown view"):
        graph.build_view(data, "galaxies")


def test_model_lineage(data: graph.GraphData) -> None:
    g = graph.model_lineage(data)
    assert edges(g) == {(LABS, ZEPHYR, "developed"), (BLUEBIRD, CHAT, "developed"), (ZEPHYR, CHAT, "basisOf")}
    assert GUST in g and g.degree(GUST) == 0  # a model with no relations is still shown
    assert g.nodes[ZEPHYR]["max_parameters"] == 70_000_000_000
    assert set(graph.model_lineage(data, "Zephyr-2-Chat")) == {LABS, ZEPHYR, CHAT, BLUEBIRD}


def test_investment_flows_weighted_by_usd_when_known(data: graph.GraphData) -> None:
    g = graph.investment_flows(data)
    target = f"{vocab.ID}target/data-centres"
    assert edges(g) == {(HOLDINGS, target, "invested"), (BLUEBIRD, CLOUD, "invested")}
    assert g.nodes[target] == {"kind": "target", "label": "data centres", "aliases": (), "documents": 0}
    known = g.edges[HOLDINGS, target]
    assert known["weight"] == 7e9 and known["label"] == "50 billion CNY"
    unknown = g.edges[BLUEBIRD, CLOUD]
    assert "weight" not in unknown and unknown["label"] == "200 million EUR"
    assert len(unknown["investments"]) == 1


def test_program_graph(data: graph.GraphData) -> None:
    g = graph.program_graph(data)
    assert edges(g) == {(CLOUD, SPARK, "organizes"), (BLUEBIRD, SPARK, "organizes")}


def test_whole_graph_joins_a_merged_source_through_same_as(data: graph.GraphData) -> None:
    g = graph.whole_graph(data)
    assert (HOLDINGS, EXT_PARENT, "sameAs") in edges(g)
    comps = graph.connected_components(g)
    assert [len(c) for c in comps] == [11, 1] and comps[1] == [GUST]
    assert EXT_CHILD in comps[0]
    without_links = dataclasses.replace(data, relations=tuple(r for r in data.relations if r[1] != "sameAs"))
    sizes = [len(c) for c in graph.connected_components(without_links)]
    assert sizes == [9, 2, 1]


def test_contract_same_as_keeps_our_iri(data: graph.GraphData) -> None:
    merged = graph.contract_same_as(graph.whole_graph(data))
    assert EXT_PARENT not in merged
    assert merged.nodes[HOLDINGS]["same_as"] == (EXT_PARENT,)
    assert merged.has_edge(HOLDINGS, EXT_CHILD)  # the external subsidiary now hangs under our node
    before = graph.graph_summary(graph.whole_graph(data))
    assert graph.graph_summary(merged)["organization"] == before["organization"] - 1


def test_tree_depths_and_most_connected(data: graph.GraphData) -> None:
    depths = graph.tree_depths(data)
    assert [(d.label, d.depth, d.size) for d in depths] == [
        ("Northwind Holdings", 2, 4),
        ("NORTHWIND HOLDINGS LTD", 1, 2),
    ]
    top = graph.most_connected(data, 3)
    assert top[0][2] == 4 and {top[0][0], top[1][0]} == {HOLDINGS, CLOUD}
    assert top[2] == (BLUEBIRD, "Bluebird Ventures", 3)
    assert all(r[0] != ZEPHYR for r in graph.most_connected(data, 50))  # organizations only by default


def test_models_by_parameters(data: graph.GraphData) -> None:
    sizes = graph.models_by_parameters(data)
    assert [(m.label, m.parameters, m.min_parameters) for m in sizes] == [
        ("Zephyr-2", 70_000_000_000, 1_000_000_000),
        ("Zephyr-2-Chat", 8_000_000_000, 8_000_000_000),
    ]
    assert sizes[0].developer == "Northwind Labs" and sizes[1].based_on == "Zephyr-2"


def test_store_and_snapshot_give_the_same_views(store, data: graph.GraphData) -> None:
    for view in graph.View:
        assert edges(graph.build_view(store, view)) == edges(graph.build_view(data, view))


def test_tree_layout_reads_left_to_right(data: graph.GraphData) -> None:
    d = graph.build_drawing(data, "subsidiaries", root="Northwind Holdings")
    assert d.layout == "tree" and d.title == "Subsidiaries – Northwind Holdings"
    pos = {n.id: (n.x, n.y) for n in d.nodes}
    assert pos[HOLDINGS][0] < pos[CLOUD][0] < pos[LABS][0]
    assert pos[CLOUD][0] == pos[RETAIL][0]
    assert min(pos[CLOUD][1], pos[RETAIL][1]) < pos[HOLDINGS][1] < max(pos[CLOUD][1], pos[RETAIL][1])
    assert {n.id: n.label_side for n in d.nodes}[LABS] == "right"


@pytest.mark.parametrize("view", list(graph.View))
def test_drawings_are_deterministic_json_and_cover_the_view(data: graph.GraphData, view: graph.View) -> None:
    g = graph.build_view(data, view)
    d1 = graph.build_drawing(data, view)
    d2 = graph.build_drawing(data, view)
    assert d1 == d2
    assert {n.id for n in d1.nodes} == set(g) and len(d1.edges) == g.number_of_edges()
    as_json = json.loads(json.dumps(d1.to_dict()))
    assert as_json["view"] == view.value and len(as_json["nodes"]) == len(g)
    xs = [n.x for n in d1.nodes]
    ys = [n.y for n in d1.nodes]
    assert min(xs) >= 0 and min(ys) >= 0 and max(xs) <= d1.width and max(ys) <= d1.height


def test_spring_layout_keeps_nodes_apart(data: graph.GraphData) -> None:
    d = graph.build_drawing(data, "all")
    assert d.layout == "spring"
    pts = [(n.x, n.y) for n in d.nodes]
    closest = min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for i, a in enumerate(pts) for b in pts[i + 1:])
    assert closest > 30


def test_empty_store_gives_empty_views(tmp_path) -> None:
    from kg.store import LocalStore

    store = LocalStore(tmp_path / "empty")
    try:
        for view in graph.View:
            d = graph.build_drawing(store, view)
            assert d.nodes == () and d.edges == ()
    finally:
        store.close()


def test_doctests_of_graph_and_viz() -> None:
    import doctest

    from kg import viz

    for module in (graph, viz):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", ["graph_entities", "graph_aliases", "graph_relations", "graph_models",
                                  "graph_investments"])
def test_graph_queries_are_canned_queries_with_true_headers(store, name: str) -> None:
    from kg.queries import get_query, rows, run_query

    query = get_query(name)
    assert query.summary and not query.params
    variables, data = rows(run_query(store, query))
    assert tuple(variables) == query.columns
    assert data


def test_graph_from_a_canned_query_result(store) -> None:
    from kg.queries import get_query, run_query

    result = run_query(store, get_query("subsidiaries"), {"org": "Northwind Holdings"})
    g = graph.graph_from_result(result, source="parent", target="child", source_label="parentName",
                                target_label="childName", relation="hasSubsidiary")
    assert edges(g) == edges(graph.subsidiary_tree(store, "Northwind Holdings"))
    assert g.nodes[LABS]["label"] == "Northwind Labs"
    assert g.edges[CLOUD, LABS]["depth"] == 2
    with pytest.raises(QueryError, match="no column 'owner'"):
        graph.graph_from_result(result, source="owner", target="child")
    drawing = graph.drawing_from_graph(g, title="from a query")
    assert drawing.layout == "layered" and len(drawing.nodes) == 4
