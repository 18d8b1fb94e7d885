"""Merging other corporate graphs (GLEIF, FIBO, W3C ORG, schema.org, Wikidata, ...) into the store.

This module owns ``kg merge`` / ``kg unmerge``: loading external RDF unchanged into its own named graph, running the
vocabulary mappings (``ontology/mappings/``: the one-to-one ``table.tsv`` applied by :class:`TableMapper` while the
file streams past, and the structural CONSTRUCT files whose ``# triggers:`` occur in the source, run on an in-memory
copy of what they read) into a derived graph, and entity
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
Merging a name again builds the new version under staging graphs and swaps it in with one update, so a failure
keeps the old one; :func:`drop_links_depending_on` removes the links a removed document supported.

It touches the store only through :class:`kg.store.GraphStore` (and a scratch :class:`kg.store.MemoryStore`);
SPARQL lives in ``.rq`` files, except the graph-level steps of a swap (DROP, MOVE, INSERT DATA of computed quads).
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad, Triple

from kg import vocab
from kg.errors import InputError, QueryError, RdfSyntaxError
from kg.resources import ontology_file, queries_dir
from kg.store import GraphStore, MemoryStore, RdfFormatName, syntax_message

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
_RDFS_LABEL = vocab.term("rdfs:label")
_KG_ORGANIZATION = vocab.kg("Organization")
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
    """Folder of the mappings: ``table.tsv`` (one-to-one renames) and the CONSTRUCT files (``ontology/mappings``)."""
    return ontology_file("mappings")


def mapping_files() -> list[Path]:
    """The structural mappings (CONSTRUCT files), in the order they run (file name order)."""
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


_TERM = re.compile(r'\s*(?:<([^<>"\s]*)>|"((?:[^"\\]|\\.)*)"|([A-Za-z][\w-]*)?:([\w.-]*))')


def _terms(text: str, prefixes: dict[str, str]) -> list[NamedNode | Literal]:
    """IRIs (``<...>`` or prefixed names) and plain string literals of a whitespace-separated list.

    >>> [t.value for t in _terms('kg:orgKind "unit" <http://x/y>', vocab.PREFIXES)]
    ['https://w3id.org/kgnews/ontology#orgKind', 'unit', 'http://x/y']
    """
    out: list[NamedNode | Literal] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"mapping: cannot read a term at {text[pos:]!r}")
        iri, lit, prefix, local = m.groups()
        if iri is not None:
            out.append(NamedNode(iri))
        elif lit is not None:
            out.append(Literal(lit.replace('\\"', '"').replace("\\\\", "\\")))
        else:
            if (prefix or "") not in prefixes:
                raise QueryError(f"mapping: unknown prefix {prefix!r} in {text!r}")
            out.append(NamedNode(prefixes[prefix or ""] + local))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _iri(text: str, prefixes: dict[str, str]) -> NamedNode:
    terms = _terms(text, prefixes)
    if len(terms) != 1 or not isinstance(terms[0], NamedNode):
        raise QueryError(f"mapping: expected one IRI, got {text!r}")
    return terms[0]


@dataclass(frozen=True)
class MappingTable:
    """The one-to-one mappings of ``ontology/mappings/table.tsv`` (its header says what each kind of row means)."""

    #: source class -> (kg class, extra (property, value) pairs of its instances)
    classes: dict[NamedNode, tuple[NamedNode, tuple[tuple[NamedNode, NamedNode | Literal], ...]]]
    #: naming property -> (kg property, rank); the lowest rank present names an instance
    names: dict[NamedNode, tuple[NamedNode, int]]
    #: alias property -> kg property
    aliases: dict[NamedNode, NamedNode]
    #: edge property -> (kg property, inverse)
    edges: dict[NamedNode, tuple[NamedNode, bool]]

    @property
    def vocabulary(self) -> frozenset[NamedNode]:
        """The source terms the table maps (classes and properties)."""
        return frozenset((*self.classes, *self.names, *self.aliases, *self.edges))

    @property
    def fallback_name(self) -> NamedNode:
        """The property an instance without any name gets its IRI's local name under."""
        return min(self.names.values(), key=lambda v: v[1])[0] if self.names else _RDFS_LABEL


def read_mapping_table(path: Path) -> MappingTable:
    """Parse a mapping table (TSV: kind, source term, kg term, option; ``#`` comments). Raises QueryError."""
    prefixes = dict(vocab.PREFIXES)
    classes: dict[NamedNode, tuple[NamedNode, tuple[tuple[NamedNode, NamedNode | Literal], ...]]] = {}
    names: dict[NamedNode, tuple[NamedNode, int]] = {}
    aliases: dict[NamedNode, NamedNode] = {}
    edges: dict[NamedNode, tuple[NamedNode, bool]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split("\t")
        kind, rest = cols[0].strip(), [c.strip() for c in cols[1:]]
        try:
            if kind == "prefix" and len(rest) == 2:
                prefixes[rest[0]] = rest[1]
            elif kind == "class" and len(rest) in (2, 3):
                extra = _terms(rest[2], prefixes) if len(rest) == 3 else []
                if len(extra) % 2 or any(not isinstance(p, NamedNode) for p in extra[::2]):
                    raise QueryError(f"mapping: a class option is 'property value', got {rest[2]!r}")
                pairs = tuple(zip(extra[::2], extra[1::2], strict=True))
                classes[_iri(rest[0], prefixes)] = (_iri(rest[1], prefixes), pairs)  # type: ignore[arg-type]
            elif kind == "name" and len(rest) == 3:
                names[_iri(rest[0], prefixes)] = (_iri(rest[1], prefixes), int(rest[2]))
            elif kind == "alias" and len(rest) == 2:
                aliases[_iri(rest[0], prefixes)] = _iri(rest[1], prefixes)
            elif kind in ("edge", "inverse") and len(rest) == 2:
                edges[_iri(rest[0], prefixes)] = (_iri(rest[1], prefixes), kind == "inverse")
            else:
                raise QueryError(f"mapping: unknown row kind {kind!r} or wrong number of columns")
        except (QueryError, ValueError) as err:
            raise QueryError(f"{path}: line {n}: {err}") from None
    return MappingTable(classes, names, aliases, edges)


@cache
def mapping_table() -> MappingTable:
    """The shipped mapping table (``ontology/mappings/table.tsv``)."""
    return read_mapping_table(mappings_dir() / "table.tsv")


@dataclass(frozen=True)
class ConstructMapping:
    """One CONSTRUCT file and the source terms that trigger it (``# triggers:`` header; None: always runs)."""

    path: Path
    sparql: str
    triggers: frozenset[NamedNode] | None
    #: every IRI the query names: it reads only triples with one of them as predicate, or typed with one of them
    reads: frozenset[NamedNode] = frozenset()

    def wanted(self, seen: set[NamedNode] | frozenset[NamedNode] | None) -> bool:
        """Whether the mapping can match a source whose predicates and classes are ``seen`` (None: unknown)."""
        return seen is None or self.triggers is None or not self.triggers.isdisjoint(seen)


_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def read_construct_mapping(path: Path) -> ConstructMapping:
    """A CONSTRUCT mapping file with its triggers: every UNION branch of its WHERE clause needs one of them."""
    text = path.read_text(encoding="utf-8")
    prefixes = {**vocab.PREFIXES, **dict(_PREFIX_DECL.findall(text))}
    words: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body.lower().startswith("triggers:"):
            words = [body.split(":", 1)[1]]
        elif words is not None and line.startswith("#   "):
            words.append(body)
        elif words is not None:
            break
    triggers = None
    if words is not None:
        terms = _terms(" ".join(words), prefixes)
        if not terms or any(not isinstance(t, NamedNode) for t in terms):
            raise QueryError(f"{path}: '# triggers:' lists IRIs or prefixed names")
        triggers = frozenset(t for t in terms if isinstance(t, NamedNode))
    body = _strip_comments(text)
    reads = {NamedNode(iri) for iri in re.findall(r"<([^<>\s\"]*)>", body)}
    reads |= {NamedNode(prefixes[p] + local) for p, local in re.findall(r"(?<![\w?$:/])([A-Za-z][\w-]*):([\w-]*)", body)
              if p in prefixes}
    return ConstructMapping(path, text, triggers, frozenset(reads))


@cache
def construct_mappings() -> tuple[ConstructMapping, ...]:
    """The shipped CONSTRUCT mappings, in file name order."""
    return tuple(read_construct_mapping(p) for p in mapping_files())


def _local_name(iri: str) -> str:
    """What ``REPLACE(STR(?e), "^.*[/#]", "")`` gives: the IRI after its last slash or hash."""
    return re.sub(r"^.*[/#]", "", iri)


#: Above this many triples read by CONSTRUCT mappings, they run on the store instead of an in-memory copy.
SUBSET_LIMIT = 2_000_000


class TableMapper:
    """Applies a :class:`MappingTable` to triples as they stream past, and records the source's vocabulary.

    Edges are mapped at once; classes and names wait for :meth:`finish`, since an instance's type, names and
    aliases may come in any order. Blank nodes are never mapped (kg has none), nor literal ends of an edge.
    ``seen`` collects every predicate and every class (object of ``rdf:type``): the triggers of CONSTRUCT files
    are checked against it.
    """

    def __init__(self, table: MappingTable | None = None) -> None:
        self.table = table if table is not None else mapping_table()
        self.seen: set[NamedNode] = set()
        #: the triples a CONSTRUCT mapping may read (None once there are more than SUBSET_LIMIT)
        self.subset: list[Quad | Triple] | None = []
        self._reads = frozenset().union(*(m.reads for m in construct_mappings()))
        self._kinds: dict[NamedNode, tuple[int, object]] = {}
        self._types: dict[NamedNode, set[tuple[NamedNode, tuple[tuple[NamedNode, NamedNode | Literal], ...]]]] = {}
        self._names: dict[NamedNode, dict[int, list[tuple[NamedNode, str]]]] = {}
        self._aliases: dict[NamedNode, list[tuple[NamedNode, str]]] = {}

    def _kind(self, p: NamedNode) -> tuple[int, object]:
        """What to do with a predicate: (kind, its table row); kind 0 nothing, 1 rdf:type, 2 edge, 3 name, 4 alias,
        plus 8 when a CONSTRUCT file reads it."""
        self.seen.add(p)
        read = 8 if p in self._reads else 0
        if p == _RDF_TYPE:
            return 1 | read, None
        for kind, rows in ((2, self.table.edges), (3, self.table.names), (4, self.table.aliases)):
            if p in rows:
                return kind | read, rows[p]
        return read, None

    def observe(self, quads: Iterable[Quad | Triple], out: Callable[[Triple], None]) -> Iterator[Quad | Triple]:
        """Yield ``quads`` unchanged, recording them and handing each mapped edge to ``out``."""
        classes, types, named, aliased, reads = self.table.classes, self._types, self._names, self._aliases, self._reads
        seen, subset, kinds = self.seen, self.subset, self._kinds
        for q in quads:
            p = q.predicate
            found = kinds.get(p)
            if found is None:
                found = kinds[p] = self._kind(p)
            kind, row = found
            if not kind:
                yield q
                continue
            s, o = q.subject, q.object
            if subset is not None and (kind & 8 or (kind == 1 and o in reads)):
                subset.append(q)
                if len(subset) > SUBSET_LIMIT:
                    subset = self.subset = None
            kind &= 7
            if kind == 1:
                if isinstance(o, NamedNode):
                    seen.add(o)
                    c = classes.get(o)
                    if c is not None and isinstance(s, NamedNode):
                        types.setdefault(s, set()).add(c)
            elif kind == 2:
                if isinstance(s, NamedNode) and isinstance(o, NamedNode):
                    target, inverse = row  # type: ignore[misc]
                    out(Triple(o, target, s) if inverse else Triple(s, target, o))
            elif kind == 3:
                if isinstance(s, NamedNode) and not isinstance(o, ox.BlankNode):
                    target, rank = row  # type: ignore[misc]
                    named.setdefault(s, {}).setdefault(rank, []).append((target, o.value))
            elif kind == 4 and isinstance(s, NamedNode) and not isinstance(o, ox.BlankNode):
                aliased.setdefault(s, []).append((row, o.value))  # type: ignore[arg-type]
            yield q

    def feed(self, quads: Iterable[Quad | Triple], out: Callable[[Triple], None], *, finish: bool = False) -> None:
        """Record ``quads`` (see :meth:`observe`), then :meth:`finish` when asked."""
        deque(self.observe(quads, out), maxlen=0)  # consumed in C
        if finish:
            self.finish(out)

    def finish(self, out: Callable[[Triple], None]) -> None:
        """Hand the typed instances, with their names (or a name from the IRI) and aliases, to ``out``."""
        fallback, names, aliases = self.table.fallback_name, self._names, self._aliases
        for s, kinds in self._types.items():
            for cls, extra in (sorted(kinds, key=str) if len(kinds) > 1 else kinds):
                out(Triple(s, _RDF_TYPE, cls))
                for p, o in extra:
                    out(Triple(s, p, o))
            ranks = names.get(s)
            if ranks:
                values = ranks[min(ranks)] if len(ranks) > 1 else next(iter(ranks.values()))
                for p, value in (dict.fromkeys(values) if len(values) > 1 else values):
                    out(Triple(s, p, Literal(value)))
            else:
                out(Triple(s, fallback, Literal(_local_name(s.value))))
            for p, value in dict.fromkeys(aliases.get(s, ())):
                out(Triple(s, p, Literal(value)))
        self._types.clear()
        self._names.clear()
        self._aliases.clear()


class _NTriplesSink:
    """Collects mapped quads into an N-Triples file in batches (bounded memory); counts what it was given."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._batch: list[Triple] = []
        self.count = 0

    def add(self, t: Triple) -> None:
        self._batch.append(t)
        if len(self._batch) >= 100_000:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            ox.serialize(self._batch, self._fh, format=ox.RdfFormat.N_TRIPLES)
            self.count += len(self._batch)
            self._batch = []

    def write_result(self, result: object) -> None:
        """Append a CONSTRUCT result (Oxigraph serialises it: no Python loop over its triples)."""
        self.flush()
        before = self._fh.tell()
        if hasattr(result, "serialize"):
            result.serialize(self._fh, format=ox.RdfFormat.N_TRIPLES)
        else:  # a backend that hands back plain triples
            ox.serialize(list(result), self._fh, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[call-overload]
        self.count += self._fh.tell() > before

    def close(self) -> None:
        if not self._fh.closed:
            self.flush()
            self._fh.close()


def _run_constructs(store: GraphStore, source: Sequence[NamedNode], seen: set[NamedNode] | None,
                    target: NamedNode, *, into: GraphStore | None = None) -> None:
    """Add to ``target`` (of ``into``, default ``store``) what the CONSTRUCT mappings triggered by ``seen`` (None:
    all) give over ``source``: Oxigraph writes the results as N-Triples, which are bulk loaded (no Python loop)."""
    wanted = [m for m in construct_mappings() if m.wanted(seen)]
    if not wanted:
        return
    with tempfile.TemporaryDirectory(prefix="kg-merge-") as tmp:
        out = Path(tmp) / "constructed.nt"
        with open(out, "wb") as fh:
            for mapping in wanted:
                result = store.query(construct_from(mapping.sparql, source=source), union=False)
                if hasattr(result, "serialize"):
                    result.serialize(fh, format=ox.RdfFormat.N_TRIPLES)
                else:  # a backend that hands back plain triples
                    ox.serialize(list(result), fh, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[call-overload]
        if out.stat().st_size:
            (into if into is not None else store).append_file(out, RdfFormatName.ntriples, graph=target)


def _graph_size(store: GraphStore, graph: NamedNode) -> int:
    rows = store.query(_resolve_query("size"), substitutions={"g": graph})
    return next((int(row["triples"].value) for row in rows), 0)  # type: ignore[union-attr]


def map_source(store: GraphStore, source: NamedNode, target: NamedNode) -> int:
    """Map the triples of graph ``source`` onto our ontology into ``target`` (replaced). Returns the triples written.

    The one-to-one renames of the mapping table are applied while reading the source once; a CONSTRUCT file runs
    only when one of its triggers occurs in the source. ``kg merge`` does the same while loading the files.
    """
    store.remove_graph(target)
    with tempfile.TemporaryDirectory(prefix="kg-merge-") as tmp:
        sink = _NTriplesSink(Path(tmp) / "mapped.nt")
        mapper = TableMapper()
        try:
            done = _map(store.quads(source), mapper, sink, store, source, last=True)
        finally:
            sink.close()
        if sink.count:
            store.append_file(sink.path, RdfFormatName.ntriples, graph=target)
    if not done:
        _run_constructs(store, [source], mapper.seen, target)
    return _graph_size(store, target)


# --- merge ----------------------------------------------------------------------------------------------------------
#: Characters that entity references in one RDF/XML file may expand to, in all (a flat entity referenced over and
#: over is the "quadratic blowup"); past it the file is refused before it is parsed.
MAX_ENTITY_EXPANSION = 1_000_000
#: Longest replacement text of one entity (namespace IRIs, as FIBO and many OWL files declare them, are far shorter).
MAX_ENTITY_VALUE = 2_048
#: Most characters read before the root element or the end of the DOCTYPE must have come (bounded memory).
MAX_PROLOG = 1 << 22
_CHUNK = 1 << 20
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(%\s+)?([^\s\"'>]+)\s+(?:(SYSTEM|PUBLIC)\b|\"([^\"]*)\"|'([^']*)')", re.S)
_ENTITY_REF = re.compile(r"&([A-Za-z_:][\w.:-]{0,255});")


def _decoded_chunks(path: Path) -> Iterator[str]:
    """The file's text in pieces of about :data:`_CHUNK` characters (UTF-16 by its BOM, else UTF-8, lenient)."""
    import codecs

    with open(path, "rb") as fh:
        head = fh.read(_CHUNK)
        encoding = "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8"
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        while head:
            yield decoder.decode(head)
            head = fh.read(_CHUNK)
        yield decoder.decode(b"", final=True)


def _doctype(path: Path, chunks: Iterator[str]) -> tuple[str, str]:
    """``(DOCTYPE declaration or '', the text read after it)``: skips the XML declaration, comments and processing
    instructions of the prolog; stops at the root element. Reads at most :data:`MAX_PROLOG` characters."""
    buf, pos = "", 0

    def more() -> bool:
        nonlocal buf
        piece = next(chunks, None)
        if piece is None:
            return False
        buf += piece
        if len(buf) > MAX_PROLOG:
            raise RdfSyntaxError(f"{path}: the XML prolog (before the root element) is longer than {MAX_PROLOG} "
                                 f"characters; refused")
        return True

    def find(token: str, start: int) -> int:
        while (i := buf.find(token, start)) < 0:
            if not more():
                return -1
        return i

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n\ufeff":
            pos += 1
        while len(buf) - pos < 9 and more():
            pass
        if pos >= len(buf):
            return "", ""
        if buf.startswith("<?", pos) or buf.startswith("<!--", pos):
            token = "?>" if buf[pos + 1] == "?" else "-->"
            end = find(token, pos + 2)
            if end < 0:
                return "", ""
            pos = end + len(token)
            continue
        if not buf.startswith("<!DOCTYPE", pos):
            if re.match(r"<[^\W\d]", buf[pos:pos + 2]) or "<!DOCTYPE" not in buf[pos:]:
                return "", ""  # the root element (or not XML at all, and no DTD: the parser will say so)
            raise RdfSyntaxError(f"{path}: refused: a DOCTYPE after something that is not XML prolog")
        i, quote, depth = pos + 9, "", 0
        while True:
            if i >= len(buf) and not more():
                return buf[pos:], ""
            c = buf[i]
            if quote:
                quote = "" if c == quote else quote
            elif c in "\"'":
                quote = c
            elif depth and buf.startswith("<!--", i):
                end = find("-->", i + 4)
                if end < 0:
                    return buf[pos:], ""
                buf = buf[:i] + " " * (end + 3 - i) + buf[end + 3:]  # a comment declares nothing
                continue
            elif c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
            elif c == ">" and depth == 0:
                return buf[pos:i + 1], buf[i + 1:]
            i += 1


def check_entities(path: Path, fmt: RdfFormatName) -> None:
    """Refuse an RDF/XML file whose DTD could blow up or reach out, before anything parses it, reading it as a
    stream (bounded memory): an external DTD or entity (``SYSTEM``/``PUBLIC``), a parameter entity, an entity
    whose value refers to another entity (the "billion laughs"), a value longer than :data:`MAX_ENTITY_VALUE`, or
    references expanding to more than :data:`MAX_ENTITY_EXPANSION` characters in all. Plain entities (one IRI
    each, as FIBO declares its namespaces) pass. Other formats have no entities: nothing to check.
    :class:`RdfSyntaxError` naming the file otherwise."""
    if fmt is not RdfFormatName.rdfxml:
        return
    chunks = _decoded_chunks(path)
    doctype, rest = _doctype(path, chunks)
    if not doctype:
        return
    head = doctype.split("[", 1)[0]
    if re.search(r"\b(SYSTEM|PUBLIC)\b", head):
        raise RdfSyntaxError(f"{path}: refused: an external DTD (<!DOCTYPE ... SYSTEM/PUBLIC>) is not read")
    sizes: dict[str, int] = {}
    declared = 0
    for m in _ENTITY_DECL.finditer(doctype):
        declared += 1
        name = m.group(2)
        if m.group(1):
            raise RdfSyntaxError(f"{path}: refused: parameter entity %{name} in the DTD")
        if m.group(3):
            raise RdfSyntaxError(f"{path}: refused: external entity &{name}; ({m.group(3)}) in the DTD")
        value = m.group(4) if m.group(4) is not None else m.group(5)
        if re.search(r"&(?!#)", value) or "%" in value:
            raise RdfSyntaxError(f"{path}: refused: entity &{name}; refers to another entity (nested entities "
                                 f"can expand without bound)")
        if len(value) > MAX_ENTITY_VALUE:
            raise RdfSyntaxError(f"{path}: refused: entity &{name}; is longer than {MAX_ENTITY_VALUE} characters")
        sizes[name] = len(value)
    if doctype.count("<!ENTITY") != declared:  # a declaration the pattern could not read
        raise RdfSyntaxError(f"{path}: refused: an entity declaration of the DTD could not be read")
    if not sizes:
        return
    total, tail = 0, ""
    for piece in (rest, *chunks):
        text = tail + piece
        cut = max(0, len(text) - 257)  # a reference cut by the chunk boundary is counted with the next piece
        amp = text.rfind("&", cut)
        keep = amp if amp >= 0 else len(text)
        for m in _ENTITY_REF.finditer(text, 0, keep):
            total += sizes.get(m.group(1), 0)
        if total > MAX_ENTITY_EXPANSION:
            raise RdfSyntaxError(f"{path}: refused: entity references expand to more than {MAX_ENTITY_EXPANSION} "
                                 f"characters")
        tail = text[keep:]
    for m in _ENTITY_REF.finditer(tail):
        total += sizes.get(m.group(1), 0)
    if total > MAX_ENTITY_EXPANSION:
        raise RdfSyntaxError(f"{path}: refused: entity references expand to more than {MAX_ENTITY_EXPANSION} "
                             f"characters")


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

    Each file is read once by Oxigraph's bulk loader into the source graph and once, at the same time, by the
    mapping table (:class:`TableMapper`); CONSTRUCT mappings whose triggers occur in the source then run on the
    store, and everything mapped is bulk loaded into the mapped graph. Dataset files (TriG, N-Quads, JSON-LD) are
    parsed here and their quads, named graphs included, put into the source graph, so unmerging removes them all.

    Nothing is lost on failure: a file that does not parse raises :class:`~kg.errors.RdfSyntaxError` naming file
    and line, and any error leaves the store as it was. Merging a name again builds the new version under staging
    graphs (:func:`pending_graph`) and swaps it in with one update once mapping and resolution succeeded.
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
    for p, f in zip(files, formats, strict=True):
        check_entities(p, f)  # before anything is parsed or removed
    src, mapped, links = vocab.source_graph(name), vocab.mapped_graph(name), vocab.links_graph(name)
    replacing = bool(source_graphs(store, name))
    new_src, new_mapped = (pending_graph(name, "source"), pending_graph(name, "mapped")) if replacing else (src, mapped)
    scratch = [new_src, new_mapped, *(staging_graph(name, i) for i in range(len(files)))]  # (older kg staged files)
    if not replacing:
        scratch.append(links)
    for g in scratch:
        store.remove_graph(g)  # leftovers of an interrupted merge (or nothing)

    try:
        before = len(store)
        with tempfile.TemporaryDirectory(prefix="kg-merge-") as tmp:
            sink = _NTriplesSink(Path(tmp) / "mapped.nt")

            def write_mapped() -> None:  # in the mapping thread, while the last file may still be loading
                sink.close()
                if sink.count:
                    store.append_file(sink.path, RdfFormatName.ntriples, graph=new_mapped)

            try:
                mapper = TableMapper()
                for i, (path, f) in enumerate(zip(files, formats, strict=True)):
                    done = _load(store, path, f, new_src, mapper, sink, last=i == len(files) - 1, then=write_mapped)
            finally:
                sink.close()
        if not done:  # more triples than an in-memory copy should hold: the CONSTRUCT files run on the store
            _run_constructs(store, [new_src], mapper.seen, new_mapped)
        n_mapped = _graph_size(store, new_mapped)
        loaded = len(store) - before - n_mapped
        counts = organization_graphs(store)
        orgs = max(counts.get(new_src.value, 0), counts.get(new_mapped.value, 0))
        new_links = resolve(store, name, source=new_src, mapped=new_mapped, graphs=counts)
        if replacing:
            _swap(store, name, new_src, new_mapped, new_links)
        else:
            _write_links(store, links, new_links)
    except BaseException:
        for g in scratch:
            store.remove_graph(g)
        raise
    by_reason: dict[str, int] = defaultdict(int)
    for link in new_links:
        by_reason[link.reason] += 1
    return MergeReport(
        name=name, files=tuple(str(p) for p in files), source_graph=src.value, mapped_graph=mapped.value,
        links_graph=links.value, triples_loaded=loaded, triples_mapped=n_mapped, organizations=orgs,
        links=len(new_links), links_by_reason=dict(by_reason), seconds=time.perf_counter() - started,
    )


def _parse(path: Path, fmt: RdfFormatName) -> Iterator[Quad]:
    try:
        yield from ox.parse(path=str(path), format=fmt.oxigraph)
    except SyntaxError as err:
        raise RdfSyntaxError(f"{path}: {syntax_message(err)}") from None
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: {err}") from None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the mapper builds its per-instance tables (hundreds of thousands of
    small dicts, lists and tuples, none of them in a cycle): otherwise every generation-2 collection walks them
    all again, which is a third of the mapping time of a 1M-triple file. Restores the previous state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _map(quads: Iterable[Quad | Triple], mapper: TableMapper, sink: _NTriplesSink, store: GraphStore,
         source: NamedNode, *, last: bool) -> bool:
    """Feed ``quads`` to the mapper; after the last file, finish it and run the triggered CONSTRUCT files on an
    in-memory copy of the triples they read, everything into ``sink``. Returns True when the CONSTRUCT files are
    done (False: the copy grew past :data:`SUBSET_LIMIT`, they must run on the store)."""
    with _gc_paused():
        mapper.feed(quads, sink.add)
        if last:
            mapper.finish(sink.add)
    if not last:
        return False
    if mapper.subset is None:
        return False
    with MemoryStore() as scratch:  # the CONSTRUCT files on an in-memory copy of what they read
        scratch.add_graphs(Quad(q.subject, q.predicate, q.object, source) for q in mapper.subset)
        mapper.subset = None
        for mapping in construct_mappings():
            if mapping.wanted(mapper.seen):
                sink.write_result(scratch.query(construct_from(mapping.sparql, source=[source]), union=False))
    return True


def _load(store: GraphStore, path: Path, fmt: RdfFormatName, graph: NamedNode, mapper: TableMapper,
          sink: _NTriplesSink, *, last: bool, then: Callable[[], None]) -> bool:
    """Add one file to ``graph`` and feed it to ``mapper``; after the ``last`` file, the mapper finishes, the
    CONSTRUCT files run (see :func:`_map`, whose answer this returns) and ``then`` writes what was mapped.

    Triple formats: Oxigraph's bulk loader reads the file while a thread parses it for the mapper and, after the
    last file, bulk loads the mapped graph (the loader is single-threaded and releases the GIL: on two free cores
    a 1M-triple ORG merge took 14.8 s with the two loads one after the other, 10.7 s overlapped, and 9.3-10 s
    with the source in parallel pieces, see :meth:`kg.store.LocalStore.append_file`). Datasets
    (TriG, N-Quads, JSON-LD): parsed here once, every quad moved into ``graph`` and fed to the mapper on the way.
    """

    def mapping_job(quads: Iterable[Quad | Triple]) -> bool:
        done = _map(quads, mapper, sink, store, graph, last=last)
        if last:
            then()
        return done

    if fmt.supports_datasets:
        regraphed = (Quad(q.subject, q.predicate, q.object, graph) for q in _parse(path, fmt))
        with _gc_paused():
            store.add_graphs(mapper.observe(regraphed, sink.add))  # type: ignore[arg-type]
        return mapping_job(())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-map") as pool:
        mapping = pool.submit(mapping_job, _parse(path, fmt))
        try:
            store.append_file(path, fmt, graph=graph)
        except BaseException:
            with contextlib.suppress(Exception):
                mapping.result()
            raise
        return mapping.result()


def _swap(store: GraphStore, name: str, new_src: NamedNode, new_mapped: NamedNode, links: list[Link]) -> None:
    """Replace source ``name`` by the graphs built under staging names, in one update (one transaction): the old
    source, mapped and links graphs and the links of other sources that depend on the old version go."""
    src, mapped, links_graph = vocab.source_graph(name), vocab.mapped_graph(name), vocab.links_graph(name)
    own = {src.value, mapped.value, links_graph.value}
    edits, _ = _link_edits(store, {src.value, mapped.value}, skip=own, partial=False)
    steps = [f"DROP SILENT GRAPH {g}" for g in (src, mapped, links_graph)]
    steps += [f"MOVE {a} TO {b}" for a, b in ((new_src, src), (new_mapped, mapped)) if store.has_graph(a)]
    for g, kept in sorted(edits.items()):
        steps.append(f"DROP SILENT GRAPH <{g}>")
        if kept:
            steps.append(_insert_data(NamedNode(g), kept))
    if links:
        steps.append(_insert_data(links_graph, link_quads(links, links_graph)))
    store.update(" ;\n".join(steps))


def _insert_data(graph: NamedNode, quads: Iterable[Quad]) -> str:
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"INSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}"


def pending_graph(name: str, role: str) -> NamedNode:
    """Where merging ``name`` again builds its new ``source`` or ``mapped`` graph before it replaces the old one."""
    return NamedNode(f"{vocab.source_graph(name).value}/staging/{role}")


def organization_graphs(store: GraphStore) -> dict[str, int]:
    """Named graphs holding ``kg:Organization`` nodes, with their number."""
    rows = store.query(_resolve_query("graphs"))
    return {row["g"].value: int(row["organizations"].value) for row in rows}  # type: ignore[union-attr]


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


def resolve(store: GraphStore, name: str, *, source: NamedNode | None = None, mapped: NamedNode | None = None,
            graphs: dict[str, int] | None = None) -> list[Link]:
    """Links between the entities of source ``name`` (its mapped graph) and those of other sources and documents.

    Identifiers first: entities sharing a LEI, QID or CIK are linked (score 1). Then names: an entity whose
    :func:`name_key` equals that of others is linked to them unless an identifier contradicts (either cluster has
    a different LEI, QID or CIK) or the name is ambiguous (its matches carry different identifiers).

    ``source`` and ``mapped`` read a new version of the source from other graphs (a re-merge in progress); the
    links still name the source's own graphs, and the old version (its graphs and the links that depend on it)
    is left out as if it were already replaced. ``graphs`` is :func:`organization_graphs` when the caller has it.
    """
    final_src, final_mapped = vocab.source_graph(name).value, vocab.mapped_graph(name).value
    reading = {(source.value if source is not None else final_src): final_src,
               (mapped.value if mapped is not None else final_mapped): final_mapped}
    own = {final_src, final_mapped}
    own_links = vocab.links_graph(name).value
    graphs = organization_graphs(store) if graphs is None else graphs
    other_graphs = sorted(g for g in graphs if g not in own and g not in reading and _is_entity_graph(g))
    if not other_graphs:
        return []  # nothing to link to: resolution costs nothing, however large the source
    new_by_iri: dict[str, _Entity] = {}
    for g in sorted(reading.keys() & graphs.keys(), key=lambda x: reading[x], reverse=True):  # mapped first
        for e in _entities(store, NamedNode(g)).values():
            mine = new_by_iri.setdefault(e.iri, _Entity(e.iri, reading[g]))
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
    for (g, _), (a, b, deps) in _link_rows(store).items():
        if g != own_links and not deps & own:  # links on the old version of this source go with it
            clusters.union(a, b)

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
def _link_rows(store: GraphStore) -> dict[tuple[str, str], tuple[str, str, set[str]]]:
    """Every resolution link: (links graph, link node) -> (a, b, graphs it depends on)."""
    out: dict[tuple[str, str], tuple[str, str, set[str]]] = {}
    for row in store.query(_resolve_query("links")):  # type: ignore[union-attr]
        key = (row["g"].value, row["link"].value)
        if key not in out:
            out[key] = (row["a"].value, row["b"].value, set())
        if row["dependsOn"] is not None:
            out[key][2].add(row["dependsOn"].value)
    return out


def _is_organization_in(store: GraphStore, iri: str, graphs: Iterable[str]) -> bool:
    node = NamedNode(iri)
    return any(any(True for _ in store.quads_matching(node, _RDF_TYPE, _KG_ORGANIZATION, NamedNode(g)))
               for g in graphs)


def _link_edits(store: GraphStore, gone: set[str], *, skip: set[str], partial: bool
                ) -> tuple[dict[str, list[Quad]], int]:
    """How the links graphs (but ``skip``) change when the graphs ``gone`` disappear: {graph: quads it keeps} for
    each graph that changes, and the number of links dropped.

    A link depending on a gone graph is dropped; with ``partial`` it stays when both its ends are still
    organizations in a graph it depends on (one company named in several articles), losing only the
    ``kg:dependsOn`` of the gone graphs.
    """
    doomed: dict[str, set[str]] = defaultdict(set)
    trimmed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for (g, link), (a, b, deps) in _link_rows(store).items():
        if g in skip or not deps & gone:
            continue
        rest = deps - gone
        if partial and rest and all(_is_organization_in(store, x, sorted(rest)) for x in (a, b)):
            trimmed[g] |= {(link, d) for d in deps & gone}
        else:
            doomed[g].add(link)
    edits: dict[str, list[Quad]] = {}
    depends_on = vocab.kg("dependsOn")
    for g in sorted(doomed.keys() | trimmed.keys()):
        quads = list(store.quads(NamedNode(g)))
        nodes = doomed.get(g, set())
        ends: dict[str, dict[NamedNode, str]] = defaultdict(dict)
        for q in quads:
            if q.subject.value in nodes and q.predicate in (_RDF_SUBJECT, _RDF_OBJECT):
                ends[q.subject.value][q.predicate] = q.object.value
        same_as = {(e[_RDF_SUBJECT], e[_RDF_OBJECT]) for e in ends.values() if len(e) == 2}
        cut = trimmed.get(g, set())
        edits[g] = [q for q in quads if q.subject.value not in nodes
                    and not (q.predicate == _OWL_SAME_AS and (q.subject.value, q.object.value) in same_as)
                    and not (q.predicate == depends_on and (q.subject.value, q.object.value) in cut)]
    return edits, sum(len(v) for v in doomed.values())


def _apply_link_edits(store: GraphStore, edits: dict[str, list[Quad]]) -> None:
    for g, kept in sorted(edits.items()):
        if kept:
            store.replace_graph(NamedNode(g), kept)
        else:
            store.remove_graph(NamedNode(g))


def drop_links_depending_on(store: GraphStore, graphs: Iterable[NamedNode | str]) -> int:
    """Drop the resolution links that depend on ``graphs`` (e.g. documents just removed). Returns how many.

    A link whose two ends are still organizations in another graph it depends on (the same company named in
    other articles) stays; it only stops depending on the removed graphs.
    """
    gone = {g.value if isinstance(g, NamedNode) else str(g) for g in graphs}
    edits, removed = _link_edits(store, gone, skip=set(), partial=True)
    _apply_link_edits(store, edits)
    return removed


def _remove_source(store: GraphStore, name: str) -> tuple[list[str], int]:
    """Drop the graphs of ``name`` and the links of other sources that depend on it. Returns (graphs, links)."""
    own = {vocab.source_graph(name), vocab.mapped_graph(name), vocab.links_graph(name)}
    mine = {vocab.source_graph(name).value, vocab.mapped_graph(name).value}
    edits, removed = _link_edits(store, mine, skip={g.value for g in own}, partial=False)
    _apply_link_edits(store, edits)
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


def conflicts(store: GraphStore, *, limit: int | None = None, offset: int = 0) -> QueryResult:
    """Run ``queries/conflicts.rq``: different parents in different sources, contradicting numbers; the companies
    named in the most documents first, ``limit`` rows from ``offset`` (all by default)."""
    from kg.queries import load_query_file, run_query

    return run_query(store, load_query_file(queries_dir() / "conflicts.rq"), {}, limit=limit, offset=offset)
