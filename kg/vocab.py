"""Namespaces, prefixes and IRI minting: the one place that knows what our IRIs look like.

IRIs are minted deterministically from normalised names and content hashes, so the same text always gives the same
graph. No other module writes a literal IRI; they call the functions and use the namespace constants here.

>>> org_iri("The Acme Group").value
'https://w3id.org/kgnews/id/org/acme-group'
>>> slug("Go.to")
'go.to'
>>> slug("AB C&D")
'ab-c-d'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pyoxigraph import NamedNode

BASE = "https://w3id.org/kgnews/"
KG = BASE + "ontology#"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"

#: Prefixes used by canned queries, exports and the CLI (prefix -> namespace IRI).
PREFIXES: dict[str, str] = {
    "kg": KG,
    "kgid": ID,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "schema": SCHEMA,
    "nif": NIF,
    "wd": WD,
    "wdt": WDT,
}

#: Graph that holds the ontology when it is loaded into a store.
ONTOLOGY_GRAPH = NamedNode(GRAPH + "ontology")


@lru_cache(maxsize=512)
def kg(local: str) -> NamedNode:
    """A term of our ontology: ``kg("Organization")``."""
    return NamedNode(KG + local)


@lru_cache(maxsize=512)
def term(prefixed: str) -> NamedNode:
    """Expand a prefixed name such as ``"org:subOrganizationOf"``.

    >>> term("rdfs:label").value
    'http://www.w3.org/2000/01/rdf-schema#label'
    """
    prefix, _, local = prefixed.partition(":")
    return NamedNode(PREFIXES[prefix] + local)


_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


def normalise_name(name: str) -> str:
    """Normalise a surface form for comparison: NFKC, casefold, no leading "the", single spaces.

    >>> normalise_name("  The  Acme   Group ")
    'acme group'
    """
    s = unicodedata.normalize("NFKC", name).replace("\u2019", "'").strip()
    s = _LEADING_THE.sub("", s)
    return re.sub(r"\s+", " ", s).casefold()


@lru_cache(maxsize=4096)
def slug(name: str) -> str:
    """A readable, deterministic IRI path segment for a name (letters, digits, '.', '-')."""
    s = normalise_name(name)
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w.]+", "-", s).strip("-.")
    return s or "x"


def digest(*parts: object, length: int = 16) -> str:
    """Short hex digest of parts, for IRIs of things that have no name (evidence, facts, amounts)."""
    import hashlib  # here, not at the top: OpenSSL's start-up costs read-only commands ~3 ms

    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


def org_iri(name: str) -> NamedNode:
    """IRI of an organization (or unit) named ``name``."""
    return NamedNode(f"{ID}org/{slug(name)}")


def model_iri(name: str) -> NamedNode:
    """IRI of an AI model named ``name``."""
    return NamedNode(f"{ID}model/{slug(name)}")


def program_iri(name: str) -> NamedNode:
    """IRI of a program named ``name``."""
    return NamedNode(f"{ID}program/{slug(name)}")


def investment_iri(investor: str, amount: float, currency: str, target: str | None) -> NamedNode:
    """IRI of an investment, from what identifies it: investor, amount, currency and target."""
    return NamedNode(f"{ID}investment/{slug(investor)}-{digest(amount, currency.upper(), target or '')}")


def amount_iri(amount: float, currency: str) -> NamedNode:
    """IRI of a monetary amount (schema:MonetaryAmount) such as 380e9 CNY."""
    return NamedNode(f"{ID}amount/{currency.upper()}-{digest(repr(float(amount)), length=12)}")


def document_iri(sha256: str) -> NamedNode:
    """IRI of a source document, from the sha256 of its bytes."""
    return NamedNode(f"{ID}doc/{sha256}")


def document_graph(sha256: str) -> NamedNode:
    """Named graph holding everything extracted from one document."""
    return NamedNode(f"{GRAPH}doc/{sha256}")


def evidence_iri(sha256: str, start: int, end: int, rule: str) -> NamedNode:
    """IRI of one piece of evidence: a span of a document matched by a rule."""
    return NamedNode(f"{ID}evidence/{sha256[:16]}-{start}-{end}-{digest(rule, length=8)}")


def assertion_iri(sha256: str, subject: NamedNode, predicate: NamedNode, obj: object) -> NamedNode:
    """IRI of a reified statement (a fact with its evidence) made by one document."""
    return NamedNode(f"{ID}fact/{sha256[:16]}-{digest(subject.value, predicate.value, obj)}")


def source_graph(name: str) -> NamedNode:
    """Named graph holding an external source loaded by ``kg merge`` unchanged."""
    return NamedNode(f"{GRAPH}source/{slug(name)}")


def mapped_graph(name: str) -> NamedNode:
    """Named graph holding an external source mapped onto our ontology."""
    return NamedNode(f"{GRAPH}source/{slug(name)}/mapped")


def links_graph(name: str) -> NamedNode:
    """Named graph holding the owl:sameAs links that depend on source ``name``."""
    return NamedNode(f"{GRAPH}links/{slug(name)}")


def identity_links_graph() -> NamedNode:
    """Named graph holding the owl:sameAs links the news identity step draws between organizations of documents."""
    return NamedNode(f"{GRAPH}identity/links")


def identity_graph() -> NamedNode:
    """Named graph holding the identity table: each organization's canonical node, display name, aliases, name keys
    and document count (derived by the identity step, replaced whole each time it runs)."""
    return NamedNode(f"{GRAPH}identity/names")
