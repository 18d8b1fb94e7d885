"""Merging other corporate graphs (GLEIF, FIBO, W3C ORG, schema.org, Wikidata, ...) into the store.

This module owns ``kg merge`` / ``kg unmerge``: loading external RDF unchanged into its own named graph, running the
vocabulary mappings (SPARQL CONSTRUCT files under ``ontology/mappings/``) into a derived graph, and entity
resolution into a links graph of reified ``owl:sameAs`` statements (``kg:Link`` nodes with ``kg:matchReason``,
``kg:matchScore``, ``kg:matchKey`` and ``kg:dependsOn``). A merged source ``NAME`` lives in exactly three graphs:

- ``kg.vocab.source_graph(NAME)``: the files as they were (bulk loaded, their vocabulary untouched);
- ``kg.vocab.mapped_graph(NAME)``: the same companies in our ontology (``kg:Organization``, ``kg:subsidiaryOf``,
  ``kg:lei`` ...), entity IRIs kept from the source;
- ``kg.vocab.links_graph(NAME)``: the links found when NAME was merged, between its entities and those of earlier
  sources and of documents (graphs under ``.../graph/doc/``).

Resolution links identifiers first (LEI, Wikidata QID, SEC CIK, score 1), then names (:func:`name_key`: legal
forms, punctuation, "N.A." / "National Association") only when no identifier of either side's cluster contradicts
and the name does not point at clusters with different identifiers. Two entities with different LEIs are never
linked. Unmerging removes the three graphs and every link elsewhere that depends on the source, nothing else.

It touches the store only through :class:`kg.store.GraphStore`; SPARQL lives in ``.rq`` files.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from kg import vocab
from kg.errors import InputError, KgError, QueryError, RdfSyntaxError
from kg.resources import ontology_file, queries_dir
from kg.store import GraphStore, RdfFormatName

if TYPE_CHECKING:
    from kg.queries import QueryResult

#: Identifier keys, strongest first, with the score of a link made on them.
IDENTIFIERS: dict[str, float] = {"lei": 1.0, "wikidata": 1.0, "sec-cik": 1.0}
#: Scores of name links: same name after light normalisation, same :func:`name_key`, or through an alias.
NAME_SCORES: dict[str, float] = {"name": 0.9, "normalised-name": 0.8, "alias": 0.7}

_OWL_SAME_AS = vocab.term("owl:sameAs")
_RDF_TYPE = vocab.term("rdf:type")
_RDF_SUBJECT = vocab.term("rdf:subject")
_RDF_PREDICATE = vocab.term("rdf:predicate")
_RDF_OBJECT = vocab.term("rdf:object")
_DOC_GRAPHS = vocab.GRAPH + "doc/"
_SOURCE_GRAPHS = vocab.GRAPH + "source/"


# --- IRIs this module mints (built from kg.vocab so the layout stays in one place) ------------------------------
def link_iri(a: str, b: str) -> NamedNode:
    """IRI of the reified ``owl:sameAs`` link between two entity IRIs (order does not matter)."""
    x, y = sorted((a, b))
    return NamedNode(f"{vocab.ID}link/{vocab.digest(x, y)}")


def staging_graph(name: str, index: int) -> NamedNode:
    """Scratch graph that holds file ``index`` of a merge until every file of it has parsed."""
    return NamedNode(f"{vocab.source_graph(name).value}/staging/{index}")


# --- reports ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeReport:
    """What ``merge_files`` did."""

    name: str
    files: tuple[str, ...]
    source_graph: str
    mapped_graph: str
    links_graph: str
    triples_loaded: int
    triples_mapped: int
    organizations: int
    links: int
    links_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.links_by_reason.items())) or "none"
        return (f"merged {self.name}: {self.triples_loaded} triples from {len(self.files)} file(s), "
                f"{self.triples_mapped} mapped, {self.organizations} organizations, {self.links} links ({reasons})")


@dataclass(frozen=True)
class UnmergeReport:
    """What ``unmerge`` removed."""

    name: str
    graphs_removed: tuple[str, ...]
    links_removed: int

    def summary(self) -> str:
        return (f"unmerged {self.name}: removed {len(self.graphs_removed)} graph(s) and "
                f"{self.links_removed} link(s) from other sources")


@dataclass(frozen=True)
class Link:
    """One ``owl:sameAs`` decision of entity resolution."""

    a: str
    b: str
    reason: str
    score: float
    key: str
    depends_on: tuple[str, ...]


# --- name normalisation -----------------------------------------------------------------------------------------
@cache
def _name_lists() -> tuple[dict[str, tuple[str, ...]], tuple[tuple[str, ...], ...], frozenset[str]]:
    data = json.loads(mappings_dir().joinpath("names.json").read_text(encoding="utf-8"))
    abbreviations = {k: tuple(v.split()) for k, v in data["abbreviations"].items()}
    forms = tuple(sorted((tuple(f.split()) for f in data["legal_forms"]), key=len, reverse=True))
    return abbreviations, forms, frozenset(data.get("connectors", ()))


def name_key(name: str) -> str:
    """The form under which two organization names count as the same name.

    Case, a leading "the", dots, apostrophes and other punctuation, "&" and common abbreviations ("N.A.",
    "Corp.", "Co.") and trailing legal forms ("Inc.", "LLC", "National Association") do not matter.

    >>> name_key("Citibank, N.A.") == name_key("Citibank, National Association")
    True
    >>> name_key("Wells Fargo & Company")
    'wells fargo'
    >>> name_key("The Goldman Sachs Group, Inc.")
    'goldman sachs group'
    """
    abbreviations, forms, connectors = _name_lists()
    s = vocab.normalise_name(name).replace("&", " & ")
    s = re.sub(r"[.'\u2019]", "", s)
    s = re.sub(r"[^\w&]+", " ", s)
    tokens: list[str] = []
    for tok in s.split():
        tokens.extend(abbreviations.get(tok, (tok,)))
    stripped = True
    while stripped:
        stripped = False
        for form in forms:
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                del tokens[-n:]
                stripped = True
                break
        while len(tokens) > 1 and tokens[-1] in connectors:
            tokens.pop()
            stripped = True
    return " ".join(tokens)


def light_key(name: str) -> str:
    """Light normalisation for an exact-name match: case, spacing, leading "the", punctuation.

    >>> light_key("Citicorp  LLC") == light_key("citicorp, llc")
    True
    """
    s = re.sub(r"[.'\u2019]", "", vocab.normalise_name(name))
    return " ".join(re.sub(r"[^\w&]+", " ", s).split())


def normalise_identifier(kind: str, value: str) -> str | None:
    """Canonical form of an identifier value, or None when it is not one.

    >>> normalise_identifier("sec-cik", "0001577552"), normalise_identifier("lei", " 549300abc "),
    ('1577552', '549300ABC')
    >>> normalise_identifier("wikidata", "http://www.wikidata.org/entity/Q95")
    'Q95'
    """
    v = value.strip()
    if not v:
        return None
    if kind == "sec-cik":
        digits = re.sub(r"\D", "", v)
        return str(int(digits)) if digits else None
    if kind == "wikidata":
        m = re.search(r"Q\d+$", v, re.IGNORECASE)
        return m.group(0).upper() if m else None
    return v.upper()


# --- data files ---------------------------------------------------------------------------------------------------
def mappings_dir() -> Path:
    """Folder of the mapping CONSTRUCT files (``ontology/mappings``)."""
    return ontology_file("mappings")


def mapping_files() -> list[Path]:
    """The vocabulary mappings, in the order they run (file name order)."""
    return sorted(mappings_dir().glob("*.rq"))


def _resolve_query(name: str) -> str:
    return (mappings_dir() / "resolve" / f"{name}.rq").read_text(encoding="utf-8")


_CONSTRUCT = re.compile(r"\bCONSTRUCT\s*\{", re.IGNORECASE)


def _template_end(text: str) -> tuple[int, int]:
    """Start of ``CONSTRUCT {`` and the index just past its closing brace, comments removed beforehand."""
    m = _CONSTRUCT.search(text)
    if not m:
        raise QueryError("a mapping file must be a CONSTRUCT query")
    depth, i = 1, m.end()
    while depth and i < len(text):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    if depth:
        raise QueryError("unbalanced braces in a mapping CONSTRUCT template")
    return m.start(), i


def _strip_comments(sparql: str) -> str:
    return "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))


def construct_from(sparql: str, *, source: Sequence[NamedNode]) -> str:
    """A mapping ``CONSTRUCT {T} WHERE {P}`` restricted to the source graphs: ``CONSTRUCT {T} FROM <g> WHERE {P}``.

    >>> construct_from("CONSTRUCT { ?s a kg:X } WHERE { ?s a kg:Y }", source=[NamedNode("http://s")])
    'CONSTRUCT { ?s a kg:X }\\nFROM <http://s>\\n WHERE { ?s a kg:Y }'
    """
    text = _strip_comments(sparql)
    _, end = _template_end(text)
    return text[:end] + "\n" + "".join(f"FROM {g}\n" for g in source) + text[end:]


def map_source(store: GraphStore, source: NamedNode, target: NamedNode) -> int:
    """Run every mapping over ``source`` into ``target`` (replaced). Returns the number of triples written.

    The CONSTRUCT results are written as N-Triples by Oxigraph and bulk loaded, so the cost is that of the triples
    that match a mapping, with no Python loop over them.
    """
    store.remove_graph(target)
    with tempfile.TemporaryDirectory(prefix="kg-merge-") as tmp:
        out = Path(tmp) / "mapped.nt"
        with open(out, "wb") as fh:
            for path in mapping_files():
                result = store.query(construct_from(path.read_text(encoding="utf-8"), source=[source]), union=False)
                if hasattr(result, "serialize"):
                    result.serialize(fh, format=ox.RdfFormat.N_TRIPLES)
                else:  # a backend that hands back plain triples
                    ox.serialize(list(result), fh, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
        if out.stat().st_size == 0:
            return 0
        with open(out, "rb") as fh:
            written = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        store.load_file(out, RdfFormatName.ntriples, graph=target, bulk=True)
    return written


# --- merge ----------------------------------------------------------------------------------------------------------
def _formats(paths: Sequence[Path], fmt: str | RdfFormatName | None) -> list[RdfFormatName]:
    if fmt is not None:
        try:
            one = RdfFormatName(str(fmt).lower())
        except ValueError:
            known = ", ".join(f.value for f in RdfFormatName)
            raise InputError(f"unknown RDF format {fmt!r}; use one of {known}") from None
        return [one] * len(paths)
    return [RdfFormatName.from_path(p) for p in paths]


def source_graphs(store: GraphStore, name: str) -> list[NamedNode]:
    """The graphs of merged source ``name`` present in the store (source, mapped, links)."""
    graphs = (vocab.source_graph(name), vocab.mapped_graph(name), vocab.links_graph(name))
    return [g for g in graphs if store.has_graph(g)]


def merged_sources(store: GraphStore) -> list[str]:
    """Names (as slugs) of the merged sources in the store."""
    n = len(_SOURCE_GRAPHS)
    return sorted({g[n:] for g in store.named_graphs() if g.startswith(_SOURCE_GRAPHS) and "/" not in g[n:]})


def merge_files(
    store: GraphStore, paths: Iterable[str | Path], *, name: str, fmt: str | RdfFormatName | None = None
) -> MergeReport:
    """Merge RDF files as source ``name``: load unchanged, map onto our ontology, link entities.

    All files are parsed before the store changes for good: a file that does not parse raises
    :class:`~kg.errors.RdfSyntaxError` naming file and line, and the store is left as it was (a source merged
    earlier under the same name included). Merging a name again replaces that source.

    A single triple file (Turtle, N-Triples, RDF/XML) under a new name goes straight into the source graph with
    Oxigraph's bulk loader; dataset files (TriG, N-Quads, JSON-LD) are parsed and their quads, named graphs
    included, put into the source graph, so that unmerging removes all of them.
    """
    started = time.perf_counter()
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("kg merge needs at least one RDF file")
    if not name.strip():
        raise InputError("kg merge needs a non-empty --name")
    for p in files:
        if not p.is_file():
            raise InputError(f"{p}: no such file")
    formats = _formats(files, fmt)
    src, mapped, links = vocab.source_graph(name), vocab.mapped_graph(name), vocab.links_graph(name)

    if len(files) == 1 and not source_graphs(store, name):
        # fast path: straight into the source graph with the bulk loader; a syntax error removes the graph again
        loaded = _load(store, files[0], formats[0], src)
    else:
        staged: list[NamedNode] = []
        try:
            for i, (path, f) in enumerate(zip(files, formats, strict=True)):
                g = staging_graph(name, i)
                store.remove_graph(g)  # a leftover of an interrupted merge
                staged.append(g)
                _load(store, path, f, g)
        except KgError:
            for g in staged:
                store.remove_graph(g)
            raise
        _remove_source(store, name)
        steps = [f"DROP SILENT GRAPH {src}"]
        steps += [f"ADD {g} TO {src}" for g in staged] + [f"DROP SILENT GRAPH {g}" for g in staged]
        store.update(" ;\n".join(steps))
        loaded = sum(1 for _ in store.quads(src))

    try:
        n_mapped = map_source(store, src, mapped)
        new_links = resolve(store, name)
        _write_links(store, links, new_links)
    except BaseException:
        _remove_source(store, name)
        raise
    by_reason: dict[str, int] = defaultdict(int)
    for link in new_links:
        by_reason[link.reason] += 1
    orgs = _count_organizations(store, name)
    return MergeReport(
        name=name, files=tuple(str(p) for p in files), source_graph=src.value, mapped_graph=mapped.value,
        links_graph=links.value, triples_loaded=loaded, triples_mapped=n_mapped, organizations=orgs,
        links=len(new_links), links_by_reason=dict(by_reason), seconds=time.perf_counter() - started,
    )


def _load(store: GraphStore, path: Path, fmt: RdfFormatName, graph: NamedNode) -> int:
    """Load one file into ``graph`` (which is new): triple formats with the bulk loader; datasets (TriG, N-Quads,
    JSON-LD) parsed here, every quad moved into ``graph``, in one transaction. Returns the number of quads added."""
    if not fmt.supports_datasets:
        return store.load_file(path, fmt, graph=graph, bulk=True)
    before = len(store)

    def quads() -> Iterator[Quad]:
        try:
            for q in ox.parse(path=str(path), format=fmt.oxigraph):
                yield Quad(q.subject, q.predicate, q.object, graph)
        except SyntaxError as err:
            first = str(err).splitlines()[0] if str(err) else "syntax error"
            where = f"line {err.lineno}: " if err.lineno and f"line {err.lineno}" not in first else ""
            raise RdfSyntaxError(f"{path}: {where}{first}") from None
        except (OSError, ValueError) as err:
            raise InputError(f"{path}: {err}") from None

    store.add_graphs(quads())
    return len(store) - before


def organization_graphs(store: GraphStore) -> dict[str, int]:
    """Named graphs holding ``kg:Organization`` nodes, with their number."""
    rows = store.query(_resolve_query("graphs"))
    return {row["g"].value: int(row["organizations"].value) for row in rows}  # type: ignore[union-attr]


def _count_organizations(store: GraphStore, name: str) -> int:
    counts = organization_graphs(store)
    return max(counts.get(vocab.source_graph(name).value, 0), counts.get(vocab.mapped_graph(name).value, 0))


# --- entity resolution ----------------------------------------------------------------------------------------------
@dataclass
class _Entity:
    iri: str
    graph: str
    labels: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _is_entity_graph(g: str) -> bool:
    """Graphs whose organizations resolution compares: documents and merged sources (mapped, or already in our
    ontology), never the scratch graphs of a merge in progress."""
    return g.startswith(_DOC_GRAPHS) or (g.startswith(_SOURCE_GRAPHS) and "/staging/" not in g)


def _entities(store: GraphStore, graph: NamedNode | None) -> dict[tuple[str, str], _Entity]:
    """Organizations per (graph, IRI) of one graph, or of every mapped and document graph."""
    subs = {"g": graph} if graph is not None else None
    out: dict[tuple[str, str], _Entity] = {}
    for row in store.query(_resolve_query("entities"), substitutions=subs):  # type: ignore[union-attr]
        g = row["g"].value
        if graph is None and not _is_entity_graph(g):
            continue
        iri, key, value = row["entity"].value, row["key"].value, row["value"].value
        ent = out.setdefault((g, iri), _Entity(iri, g))
        if key == "label":
            ent.labels.add(value)
        elif key == "alias":
            ent.aliases.add(value)
        else:
            norm = normalise_identifier(key, value)
            if norm:
                ent.ids[key].add(norm)
    return out


class _Clusters:
    """Union-find over entity IRIs, keeping the identifiers of each cluster."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.ids: dict[str, dict[str, set[str]]] = {}
        self.members: dict[str, set[tuple[str, str]]] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def add(self, x: str, graph: str, ids: dict[str, set[str]]) -> None:
        self.members.setdefault(self.find(x), set()).add((graph, x))
        bucket = self.ids.setdefault(self.find(x), defaultdict(set))
        for k, v in ids.items():
            bucket[k] |= v

    def cluster_ids(self, x: str) -> dict[str, set[str]]:
        return self.ids.get(self.find(x), {})

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        self.parent[rb] = ra
        self.members.setdefault(ra, set()).update(self.members.pop(rb, set()))
        bucket = self.ids.setdefault(ra, defaultdict(set))
        for k, v in self.ids.pop(rb, {}).items():
            bucket[k] |= v

    def contradicts(self, a: str, b: str) -> bool:
        ia, ib = self.cluster_ids(a), self.cluster_ids(b)
        if any(ia.get(k) and ib.get(k) and not (ia[k] & ib[k]) for k in IDENTIFIERS):
            return True
        # two different entities of one graph are different: a name never joins them
        ma = defaultdict(set)
        for g, iri in self.members.get(self.find(a), ()):
            ma[g].add(iri)
        return any(g in ma and iri not in ma[g] for g, iri in self.members.get(self.find(b), ()))


def resolve(store: GraphStore, name: str) -> list[Link]:
    """Links between the entities of source ``name`` (its mapped graph) and those of other sources and documents.

    Identifiers first: entities sharing a LEI, QID or CIK are linked (score 1). Then names: an entity whose
    :func:`name_key` equals that of others is linked to them unless an identifier contradicts (either cluster has
    a different LEI, QID or CIK) or the name is ambiguous (its matches carry different identifiers).
    """
    own = {vocab.source_graph(name).value, vocab.mapped_graph(name).value}
    own_links = vocab.links_graph(name).value
    graphs = organization_graphs(store)
    other_graphs = sorted(g for g in graphs if g not in own and _is_entity_graph(g))
    if not other_graphs:
        return []  # nothing to link to: resolution costs nothing, however large the source
    new_by_iri: dict[str, _Entity] = {}
    for g in sorted(own & graphs.keys(), reverse=True):  # mapped first, then the source graph itself
        for e in _entities(store, NamedNode(g)).values():
            mine = new_by_iri.setdefault(e.iri, _Entity(e.iri, e.graph))
            mine.labels |= e.labels
            mine.aliases |= e.aliases
            for k, v in e.ids.items():
                mine.ids[k] |= v
    new = [new_by_iri[k] for k in sorted(new_by_iri)]
    if len(other_graphs) <= 64:
        found: dict[tuple[str, str], _Entity] = {}
        for g in other_graphs:
            found.update(_entities(store, NamedNode(g)))
    else:
        wanted = set(other_graphs)
        found = {k: e for k, e in _entities(store, None).items() if k[0] in wanted}
    others = [e for _, e in sorted(found.items())]

    clusters = _Clusters()
    for e in (*new, *others):
        clusters.add(e.iri, e.graph, e.ids)
    for row in store.query(_resolve_query("links")):  # type: ignore[union-attr]
        if row["g"].value != own_links:
            clusters.union(row["a"].value, row["b"].value)

    by_id: dict[tuple[str, str], list[_Entity]] = defaultdict(list)
    by_name: dict[str, list[tuple[_Entity, str]]] = defaultdict(list)
    for e in others:
        for kind, values in e.ids.items():
            for v in values:
                by_id[(kind, v)].append(e)
        for label in e.labels:
            by_name[name_key(label)].append((e, "label"))
        for alias in e.aliases:
            by_name[name_key(alias)].append((e, "alias"))

    links: dict[tuple[str, str], Link] = {}

    def add(a: _Entity, b: _Entity, reason: str, score: float, key: str) -> None:
        # a pair another source already links is linked here too: unmerging that source must not undo this one
        pair = tuple(sorted((a.iri, b.iri)))
        if a.iri == b.iri:
            return
        old = links.get(pair)  # type: ignore[arg-type]
        graphs = {a.graph, b.graph} | (set(old.depends_on) if old is not None else set())
        if old is None or old.score < score:
            links[pair] = Link(pair[0], pair[1], reason, score, key, tuple(sorted(graphs)))  # type: ignore[index]
        else:  # the same pair seen in another graph (one company, many articles): the link depends on each
            links[pair] = Link(old.a, old.b, old.reason, old.score, old.key, tuple(sorted(graphs)))  # type: ignore[index]
        clusters.union(a.iri, b.iri)

    # 1. shared identifiers, with other graphs and within the source itself
    own_by_id: dict[tuple[str, str], list[_Entity]] = defaultdict(list)
    for e in new:
        for kind in IDENTIFIERS:
            for v in sorted(e.ids.get(kind, ())):
                for other in (*by_id.get((kind, v), ()), *own_by_id.get((kind, v), ())):
                    add(e, other, kind, IDENTIFIERS[kind], v)
                own_by_id[(kind, v)].append(e)

    # 2. names, only where no identifier contradicts and the name is not ambiguous
    for e in new:
        forms = [(n, "label") for n in sorted(e.labels)] + [(n, "alias") for n in sorted(e.aliases)]
        candidates: dict[str, tuple[_Entity, str, float, str]] = {}
        seen_in: dict[str, list[_Entity]] = defaultdict(list)  # one company named in many graphs (articles)
        for form, kind in forms:
            key = name_key(form)
            if not key:
                continue
            for other, other_kind in by_name.get(key, ()):
                # linked even when already joined through a third source, so unmerging that source keeps this link
                if clusters.contradicts(e.iri, other.iri):
                    continue
                if kind == "label" and other_kind == "label":
                    same = any(light_key(form) == light_key(ol) for ol in other.labels)
                    reason = "name" if same else "normalised-name"
                else:
                    reason = "alias"
                score = NAME_SCORES[reason]
                best = candidates.get(other.iri)
                if best is None or best[2] < score:
                    candidates[other.iri] = (other, reason, score, key)
                seen_in[other.iri].append(other)
        if not candidates:
            continue
        pooled: dict[str, set[str]] = defaultdict(set)
        for other, *_ in candidates.values():
            for k, v in clusters.cluster_ids(other.iri).items():
                pooled[k] |= v
        if any(len(v) > 1 for v in pooled.values()):
            continue  # the name fits entities known to be different: do not guess
        for other, reason, score, key in candidates.values():
            if not clusters.contradicts(e.iri, other.iri):
                for instance in seen_in[other.iri]:
                    add(e, instance, reason, score, key)
    return sorted(links.values(), key=lambda lk: (lk.a, lk.b))


def _decimal(x: float) -> Literal:
    return Literal(f"{x:.2f}", datatype=NamedNode(vocab.XSD + "decimal"))


def link_quads(links: Iterable[Link], graph: NamedNode) -> list[Quad]:
    """The triples of resolution links: ``a owl:sameAs b`` and its ``kg:Link`` reification."""
    out: list[Quad] = []
    for lk in links:
        a, b, node = NamedNode(lk.a), NamedNode(lk.b), link_iri(lk.a, lk.b)
        out += [
            Quad(a, _OWL_SAME_AS, b, graph),
            Quad(node, _RDF_TYPE, vocab.kg("Link"), graph),
            Quad(node, _RDF_SUBJECT, a, graph),
            Quad(node, _RDF_PREDICATE, _OWL_SAME_AS, graph),
            Quad(node, _RDF_OBJECT, b, graph),
            Quad(node, vocab.kg("matchReason"), Literal(lk.reason), graph),
            Quad(node, vocab.kg("matchScore"), _decimal(lk.score), graph),
            Quad(node, vocab.kg("matchKey"), Literal(lk.key), graph),
        ]
        out += [Quad(node, vocab.kg("dependsOn"), NamedNode(g), graph) for g in lk.depends_on]
    return out


def _write_links(store: GraphStore, graph: NamedNode, links: list[Link]) -> None:
    if links:
        store.replace_graph(graph, link_quads(links, graph))
    else:
        store.remove_graph(graph)


def relink(store: GraphStore, names: Sequence[str] | None = None) -> dict[str, int]:
    """Run entity resolution again for merged sources (all, or ``names``), e.g. after ingesting more news.

    Each source's links graph is replaced by what resolution finds now; links other sources hold stay. Returns the
    number of links per source.
    """
    chosen = list(names) if names else merged_sources(store)
    out: dict[str, int] = {}
    for name in chosen:
        if not source_graphs(store, name):
            raise InputError(f"no merged source named {name!r}")
        links = resolve(store, name)
        _write_links(store, vocab.links_graph(name), links)
        out[name] = len(links)
    return out


# --- unmerge --------------------------------------------------------------------------------------------------------
def _remove_source(store: GraphStore, name: str) -> tuple[list[str], int]:
    """Drop the graphs of ``name`` and the links of other sources that depend on it. Returns (graphs, links)."""
    own = {vocab.source_graph(name), vocab.mapped_graph(name), vocab.links_graph(name)}
    mine = {vocab.source_graph(name).value, vocab.mapped_graph(name).value}
    doomed: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_resolve_query("links")):  # type: ignore[union-attr]
        g = row["g"].value
        dep = row["dependsOn"]
        if dep is not None and dep.value in mine and NamedNode(g) not in own:
            doomed[g].add(row["link"].value)
    removed = 0
    for g, link_nodes in sorted(doomed.items()):
        graph = NamedNode(g)
        quads = list(store.quads(graph))
        ends: dict[str, dict[NamedNode, str]] = defaultdict(dict)
        for q in quads:
            if q.subject.value in link_nodes and q.predicate in (_RDF_SUBJECT, _RDF_OBJECT):
                ends[q.subject.value][q.predicate] = q.object.value
        same_as = {(e[_RDF_SUBJECT], e[_RDF_OBJECT]) for e in ends.values() if len(e) == 2}
        kept = [q for q in quads if q.subject.value not in link_nodes
                and not (q.predicate == _OWL_SAME_AS and (q.subject.value, q.object.value) in same_as)]
        removed += len(link_nodes)
        if kept:
            store.replace_graph(graph, kept)
        else:
            store.remove_graph(graph)
    graphs = [g.value for g in sorted(own, key=str) if store.remove_graph(g)]
    return graphs, removed


def unmerge(store: GraphStore, name: str) -> UnmergeReport:
    """Remove merged source ``name``: its source, mapped and links graphs, and the links that depend on it."""
    if not source_graphs(store, name):
        raise InputError(f"no merged source named {name!r}")
    graphs, removed = _remove_source(store, name)
    return UnmergeReport(name=name, graphs_removed=tuple(graphs), links_removed=removed)


# --- queries over the merged view -----------------------------------------------------------------------------------
def merged_subsidiaries(store: GraphStore, org: str | None = None) -> QueryResult:
    """Run ``queries/merged_subsidiaries.rq``: direct edges across sources, with sources and corroboration."""
    from kg.queries import load_query_file, run_query

    params = {"org": org} if org else {}
    return run_query(store, load_query_file(queries_dir() / "merged_subsidiaries.rq"), params)


def conflicts(store: GraphStore) -> QueryResult:
    """Run ``queries/conflicts.rq``: different parents in different sources, contradicting numbers."""
    from kg.queries import load_query_file, run_query

    return run_query(store, load_query_file(queries_dir() / "conflicts.rq"), {})
