"""Mapping facts to RDF: the one place that turns :class:`kg.facts.Facts` into quads, as ``ontology/README.md`` says.

It owns the shape of the data (which triples a fact becomes) but not the IRIs (:mod:`kg.vocab` mints them) nor the
store (:mod:`kg.store` keeps the quads). It never imports spaCy or touches ``pyoxigraph.Store``.

Rules:

- everything from one document goes into ``kg.vocab.document_graph(doc.sha256)``;
- no blank nodes: every node has an IRI minted from names, hashes or offsets, so the same facts always give the
  same quads (the output is deduplicated and sorted);
- relations name entities by name or alias; they are resolved within the facts (ignoring case, punctuation and a
  leading "the"); a name that matches nothing mints a new organization (or model, for ``based_on``);
- every relation triple is also reified as a ``kg:Assertion`` that carries the document and the evidence.

The mapping (:func:`_map`) is written once against a small term writer, with two implementations: pyoxigraph
objects (:func:`facts_to_quads`, for callers that want quads) and N-Quads text (:func:`facts_to_nquads`, the
ingestion fast path: building pyoxigraph objects one by one in Python costs more than the store's own parser, so
batches are handed to the store's bulk loader as text). Both give the same quads (a property test checks).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from kg import vocab
from kg.errors import InputError
from kg.facts import DocumentInfo, Evidence, Facts
from kg.vocab import KG, PREFIXES, term

_XSD = vocab.XSD
RDF_TYPE = term("rdf:type")
RDFS_LABEL = term("rdfs:label")
SKOS_ALT = term("skos:altLabel")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def canonical_datetime(text: str) -> str:
    """Canonical ``xsd:dateTime`` lexical form (UTC as ``Z``, no trailing zeros in fractions), as Oxigraph stores it.

    >>> canonical_datetime("2026-01-02T05:04:05.120000+02:00")
    '2026-01-02T03:04:05.12Z'
    >>> canonical_datetime("2026-01-02T03:04:05")
    '2026-01-02T03:04:05'
    """
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"ingestion time {text!r} is not an ISO 8601 date-time") from None
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    out = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        out += f".{t.microsecond:06d}".rstrip("0")
    return out + ("Z" if t.tzinfo is not None else "")


def decimal_lexical(value: float | int) -> str:
    """Canonical-looking ``xsd:decimal`` lexical form of a number (no exponent, no trailing zeros).

    >>> decimal_lexical(380000000000.0), decimal_lexical(0.85), decimal_lexical(3), decimal_lexical(1e-7)
    ('380000000000', '0.85', '3', '0.0000001')
    """
    d = Decimal(repr(float(value))).normalize()
    s = format(d, "f")
    return "0" if s in ("-0", "") else s


def duration_of_years(years: float) -> str | None:
    """``xsd:duration`` for a period in years when it is a whole number of months, else None.

    >>> duration_of_years(3), duration_of_years(1.5), duration_of_years(0.25), duration_of_years(0.1)
    ('P3Y', 'P18M', 'P3M', None)
    """
    months = years * 12
    if years <= 0 or abs(months - round(months)) > 1e-9:
        return None
    m = round(months)
    return f"P{m // 12}Y" if m % 12 == 0 else f"P{m}M"


def _date_lexical(text: str | None) -> tuple[str, str] | None:
    """``(lexical, xsd type)`` of an ISO-ish date string: ``date``, ``gYearMonth`` or ``gYear``; None otherwise."""
    if not text:
        return None
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d = m.groups()
    if d:
        return f"{y}-{mo}-{d}", "date"
    if mo:
        return f"{y}-{mo}", "gYearMonth"
    return y, "gYear"


def _key(name: str) -> str:
    """Resolution key: the IRI slug, which ignores case, punctuation, possessive 's and a leading "the"."""
    return vocab.slug(name)


# --- N-Triples text of terms ----------------------------------------------------------------------------------------

_NT_ESCAPES = {c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F)} | {
    0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_NT_SPECIAL = re.compile(r'[\x00-\x1f\x7f"\\]')


def nt_string(value: str) -> str:
    """A quoted N-Triples string, escaped as Oxigraph writes it (``str(pyoxigraph.Literal(value))``).

    >>> print(nt_string('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    if _NT_SPECIAL.search(value) is None:
        return f'"{value}"'
    return f'"{value.translate(_NT_ESCAPES)}"'


def nt_literal(value: str, *, datatype: str | None = None, language: str | None = None) -> str:
    """N-Triples text of a literal: plain (``xsd:string``), with a language tag, or typed by a datatype IRI.

    >>> nt_literal("3", datatype="http://www.w3.org/2001/XMLSchema#integer")
    '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> nt_literal("Bonjour", language="fr-CA")
    '"Bonjour"@fr-ca'
    """
    if language:
        return f"{nt_string(value)}@{language.lower()}"
    if datatype and datatype != _XSD + "string":
        return f"{nt_string(value)}^^<{datatype}>"
    return nt_string(value)


@lru_cache(maxsize=1024)
def _vocab_node(iri: str) -> NamedNode:
    return NamedNode(iri)


@lru_cache(maxsize=1024)
def _vocab_text(iri: str) -> str:
    return f"<{_vocab_node(iri).value}>"  # through NamedNode: the IRI is validated once


class _ObjectTerms:
    """Terms and quads as pyoxigraph objects."""

    def __init__(self, graph: str) -> None:
        self.graph = NamedNode(graph)
        self._iris: dict[str, NamedNode] = {}

    def iri(self, value: str) -> NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = NamedNode(value)
        return node

    vocab = staticmethod(_vocab_node)

    def lit(self, value: str) -> Literal:
        return Literal(value)

    def typed(self, lexical: str, datatype: str) -> Literal:
        return Literal(lexical, datatype=_vocab_node(_XSD + datatype))

    def quad(self, s: Any, p: Any, o: Any) -> Quad:
        return Quad(s, p, o, self.graph)


class _TextTerms:
    """Terms and quads as N-Quads text (one line per quad, newline included).

    IRIs come from :mod:`kg.vocab` (which validates them as ``NamedNode``) or from our vocabulary, so they need no
    escaping; literals are escaped by :func:`nt_string`.
    """

    def __init__(self, graph: str) -> None:
        self.tail = f" <{NamedNode(graph).value}> .\n"
        self._iris: dict[str, str] = {}

    def iri(self, value: str) -> str:
        text = self._iris.get(value)
        if text is None:
            text = self._iris[value] = f"<{value}>"
        return text

    vocab = staticmethod(_vocab_text)

    lit = staticmethod(nt_string)

    def typed(self, lexical: str, datatype: str) -> str:
        return f"{nt_string(lexical)}^^<{_XSD}{datatype}>"

    def quad(self, s: str, p: str, o: str) -> str:
        return f"{s} {p} {o}{self.tail}"


_RDF_TYPE = vocab.RDF + "type"
_RDFS_LABEL = vocab.RDFS + "label"
_SKOS_ALT = vocab.SKOS + "altLabel"


class _Builder:
    """Collects the quads of one document (through a term writer); knows the names seen so far.

    Entities are kept as IRI strings (``kg.vocab`` mints them); the writer turns them into terms. The document's
    ``a kg:Document`` quad is kept apart (:attr:`marker`): writers store it last, so a graph without it is known to
    be incomplete.
    """

    def __init__(self, doc: DocumentInfo, terms: _ObjectTerms | _TextTerms) -> None:
        self.t = terms
        self.sha = doc.sha256
        self.doc = terms.iri(vocab.document_iri(doc.sha256).value)
        self.quads: set[Any] = set()
        self.orgs: dict[str, tuple[str, str]] = {}
        self.models: dict[str, tuple[str, str]] = {}
        self.programs: dict[str, tuple[str, str]] = {}
        self.evidence_seen: set[str] = set()
        self.a = terms.vocab(_RDF_TYPE)
        self.marker = terms.quad(self.doc, self.a, self.kg("Document"))

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.quads.add(self.t.quad(s, p, o))

    def kg(self, local: str) -> Any:
        """A term of our ontology."""
        return self.t.vocab(KG + local)

    def term(self, prefixed: str) -> Any:
        """A term of a reused vocabulary (``"schema:value"``)."""
        return self.t.vocab(term(prefixed).value)

    def lit(self, value: str) -> Any:
        return self.t.lit(value)

    def typed(self, lexical: str, datatype: str) -> Any:
        return self.t.typed(lexical, datatype)

    def int(self, value: int) -> Any:
        return self.t.typed(str(int(value)), "integer")

    def nonneg(self, value: int) -> Any:
        """An offset or count: ``xsd:integer`` (Oxigraph stores xsd:nonNegativeInteger as xsd:integer anyway)."""
        return self.t.typed(str(max(0, int(value))), "integer")

    def decimal(self, value: float | int) -> Any:
        return self.t.typed(decimal_lexical(value), "decimal")

    def bool(self, value: bool) -> Any:
        return self.t.typed("true" if value else "false", "boolean")

    def date(self, text: str | None) -> Any:
        """``xsd:date`` (or gYearMonth / gYear) for an ISO-ish date string; None when it is not one."""
        found = _date_lexical(text)
        return None if found is None else self.t.typed(*found)

    # --- entities ------------------------------------------------------------------------------------------
    def register(self, table: dict[str, tuple[str, str]], iri: NamedNode, name: str,
                 forms: Iterable[str]) -> tuple[str, str]:
        """Record the forms of one entity; a record whose name is already known joins that entity."""
        found = table.setdefault(_key(name), (iri.value, name))
        for form in forms:
            table.setdefault(_key(form), found)
        return found

    def entity(self, iri: str, cls: str, name: str, aliases: Iterable[str]) -> None:
        s = self.t.iri(iri)
        self.add(s, self.a, self.kg(cls))
        self.add(s, self.t.vocab(_RDFS_LABEL), self.t.lit(name))
        for alias in aliases:
            if alias and alias != name:
                self.add(s, self.t.vocab(_SKOS_ALT), self.t.lit(alias))
        self.add(s, self.kg("mentionedIn"), self.doc)

    def org(self, name: str) -> tuple[str, str]:
        """IRI and canonical name of the organization called ``name`` (minted when unknown)."""
        found = self.orgs.get(_key(name))
        if found is not None:
            return found
        iri = vocab.org_iri(name).value
        self.entity(iri, "Organization", name, ())
        self.orgs[_key(name)] = (iri, name)
        return iri, name

    def model(self, name: str) -> str:
        found = self.models.get(_key(name))
        if found is not None:
            return found[0]
        iri = vocab.model_iri(name).value
        self.entity(iri, "Model", name, ())
        self.models[_key(name)] = (iri, name)
        return iri

    # --- provenance ----------------------------------------------------------------------------------------
    def evidence(self, subject: str, evs: Iterable[Evidence]) -> None:
        s = self.t.iri(subject)
        has_evidence = self.kg("evidence")
        for ev in evs:
            iri = vocab.evidence_iri(self.sha, ev.start, ev.end, ev.rule).value
            e = self.t.iri(iri)
            self.add(s, has_evidence, e)
            if iri in self.evidence_seen:
                continue
            self.evidence_seen.add(iri)
            self.add(e, self.a, self.kg("Evidence"))
            self.add(e, self.kg("inDocument"), self.doc)
            self.add(e, self.term("prov:wasDerivedFrom"), self.doc)
            self.add(e, self.term("nif:anchorOf"), self.lit(ev.text))
            self.add(e, self.term("nif:beginIndex"), self.nonneg(ev.start))
            self.add(e, self.term("nif:endIndex"), self.nonneg(ev.end))
            if ev.sentence:
                self.add(e, self.kg("sentence"), self.lit(ev.sentence))
                self.add(e, self.kg("sentenceBegin"), self.nonneg(ev.sentence_start))
            self.add(e, self.kg("rule"), self.lit(ev.rule))
            self.add(e, self.kg("confidence"), self.decimal(min(1.0, max(0.0, round(float(ev.confidence), 4)))))

    def relation(self, s: str, prop: str, o: str, evs: Iterable[Evidence], kind: str | None = None) -> None:
        """``s kg:prop o`` in the graph, plus its reification with the document and evidence."""
        p = KG + prop
        st, pt, ot = self.t.iri(s), self.t.vocab(p), self.t.iri(o)
        self.add(st, pt, ot)
        fact = vocab.assertion_iri(self.sha, NamedNode(s), NamedNode(p), o).value
        f = self.t.iri(fact)
        self.add(f, self.a, self.kg("Assertion"))
        self.add(f, self.term("rdf:subject"), st)
        self.add(f, self.term("rdf:predicate"), pt)
        self.add(f, self.term("rdf:object"), ot)
        self.add(f, self.kg("statedIn"), self.doc)
        if kind:
            self.add(f, self.kg("relationKind"), self.lit(kind))
        self.evidence(fact, evs)


def _map(b: _Builder, facts: Facts, doc: DocumentInfo, *, ingested_at: str, extractor: str) -> None:
    """Every quad of one document into ``b`` (the ``a kg:Document`` marker is ``b.marker``)."""
    d = b.doc
    b.add(d, b.kg("sha256"), b.lit(doc.sha256))
    b.add(d, b.kg("characterCount"), b.nonneg(doc.chars))
    b.add(d, b.kg("ingestedAt"), b.typed(canonical_datetime(ingested_at), "dateTime"))
    if extractor:
        b.add(d, b.kg("extractorVersion"), b.lit(extractor))
    if doc.title:
        b.add(d, b.term("dcterms:title"), b.lit(doc.title))
    if doc.path:
        b.add(d, b.kg("sourcePath"), b.lit(doc.path))
    date = b.date(doc.date)
    if date is not None:
        b.add(d, b.term("dcterms:date"), date)

    # Names first, so relations resolve whatever the order of the records.
    org_ids = [b.register(b.orgs, vocab.org_iri(o.name), o.name, o.forms) for o in facts.organizations]
    model_ids = [b.register(b.models, vocab.model_iri(m.name), m.name, m.forms) for m in facts.models]

    for o, (iri, name) in zip(facts.organizations, org_ids, strict=True):
        b.entity(iri, "Organization", name, o.forms)
        if o.kind:
            b.add(b.t.iri(iri), b.kg("orgKind"), b.lit(o.kind))
        b.evidence(iri, o.evidence)

    for s in facts.subsidiaries:
        child, _ = b.org(s.child)
        parent, _ = b.org(s.parent)
        if child == parent:
            continue
        b.add(b.t.iri(child), b.a, b.kg("Subsidiary"))
        b.relation(child, "subsidiaryOf", parent, s.evidence, s.relation)

    for m, (iri, name) in zip(facts.models, model_ids, strict=True):
        b.entity(iri, "Model", name, m.forms)
        b.evidence(iri, m.evidence)
        mt = b.t.iri(iri)
        if m.parameters is not None:
            b.add(mt, b.kg("parameterCount"), b.int(m.parameters))
        if m.parameters_min is not None:
            b.add(mt, b.kg("minParameterCount"), b.int(m.parameters_min))
        if m.parameters_max is not None:
            b.add(mt, b.kg("maxParameterCount"), b.int(m.parameters_max))
        for size in m.sizes or ():
            b.add(mt, b.kg("parameterSize"), b.int(size))
        if m.active_parameters is not None:
            b.add(mt, b.kg("activeParameterCount"), b.int(m.active_parameters))
        if m.open_source is not None:
            b.add(mt, b.kg("openSource"), b.bool(m.open_source))
        if m.status:
            b.add(mt, b.kg("releaseStatus"), b.lit(m.status))
        if m.developer:
            dev, _ = b.org(m.developer)
            b.relation(iri, "developer", dev, m.evidence)
        if m.based_on:
            base = b.model(m.based_on)
            if base != iri:
                b.relation(iri, "basedOn", base, m.evidence)

    for inv in facts.investments:
        investor, investor_name = b.org(inv.investor)
        iri = vocab.investment_iri(investor_name, inv.amount, inv.currency, inv.target).value
        it = b.t.iri(iri)
        currency = inv.currency.upper()
        b.add(it, b.a, b.kg("Investment"))
        b.add(it, b.t.vocab(_RDFS_LABEL), b.lit(f"{investor_name}: {decimal_lexical(inv.amount)} {currency}"))
        b.add(it, b.kg("mentionedIn"), d)
        amount = b.t.iri(vocab.amount_iri(inv.amount, currency).value)
        b.add(it, b.kg("amount"), amount)
        b.add(amount, b.a, b.term("schema:MonetaryAmount"))
        b.add(amount, b.term("schema:value"), b.decimal(inv.amount))
        b.add(amount, b.term("schema:currency"), b.lit(currency))
        if inv.amount_usd is not None:
            usd = b.t.iri(vocab.amount_iri(inv.amount_usd, "USD").value)
            b.add(it, b.kg("amountUSD"), usd)
            b.add(usd, b.a, b.term("schema:MonetaryAmount"))
            b.add(usd, b.term("schema:value"), b.decimal(inv.amount_usd))
            b.add(usd, b.term("schema:currency"), b.lit("USD"))
        if inv.target:
            b.add(it, b.kg("target"), b.lit(inv.target))
            known = b.orgs.get(_key(inv.target))
            if known is not None:
                b.relation(iri, "targetOrganization", known[0], inv.evidence)
        if inv.period_years is not None and inv.period_years > 0:
            b.add(it, b.kg("periodYears"), b.decimal(inv.period_years))
            duration = duration_of_years(inv.period_years)
            if duration:
                b.add(it, b.kg("period"), b.typed(duration, "duration"))
        for prop, day in (("periodStart", inv.period_start), ("periodEnd", inv.period_end),
                          ("announcedOn", inv.announced_on)):
            if day and (lit := b.date(day)) is not None:
                b.add(it, b.kg(prop), lit)
        if inv.qualifier:
            b.add(it, b.kg("qualifier"), b.lit(inv.qualifier))
        if inv.status:
            b.add(it, b.kg("status"), b.lit(inv.status))
        b.evidence(iri, inv.evidence)
        b.relation(iri, "investor", investor, inv.evidence)

    for p in facts.programs:
        iri, name = b.register(b.programs, vocab.program_iri(p.name), p.name, p.forms)
        b.entity(iri, "Program", name, p.forms)
        b.evidence(iri, p.evidence)
        for organizer in p.organizers:
            org, _ = b.org(organizer)
            b.relation(iri, "organizer", org, p.evidence)


def facts_to_quads(facts: Facts, doc: DocumentInfo, *, ingested_at: str, extractor: str,
                   sort: bool = True) -> list[Quad]:
    """All quads for one document, in ``kg.vocab.document_graph(doc.sha256)``, sorted and without duplicates.

    ``ingested_at`` is an ``xsd:dateTime`` lexical form (the caller keeps the first ingestion time on re-ingest);
    ``extractor`` names the extractor version. The same arguments always give the same list (``sort=False``
    skips the sorting, for writers that do not care about order; the set of quads is the same).
    """
    b = _Builder(doc, _ObjectTerms(vocab.document_graph(doc.sha256).value))
    _map(b, facts, doc, ingested_at=ingested_at, extractor=extractor)
    quads = [b.marker, *b.quads]
    if sort:
        quads.sort(key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    return quads


@dataclass(frozen=True, slots=True)
class DocumentNQuads:
    """One document's quads as N-Quads text (what :func:`facts_to_nquads` returns).

    ``body`` holds every quad but the document's ``a kg:Document`` line, which is ``marker``: a writer stores the
    body first and the marker last, so a crash in between leaves a graph that reads as incomplete
    (:meth:`kg.store.GraphStore.has_document`). ``count`` is the number of quads, marker included.
    """

    graph: str
    body: str
    marker: str
    count: int

    def text(self) -> str:
        """The whole document as N-Quads, marker last."""
        return self.body + self.marker

    def quads(self) -> list[Quad]:
        """The quads as pyoxigraph objects (the same set as :func:`facts_to_quads`)."""
        return list(parse(self.text(), format=RdfFormat.N_QUADS))


def facts_to_nquads(facts: Facts, doc: DocumentInfo, *, ingested_at: str, extractor: str) -> DocumentNQuads:
    """The quads of :func:`facts_to_quads` as N-Quads text, for the store's bulk loader (no order guaranteed)."""
    graph = vocab.document_graph(doc.sha256).value
    b = _Builder(doc, _TextTerms(graph))
    _map(b, facts, doc, ingested_at=ingested_at, extractor=extractor)
    return DocumentNQuads(graph=graph, body="".join(b.quads), marker=b.marker, count=len(b.quads) + 1)


def quads_to_turtle(quads: Iterable[Quad]) -> str:
    """Turtle of the triples of ``quads`` (graph names dropped), sorted, with our prefixes sorted too."""
    triples = sorted({Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    raw = (serialize(triples, format=RdfFormat.TURTLE, prefixes=PREFIXES) or b"").decode("utf-8")
    lines = raw.split("\n")
    n = 0
    while n < len(lines) and lines[n].startswith("@prefix"):
        n += 1
    return "\n".join(sorted(lines[:n]) + lines[n:])


def facts_to_turtle(facts: Facts, doc: DocumentInfo, *, ingested_at: str, extractor: str) -> str:
    """The Turtle of :func:`facts_to_quads` (for ``kg extract --format turtle``, no store needed)."""
    return quads_to_turtle(facts_to_quads(facts, doc, ingested_at=ingested_at, extractor=extractor))
