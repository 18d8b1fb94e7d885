"""Graph analysis: the only module that imports networkx.

It reads the store through the ``queries/graph_*.rq`` queries (the SPARQL lives there, not here) into a
:class:`GraphData` snapshot, and turns that into networkx graphs with typed nodes and edges:

- :func:`subsidiary_tree` – parent → child (``hasSubsidiary``), optionally only the tree under one organization;
- :func:`model_lineage` – developer → model (``developed``) and base model → derived model (``basisOf``);
- :func:`investment_flows` – investor → target (``invested``), weighted by the USD amount when the text gives it;
- :func:`program_graph` – organizer → program (``organizes``);
- :func:`whole_graph` – all of the above plus the ``owl:sameAs`` links a merge adds (``sameAs``).

Every edge points from the actor or parent to what it owns, made, funded or runs. Nodes are keyed by IRI and carry
``kind`` (organization, model, program, target), ``label``, ``aliases`` and ``documents``, plus kind-specific
attributes (parameter counts for models). Metrics: :func:`tree_depths`, :func:`most_connected`,
:func:`connected_components` (after a merge, sameAs links join nodes) and :func:`models_by_parameters`.

:func:`build_drawing` lays a view out (a tidy tree for hierarchies, layers for other DAGs, a seeded spring layout
otherwise) and returns a :class:`Drawing` of plain dataclasses, which :mod:`kg.viz` renders without networkx.
This module never writes to the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import networkx as nx

from kg.errors import QueryError
from kg.queries import python_value
from kg.resources import queries_dir
from kg.store import GraphStore
from kg.vocab import ID, normalise_name, slug

__all__ = [
    "DrawEdge",
    "DrawNode",
    "Drawing",
    "GraphData",
    "GroupDepth",
    "ModelSize",
    "View",
    "build_drawing",
    "build_view",
    "connected_components",
    "contract_same_as",
    "drawing_from_graph",
    "find_node",
    "format_amount",
    "graph_from_result",
    "graph_from_rows",
    "graph_summary",
    "investment_flows",
    "load_graph_data",
    "model_lineage",
    "models_by_parameters",
    "most_connected",
    "program_graph",
    "subsidiary_tree",
    "tree_depths",
    "whole_graph",
]


class View(StrEnum):
    """The views ``kg viz`` draws."""

    subsidiaries = "subsidiaries"
    models = "models"
    investments = "investments"
    programs = "programs"
    all = "all"


# --------------------------------------------------------------------------------------------------------------
# Reading the store
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphData:
    """What the views are built from: a snapshot of the store's entities and relations as plain Python values.

    ``entities`` maps an IRI to ``{"kind", "label", "documents"}``; ``aliases`` an IRI to all its names;
    ``relations`` holds ``(source, relation, target)`` rows in RDF direction (``relation`` is the local name of the
    property, ``sameAs`` for ``owl:sameAs``); ``models`` and ``investments`` map IRIs to their attributes.
    """

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relations: tuple[tuple[str, str, str], ...] = ()
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    investments: dict[str, dict[str, Any]] = field(default_factory=dict)


def _select(store: GraphStore, name: str) -> list[dict[str, Any]]:
    """Run ``queries/<name>.rq`` and return its rows as dicts of Python values."""
    sparql = (queries_dir() / f"{name}.rq").read_text(encoding="utf-8")
    result = store.query(sparql)
    variables = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{v: python_value(sol[v]) for v in variables} for sol in result]  # type: ignore[union-attr]


def _number(value: Any) -> int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() else f


def load_graph_data(store: GraphStore) -> GraphData:
    """Read everything the views need from ``store`` (union of all its graphs), one node per company where the
    identity step has run (:func:`_one_node_per_company`)."""
    entities: dict[str, dict[str, Any]] = {}
    for row in _select(store, "graph_entities"):
        label = row["label"] or _iri_tail(row["node"])
        entities[row["node"]] = {"kind": row["kind"], "label": label, "documents": int(row["documents"] or 0)}
    aliases: dict[str, list[str]] = {}
    for row in _select(store, "graph_aliases"):
        aliases.setdefault(row["node"], []).append(row["name"])
    relations = tuple((r["source"], r["relation"], r["target"]) for r in _select(store, "graph_relations"))
    models: dict[str, dict[str, Any]] = {}
    for row in _select(store, "graph_models"):
        sizes = sorted({int(float(s)) for s in (row["sizes"] or "").split()})
        open_source = row["openSource"]
        models[row["model"]] = {
            "parameters": _number(row["parameters"]),
            "min_parameters": _number(row["minParameters"]),
            "max_parameters": _number(row["maxParameters"]),
            "sizes": tuple(sizes),
            "active_parameters": _number(row["activeParameters"]),
            "open_source": None if open_source in (None, "") else open_source in ("true", "1", True),
            "status": row["status"] or None,
        }
    investments: dict[str, dict[str, Any]] = {}
    for row in _select(store, "graph_investments"):
        investments[row["investment"]] = {
            "investor": row["investor"],
            "amount": _number(row["amount"]),
            "currency": row["currency"] or None,
            "amount_usd": _number(row["amountUSD"]),
            "target": row["target"] or None,
            "target_organization": row["targetOrganization"],
            "period_years": _number(row["periodYears"]),
            "qualifier": row["qualifier"] or None,
            "status": row["status"] or None,
        }
    return _one_node_per_company(GraphData(
        entities=entities,
        aliases={k: tuple(v) for k, v in aliases.items()},
        relations=relations,
        models=models,
        investments=investments,
    ), _select(store, "graph_companies"))


def _one_node_per_company(data: GraphData, companies: list[dict[str, Any]]) -> GraphData:
    """``data`` with every organization node replaced by its company's canonical node (the identity table, rows of
    ``queries/graph_companies.rq``): its display name and document count, the names of all its members, relations
    moved onto it, the links inside one company dropped. Unchanged when there is no table."""
    if not companies:
        return data
    rep = {row["node"]: row["company"] for row in companies}
    names = {row["company"]: (row["name"], int(row["documents"] or 0)) for row in companies}

    def to(iri: str) -> str:
        return rep.get(iri, iri)

    entities: dict[str, dict[str, Any]] = {}
    for iri, ent in sorted(data.entities.items()):
        c = to(iri)
        if c in names:
            entities[c] = {**ent, "label": names[c][0], "documents": names[c][1]}
        elif c not in entities:
            entities[c] = ent
    aliases: dict[str, list[str]] = {}
    for iri, forms in sorted(data.aliases.items()):
        aliases.setdefault(to(iri), []).extend(forms)
    relations = tuple(sorted({(to(a), r, to(b)) for a, r, b in data.relations if to(a) != to(b)},
                             key=lambda t: (t[1], t[0], t[2])))
    investments = {iri: {**inv, "investor": to(inv["investor"]) if inv["investor"] else inv["investor"],
                         "target_organization": to(inv["target_organization"]) if inv["target_organization"]
                         else inv["target_organization"]}
                   for iri, inv in data.investments.items()}
    return GraphData(entities=entities, aliases={k: tuple(dict.fromkeys(v)) for k, v in aliases.items()},
                     relations=relations, models=data.models, investments=investments)


Source = GraphStore | GraphData


def _data(source: Source) -> GraphData:
    return source if isinstance(source, GraphData) else load_graph_data(source)


def _iri_tail(iri: str) -> str:
    """A readable name for an IRI that has no label.

    >>> _iri_tail("https://w3id.org/kgnews/id/org/ant-group")
    'ant-group'
    """
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri


# --------------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------------


def _add_kind(g: nx.DiGraph, data: GraphData, kind: str) -> None:
    """Add every entity of one kind (so entities without relations still show)."""
    for iri, ent in sorted(data.entities.items()):
        if ent["kind"] == kind:
            _add_entity(g, data, iri)


def _link(g: nx.DiGraph, data: GraphData, source: str, target: str, *, relation: str, label: str = "") -> None:
    """Add both ends (with their attributes) and a typed edge source → target."""
    _add_entity(g, data, source)
    _add_entity(g, data, target)
    g.add_edge(source, target, relation=relation, label=label)


def _add_entity(g: nx.DiGraph, data: GraphData, iri: str) -> None:
    if iri in g:
        return
    ent = data.entities.get(iri)
    if ent is None:  # a node only known from a relation (e.g. an external IRI linked by owl:sameAs)
        kind = "external" if not iri.startswith(ID) else "organization"
        ent = {"kind": kind, "label": _iri_tail(iri), "documents": 0}
    attrs: dict[str, Any] = {
        "kind": ent["kind"],
        "label": ent["label"],
        "aliases": tuple(a for a in data.aliases.get(iri, ()) if a != ent["label"]),
        "documents": ent["documents"],
    }
    if ent["kind"] == "model" and iri in data.models:
        attrs.update(data.models[iri])
    g.add_node(iri, **attrs)


def _relations(data: GraphData, *names: str) -> list[tuple[str, str, str]]:
    return [r for r in data.relations if r[1] in names]


def _restrict(g: nx.DiGraph, data: GraphData, root: str | None, *, descendants: bool) -> nx.DiGraph:
    """Keep only what hangs under ``root`` (descendants) or its connected component.

    A root the store knows but this view does not hold gives a graph of that one node; a root the store does not
    know raises :class:`~kg.errors.QueryError`.
    """
    if root is None:
        return g
    try:
        node = find_node(g, root)
    except QueryError:
        iri = _find_in_data(data, root)
        out = nx.DiGraph(**g.graph)
        _add_entity(out, data, iri)
        return out
    keep = {node} | (nx.descendants(g, node) if descendants else nx.node_connected_component(g.to_undirected(), node))
    return g.subgraph(keep).copy()


def _find_in_data(data: GraphData, name: str) -> str:
    if name in data.entities:
        return name
    key = normalise_name(name)
    for iri in sorted(data.aliases):
        if key in {normalise_name(n) for n in data.aliases[iri]}:
            return iri
    for iri in sorted(data.entities):
        if key == normalise_name(str(data.entities[iri]["label"])):
            return iri
    raise QueryError(f"nothing named {name!r} in the store")


def subsidiary_tree(source: Source, root: str | None = None) -> nx.DiGraph:
    """Parent → child edges (``relation="hasSubsidiary"``) of every organization, or only the tree under ``root``.

    ``root`` is a name, alias or IRI; an unknown root raises :class:`~kg.errors.QueryError`.
    """
    data = _data(source)
    g = nx.DiGraph(view=View.subsidiaries.value)
    for child, _, parent in _relations(data, "subsidiaryOf"):
        _link(g, data, parent, child, relation="hasSubsidiary")
    return _restrict(g, data, root, descendants=True)


def model_lineage(source: Source, root: str | None = None) -> nx.DiGraph:
    """Every model, developer → model (``developed``) and base → derived model (``basisOf``).

    With ``root`` (a model or organization), only its connected part.
    """
    data = _data(source)
    g = nx.DiGraph(view=View.models.value)
    _add_kind(g, data, "model")
    for model, _, dev in _relations(data, "developer"):
        _link(g, data, dev, model, relation="developed")
    for model, _, base in _relations(data, "basedOn"):
        _link(g, data, base, model, relation="basisOf", label="based on")
    return _restrict(g, data, root, descendants=False)


def _target_node(data: GraphData, inv: dict[str, Any], iri: str) -> tuple[str, dict[str, Any]] | None:
    org = inv.get("target_organization")
    if org:
        return org, {}
    text = inv.get("target")
    if not text:
        return None
    return f"{ID}target/{slug(text)}", {"kind": "target", "label": text, "aliases": (), "documents": 0}


def format_amount(amount: float | int | None, currency: str | None) -> str:
    """A short human reading of an amount.

    >>> format_amount(380e9, "CNY")
    '380 billion CNY'
    >>> format_amount(1.5e6, "USD")
    '1.5 million USD'
    >>> format_amount(None, "USD")
    ''
    """
    if amount is None:
        return ""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if abs(amount) >= size:
            value = f"{amount / size:.2f}".rstrip("0").rstrip(".")
            return f"{value} {word} {currency or ''}".strip()
    return f"{amount:g} {currency or ''}".strip()


def investment_flows(source: Source, root: str | None = None) -> nx.DiGraph:
    """Investor → target edges (``invested``); ``weight`` is the total USD amount where the text gives it.

    Several investments between the same pair become one edge listing them all in ``investments``. A target
    that is not a known organization becomes a ``target`` node labelled with the text.
    """
    data = _data(source)
    g = nx.DiGraph(view=View.investments.value)
    for iri, inv in sorted(data.investments.items()):
        investor = inv.get("investor")
        target = _target_node(data, inv, iri)
        if not investor or target is None:
            continue
        tgt, attrs = target
        _add_entity(g, data, investor)
        if attrs:
            if tgt not in g:
                g.add_node(tgt, **attrs)
        else:
            _add_entity(g, data, tgt)
        record = {"iri": iri, **inv}
        if g.has_edge(investor, tgt):
            edge = g.edges[investor, tgt]
            edge["investments"] = (*edge["investments"], record)
        else:
            g.add_edge(investor, tgt, relation="invested", investments=(record,))
    for _, _, edge in g.edges(data=True):
        invs = edge["investments"]
        usd = [i["amount_usd"] for i in invs if i["amount_usd"] is not None]
        if usd:
            edge["weight"] = float(sum(usd))
            edge["amount_usd"] = float(sum(usd))
        edge["label"] = "; ".join(format_amount(i["amount"], i["currency"]) for i in invs if i["amount"] is not None)
    return _restrict(g, data, root, descendants=False)


def program_graph(source: Source, root: str | None = None) -> nx.DiGraph:
    """Every program and organizer → program edges (``organizes``)."""
    data = _data(source)
    g = nx.DiGraph(view=View.programs.value)
    _add_kind(g, data, "program")
    for program, _, org in _relations(data, "organizer"):
        _link(g, data, org, program, relation="organizes")
    return _restrict(g, data, root, descendants=False)


def whole_graph(source: Source, root: str | None = None) -> nx.DiGraph:
    """Every organization, model and program with all the relations above, plus ``sameAs`` links from merges.

    With ``root``, only the connected component holding it.
    """
    data = _data(source)
    g = nx.DiGraph(view=View.all.value)
    for iri, ent in sorted(data.entities.items()):
        if ent["kind"] in ("organization", "model", "program"):
            _add_entity(g, data, iri)
    for part in (subsidiary_tree(data), model_lineage(data), investment_flows(data), program_graph(data)):
        for node, attrs in part.nodes(data=True):
            if node not in g:
                g.add_node(node, **attrs)
        for u, v, attrs in part.edges(data=True):
            if g.has_edge(u, v):  # two relations between the same pair: keep both names
                g.edges[u, v]["relation"] += "," + attrs["relation"]
            else:
                g.add_edge(u, v, **attrs)
    for a, _, b in _relations(data, "sameAs"):
        _add_entity(g, data, a)
        _add_entity(g, data, b)
        if not g.has_edge(a, b) and not g.has_edge(b, a):
            g.add_edge(a, b, relation="sameAs", label="same as")
    return _restrict(g, data, root, descendants=False)


def graph_from_rows(
    variables: list[str],
    data: list[list[Any]],
    *,
    source: str,
    target: str,
    source_label: str | None = None,
    target_label: str | None = None,
    relation: str = "related",
    kind: str = "organization",
) -> nx.DiGraph:
    """A graph from any table of rows: one edge ``source`` → ``target`` per row (rows missing either are skipped).

    Labels come from the ``*_label`` columns when given; the other columns of a row become edge attributes.
    """
    col = {v: i for i, v in enumerate(variables)}
    for name in (source, target, source_label, target_label):
        if name is not None and name not in col:
            raise QueryError(f"the result has no column {name!r} (columns: {', '.join(variables)})")
    g = nx.DiGraph(view="query")
    for row in data:
        s, t = row[col[source]], row[col[target]]
        if s is None or t is None:
            continue
        for node, label_col in ((s, source_label), (t, target_label)):
            label = row[col[label_col]] if label_col is not None else None
            if node not in g:
                g.add_node(str(node), kind=kind, label=str(label or _iri_tail(str(node))), aliases=(), documents=0)
        extra = {v: row[i] for v, i in col.items() if v not in (source, target, source_label, target_label)}
        g.add_edge(str(s), str(t), relation=relation, label="", **extra)
    return g


def graph_from_result(
    result: Any,
    *,
    source: str,
    target: str,
    source_label: str | None = None,
    target_label: str | None = None,
    relation: str = "related",
    kind: str = "organization",
) -> nx.DiGraph:
    """:func:`graph_from_rows` over a canned query's result (what :func:`kg.queries.run_query` returns)."""
    from kg.queries import rows

    variables, data = rows(result)
    return graph_from_rows(variables, data, source=source, target=target, source_label=source_label,
                           target_label=target_label, relation=relation, kind=kind)


_BUILDERS = {
    View.subsidiaries: subsidiary_tree,
    View.models: model_lineage,
    View.investments: investment_flows,
    View.programs: program_graph,
    View.all: whole_graph,
}


def build_view(source: Source, view: View | str, *, root: str | None = None) -> nx.DiGraph:
    """The networkx graph of one :class:`View` (``"subsidiaries"``, ``"models"``, ...)."""
    try:
        v = View(view)
    except ValueError:
        raise QueryError(f"unknown view {view!r}; choose one of {', '.join(x.value for x in View)}") from None
    return _BUILDERS[v](source, root)


def find_node(g: nx.DiGraph, name: str) -> str:
    """The node of ``g`` whose IRI, label or alias is ``name`` (compared after :func:`kg.vocab.normalise_name`).

    Raises :class:`~kg.errors.QueryError` when there is none.
    """
    if name in g:
        return name
    key = normalise_name(name)
    matches = sorted(
        n for n, a in g.nodes(data=True)
        if key == normalise_name(a.get("label", "")) or key in {normalise_name(x) for x in a.get("aliases", ())}
    )
    if not matches:
        raise QueryError(f"no node named {name!r} in the {g.graph.get('view', 'graph')} view")
    return matches[0]


# --------------------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupDepth:
    """One group's subsidiary tree: its root, how deep it goes (root alone = 0) and how many units it holds."""

    root: str
    label: str
    depth: int
    size: int


def tree_depths(source: Source | nx.DiGraph) -> list[GroupDepth]:
    """Depth and size of every group's tree (roots: organizations with subsidiaries and no parent), deepest first."""
    g = source if isinstance(source, nx.DiGraph) else subsidiary_tree(source)
    out = []
    for node in g.nodes:
        if g.in_degree(node) == 0 and g.out_degree(node) > 0:
            lengths = nx.single_source_shortest_path_length(g, node)
            out.append(GroupDepth(node, g.nodes[node]["label"], max(lengths.values()), len(lengths)))
    return sorted(out, key=lambda d: (-d.depth, -d.size, d.label))


def most_connected(source: Source | nx.DiGraph, n: int = 10, *, kind: str | None = "organization"
                   ) -> list[tuple[str, str, int]]:
    """The ``n`` nodes (organizations by default) with the most distinct neighbours in the whole graph.

    Returns ``(iri, label, degree)`` tuples, highest degree first, ties by label.
    """
    g = source if isinstance(source, nx.DiGraph) else whole_graph(source)
    u = g.to_undirected(as_view=True)
    rows = [(node, a["label"], u.degree(node)) for node, a in g.nodes(data=True) if kind is None or a["kind"] == kind]
    return sorted(rows, key=lambda r: (-r[2], r[1], r[0]))[:n]


def connected_components(source: Source | nx.DiGraph) -> list[list[str]]:
    """Weakly connected components of the whole graph (sameAs links from merges join them), largest first.

    Each component is a sorted list of IRIs.
    """
    g = source if isinstance(source, nx.DiGraph) else whole_graph(source)
    comps = [sorted(c) for c in nx.weakly_connected_components(g)]
    return sorted(comps, key=lambda c: (-len(c), c[0]))


def contract_same_as(g: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``g`` where nodes joined by ``sameAs`` edges are one node (our own IRI kept when there is one).

    The merged node's ``same_as`` attribute lists the IRIs folded into it.
    """
    links = nx.Graph()
    links.add_nodes_from(g)
    links.add_edges_from((u, v) for u, v, a in g.edges(data=True) if a.get("relation") == "sameAs")
    rep: dict[str, str] = {}
    for comp in nx.connected_components(links):
        keep = sorted(comp, key=lambda n: (not n.startswith(ID), g.nodes[n].get("kind") == "external", n))[0]
        for n in comp:
            rep[n] = keep
    out = nx.DiGraph(**g.graph)
    for n, a in g.nodes(data=True):
        if rep[n] == n:
            out.add_node(n, **a, same_as=tuple(sorted(m for m in rep if rep[m] == n and m != n)))
    for u, v, a in g.edges(data=True):
        if a.get("relation") == "sameAs" or rep[u] == rep[v]:
            continue
        if not out.has_edge(rep[u], rep[v]):
            out.add_edge(rep[u], rep[v], **a)
    return out


@dataclass(frozen=True)
class ModelSize:
    """A model's size for charts: its largest stated parameter count and the range it spans."""

    iri: str
    label: str
    developer: str | None
    parameters: int
    min_parameters: int
    max_parameters: int
    sizes: tuple[int, ...]
    based_on: str | None


def models_by_parameters(source: Source) -> list[ModelSize]:
    """Models whose size is known, largest first (by the largest stated count)."""
    data = _data(source)
    developer = {m: d for m, rel, d in data.relations if rel == "developer"}
    base = {m: b for m, rel, b in data.relations if rel == "basedOn"}

    def label(iri: str | None) -> str | None:
        if iri is None:
            return None
        return data.entities.get(iri, {}).get("label") or _iri_tail(iri)

    out = []
    for iri, m in data.models.items():
        known = [x for x in (m["parameters"], m["min_parameters"], m["max_parameters"], *m["sizes"]) if x]
        if not known:
            continue
        out.append(ModelSize(
            iri=iri, label=label(iri) or iri, developer=label(developer.get(iri)),
            parameters=int(max(known)), min_parameters=int(min(known)), max_parameters=int(max(known)),
            sizes=tuple(int(s) for s in m["sizes"]), based_on=label(base.get(iri)),
        ))
    return sorted(out, key=lambda s: (-s.parameters, s.label))


# --------------------------------------------------------------------------------------------------------------
# Layout: a Drawing is what kg.viz renders (plain data, no networkx)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawNode:
    """A node placed on the page (pixel coordinates, y grows downwards)."""

    id: str
    label: str
    kind: str
    x: float
    y: float
    size: float
    details: tuple[tuple[str, str], ...] = ()
    label_side: str = "right"


@dataclass(frozen=True)
class DrawEdge:
    """An edge between two drawn nodes."""

    source: str
    target: str
    relation: str
    label: str = ""
    width: float = 1.5
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Drawing:
    """A laid-out view: what to draw where. ``layout`` is ``tree``, ``layered`` or ``spring``."""

    view: str
    title: str
    layout: str
    width: float
    height: float
    nodes: tuple[DrawNode, ...]
    edges: tuple[DrawEdge, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the HTML page embeds)."""
        return {
            "view": self.view,
            "title": self.title,
            "layout": self.layout,
            "width": self.width,
            "height": self.height,
            "nodes": [
                {"id": n.id, "label": n.label, "kind": n.kind, "x": round(n.x, 2), "y": round(n.y, 2),
                 "size": n.size, "side": n.label_side, "details": [list(d) for d in n.details]}
                for n in self.nodes
            ],
            "edges": [
                {"source": e.source, "target": e.target, "relation": e.relation, "label": e.label,
                 "width": e.width, "details": [list(d) for d in e.details]}
                for e in self.edges
            ],
        }


_MARGIN = 60.0
_TREE_DX = 230.0  # px between tree levels
_TREE_DY = 34.0  # px between leaves


def _tree_positions(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Tidy left-to-right tree layout of a forest (or of a spanning forest of a DAG): x = depth, y = leaf order.

    A parent sits level with the middle of its children; trees are stacked with a gap between them.
    """
    children: dict[str, list[str]] = {n: [] for n in g}
    placed: set[str] = set()
    roots = sorted((n for n in g if g.in_degree(n) == 0), key=lambda n: _sort_key(g, n))
    order: list[str] = []
    for r in roots:  # breadth-first spanning forest, so a node with two parents hangs under the first one found
        if r in placed:
            continue
        placed.add(r)
        order.append(r)
        queue = [r]
        while queue:
            node = queue.pop(0)
            for c in sorted(g.successors(node), key=lambda n: _sort_key(g, n)):
                if c not in placed:
                    placed.add(c)
                    children[node].append(c)
                    queue.append(c)
    for n in sorted(set(g) - placed, key=lambda n: _sort_key(g, n)):  # cycles with no root: start anywhere
        placed.add(n)
        order.append(n)
    pos: dict[str, tuple[float, float]] = {}
    cursor = 0.0

    def place(node: str, depth: int) -> float:
        nonlocal cursor
        kids = children[node]
        if not kids:
            y = cursor
            cursor += 1
        else:
            ys = [place(k, depth + 1) for k in kids]
            y = (ys[0] + ys[-1]) / 2
        pos[node] = (depth, y)
        return y

    for r in order:
        place(r, 0)
        cursor += 0.6
    return {n: (_MARGIN + d * _TREE_DX, _MARGIN + y * _TREE_DY) for n, (d, y) in pos.items()}


def _sort_key(g: nx.DiGraph, n: str) -> tuple[str, str]:
    return (str(g.nodes[n].get("label", "")).casefold(), n)


def _layered_positions(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Left-to-right layers of a DAG (topological generations), ordered by the barycentre of their neighbours."""
    layers = [sorted(gen, key=lambda n: _sort_key(g, n)) for gen in nx.topological_generations(g)]
    index = {n: i for layer in layers for i, n in enumerate(layer)}
    for _ in range(4):  # a few sweeps of the barycentre heuristic reduce crossings
        for layer in layers[1:]:
            def bary(n: str) -> float:
                preds = list(g.predecessors(n))
                return sum(index[p] for p in preds) / len(preds) if preds else index[n]
            layer.sort(key=lambda n: (bary(n), _sort_key(g, n)))
            index.update({n: i for i, n in enumerate(layer)})
        for layer in reversed(layers[:-1]):
            def bary_s(n: str) -> float:
                succ = list(g.successors(n))
                return sum(index[s] for s in succ) / len(succ) if succ else index[n]
            layer.sort(key=lambda n: (bary_s(n), _sort_key(g, n)))
            index.update({n: i for i, n in enumerate(layer)})
    tallest = max((len(layer) for layer in layers), default=1)
    pos = {}
    for x, layer in enumerate(layers):
        offset = (tallest - len(layer)) / 2
        for y, n in enumerate(layer):
            pos[n] = (_MARGIN + x * (_TREE_DX + 60), _MARGIN + (offset + y) * (_TREE_DY + 6))
    return pos


def _spring_positions(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Seeded force-directed layout (deterministic) of each connected part, the parts packed in rows.

    Each part gets a square whose side grows with the square root of its node count; isolated nodes line up
    at the end instead of being flung to the edges.
    """
    parts = sorted(nx.weakly_connected_components(g), key=lambda c: (-len(c), min(c)))
    blocks: list[tuple[float, float, dict[str, tuple[float, float]]]] = []
    for part in parts:
        n = len(part)
        if n == 1:
            blocks.append((0.0, 0.0, {next(iter(part)): (0.0, 0.0)}))
            continue
        raw = _force_layout(g.subgraph(part))
        xs = [float(p[0]) for p in raw.values()]
        ys = [float(p[1]) for p in raw.values()]
        side = 170.0 * math.sqrt(n)
        sx = (max(xs) - min(xs)) or 1.0
        sy = (max(ys) - min(ys)) or 1.0
        block = _spread({
            node: ((float(p[0]) - min(xs)) / sx * side, (float(p[1]) - min(ys)) / sy * side) for node, p in raw.items()
        })
        bxs = [p[0] for p in block.values()]
        bys = [p[1] for p in block.values()]
        block = {node: (p[0] - min(bxs), p[1] - min(bys)) for node, p in block.items()}
        blocks.append((max(bxs) - min(bxs), max(bys) - min(bys), block))
    row_limit = max(1400.0, max((b[0] for b in blocks), default=0.0))
    label_room = 200.0
    pos: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for w, h, block in blocks:
        if x > 0 and x + w > row_limit:
            x, y, row_height = 0.0, y + row_height + 80.0, 0.0
        for node, (bx, by) in block.items():
            pos[node] = (_MARGIN + x + bx, _MARGIN + y + by)
        x += w + label_room
        row_height = max(row_height, h, 40.0)
    return pos


def _force_layout(g: nx.DiGraph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold on dense numpy arrays (networkx's own needs scipy beyond 500 nodes); deterministic.

    Very large parts (over 4000 nodes) are put on a circle: a force layout of that size is neither fast nor legible.
    """
    import numpy as np

    nodes = sorted(g)
    n = len(nodes)
    if n > 4000:
        return {node: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i, node in enumerate(nodes)}
    index = {node: i for i, node in enumerate(nodes)}
    adj = np.zeros((n, n), dtype=np.float32)
    for u, v in g.edges():
        adj[index[u], index[v]] = adj[index[v], index[u]] = 1.0
    pos = np.random.default_rng(seed).random((n, 2)).astype(np.float32)
    k = 2.2 / math.sqrt(n)
    iterations = max(40, min(250, 40000 // n))  # fewer rounds for big parts: each costs O(n²)
    temperature = 0.1
    step = temperature / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.clip(np.sqrt((delta**2).sum(axis=-1)), 0.01, None)
        displacement = np.einsum("ijk,ij->ik", delta, k * k / distance**2 - adj * distance / k)
        length = np.linalg.norm(displacement, axis=-1)
        length = np.where(length < 0.01, 0.1, length)
        pos += displacement * (temperature / length)[:, None]
        temperature -= step
    return {node: (float(pos[i, 0]), float(pos[i, 1])) for node, i in index.items()}


def _spread(pos: dict[str, tuple[float, float]], *, min_dist: float = 48.0, rounds: int = 60
            ) -> dict[str, tuple[float, float]]:
    """Push apart nodes closer than ``min_dist`` pixels (vectorised relaxation rounds), so labels do not pile up."""
    import numpy as np

    names = sorted(pos)
    if len(names) < 2 or len(names) > 1500:  # O(n²) memory; big graphs keep the spring layout as is
        return pos
    p = np.array([pos[n] for n in names], dtype=float)
    rounds = rounds if len(names) <= 300 else max(10, rounds * 300 // len(names))
    jitter = np.random.default_rng(7).normal(scale=1e-3, size=p.shape)
    p += jitter
    for _ in range(rounds):
        diff = p[:, None, :] - p[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=2)) + np.eye(len(names)) * 1e9
        overlap = np.clip(min_dist - dist, 0.0, None)
        if not overlap.any():
            break
        push = (diff / dist[:, :, None] * (overlap / 2)[:, :, None]).sum(axis=1)
        p += push
    return {n: (float(x), float(y)) for n, (x, y) in zip(names, p, strict=True)}


def _choose_layout(g: nx.DiGraph, view: str) -> str:
    if view == View.all.value or not nx.is_directed_acyclic_graph(g):
        return "spring"
    if all(g.in_degree(n) <= 1 for n in g) and view == View.subsidiaries.value:
        return "tree"
    return "layered"


def _fmt_int(n: Any) -> str:
    """Parameter counts for people.

    >>> _fmt_int(72_000_000_000)
    '72B'
    >>> _fmt_int(500_000_000)
    '500M'
    """
    if not isinstance(n, int | float):
        return str(n)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{n:g}"


def _node_details(iri: str, a: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out = [("kind", a["kind"]), ("IRI", iri)]
    if a.get("aliases"):
        out.append(("aliases", ", ".join(a["aliases"])))
    if a.get("documents"):
        out.append(("documents", str(a["documents"])))
    if a["kind"] == "model":
        if a.get("sizes"):
            out.append(("sizes", ", ".join(_fmt_int(s) for s in a["sizes"])))
        elif a.get("min_parameters") and a.get("max_parameters"):
            out.append(("parameters", f"{_fmt_int(a['min_parameters'])}–{_fmt_int(a['max_parameters'])}"))
        if a.get("parameters"):
            out.append(("parameters", _fmt_int(a["parameters"])))
        if a.get("active_parameters"):
            out.append(("active", _fmt_int(a["active_parameters"])))
        if a.get("open_source") is not None:
            out.append(("open source", "yes" if a["open_source"] else "no"))
        if a.get("status"):
            out.append(("status", str(a["status"])))
    if a.get("same_as"):
        out.append(("same as", ", ".join(a["same_as"])))
    return tuple(out)


def _edge_details(a: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out = [("relation", a["relation"])]
    for inv in a.get("investments", ()):
        text = format_amount(inv["amount"], inv["currency"])
        if inv.get("qualifier"):
            text = f"{inv['qualifier']} {text}"
        if inv.get("amount_usd") is not None:
            text += f" (≈ {format_amount(inv['amount_usd'], 'USD')})"
        if inv.get("period_years"):
            text += f" over {inv['period_years']:g} years"
        if inv.get("target"):
            text += f" – {inv['target']}"
        out.append(("investment", text))
    return tuple(out)


def drawing_from_graph(g: nx.DiGraph, *, title: str | None = None, layout: str | None = None) -> Drawing:
    """Lay ``g`` out and return a :class:`Drawing` (``layout``: ``tree``, ``layered``, ``spring`` or auto)."""
    view = str(g.graph.get("view", "graph"))
    kind = layout or _choose_layout(g, view)
    if not g.number_of_nodes():
        pos: dict[str, tuple[float, float]] = {}
    elif kind == "tree":
        pos = _tree_positions(g)
    elif kind == "layered":
        pos = _layered_positions(g) if nx.is_directed_acyclic_graph(g) else _spring_positions(g)
    else:
        pos = _spring_positions(g)
    usd = [a["weight"] for _, _, a in g.edges(data=True) if a.get("weight")]
    top = max(usd, default=0.0)
    nodes = []
    for n in sorted(g.nodes, key=lambda n: _sort_key(g, n)):
        a = g.nodes[n]
        degree = g.degree(n)
        side = "right"
        if kind in ("tree", "layered") and g.out_degree(n) > 0:
            side = "above"
        nodes.append(DrawNode(
            id=n, label=str(a["label"]), kind=str(a["kind"]), x=pos[n][0], y=pos[n][1],
            size=round(5.0 + 2.2 * math.sqrt(degree), 2), details=_node_details(n, a), label_side=side,
        ))
    edges = []
    for u, v, a in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        width = 1.5
        if a.get("weight") and top:
            width = round(1.5 + 6.0 * math.sqrt(a["weight"] / top), 2)
        edges.append(DrawEdge(u, v, str(a["relation"]), str(a.get("label", "")), width, _edge_details(a)))
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    return Drawing(
        view=view,
        title=title or f"kg: {view}",
        layout=kind,
        width=max(xs) + _MARGIN + 200.0,
        height=max(ys) + _MARGIN,
        nodes=tuple(nodes),
        edges=tuple(edges),
    )


_TITLES = {
    View.subsidiaries: "Subsidiaries",
    View.models: "AI models: developers and lineage",
    View.investments: "Investments: investor → target",
    View.programs: "Programs and their organizers",
    View.all: "The whole graph",
}


def build_drawing(source: Source, view: View | str, *, root: str | None = None) -> Drawing:
    """Build view ``view`` from the store (or a :class:`GraphData`) and lay it out for :mod:`kg.viz`."""
    g = build_view(source, view, root=root)
    title = _TITLES[View(view)]
    if root is not None:
        title += f" – {g.nodes[find_node(g, root)]['label']}"
    return drawing_from_graph(g, title=title)


def graph_summary(g: nx.DiGraph) -> dict[str, int]:
    """Node counts per kind and the edge count, for messages and notebooks."""
    out: dict[str, int] = {}
    for _, a in g.nodes(data=True):
        out[a["kind"]] = out.get(a["kind"], 0) + 1
    out["edges"] = g.number_of_edges()
    return out

