"""A store behind HTTP: :class:`RemoteStore`, a :class:`~kg.store.GraphStore` over the SPARQL 1.1 Protocol.

This module owns everything kg says to a SPARQL server: queries go to the query endpoint (SPARQL 1.1 Protocol,
results as SPARQL JSON or N-Triples), updates to the update endpoint, and whole graphs travel through the SPARQL 1.1
Graph Store Protocol (``GET``/``PUT``/``POST``/``DELETE``/``HEAD`` on ``?graph=IRI``). The default layout is
Oxigraph's (``BASE/query``, ``BASE/update``, ``BASE/store``); any other SPARQL 1.1 store works by passing its
endpoints. Only the standard library (``urllib``) speaks HTTP; pyoxigraph parses and serialises the payloads.

Writes carry ``Authorization: Bearer $KG_TOKEN`` when that variable is set (what ``kg serve --allow-update``
checks). Errors: an unreachable server or an unexpected HTTP status becomes :class:`~kg.errors.StoreError`; a query or
update the server rejects as malformed (HTTP 400) becomes :class:`~kg.errors.QueryError`, and RDF it cannot parse
becomes :class:`~kg.errors.RdfSyntaxError`.

Two things the protocol has no word for are emulated: ``substitutions`` (pyoxigraph's pre-bound variables) are
substituted into the query text (:func:`bind_values`, values in their N-Triples form, never raw user text), and the
union default graph is Oxigraph's ``union-default-graph`` query parameter.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import QueryError, RdfSyntaxError, StoreError
from kg.server import TOKEN_ENV
from kg.store import GraphStore, LocalStore, QueryResult, RdfFormatName, Term, is_update
from kg.vocab import PREFIXES

#: Quads per Graph Store Protocol request when adding many graphs.
BATCH_QUADS = 50_000

_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_NQUADS = "application/n-quads"

_MEDIA_TYPES = {
    RdfFormatName.turtle: "text/turtle",
    RdfFormatName.trig: "application/trig",
    RdfFormatName.nquads: _NQUADS,
    RdfFormatName.ntriples: _NTRIPLES,
    RdfFormatName.jsonld: "application/ld+json",
    RdfFormatName.rdfxml: "application/rdf+xml",
}

# Tokens that must be skipped when looking for braces and keywords: strings, IRIs, comments.
_SKIP_RE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_PREFIX_DECL_RE = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)


def _blank_out(sparql: str) -> str:
    """The query with strings, IRIs and comments replaced by spaces (same length), for structural searches."""
    return _SKIP_RE.sub(lambda m: " " * len(m.group(0)), sparql)


def with_prefixes(sparql: str) -> str:
    """Prepend a declaration of each of our prefixes the request does not declare itself, all on the request's
    first line so that line numbers in the server's error messages stay right.

    >>> with_prefixes("PREFIX kg: <http://x/>\\nASK {}").count("PREFIX kg:")
    1
    """
    declared = {m.group(1) or "" for m in _PREFIX_DECL_RE.finditer(_blank_out(sparql))}
    missing = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p not in declared]
    return " ".join([*missing, sparql]) if missing else sparql


_POSITION_RE = re.compile(r"\berror at 1:(\d+)")


def _fix_position(message: str, shift: int) -> str:
    """Undo, in a server's "error at LINE:COL" message, the columns added by :func:`with_prefixes` on line 1."""
    return _POSITION_RE.sub(lambda m: f"error at 1:{max(1, int(m.group(1)) - shift)}", message)


_BIND_TOKEN_RE = re.compile(
    r"(?<![\w?$:])(?P<kw>SELECT|WHERE|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|VALUES|AS)\b"
    r"|(?<![\w?$:])BOUND\s*\(\s*[?$](?P<bound>\w+)\s*\)"
    r"|[?$](?P<var>\w+)|(?P<punct>[(){}])",
    re.IGNORECASE,
)


def bind_values(sparql: str, substitutions: dict[str, Term]) -> str:
    """Substitute pre-bound variables by their values in the query text, as pyoxigraph's ``substitutions`` do.

    Where the grammar needs a variable, the binding keeps it: a ``?x`` projected by the query becomes
    ``(value AS ?x)`` (a subquery just stops projecting it), ``GROUP BY``/``ORDER BY ?x`` become ``(value)``,
    ``BOUND(?x)`` becomes ``true``; ``AS ?x`` and ``VALUES`` variable lists stay. Strings, IRIs and comments are
    never touched.

    >>> bind_values("SELECT ?x ?o WHERE { ?x ?p ?o } ORDER BY ?x", {"x": ox.NamedNode("http://e/a")})
    'SELECT (<http://e/a> AS ?x) ?o WHERE { <http://e/a> ?p ?o } ORDER BY (<http://e/a>)'
    """
    if not substitutions:
        return sparql
    blank = _blank_out(sparql)
    edits: list[tuple[int, int, str]] = []
    depth = braces = 0
    clause: str | None = None  # "select", "modifier" (GROUP BY / ORDER BY) or "values"
    clause_depth = 0
    subquery = False
    items = dropped = 0  # projection items of the current subquery, and how many were dropped
    previous = ""

    def end_clause() -> None:
        nonlocal clause
        if clause == "select" and subquery and items and items == dropped:
            edits.append((edits[-1][0], edits[-1][0], "*"))  # nothing left to project: SELECT *
        clause = None

    for m in _BIND_TOKEN_RE.finditer(blank):
        kw, bound, var, punct = m.group("kw"), m.group("bound"), m.group("var"), m.group("punct")
        if kw is not None:
            word = " ".join(kw.upper().split())
            if word != "AS":
                end_clause()
            if word == "SELECT":
                clause, clause_depth, subquery, items, dropped = "select", depth, braces > 0, 0, 0
            elif word in ("GROUP BY", "ORDER BY"):
                clause, clause_depth = "modifier", depth
            elif word == "VALUES":
                clause, clause_depth = "values", depth
            previous = word
            continue
        if bound is not None:
            if bound in substitutions:
                edits.append((m.start(), m.end(), "true"))
            previous = ")"
            continue
        if punct is not None:
            if punct == "(":
                if clause == "select" and depth == clause_depth:
                    items += 1
                depth += 1
            elif punct == ")":
                depth -= 1
            else:  # a brace ends a projection, a modifier list or a VALUES variable list
                end_clause()
                braces += 1 if punct == "{" else -1
            previous = punct
            continue
        at_top = depth == clause_depth
        if clause == "select" and at_top:
            items += 1
        if var in substitutions and previous != "AS" and clause != "values":
            value = str(substitutions[var])
            if clause == "select" and at_top:
                if subquery:
                    value = ""
                    dropped += 1
                else:
                    value = f"({value} AS ?{var})"
            elif clause == "modifier" and at_top:
                value = f"({value})"
            edits.append((m.start(), m.end(), value))
        previous = "var"
    out = sparql
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    return out


class RemoteStore(GraphStore):
    """A store served over HTTP by a SPARQL 1.1 server (Oxigraph's endpoint layout by default)."""

    def __init__(
        self,
        location: str,
        *,
        read_only: bool = False,
        query_endpoint: str | None = None,
        update_endpoint: str | None = None,
        store_endpoint: str | None = None,
        timeout: float = 600.0,
        check: bool = True,
    ) -> None:
        base = location.rstrip("/")
        self.location = base
        self.read_only = read_only
        self.timeout = timeout
        self.query_endpoint = query_endpoint or f"{base}/query"
        self.update_endpoint = update_endpoint or f"{base}/update"
        self.store_endpoint = store_endpoint or f"{base}/store"
        if check:
            self._request(self.query_endpoint, data=self._form({"query": "ASK {}"}), accept=_JSON,
                          content_type="application/x-www-form-urlencoded").close()

    # --- HTTP plumbing -----------------------------------------------------------------------------------
    @staticmethod
    def _form(fields: dict[str, str]) -> bytes:
        return urllib.parse.urlencode(fields).encode("utf-8")

    def _graph_url(self, graph: ox.NamedNode) -> str:
        return f"{self.store_endpoint}?{urllib.parse.urlencode({'graph': graph.value})}"

    def _request(
        self,
        url: str,
        *,
        method: str = "POST",
        data: bytes | IO[bytes] | None = None,
        accept: str | None = None,
        content_type: str | None = None,
        length: int | None = None,
        allowed: tuple[int, ...] = (),
        bad_request: Callable[[str], Exception] | None = None,
        refused: Callable[[str], Exception] | None = None,
        what: str = "request",
    ) -> Any:
        """Send one request; return the open response (caller closes), or an ``HTTPError`` whose status is allowed."""
        headers = {}
        token = os.environ.get(TOKEN_ENV)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        if length is not None:
            headers["Content-Length"] = str(length)
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as err:
            if err.code in allowed:
                return err
            detail = _first_line(err.read().decode("utf-8", "replace")) or err.reason
            err.close()
            if err.code == 400 and bad_request is not None:
                raise bad_request(detail) from None
            if err.code == 401:
                raise StoreError(f"store {self.location}: {what} refused: the server wants its write token; set "
                                 f"{TOKEN_ENV} to the token kg serve printed") from None
            if err.code == 403 and refused is not None:
                raise refused(detail) from None
            raise StoreError(f"store {self.location}: {what} failed with HTTP {err.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise StoreError(f"cannot reach the SPARQL endpoint {self.location}: {reason}") from None

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.location} is open read-only")

    def _select_count(self, sparql: str) -> int:
        result = self.query(sparql, union=False)
        assert isinstance(result, ox.QuerySolutions)
        for row in result:
            value = row[0]
            return int(value.value) if value is not None else 0
        return 0

    # --- reading -----------------------------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict[str, Term] | None = None, union: bool = True) -> QueryResult:
        if is_update(sparql):
            raise QueryError("this is a SPARQL update, not a query; use --allow-update to run it")
        bound = bind_values(sparql, substitutions or {})
        text = with_prefixes(bound)
        shift = len(text) - len(bound)
        fields = {"query": text}
        if union:
            fields["union-default-graph"] = ""
        resp = self._request(
            self.query_endpoint, data=self._form(fields), content_type="application/x-www-form-urlencoded",
            accept=f"{_JSON}, {_NTRIPLES};q=0.9", what="query",
            bad_request=lambda d: QueryError(f"malformed SPARQL: {_fix_position(d, shift)}"),
            refused=lambda d: QueryError(f"the server refused the query: {d}"),
        )
        with resp:
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
            body = resp.read()
        try:
            if ctype == _JSON:
                return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            # CONSTRUCT / DESCRIBE: re-materialise the triples as pyoxigraph's QueryTriples.
            scratch = ox.Store()
            scratch.load(body, ox.RdfFormat.N_TRIPLES)
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        except SyntaxError as err:
            raise StoreError(f"store {self.location}: unreadable answer ({ctype}): {_first_line(str(err))}") from None

    def named_graphs(self) -> list[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", union=False)
        assert isinstance(result, ox.QuerySolutions)
        return sorted(row[0].value for row in result if isinstance(row[0], ox.NamedNode))

    def has_graph(self, graph: ox.NamedNode) -> bool:
        resp = self._request(self._graph_url(graph), method="HEAD", allowed=(404,), what="HEAD graph")
        with resp:
            return resp.status == 200

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        if graph is None:
            resp = self._request(self.store_endpoint, method="GET", accept=_NQUADS, what="GET dataset")
            fmt = ox.RdfFormat.N_QUADS
        else:
            resp = self._request(self._graph_url(graph), method="GET", accept=_NTRIPLES, allowed=(404,),
                                 what="GET graph")
            fmt = ox.RdfFormat.N_TRIPLES
            if resp.status == 404:
                resp.close()
                return iter(())
        return _stream_quads(resp, fmt, graph)

    def __len__(self) -> int:
        return self._select_count(
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        )

    def graph_size(self, graph: ox.NamedNode) -> int:
        """Number of triples in one named graph."""
        return self._select_count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")

    def export(self, out: IO[bytes], fmt: RdfFormatName, *, graph: ox.NamedNode | None = None) -> None:
        """Same bytes as :meth:`LocalStore.export` of the same content: the sorting lives there and reads quads()."""
        LocalStore.export(self, out, fmt, graph=graph)  # type: ignore[arg-type]

    # --- writing -----------------------------------------------------------------------------------------
    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> None:
        """Atomically replace ``graph``: one update request (Oxigraph runs it in one transaction)."""
        self._writable()
        body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        self._post_update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")

    def add_graphs(self, quads: Iterable[ox.Quad]) -> None:
        """POST the quads (N-Quads) to the Graph Store endpoint in batches of :data:`BATCH_QUADS`."""
        self._writable()
        batch: list[ox.Quad] = []
        for q in quads:
            batch.append(q)
            if len(batch) >= BATCH_QUADS:
                self._post_quads(batch)
                batch = []
        if batch:
            self._post_quads(batch)

    def _post_quads(self, batch: list[ox.Quad]) -> None:
        body = ox.serialize(batch, format=ox.RdfFormat.N_QUADS) or b""
        self._request(self.store_endpoint, data=body, content_type=_NQUADS, what="POST quads").close()

    def remove_graph(self, graph: ox.NamedNode) -> bool:
        self._writable()
        resp = self._request(self._graph_url(graph), method="DELETE", allowed=(404,), what="DELETE graph")
        with resp:
            return resp.status in (200, 204)

    def load_file(self, path: Path, fmt: RdfFormatName, *, graph: ox.NamedNode, bulk: bool = False) -> int:
        """Load an RDF file into ``graph`` (replacing it). The server parses it in one transaction: on a syntax
        error nothing is kept. Triples of a dataset file (TriG, N-Quads, JSON-LD) all go into ``graph``."""
        self._writable()
        path = Path(path)
        if fmt.supports_datasets:
            # The Graph Store Protocol takes graphs, not datasets: fold the quads into one graph locally.
            try:
                with open(path, "rb") as fh:
                    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(fh, fmt.oxigraph)]
            except SyntaxError as err:
                raise RdfSyntaxError(f"{path}: {_first_line(str(err))}") from None
            except OSError as err:
                raise StoreError(f"{path}: {err.strerror or err}") from None
            data: bytes | IO[bytes] = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            ctype, length = _NTRIPLES, len(data)  # type: ignore[arg-type]
        else:
            try:
                data = open(path, "rb")  # noqa: SIM115 - closed below, streamed by http.client
            except OSError as err:
                raise StoreError(f"{path}: {err.strerror or err}") from None
            ctype, length = _MEDIA_TYPES[fmt], path.stat().st_size
        try:
            self._request(self._graph_url(graph), method="DELETE", allowed=(404,), what="DELETE graph").close()
            self._request(
                self._graph_url(graph), method="POST", data=data, content_type=ctype, length=length,
                bad_request=lambda d: RdfSyntaxError(f"{path}: {d}"), what="POST graph",
            ).close()
        finally:
            if not isinstance(data, bytes):
                data.close()
        return self.graph_size(graph)

    def _post_update(self, sparql: str) -> None:
        text = with_prefixes(sparql)
        shift = len(text) - len(sparql)
        self._request(
            self.update_endpoint, data=text.encode("utf-8"), content_type="application/sparql-update",
            bad_request=lambda d: QueryError(f"malformed SPARQL update: {_fix_position(d, shift)}"), what="update",
        ).close()

    def update(self, sparql: str) -> None:
        self._writable()
        self._post_update(sparql)


def _stream_quads(resp: Any, fmt: ox.RdfFormat, graph: ox.NamedNode | None) -> Iterator[ox.Quad]:
    """Parse an HTTP response body as it arrives; triples of a graph response get ``graph`` as their graph."""
    with resp:
        try:
            for q in ox.parse(resp, fmt):
                yield q if graph is None else ox.Quad(q.subject, q.predicate, q.object, graph)
        except SyntaxError as err:
            raise StoreError(f"unreadable RDF from the server: {_first_line(str(err))}") from None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
