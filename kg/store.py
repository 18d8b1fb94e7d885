"""The store: the only module that touches ``pyoxigraph.Store`` (and, for a remote store, the SPARQL protocol).

A store is a set of named graphs: one per ingested document (its IRI from the content hash), one per merged
source, and derived graphs. Callers speak in graphs and quads; they never see how or where the quads are kept,
so a SPARQL 1.1 Protocol / Graph Store Protocol endpoint can stand in for the local on-disk store
(:func:`open_store` picks the backend from the location).

Guarantees:

- a graph is replaced atomically (:meth:`GraphStore.replace_graph`): a failure leaves the old graph in place;
- read-only handles (``read_only=True``) never write and do not take the writer's lock;
- pyoxigraph's ``SyntaxError`` and ``OSError`` are translated into :class:`~kg.errors.QueryError`,
  :class:`~kg.errors.RdfSyntaxError` and :class:`~kg.errors.StoreError`;
- bulk loads use the cores: a big N-Triples file is cut at line ends (never inside a blank node's span) into pieces
  loaded side by side (:meth:`LocalStore.append_file`, :func:`line_pieces`), and a syntax error in any piece still
  names the line of the whole file.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import QueryError, RdfSyntaxError, StoreError, StoreLockedError
from kg.vocab import KG, PREFIXES, RDF

_RDF_TYPE = ox.NamedNode(RDF + "type")
_KG_DOCUMENT = ox.NamedNode(KG + "Document")

#: Where the store lives when neither ``--store`` nor ``KG_STORE`` says.
DEFAULT_LOCATION = ".kg/store"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class RdfFormatName(StrEnum):
    """RDF serialisations kg reads and writes."""

    turtle = "turtle"
    trig = "trig"
    nquads = "nquads"
    ntriples = "ntriples"
    jsonld = "jsonld"
    rdfxml = "rdfxml"

    @property
    def oxigraph(self) -> ox.RdfFormat:
        return {
            "turtle": ox.RdfFormat.TURTLE,
            "trig": ox.RdfFormat.TRIG,
            "nquads": ox.RdfFormat.N_QUADS,
            "ntriples": ox.RdfFormat.N_TRIPLES,
            "jsonld": ox.RdfFormat.JSON_LD,
            "rdfxml": ox.RdfFormat.RDF_XML,
        }[self.value]

    @property
    def supports_datasets(self) -> bool:
        return self in (RdfFormatName.trig, RdfFormatName.nquads, RdfFormatName.jsonld)

    @classmethod
    def from_path(cls, path: str | Path) -> RdfFormatName:
        """Guess the format from a file extension (``.ttl``, ``.trig``, ``.nq``, ``.nt``, ``.jsonld``, ``.rdf``)."""
        ext = Path(path).suffix.lower().lstrip(".")
        table = {
            "ttl": cls.turtle, "turtle": cls.turtle, "trig": cls.trig, "nq": cls.nquads, "nquads": cls.nquads,
            "nt": cls.ntriples, "jsonld": cls.jsonld, "json": cls.jsonld, "rdf": cls.rdfxml, "owl": cls.rdfxml,
            "xml": cls.rdfxml,
        }
        if ext not in table:
            raise RdfSyntaxError(f"{path}: cannot tell the RDF format from the extension {ext!r}; pass --format")
        return table[ext]


_UPDATE_RE = re.compile(
    r"^\s*(?:(?:PREFIX|BASE)\b[^\n]*\n\s*|#[^\n]*\n\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


def is_update(sparql: str) -> bool:
    """True when ``sparql`` is a SPARQL Update request rather than a query.

    >>> is_update("PREFIX x: <http://x/>\\nINSERT DATA { x:a x:b x:c }")
    True
    >>> is_update("# drop graph is mentioned here\\nSELECT * WHERE { ?s ?p ?o }")
    False
    """
    return _UPDATE_RE.match(sparql) is not None


# Strings, IRIs and comments: blanked out before looking for keywords.
_SKIP_RE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
# The tokens that can hold letters: variables, blank nodes, prefixed names, language tags, numbers, bare words.
_TOKEN_RE = re.compile(
    r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+"
    r"|_:[\w.\-]*"
    r"|(?:[^\W\d_](?:[\w.\-]*[\w\-])?)?:(?:(?:[\w:%\-]|\\.)(?:(?:[\w.:%\-]|\\.)*(?:[\w:%\-]|\\.))?)?"
    r"|@[A-Za-z]+(?:-[A-Za-z0-9]+)*"
    r"|\d[\w.]*"
    r"|(?P<word>[^\W\d]\w*)"
)


def sparql_keywords(sparql: str) -> set[str]:
    """The bare words of a SPARQL request, upper-cased: keywords (and function names), never the content of a
    string, IRI or comment, nor a variable, prefixed name, blank node or language tag.

    Oxigraph does not decode ``\\u`` escapes outside strings and IRIs, so none are decoded here either.

    >>> sorted(sparql_keywords('select ?service { ?s ex:service "SERVICE" } # service'))
    ['SELECT']
    """
    blank = _SKIP_RE.sub(lambda m: " " * len(m.group(0)), sparql)
    return {m.group("word").upper() for m in _TOKEN_RE.finditer(blank) if m.group("word")}


def uses_service(sparql: str) -> bool:
    """True when a query or update has a ``SERVICE`` clause (federation: evaluating it contacts another server).

    >>> uses_service('SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT * { ?s ?p "service" }')
    False
    """
    return "SERVICE" in sparql_keywords(sparql)


def loads_from_web(sparql: str) -> bool:
    """True when an update has a ``LOAD`` operation (it fetches a document from an IRI)."""
    return "LOAD" in sparql_keywords(sparql)


@dataclass(frozen=True)
class StoreStats:
    """Counts describing a store."""

    quads: int
    graphs: int
    #: Complete documents: graphs whose ``a kg:Document`` marker is written (what ``query documents`` lists).
    documents: int
    #: Document graphs without their marker yet: a batch being written now, or one a crash cut short (the next
    #: ingest of the same text replaces it).
    in_progress: int = 0


class GraphStore:
    """What every store backend offers. Subclasses: :class:`LocalStore` (and a remote one)."""

    location: str
    read_only: bool

    # --- reading -----------------------------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict[str, Term] | None = None, union: bool = True) -> QueryResult:
        raise NotImplementedError

    def named_graphs(self) -> list[str]:
        raise NotImplementedError

    def has_graph(self, graph: ox.NamedNode) -> bool:
        raise NotImplementedError

    def has_document(self, graph: ox.NamedNode) -> bool:
        """True when ``graph`` holds a complete document: its ``a kg:Document`` marker is written last."""
        return any(True for _ in self.quads_matching(None, _RDF_TYPE, _KG_DOCUMENT, graph))

    def quads_matching(self, subject: Any, predicate: Any, obj: Any, graph: ox.NamedNode | None) -> Iterator[ox.Quad]:
        """Quads of ``graph`` matching a pattern (None = any)."""
        return (q for q in self.quads(graph)
                if (subject is None or q.subject == subject) and (predicate is None or q.predicate == predicate)
                and (obj is None or q.object == obj))

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def export(self, out: IO[bytes], fmt: RdfFormatName, *, graph: ox.NamedNode | None = None) -> None:
        raise NotImplementedError

    # --- writing -----------------------------------------------------------------------------------------
    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> None:
        raise NotImplementedError

    def add_graphs(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads of graphs known to be new (fast path for batched ingestion)."""
        raise NotImplementedError

    def add_nquads(self, body: str | bytes | list[str], markers: str | bytes = b"") -> None:
        """Add graphs known to be new, given as N-Quads text (or a list of pieces of it): ``body`` first, then
        ``markers`` (each document's ``a kg:Document`` quad, so a graph cut short by a crash reads as incomplete).
        A backend without a text path parses the text and calls :meth:`add_graphs`."""
        if isinstance(body, list):
            body = "".join(body)
        try:
            quads = [*ox.parse(body, format=ox.RdfFormat.N_QUADS), *ox.parse(markers, format=ox.RdfFormat.N_QUADS)]
        except SyntaxError as err:
            raise RdfSyntaxError(f"N-Quads to add: {syntax_message(err)}") from None
        self.add_graphs(quads)

    def remove_graph(self, graph: ox.NamedNode) -> bool:
        raise NotImplementedError

    def load_file(self, path: Path, fmt: RdfFormatName, *, graph: ox.NamedNode, bulk: bool = False) -> int:
        raise NotImplementedError

    def append_file(self, path: Path, fmt: RdfFormatName, *, graph: ox.NamedNode) -> None:
        """Bulk load a triple file (Turtle, N-Triples, RDF/XML) into ``graph``, keeping what it holds, without
        counting. Not transactional: on :class:`~kg.errors.RdfSyntaxError` part of the file may be in ``graph``,
        which the caller drops (kg.merge loads into graphs of its own). This fallback parses here and adds."""
        try:
            with open(path, "rb") as fh:
                self.add_graphs(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(fh, fmt.oxigraph))
        except SyntaxError as err:
            raise RdfSyntaxError(f"{path}: {syntax_message(err)}") from None

    def update(self, sparql: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the store (flush to disk for a local store)."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _translate_os_error(location: str, err: OSError) -> StoreError:
    msg = str(err)
    if "lock" in msg.lower():
        return StoreLockedError(f"store {location} is in use by another process (lock held); try again when it ends")
    return StoreError(f"store {location}: {msg.splitlines()[0] if msg else err.__class__.__name__}")


_MANIFEST = re.compile(r"MANIFEST-\d+")


def is_store_dir(path: Path) -> bool:
    """True when ``path`` is an Oxigraph store: a RocksDB database, recognised as RocksDB itself finds one, by a
    ``CURRENT`` file naming a ``MANIFEST-NNNNNN`` file that exists beside it (RocksDB writes both when it creates a
    database, before anything else is stored). A user's folder that merely holds a file called CURRENT is not one.
    """
    try:
        current = (path / "CURRENT").read_text(encoding="ascii", errors="replace").strip() if (
            path / "CURRENT").stat().st_size < 256 else ""
    except OSError:
        return False
    return _MANIFEST.fullmatch(current) is not None and (path / current).is_file()


class LocalStore(GraphStore):
    """An on-disk Oxigraph store (RocksDB). ``read_only`` handles take no lock."""

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True) -> None:
        p = Path(path)
        self.location = str(p)
        self.read_only = read_only
        if p.exists() and not p.is_dir():
            raise StoreError(f"store path {p} is a file, not a store directory")
        refused = p.is_dir() and not is_store_dir(p) and any(p.iterdir())
        if refused:  # someone's folder: never write RocksDB files among their files
            raise StoreError(f"{p} is not a kg store and not empty; pass --store with a new or empty directory")
        if read_only and not is_store_dir(p):
            raise StoreError(f"no store at {p}: ingest something first or pass --store")
        if not read_only and not create and not is_store_dir(p):
            raise StoreError(f"no store at {p}")
        try:
            if read_only:
                self._store = ox.Store.read_only(str(p))
            else:
                p.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(p))
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    # --- reading -----------------------------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict[str, Term] | None = None, union: bool = True) -> QueryResult:
        if is_update(sparql):
            raise QueryError("this is a SPARQL update, not a query; use --allow-update to run it")
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        try:
            return self._store.query(
                sparql, prefixes=PREFIXES, substitutions=subs or None, use_default_graph_as_union=union
            )
        except SyntaxError as err:
            raise QueryError(f"malformed SPARQL: {str(err).splitlines()[0]}") from None
        except RuntimeError as err:  # e.g. a substituted variable missing from the SELECT projection
            raise QueryError(
                f"cannot bind parameters: {err} (pyoxigraph substitutions need each parameter variable in the "
                "SELECT clause)"
            ) from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return self._store.contains_named_graph(graph)

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        return iter(self._store.quads_for_pattern(None, None, None, graph))

    def quads_matching(self, subject: Any, predicate: Any, obj: Any, graph: ox.NamedNode | None) -> Iterator[ox.Quad]:
        return iter(self._store.quads_for_pattern(subject, predicate, obj, graph))

    def __len__(self) -> int:
        return len(self._store)

    def export(self, out: IO[bytes], fmt: RdfFormatName, *, graph: ox.NamedNode | None = None) -> None:
        """Write the store (or one graph) sorted, so the same content always gives the same bytes.

        Triple formats (Turtle, N-Triples, RDF/XML) of the whole store write the union of all graphs.
        """
        if graph is not None or not fmt.supports_datasets:
            quads = self.quads(graph)
            triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
            if fmt.supports_datasets:
                g = graph if graph is not None else ox.DefaultGraph()
                data: list[Any] = [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
            else:
                data = triples
        else:
            data = sorted(self.quads(), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate),
                                                       str(q.object)))
        if fmt in (RdfFormatName.turtle, RdfFormatName.trig):
            out.write(_serialize_with_sorted_prefixes(data, fmt.oxigraph))
        else:
            ox.serialize(data, out, fmt.oxigraph)

    # --- writing -----------------------------------------------------------------------------------------
    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreError(f"store {self.location} is open read-only")
        return self._store

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> None:
        """Atomically replace ``graph`` by ``quads`` (one SPARQL update, so one transaction)."""
        store = self._writable()
        body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        try:
            store.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def add_graphs(self, quads: Iterable[ox.Quad]) -> None:
        # bulk_extend, not extend: transactional extend keeps growing memory (~190 KB per ingested document, see
        # bench "peak_memory") and slows down. bulk_extend is not transactional, so each document's
        # `a kg:Document` marker is written afterwards in a transaction of its own: a crash mid-batch leaves
        # graphs without a marker, which has_document() reports as incomplete and ingestion then replaces.
        store = self._writable()
        markers: list[ox.Quad] = []

        def body() -> Iterator[ox.Quad]:
            for q in quads:
                if q.predicate == _RDF_TYPE and q.object == _KG_DOCUMENT:
                    markers.append(q)
                else:
                    yield q

        try:
            store.bulk_extend(body())
            store.extend(markers)
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def add_nquads(self, body: str | bytes | list[str], markers: str | bytes = b"") -> None:
        """Bulk-load ``body`` (N-Quads of new graphs), then ``markers`` in a transaction of their own.

        The bulk loader parses the text in Rust, which is faster than building pyoxigraph terms in Python (see
        bench ``ingest_facts_vs_bulk_load``); like :meth:`add_graphs` it is not transactional, hence the markers.
        A list of pieces is streamed to the loader without being joined (one copy of the batch less in memory).
        """
        store = self._writable()
        try:
            if body:
                store.bulk_load(_PiecesReader(body) if isinstance(body, list) else body, ox.RdfFormat.N_QUADS)
            if markers:
                store.load(markers, ox.RdfFormat.N_QUADS)
        except SyntaxError as err:
            raise RdfSyntaxError(f"N-Quads to add: {syntax_message(err)}") from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def remove_graph(self, graph: ox.NamedNode) -> bool:
        store = self._writable()
        if not store.contains_named_graph(graph):
            return False
        try:
            store.remove_graph(graph)
        except OSError as err:
            raise _translate_os_error(self.location, err) from None
        return True

    def load_file(self, path: Path, fmt: RdfFormatName, *, graph: ox.NamedNode, bulk: bool = False) -> int:
        """Load an RDF file into ``graph``. On a syntax error nothing is kept and the error names file and line.

        A dataset file (TriG, N-Quads) keeps its own named graphs: pyoxigraph applies ``to_graph`` to its default
        graph only (kg.merge re-graphs such files itself).
        """
        store = self._writable()
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
        before = len(store)
        try:
            # by path, not a Python file object: Oxigraph then reads without taking the GIL (kg.merge maps the
            # same file in a thread meanwhile)
            if bulk:
                store.bulk_load(path=str(path), format=fmt.oxigraph, to_graph=graph)
            else:
                store.load(path=str(path), format=fmt.oxigraph, to_graph=graph)
        except SyntaxError as err:
            store.remove_graph(graph)
            raise RdfSyntaxError(f"{path}: {syntax_message(err)}") from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None
        return len(store) - before

    def append_file(self, path: Path, fmt: RdfFormatName, *, graph: ox.NamedNode) -> None:
        """See :meth:`GraphStore.append_file`. Oxigraph's bulk loader keeps about one core busy per call, so an
        N-Triples file of at least :data:`PARALLEL_LOAD_BYTES` is cut at line ends into pieces that are bulk
        loaded side by side, one per free core (:func:`load_workers`); errors still name the file's own line."""
        store = self._writable()
        workers = load_workers()
        try:
            if fmt is RdfFormatName.ntriples and workers > 1 and path.stat().st_size >= PARALLEL_LOAD_BYTES:
                _load_pieces(store, path, fmt, graph, workers)
            else:
                store.bulk_load(path=str(path), format=fmt.oxigraph, to_graph=graph)
        except SyntaxError as err:
            raise RdfSyntaxError(f"{path}: {syntax_message(err)}") from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def update(self, sparql: str) -> None:
        try:
            self._writable().update(sparql, prefixes=PREFIXES)
        except SyntaxError as err:
            raise QueryError(f"malformed SPARQL update: {str(err).splitlines()[0]}") from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    # --- the SPARQL 1.1 Protocol and Graph Store Protocol, for kg.server ------------------------------------
    # Plain SPARQL as a standard server answers it: no kg prefixes are added, and parser messages are kept as they
    # are (the remote client corrects their columns), so these raise QueryError / RdfSyntaxError with the
    # library's own first line.
    def protocol_query(self, sparql: str, *, union: bool = False, default_graphs: list[ox.NamedNode] | None = None,
                       named_graphs: list[ox.NamedNode] | None = None) -> QueryResult:
        """Evaluate a SPARQL query as a SPARQL 1.1 Protocol request gives it (results are lazy)."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=union and not default_graphs,
                                     default_graph=default_graphs or None, named_graphs=named_graphs or None)
        except SyntaxError as err:
            raise QueryError(str(err).splitlines()[0]) from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def protocol_update(self, sparql: str) -> None:
        """Apply a SPARQL update (one transaction)."""
        try:
            self._writable().update(sparql)
        except SyntaxError as err:
            raise QueryError(str(err).splitlines()[0]) from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def dump(self, out: IO[bytes], fmt: ox.RdfFormat,
             graph: ox.NamedNode | ox.DefaultGraph | None = None) -> None:
        """Write one graph (triples) or, with ``graph`` None, the whole dataset (quads) in ``fmt``, unsorted."""
        if graph is None:
            ox.serialize(self._store.quads_for_pattern(None, None, None, None), out, fmt)
        else:
            quads = self._store.quads_for_pattern(None, None, None, graph)
            ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), out, fmt)

    def load_data(self, data: IO[bytes], fmt: ox.RdfFormat, graph: ox.NamedNode | ox.DefaultGraph | None, *,
                  replace: bool) -> None:
        """Add (or, with ``replace``, put in place of the target) the RDF in ``data``, in one transaction: on a
        syntax error nothing changes. ``graph`` None targets the whole dataset (a dataset format keeps its graphs).
        """
        store = self._writable()
        base = graph.value if isinstance(graph, ox.NamedNode) else None
        try:
            if not replace:
                store.load(data, fmt, base_iri=base, to_graph=graph)
                return
            quads = list(ox.parse(data, fmt, base_iri=base))
        except SyntaxError as err:
            raise RdfSyntaxError(syntax_message(err)) from None
        except OSError as err:
            raise _translate_os_error(self.location, err) from None
        target = "ALL" if graph is None else ("DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph}")
        lines = []
        for q in quads:
            g = q.graph_name if graph is None else graph
            triple = f"{q.subject} {q.predicate} {q.object} ."
            lines.append(triple if isinstance(g, ox.DefaultGraph) else f"GRAPH {g} {{ {triple} }}")
        body = "\n".join(lines)
        try:
            store.update(f"DROP SILENT {target} ;\nINSERT DATA {{\n{body}\n}}")
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def clear_default_graph(self) -> None:
        """Remove every triple of the default graph."""
        try:
            self._writable().clear_graph(ox.DefaultGraph())
        except OSError as err:
            raise _translate_os_error(self.location, err) from None

    def close(self) -> None:
        if not self.read_only:
            with contextlib.suppress(OSError):
                self._store.flush()
        del self._store


class MemoryStore(LocalStore):
    """An in-memory Oxigraph store for scratch work (kg.merge runs its CONSTRUCT mappings on one). Gone when closed."""

    def __init__(self) -> None:
        self.location = ":memory:"
        self.read_only = False
        self._store = ox.Store()

    def close(self) -> None:
        del self._store


class _PiecesReader:
    """A binary file over a list of text pieces, encoded as they are read (for the bulk loader)."""

    def __init__(self, pieces: list[str]) -> None:
        self._pieces = iter(pieces)
        self._buf = bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buf += piece.encode("utf-8")
        n = len(self._buf) if size < 0 else min(size, len(self._buf))
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def _serialize_with_sorted_prefixes(data: list[Any], fmt: ox.RdfFormat) -> bytes:
    """Serialise with our prefixes, their declarations sorted (Oxigraph writes them in hash order)."""
    raw = ox.serialize(data, format=fmt, prefixes=PREFIXES) or b""
    lines = raw.split(b"\n")
    n = 0
    while n < len(lines) and lines[n].startswith(b"@prefix"):
        n += 1
    return b"\n".join(sorted(lines[:n]) + lines[n:])


#: N-Triples files at least this big are bulk loaded in pieces, side by side (:meth:`LocalStore.append_file`).
PARALLEL_LOAD_BYTES = 16 << 20
#: The largest piece (it is read into memory before Oxigraph parses it).
MAX_PIECE_BYTES = 128 << 20


def load_workers() -> int:
    """How many bulk loads run side by side: ``KG_LOAD_WORKERS`` when set, else the usable cores, at most 4."""
    env = os.environ.get("KG_LOAD_WORKERS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


#: A blank node label in N-Triples (greedy, never ending in a dot; a false match in a literal only forbids cuts).
_BLANK_LABEL = re.compile(rb'_:[^\s<>"]*[^\s<>".]')
#: Past this many distinct blank node labels a file is loaded in one piece (their spans would take the memory).
MAX_BLANK_LABELS = 1_000_000


def blank_node_spans(path: Path) -> list[tuple[int, int]] | None:
    """Byte intervals of the file between the first and the last occurrence of a blank node label, overlapping
    ones merged, sorted. Oxigraph scopes labels to one load, so a cut inside one would split a blank node in
    two. None when the file has more than :data:`MAX_BLANK_LABELS` labels."""
    spans: dict[bytes, list[int]] = {}
    pending, base = b"", 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 24)
            data = pending + block
            cut = data.rfind(b"\n") + 1 if block else len(data)  # whole lines only, so no label is cut
            if data.find(b"_:", 0, cut) >= 0:
                for m in _BLANK_LABEL.finditer(data, 0, cut):
                    pos, label = base + m.start(), m.group()
                    span = spans.get(label)
                    if span is not None:
                        span[1] = pos
                    else:
                        spans[label] = [pos, pos]
                        if len(spans) > MAX_BLANK_LABELS:
                            return None
            pending, base = data[cut:], base + cut
            if not block:
                break
    merged: list[tuple[int, int]] = []
    for first, last in sorted((a, b) for a, b in spans.values() if b > a):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _next_line_start(fh: IO[bytes], pos: int, size: int) -> int:
    """The offset just after the first line end at or after ``pos`` (``size`` when there is none)."""
    fh.seek(pos)
    while True:
        block = fh.read(1 << 16)
        if not block:
            return size
        j = block.find(b"\n")
        if j >= 0:
            return pos + j + 1
        pos += len(block)


def line_pieces(path: Path, count: int, max_bytes: int | None = None) -> list[tuple[int, int]]:
    """Byte ranges ``(start, end)`` that cut an N-Triples file into at least ``count`` pieces of about the same
    size, each at most about ``max_bytes`` (default :data:`MAX_PIECE_BYTES`): every cut is just after a line end
    (a line is never split) and outside :func:`blank_node_spans` (a blank node never is); a file with too many
    labels stays whole."""
    import bisect  # here, not at the top: read-only commands never cut files

    size = path.stat().st_size
    n = max(count, -(-size // (max_bytes or MAX_PIECE_BYTES)), 1)
    spans = blank_node_spans(path) if n > 1 else []
    if spans is None:
        return [(0, size)] if size else []
    starts = [a for a, _ in spans]
    cuts = [0]
    with open(path, "rb") as fh:
        for i in range(1, n):
            pos = _next_line_start(fh, max(size * i // n, cuts[-1]), size)
            while (k := bisect.bisect_left(starts, pos) - 1) >= 0 and pos <= spans[k][1]:
                pos = _next_line_start(fh, spans[k][1], size)  # past the last label of a blank node
            if cuts[-1] < pos < size:
                cuts.append(pos)
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _lines_before(path: Path, offset: int) -> int:
    """Line ends in the first ``offset`` bytes of the file."""
    count, left = 0, offset
    with open(path, "rb") as fh:
        while left > 0:
            block = fh.read(min(left, 1 << 20))
            if not block:
                break
            count += block.count(b"\n")
            left -= len(block)
    return count


def _load_pieces(store: ox.Store, path: Path, fmt: RdfFormatName, graph: ox.NamedNode, workers: int) -> None:
    """Bulk load the line-aligned pieces of a line-based file in ``workers`` threads (Oxigraph releases the GIL).
    The first failing piece's SyntaxError is raised with its line numbers made relative to the whole file."""
    from concurrent.futures import ThreadPoolExecutor  # only here: read-only commands never need it

    def load(piece: tuple[int, int]) -> None:
        start, end = piece
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start)
        store.bulk_load(input=data, format=fmt.oxigraph, to_graph=graph)

    pieces = line_pieces(path, workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kg-load") as pool:
        futures = [pool.submit(load, piece) for piece in pieces]
        errors = [(piece, f.exception()) for piece, f in zip(pieces, futures, strict=True)]
    for (start, _), err in errors:
        if isinstance(err, SyntaxError):
            raise _shift_lines(err, _lines_before(path, start))
        if err is not None:
            raise err


def _shift_lines(err: SyntaxError, lines: int) -> SyntaxError:
    """The same error with every "line N" (message and ``lineno``) moved down by ``lines``."""
    if not lines:
        return err
    text = err.msg if isinstance(err.msg, str) and err.msg else str(err)  # str() would append "(line N)" again
    first = text.splitlines()[0] if text else "syntax error"
    msg = re.sub(r"\bline (\d+)", lambda m: f"line {int(m.group(1)) + lines}", first)
    shifted = SyntaxError(msg)
    shifted.lineno = err.lineno + lines if err.lineno else None
    return shifted


def syntax_message(err: SyntaxError) -> str:
    """'line N: message' from a pyoxigraph SyntaxError (whose message carries the position); a JSON-LD context that
    would have to be fetched (pyoxigraph has no loader, so nothing is) is said in a user's words."""
    msg = str(err).splitlines()[0] if str(err) else "syntax error"
    if "LoadDocumentCallback" in msg:
        return ("refused: a remote JSON-LD context (an @context or @import naming a URL); kg fetches nothing from "
                "the web: put the context inline")
    lineno = getattr(err, "lineno", None)
    return f"line {lineno}: {msg}" if lineno and f"line {lineno}" not in msg else msg


def stats(store: GraphStore) -> StoreStats:
    """Quad, graph and document counts. A document counts once its graph holds its ``a kg:Document`` marker (written
    last, see :meth:`GraphStore.add_nquads`); document graphs without it are counted apart as in progress."""
    graphs = store.named_graphs()
    marked = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?d a kg:Document } }", union=False)
    complete = {row[0].value for row in marked if isinstance(row[0], ox.NamedNode)}  # type: ignore[union-attr]
    docs = [g for g in graphs if "/graph/doc/" in g]
    done = sum(1 for g in docs if g in complete)
    return StoreStats(quads=len(store), graphs=len(graphs), documents=done, in_progress=len(docs) - done)


def default_location() -> str:
    """``KG_STORE`` when set, else :data:`DEFAULT_LOCATION`."""
    return os.environ.get("KG_STORE") or DEFAULT_LOCATION


def open_store(location: str | Path | None = None, *, read_only: bool = False) -> GraphStore:
    """Open the store at ``location``: a directory path (local Oxigraph) or an ``http(s)://`` SPARQL endpoint."""
    loc = str(location) if location is not None else default_location()
    if loc.startswith(("http://", "https://")):
        from kg.remote import RemoteStore  # the HTTP backend, kept apart so local use never imports it

        return RemoteStore(loc, read_only=read_only)
    return LocalStore(loc, read_only=read_only)


def term_from_python(value: Any) -> Term:
    """A literal or IRI for a Python value given as a query parameter (``<iri>`` strings become IRIs)."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple):
        return value
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=ox.NamedNode(PREFIXES["xsd"] + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(PREFIXES["xsd"] + "double"))
    s = str(value)
    if s.startswith("<") and s.endswith(">"):
        return ox.NamedNode(s[1:-1])
    return ox.Literal(s)
