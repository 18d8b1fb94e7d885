"""Canned SPARQL queries: reading ``queries/*.rq``, binding their parameters, running them, writing the results.

A canned query is a self-contained ``.rq`` file whose header comment describes it::

    # name: subsidiaries
    # summary: The whole subsidiary tree under an organization, transitively, with depth.
    # param: org literal required Name or alias of the root organization (case-insensitive)
    # columns: child childName parent parentName depth

``# param: NAME TYPE required|optional DESCRIPTION`` repeats; TYPE is ``literal``, ``iri``, ``integer`` or
``decimal``. Parameters are bound through pyoxigraph ``substitutions`` (never pasted into the text); an optional
parameter that is not given stays unbound. pyoxigraph only substitutes variables of the SELECT projection, so a
query projects its parameters; :func:`run_query` then keeps only the ``# columns:`` (when the header lists them).
Inside a query, test an optional parameter with ``COALESCE(<condition using ?p>, true)``: Oxigraph's optimiser
folds ``BOUND(?p)`` to false for a variable that no pattern binds, even when it is substituted.

This module owns the header format and result rendering; it runs SPARQL only through
:meth:`kg.store.GraphStore.query` (the default graph is the union of all graphs) and never touches the Store itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from kg.errors import QueryError
from kg.resources import queries_dir
from kg.store import GraphStore, is_update, loads_from_web, term_from_python, uses_service
from kg.vocab import PREFIXES, XSD

PARAM_TYPES = ("literal", "iri", "integer", "decimal")
FORMATS = ("table", "csv", "tsv", "json")

_HEADER = re.compile(r"^#\s*(name|summary|param|columns)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][\w-]*$")


@dataclass(frozen=True)
class Param:
    """One parameter of a canned query."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class CannedQuery:
    """A SPARQL query with its header: name, one-line summary, parameters and result columns."""

    name: str
    summary: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    sparql: str
    path: Path | None = None


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class QueryResult:
    """A materialised query result: SELECT rows (``kind == "select"``), an ASK answer or CONSTRUCT triples."""

    kind: str
    variables: tuple[str, ...] = ()
    bindings: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = field(default=())

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self.bindings)
        if self.kind == "graph":
            return len(self.triples)
        return 1


# --- reading queries -------------------------------------------------------------------------------------------
def parse_query(text: str, *, path: Path | None = None, default_name: str = "query") -> CannedQuery:
    """A :class:`CannedQuery` from the text of a ``.rq`` file; a bad header raises :class:`QueryError`."""
    where = str(path) if path else default_name
    name, summary = default_name, ""
    params: list[Param] = []
    columns: tuple[str, ...] = ()
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _HEADER.match(stripped)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2)
        if key == "name":
            name = value
        elif key == "summary":
            summary = value
        elif key == "columns":
            columns = tuple(v.lstrip("?") for v in value.split())
        else:
            parts = value.split(None, 3)
            if len(parts) < 3 or parts[1] not in PARAM_TYPES or parts[2] not in ("required", "optional"):
                raise QueryError(
                    f"{where}:{lineno}: bad '# param:' line; expected 'NAME TYPE required|optional DESCRIPTION' "
                    f"with TYPE one of {', '.join(PARAM_TYPES)}"
                )
            pname = parts[0].lstrip("?$")
            if not _NAME.match(pname) or any(p.name == pname for p in params):
                raise QueryError(f"{where}:{lineno}: bad or repeated parameter name {parts[0]!r}")
            params.append(Param(pname, parts[1], parts[2] == "required", parts[3] if len(parts) > 3 else ""))
    return CannedQuery(name=name, summary=summary, params=tuple(params), columns=columns, sparql=text, path=path)


def load_query_file(path: Path) -> CannedQuery:
    """Read one ``.rq`` file (its name defaults to the file stem)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"no such query file: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"cannot read query file {path}: {err}") from None
    return parse_query(text, path=Path(path), default_name=Path(path).stem)


def list_queries() -> list[CannedQuery]:
    """Every canned query of ``queries/*.rq``, sorted by name."""
    return sorted((load_query_file(p) for p in sorted(queries_dir().glob("*.rq"))), key=lambda q: q.name)


def get_query(name_or_path: str) -> CannedQuery:
    """A canned query by name, or any ``.rq`` file by path. Unknown names raise :class:`QueryError`."""
    candidate = Path(name_or_path)
    if name_or_path.endswith(".rq") or candidate.is_file():
        return load_query_file(candidate)
    if _NAME.match(name_or_path):  # the usual case: the file is named after the query (no directory listing)
        own = queries_dir() / f"{name_or_path}.rq"
        if own.is_file():
            q = load_query_file(own)
            if q.name == name_or_path:
                return q
    queries = list_queries()
    for q in queries:
        if q.name == name_or_path:
            return q
    names = ", ".join(q.name for q in queries)
    raise QueryError(f"unknown query {name_or_path!r}; known queries: {names}")


# --- parameters ------------------------------------------------------------------------------------------------
def _iri(value: str, pname: str) -> ox.NamedNode:
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    elif ":" in v and not re.match(r"^[A-Za-z][\w+.-]*://", v):
        prefix, _, local = v.partition(":")
        if prefix in PREFIXES:
            v = PREFIXES[prefix] + local
    if not re.match(r"^[A-Za-z][\w+.-]*:[^\s<>\"{}|^`\\]*$", v):
        raise QueryError(f"parameter {pname}: {value!r} is not an IRI")
    try:
        return ox.NamedNode(v)
    except ValueError:
        raise QueryError(f"parameter {pname}: {value!r} is not an IRI") from None


def _term(param: Param, value: str) -> Term:
    if param.type == "literal":
        return ox.Literal(value)
    if param.type == "iri":
        return _iri(value, param.name)
    if param.type == "integer":
        try:
            return ox.Literal(str(int(value.strip())), datatype=ox.NamedNode(XSD + "integer"))
        except ValueError:
            raise QueryError(f"parameter {param.name}: {value!r} is not an integer") from None
    try:
        from kg.rdf import decimal_lexical

        number = float(value.strip())
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(value)
        return ox.Literal(decimal_lexical(number), datatype=ox.NamedNode(XSD + "decimal"))
    except ValueError:
        raise QueryError(f"parameter {param.name}: {value!r} is not a number") from None


def bind_params(query: CannedQuery, params: dict[str, str]) -> dict[str, Term]:
    """Terms for the given parameter values; a missing required or an unknown parameter raises QueryError."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        hint = ", ".join(known) if known else "none"
        raise QueryError(f"query {query.name} has no parameter {unknown[0]!r} (its parameters: {hint})")
    missing = [p.name for p in query.params if p.required and p.name not in params]
    if missing:
        raise QueryError(f"query {query.name} needs --param {missing[0]}=VALUE ({known[missing[0]].description})")
    return {name: _term(known[name], value) for name, value in params.items()}


# --- binding ad-hoc parameters by VALUES ----------------------------------------------------------------------
# Strings, IRIs and comments: blanked out (same length) before braces and variables are looked for.
_SKIP_RE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r'|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_VALUES_DATA_RE = re.compile(r"\bVALUES\s*(?:[?$]\w+|\(\s*(?:[?$]\w+\s*)*\))\s*$", re.IGNORECASE)
_SERVICE_RE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(?:[?$]\w+|[\w.-]*:[\w.%-]*)?\s*$", re.IGNORECASE)
_CONSTRUCT_RE = re.compile(r"\bCONSTRUCT\s*$", re.IGNORECASE)
_CONSTRUCT_WHERE_RE = re.compile(
    r"\bCONSTRUCT\s+(?:FROM\s+(?:NAMED\s+)?(?:[\w.-]*:[\w.%-]*)?\s*)*(WHERE)\s*$", re.IGNORECASE)
_SELECT_RE = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_MODIFIER_RE = re.compile(r"\b(?:GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|VALUES)\b", re.IGNORECASE)


def _blank(sparql: str) -> str:
    return _SKIP_RE.sub(lambda m: " " * len(m.group(0)), sparql)


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w)[?$]{re.escape(name)}(?!\w)", text) is not None


def _serialised(name: str, term: Term) -> str:
    """The term in N-Triples syntax, as the RDF library writes it (escaped), checked to read back as itself."""
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise QueryError(f"parameter {name}: only IRIs and literals can be bound")
    text = str(term)
    back = next(iter(ox.parse(f"<urn:kg:s> <urn:kg:p> {text} .\n", format=ox.RdfFormat.N_TRIPLES)), None)
    if back is None or back.object != term:
        raise QueryError(f"parameter {name}: cannot be written as an RDF term")
    return text


def bind_by_values(sparql: str, terms: dict[str, Term]) -> str:
    """Bind each variable ``?NAME`` of ``terms`` in SPARQL query text of any form (SELECT, ASK, CONSTRUCT,
    DESCRIBE) by inserting ``VALUES ?NAME { term }`` at the start of the query's WHERE group and of every group
    graph pattern (nested group, OPTIONAL, UNION branch, MINUS, EXISTS, GRAPH, subquery) that mentions it.

    The value is never pasted as text: its term is serialised by pyoxigraph (N-Triples, escaped) and checked to
    read back as the same term, so quotes, braces or ``} ; DROP ALL`` in a value stay inside the literal and the
    query keeps its shape (the only change is the VALUES blocks, on the lines they were inserted into, so error
    positions keep their line). Strings, IRIs and comments of the query are never looked into; ``SERVICE`` blocks,
    ``VALUES`` data and CONSTRUCT templates get no block. The short form ``CONSTRUCT WHERE { T }`` becomes
    ``CONSTRUCT { T } WHERE { VALUES ... T }``; a DESCRIBE without WHERE gets ``WHERE { VALUES ... }``. A name the
    query does not use, or one it assigns itself (``AS ?NAME``), raises :class:`QueryError`.

    >>> bind_by_values("ASK { ?s ?p ?o FILTER(?o = ?x) }", {"x": ox.Literal('a"b')})
    'ASK { VALUES ?x { "a\\\\"b" }  ?s ?p ?o FILTER(?o = ?x) }'
    """
    if not terms:
        return sparql
    blank = _blank(sparql)
    for name in terms:
        if not _mentions(blank, name):
            raise QueryError(f"parameter {name}: the query has no variable ?{name}")
        if re.search(rf"\bAS\s+[?$]{re.escape(name)}(?!\w)", blank, re.IGNORECASE):
            raise QueryError(f"parameter {name}: the query assigns ?{name} itself (AS ?{name}); it cannot be bound")
    written = {name: _serialised(name, term) for name, term in terms.items()}
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in re.finditer(r"[{}]", blank):
        if m.group() == "{":
            stack.append(m.start())
        elif not stack:
            raise QueryError("malformed SPARQL: a '}' without its '{'")
        else:
            pairs[stack.pop()] = m.start()
    if stack:
        raise QueryError("malformed SPARQL: a '{' without its '}'")
    edits: list[tuple[int, int, str]] = []

    def block(span: tuple[int, int]) -> str:
        names = [n for n in terms if _mentions(blank[span[0]:span[1]], n)]
        if not names:
            return ""
        if len(names) == 1:
            return f" VALUES ?{names[0]} {{ {written[names[0]]} }} "
        return f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(written[n] for n in names)}) }} "

    def walk(lo: int, hi: int, scope: tuple[int, int], where_pending: bool) -> bool:
        i = blank.find("{", lo, hi)
        while i != -1:
            j = pairs[i]
            before = blank[:i]
            short = _CONSTRUCT_WHERE_RE.search(before)
            if short:  # CONSTRUCT WHERE { T }: the template is the pattern; spell both out
                edits.append((short.start(1), short.start(1), sparql[i:j + 1] + " "))
                edits.append((i + 1, i + 1, block(scope)))
                where_pending = False
            elif _CONSTRUCT_RE.search(before) or _VALUES_DATA_RE.search(before) or _SERVICE_RE.search(before):
                pass  # a template, inline data or a federated block: not a place to bind
            elif _SELECT_RE.match(blank, i + 1):  # { SELECT ... }: a subquery, whose WHERE group binds its scope
                walk(i + 1, j, (i, j + 1), True)
            else:
                text = block(scope if where_pending else (i, j + 1))
                if text:
                    edits.append((i + 1, i + 1, text))
                where_pending = False
                walk(i + 1, j, (i, j + 1), False)
            i = blank.find("{", j + 1, hi)
        return where_pending

    if walk(0, len(blank), (0, len(blank)), True):  # no WHERE group at all: DESCRIBE <x> or DESCRIBE ?x
        m = _MODIFIER_RE.search(blank)
        at = m.start() if m else len(sparql)
        edits.append((at, at, f"\nWHERE {{{block((0, len(blank)))}}}" + ("" if m is None else " ")))
    out = sparql
    for start, end, text in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:start] + text + out[end:]
    return out


# --- running ---------------------------------------------------------------------------------------------------
def _materialise(raw: object, keep: tuple[str, ...]) -> QueryResult:
    if isinstance(raw, ox.QueryBoolean):
        return QueryResult(kind="ask", boolean=bool(raw))
    if isinstance(raw, ox.QueryTriples):
        return QueryResult(kind="graph", triples=tuple(raw))
    variables = [v.value for v in raw.variables]  # type: ignore[attr-defined]
    cols = [c for c in keep if c in variables] if keep else variables
    if not cols:
        cols = variables
    idx = [variables.index(c) for c in cols]
    bindings = tuple(tuple(sol[i] for i in idx) for sol in raw)  # type: ignore[attr-defined]
    return QueryResult(kind="select", variables=tuple(cols), bindings=bindings)


def refuse_service(sparql: str, *, allow_service: bool = False) -> None:
    """Raise QueryError when ``sparql`` has a SERVICE clause (or a LOAD) and federation was not allowed: kg works
    offline, and evaluating one would make an outbound request."""
    if allow_service:
        return
    if uses_service(sparql):
        raise QueryError("refusing a query with SERVICE: it would contact another server; pass --allow-service "
                         "to allow federated queries")
    if is_update(sparql) and loads_from_web(sparql):
        raise QueryError("refusing an update with LOAD: it would fetch a document from the web; pass "
                         "--allow-service to allow it")


def run_query(store: GraphStore, query: CannedQuery | str, params: dict[str, str] | None = None, *,
              allow_service: bool = False, limit: int | None = None, offset: int = 0) -> QueryResult:
    """Run a canned query (or SPARQL text) with its parameters bound; read-only (updates raise QueryError).

    ``limit`` and ``offset`` page the answer (``LIMIT`` / ``OFFSET`` added to the query, which keeps its order); a
    query that ends with its own ``LIMIT`` or ``OFFSET`` cannot be paged again (QueryError).

    Canned queries project their parameters and are bound through pyoxigraph ``substitutions``. SPARQL text without
    a header binds each value (a plain literal, or an IRI when written ``<like-this>``) to the variable of that name
    wherever it occurs, in any query form, through :func:`bind_by_values`.
    A query with a SERVICE clause is refused (QueryError) unless ``allow_service``.
    """
    if isinstance(query, str):
        query = parse_query(query, default_name="sparql")
    refuse_service(query.sparql, allow_service=allow_service)
    params = dict(params or {})
    sparql = query.sparql
    if params and not query.params and query.path is None:
        terms = {name: _iri(value, name) if value.startswith("<") and value.endswith(">") else term_from_python(value)
                 for name, value in params.items()}
        sparql, subs = bind_by_values(sparql, terms), {}
    else:
        subs = bind_params(query, params)
    sparql = page(sparql, limit=limit, offset=offset)
    raw = store.query(sparql, substitutions=subs or None)
    try:
        return _materialise(raw, query.columns)
    except (SyntaxError, OSError, RuntimeError) as err:
        raise QueryError(f"query {query.name} failed: {str(err).splitlines()[0] if str(err) else err}") from None


_OWN_PAGE = re.compile(r"\b(?:LIMIT|OFFSET)\s+\d+\s*(?:(?:LIMIT|OFFSET)\s+\d+\s*)?$", re.IGNORECASE)


def page(sparql: str, *, limit: int | None = None, offset: int = 0) -> str:
    """``sparql`` with ``LIMIT limit`` and ``OFFSET offset`` appended (nothing when neither is asked for).

    >>> page("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", limit=10, offset=20)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\nLIMIT 10\nOFFSET 20'
    """
    if limit is None and not offset:
        return sparql
    if (limit is not None and limit < 0) or offset < 0:
        raise QueryError("--limit and --offset must not be negative")
    body = sparql.rstrip()
    if _OWN_PAGE.search("\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))):
        raise QueryError("this query ends with its own LIMIT or OFFSET; it cannot be paged again")
    return body + (f"\nLIMIT {limit}" if limit is not None else "") + (f"\nOFFSET {offset}" if offset else "")


# --- results ---------------------------------------------------------------------------------------------------
_NUMERIC_INT = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                  "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong",
                                  "unsignedInt", "unsignedShort", "unsignedByte")}
_NUMERIC_FLOAT = {XSD + t for t in ("decimal", "double", "float")}


def python_value(t: Term | None) -> object | None:
    """A plain Python value for an RDF term: IRIs as strings, numbers as int/float, booleans as bool.

    >>> python_value(ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")))
    42
    >>> python_value(ox.NamedNode("http://example.org/a"))
    'http://example.org/a'
    """
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return t.value
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Literal):
        dt = t.datatype.value
        try:
            if dt in _NUMERIC_INT:
                return int(t.value)
            if dt in _NUMERIC_FLOAT:
                return float(t.value)
            if dt == XSD + "boolean":
                return t.value in ("true", "1")
        except ValueError:
            return t.value
        return t.value
    return str(t)


def rows(result: QueryResult) -> tuple[list[str], list[list[object | None]]]:
    """Variables and rows of Python values (an ASK gives one ``ask`` column; CONSTRUCT gives s, p, o)."""
    if result.kind == "ask":
        return ["ask"], [[result.boolean]]
    if result.kind == "graph":
        return ["subject", "predicate", "object"], [
            [python_value(t.subject), python_value(t.predicate), python_value(t.object)] for t in result.triples
        ]
    return list(result.variables), [[python_value(t) for t in row] for row in result.bindings]


def compact(value: object | None) -> str:
    """Short display form: IRIs with our prefixes, numbers as they are, unbound as empty.

    >>> compact("https://w3id.org/kgnews/id/org/acme")
    'kgid:org/acme'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    s = str(value)
    best = ""
    for prefix, ns in PREFIXES.items():
        if s.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = s[len(PREFIXES[best]):]
        if re.fullmatch(r"[\w./-]*", local):
            return f"{best}:{local}"
    return s


def _json_term(t: Term) -> dict[str, object]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD + "string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                        "object": _json_term(t.object)}}


def to_json(result: QueryResult) -> dict[str, object]:
    """The W3C SPARQL 1.1 Query Results JSON object (CONSTRUCT results as s/p/o bindings)."""
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    if result.kind == "graph":
        variables = ["subject", "predicate", "object"]
        data = [(t.subject, t.predicate, t.object) for t in result.triples]
    else:
        variables = list(result.variables)
        data = list(result.bindings)  # type: ignore[arg-type]
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in data]
    return {"head": {"vars": variables}, "results": {"bindings": bindings}}


def _csv_value(t: Term | None) -> str:
    """W3C SPARQL CSV: IRIs and literals as their plain value, blank nodes as _:id, unbound empty."""
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.NamedNode | ox.Literal):
        return t.value
    return str(t)


def write_result(result: QueryResult, fmt: str, out: TextIO) -> None:
    """Write ``result`` as ``table`` (plain columns), ``csv``, ``tsv`` (W3C, terms in N-Triples form) or ``json``."""
    fmt = str(getattr(fmt, "value", fmt)).lower()
    if fmt not in FORMATS:
        raise QueryError(f"unknown result format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        import json

        json.dump(to_json(result), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if result.kind == "graph":
        variables = ["subject", "predicate", "object"]
        data: list[tuple[Term | None, ...]] = [(t.subject, t.predicate, t.object) for t in result.triples]
    elif result.kind == "ask":
        variables, data = ["ask"], [(ox.Literal("true" if result.boolean else "false",
                                                datatype=ox.NamedNode(XSD + "boolean")),)]
    else:
        variables, data = list(result.variables), list(result.bindings)
    if fmt == "csv":
        import csv

        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(variables)
        for row in data:
            w.writerow([_csv_value(t) for t in row])
    elif fmt == "tsv":
        out.write("\t".join(f"?{v}" for v in variables) + "\n")
        for row in data:
            out.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    else:
        _write_table(variables, [[python_value(t) for t in row] for row in data], out)


def _write_table(variables: list[str], data: list[list[object | None]], out: TextIO) -> None:
    """Plain columns for reading: a header line, one line per row, cells two spaces apart and padded to the widest
    cell of their column. Nothing is cut or wrapped, so every IRI can be copied whole and the output is the same on
    a terminal and in a pipe; line breaks and tabs in a value print as spaces and other control characters as
    ``\\xNN`` escapes, so a value can neither break the layout nor send escape sequences to a terminal."""
    table = [list(variables), *([_cell(compact(v)) for v in row] for row in data)]
    widths = [max(_width(r[i]) for r in table) for i in range(len(variables))]
    for r in table:
        cells = [c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
    if not data:
        out.write("(no results)\n")


_LAYOUT = re.compile(r"[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _cell(text: str) -> str:
    """One table cell: line breaks and tabs as one space, other control characters escaped.

    >>> _cell("two\\nlines\\x1b[31m")
    'two lines\\\\x1b[31m'
    """
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", _LAYOUT.sub(" ", text))


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters count two, combining marks none."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
