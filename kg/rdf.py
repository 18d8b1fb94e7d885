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
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from kg import vocab
from kg.errors import InputError
from kg.facts import DocumentInfo, Evidence, Facts
from kg.vocab import PREFIXES, kg, term

_XSD = vocab.XSD
RDF_TYPE = term("rdf:type")
RDFS_LABEL = term("rdfs:label")
SKOS_ALT = term("skos:altLabel")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(_XSD + datatype))


def _int(value: int) -> Literal:
    return _typed(str(int(value)), "integer")


def _nonneg(value: int) -> Literal:
    """An offset or count: ``xsd:integer`` (Oxigraph stores xsd:nonNegativeInteger as xsd:integer anyway)."""
    return _typed(str(max(0, int(value))), "integer")


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


def _decimal(value: float | int) -> Literal:
    return _typed(decimal_lexical(value), "decimal")


def _bool(value: bool) -> Literal:
    return _typed("true" if value else "false", "boolean")


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


def _date_literal(text: str | None) -> Literal | None:
    """``xsd:date`` (or gYearMonth / gYear) for an ISO-ish date string; None when it is not one."""
    if not text:
        return None
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d = m.groups()
    if d:
        return _typed(f"{y}-{mo}-{d}", "date")
    if mo:
        return _typed(f"{y}-{mo}", "gYearMonth")
    return _typed(y, "gYear")


def _key(name: str) -> str:
    """Resolution key: the IRI slug, which ignores case, punctuation, possessive 's and a leading "the"."""
    return vocab.slug(name)


class _Builder:
    """Collects the quads of one document; knows the names seen so far."""

    def __init__(self, doc: DocumentInfo) -> None:
        self.graph = vocab.document_graph(doc.sha256)
        self.sha = doc.sha256
        self.doc = vocab.document_iri(doc.sha256)
        self.quads: set[Quad] = set()
        self.orgs: dict[str, tuple[NamedNode, str]] = {}
        self.models: dict[str, tuple[NamedNode, str]] = {}
        self.programs: dict[str, tuple[NamedNode, str]] = {}
        self.evidence_seen: set[str] = set()

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.quads.add(Quad(s, p, o, self.graph))

    # --- entities ------------------------------------------------------------------------------------------
    def register(self, table: dict[str, tuple[NamedNode, str]], iri: NamedNode, name: str,
                 forms: Iterable[str]) -> tuple[NamedNode, str]:
        """Record the forms of one entity; a record whose name is already known joins that entity."""
        found = table.setdefault(_key(name), (iri, name))
        for form in forms:
            table.setdefault(_key(form), found)
        return found

    def entity(self, iri: NamedNode, cls: str, name: str, aliases: Iterable[str]) -> None:
        self.add(iri, RDF_TYPE, kg(cls))
        self.add(iri, RDFS_LABEL, Literal(name))
        for alias in aliases:
            if alias and alias != name:
                self.add(iri, SKOS_ALT, Literal(alias))
        self.add(iri, kg("mentionedIn"), self.doc)

    def org(self, name: str) -> tuple[NamedNode, str]:
        """IRI and canonical name of the organization called ``name`` (minted when unknown)."""
        found = self.orgs.get(_key(name))
        if found is not None:
            return found
        iri = vocab.org_iri(name)
        self.entity(iri, "Organization", name, ())
        self.orgs[_key(name)] = (iri, name)
        return iri, name

    def model(self, name: str) -> NamedNode:
        found = self.models.get(_key(name))
        if found is not None:
            return found[0]
        iri = vocab.model_iri(name)
        self.entity(iri, "Model", name, ())
        self.models[_key(name)] = (iri, name)
        return iri

    # --- provenance ----------------------------------------------------------------------------------------
    def evidence(self, subject: NamedNode, evs: Iterable[Evidence]) -> None:
        for ev in evs:
            iri = vocab.evidence_iri(self.sha, ev.start, ev.end, ev.rule)
            self.add(subject, kg("evidence"), iri)
            if iri.value in self.evidence_seen:
                continue
            self.evidence_seen.add(iri.value)
            self.add(iri, RDF_TYPE, kg("Evidence"))
            self.add(iri, kg("inDocument"), self.doc)
            self.add(iri, term("prov:wasDerivedFrom"), self.doc)
            self.add(iri, term("nif:anchorOf"), Literal(ev.text))
            self.add(iri, term("nif:beginIndex"), _nonneg(ev.start))
            self.add(iri, term("nif:endIndex"), _nonneg(ev.end))
            if ev.sentence:
                self.add(iri, kg("sentence"), Literal(ev.sentence))
                self.add(iri, kg("sentenceBegin"), _nonneg(ev.sentence_start))
            self.add(iri, kg("rule"), Literal(ev.rule))
            self.add(iri, kg("confidence"), _decimal(min(1.0, max(0.0, round(float(ev.confidence), 4)))))

    def relation(self, s: NamedNode, prop: str, o: NamedNode, evs: Iterable[Evidence],
                 kind: str | None = None) -> None:
        """``s kg:prop o`` in the graph, plus its reification with the document and evidence."""
        p = kg(prop)
        self.add(s, p, o)
        fact = vocab.assertion_iri(self.sha, s, p, o.value)
        self.add(fact, RDF_TYPE, kg("Assertion"))
        self.add(fact, term("rdf:subject"), s)
        self.add(fact, term("rdf:predicate"), p)
        self.add(fact, term("rdf:object"), o)
        self.add(fact, kg("statedIn"), self.doc)
        if kind:
            self.add(fact, kg("relationKind"), Literal(kind))
        self.evidence(fact, evs)

    def sorted_quads(self) -> list[Quad]:
        return sorted(self.quads, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))


def facts_to_quads(facts: Facts, doc: DocumentInfo, *, ingested_at: str, extractor: str,
                   sort: bool = True) -> list[Quad]:
    """All quads for one document, in ``kg.vocab.document_graph(doc.sha256)``, sorted and without duplicates.

    ``ingested_at`` is an ``xsd:dateTime`` lexical form (the caller keeps the first ingestion time on re-ingest);
    ``extractor`` names the extractor version. The same arguments always give the same list (``sort=False``
    skips the sorting, for writers that do not care about order; the set of quads is the same).
    """
    b = _Builder(doc)

    # Document.
    d = b.doc
    b.add(d, RDF_TYPE, kg("Document"))
    b.add(d, kg("sha256"), Literal(doc.sha256))
    b.add(d, kg("characterCount"), _nonneg(doc.chars))
    b.add(d, kg("ingestedAt"), _typed(canonical_datetime(ingested_at), "dateTime"))
    if extractor:
        b.add(d, kg("extractorVersion"), Literal(extractor))
    if doc.title:
        b.add(d, term("dcterms:title"), Literal(doc.title))
    if doc.path:
        b.add(d, kg("sourcePath"), Literal(doc.path))
    date = _date_literal(doc.date)
    if date is not None:
        b.add(d, term("dcterms:date"), date)

    # Names first, so relations resolve whatever the order of the records.
    org_ids = [b.register(b.orgs, vocab.org_iri(o.name), o.name, o.forms) for o in facts.organizations]
    model_ids = [b.register(b.models, vocab.model_iri(m.name), m.name, m.forms) for m in facts.models]

    for o, (iri, name) in zip(facts.organizations, org_ids, strict=True):
        b.entity(iri, "Organization", name, o.forms)
        if o.kind:
            b.add(iri, kg("orgKind"), Literal(o.kind))
        b.evidence(iri, o.evidence)

    for s in facts.subsidiaries:
        child, _ = b.org(s.child)
        parent, _ = b.org(s.parent)
        if child == parent:
            continue
        b.add(child, RDF_TYPE, kg("Subsidiary"))
        b.relation(child, "subsidiaryOf", parent, s.evidence, s.relation)

    for m, (iri, name) in zip(facts.models, model_ids, strict=True):
        b.entity(iri, "Model", name, m.forms)
        b.evidence(iri, m.evidence)
        if m.parameters is not None:
            b.add(iri, kg("parameterCount"), _int(m.parameters))
        if m.parameters_min is not None:
            b.add(iri, kg("minParameterCount"), _int(m.parameters_min))
        if m.parameters_max is not None:
            b.add(iri, kg("maxParameterCount"), _int(m.parameters_max))
        for size in m.sizes or ():
            b.add(iri, kg("parameterSize"), _int(size))
        if m.active_parameters is not None:
            b.add(iri, kg("activeParameterCount"), _int(m.active_parameters))
        if m.open_source is not None:
            b.add(iri, kg("openSource"), _bool(m.open_source))
        if m.status:
            b.add(iri, kg("releaseStatus"), Literal(m.status))
        if m.developer:
            dev, _ = b.org(m.developer)
            b.relation(iri, "developer", dev, m.evidence)
        if m.based_on:
            base = b.model(m.based_on)
            if base != iri:
                b.relation(iri, "basedOn", base, m.evidence)

    for inv in facts.investments:
        investor, investor_name = b.org(inv.investor)
        iri = vocab.investment_iri(investor_name, inv.amount, inv.currency, inv.target)
        currency = inv.currency.upper()
        b.add(iri, RDF_TYPE, kg("Investment"))
        b.add(iri, RDFS_LABEL, Literal(f"{investor_name}: {decimal_lexical(inv.amount)} {currency}"))
        b.add(iri, kg("mentionedIn"), d)
        amount = vocab.amount_iri(inv.amount, currency)
        b.add(iri, kg("amount"), amount)
        b.add(amount, RDF_TYPE, term("schema:MonetaryAmount"))
        b.add(amount, term("schema:value"), _decimal(inv.amount))
        b.add(amount, term("schema:currency"), Literal(currency))
        if inv.amount_usd is not None:
            usd = vocab.amount_iri(inv.amount_usd, "USD")
            b.add(iri, kg("amountUSD"), usd)
            b.add(usd, RDF_TYPE, term("schema:MonetaryAmount"))
            b.add(usd, term("schema:value"), _decimal(inv.amount_usd))
            b.add(usd, term("schema:currency"), Literal("USD"))
        if inv.target:
            b.add(iri, kg("target"), Literal(inv.target))
            known = b.orgs.get(_key(inv.target))
            if known is not None:
                b.relation(iri, "targetOrganization", known[0], inv.evidence)
        if inv.period_years is not None and inv.period_years > 0:
            b.add(iri, kg("periodYears"), _decimal(inv.period_years))
            duration = duration_of_years(inv.period_years)
            if duration:
                b.add(iri, kg("period"), _typed(duration, "duration"))
        for prop, day in (("periodStart", inv.period_start), ("periodEnd", inv.period_end),
                          ("announcedOn", inv.announced_on)):
            if day and (lit := _date_literal(day)) is not None:
                b.add(iri, kg(prop), lit)
        if inv.qualifier:
            b.add(iri, kg("qualifier"), Literal(inv.qualifier))
        if inv.status:
            b.add(iri, kg("status"), Literal(inv.status))
        b.evidence(iri, inv.evidence)
        b.relation(iri, "investor", investor, inv.evidence)

    for p in facts.programs:
        iri, name = b.register(b.programs, vocab.program_iri(p.name), p.name, p.forms)
        b.entity(iri, "Program", name, p.forms)
        b.evidence(iri, p.evidence)
        for organizer in p.organizers:
            org, _ = b.org(organizer)
            b.relation(iri, "organizer", org, p.evidence)

    return b.sorted_quads() if sort else list(b.quads)


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
