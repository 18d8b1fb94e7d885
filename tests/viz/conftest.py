"""A small fixture store for the graph views, written quad by quad following ontology/README.md.

The names are invented for these tests: a group with a two-level tree, a model family with a fine-tuned
derivative, two investments (one with a USD amount, one at an organization) and a program with two organizers.
A merged external source adds an organization linked by owl:sameAs, with a subsidiary of its own.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import vocab
from kg.store import LocalStore

RDF_TYPE = vocab.term("rdf:type")
LABEL = vocab.term("rdfs:label")
ALT = vocab.term("skos:altLabel")
XSD_INT = vocab.term("xsd:integer")
XSD_DEC = vocab.term("xsd:decimal")
EXT = "https://example.org/registry/"

SHA_A = "a" * 64
SHA_B = "b" * 64


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INT)


def _dec(x: float) -> ox.Literal:
    return ox.Literal(repr(float(x)), datatype=XSD_DEC)


def fixture_quads() -> list[ox.Quad]:
    """Quads of two documents, one mapped external source and its sameAs links."""
    out: list[ox.Quad] = []

    def add(g: ox.NamedNode, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Quad(s, p, o, g))

    ga, gb = vocab.document_graph(SHA_A), vocab.document_graph(SHA_B)
    doc_a, doc_b = vocab.document_iri(SHA_A), vocab.document_iri(SHA_B)
    for g, d in ((ga, doc_a), (gb, doc_b)):
        add(g, d, RDF_TYPE, vocab.kg("Document"))

    def org(g: ox.NamedNode, doc: ox.NamedNode, name: str, *aliases: str) -> ox.NamedNode:
        iri = vocab.org_iri(name)
        add(g, iri, RDF_TYPE, vocab.kg("Organization"))
        add(g, iri, LABEL, ox.Literal(name))
        for a in aliases:
            add(g, iri, ALT, ox.Literal(a))
        add(g, iri, vocab.kg("mentionedIn"), doc)
        return iri

    holdings = org(ga, doc_a, "Northwind Holdings", "Northwind")
    org(gb, doc_b, "Northwind Holdings")
    cloud = org(ga, doc_a, "Northwind Cloud")
    labs = org(ga, doc_a, "Northwind Labs")
    retail = org(ga, doc_a, "Northwind Retail")
    bluebird = org(gb, doc_b, "Bluebird Ventures")
    for child, parent in ((cloud, holdings), (retail, holdings), (labs, cloud)):
        add(ga, child, RDF_TYPE, vocab.kg("Subsidiary"))
        add(ga, child, vocab.kg("subsidiaryOf"), parent)

    zephyr = vocab.model_iri("Zephyr-2")
    add(ga, zephyr, RDF_TYPE, vocab.kg("Model"))
    add(ga, zephyr, LABEL, ox.Literal("Zephyr-2"))
    add(ga, zephyr, vocab.kg("developer"), labs)
    add(ga, zephyr, vocab.kg("minParameterCount"), _int(1_000_000_000))
    add(ga, zephyr, vocab.kg("maxParameterCount"), _int(70_000_000_000))
    for size in (1_000_000_000, 8_000_000_000, 70_000_000_000):
        add(ga, zephyr, vocab.kg("parameterSize"), _int(size))
    add(ga, zephyr, vocab.kg("openSource"), ox.Literal("true", datatype=vocab.term("xsd:boolean")))
    chat = vocab.model_iri("Zephyr-2-Chat")
    add(gb, chat, RDF_TYPE, vocab.kg("Model"))
    add(gb, chat, LABEL, ox.Literal("Zephyr-2-Chat"))
    add(gb, chat, vocab.kg("basedOn"), zephyr)
    add(gb, chat, vocab.kg("developer"), bluebird)
    add(gb, chat, vocab.kg("parameterCount"), _int(8_000_000_000))
    tiny = vocab.model_iri("Gust")
    add(gb, tiny, RDF_TYPE, vocab.kg("Model"))
    add(gb, tiny, LABEL, ox.Literal("Gust"))

    inv1 = vocab.investment_iri("Northwind Holdings", 50e9, "CNY", "data centres")
    amt1 = vocab.amount_iri(50e9, "CNY")
    usd1 = vocab.amount_iri(7e9, "USD")
    add(ga, inv1, RDF_TYPE, vocab.kg("Investment"))
    add(ga, inv1, vocab.kg("investor"), holdings)
    add(ga, inv1, vocab.kg("amount"), amt1)
    add(ga, inv1, vocab.kg("amountUSD"), usd1)
    add(ga, inv1, vocab.kg("target"), ox.Literal("data centres"))
    add(ga, inv1, vocab.kg("periodYears"), _dec(3))
    for amt, value, cur in ((amt1, 50e9, "CNY"), (usd1, 7e9, "USD")):
        add(ga, amt, RDF_TYPE, vocab.term("schema:MonetaryAmount"))
        add(ga, amt, vocab.term("schema:value"), _dec(value))
        add(ga, amt, vocab.term("schema:currency"), ox.Literal(cur))
    inv2 = vocab.investment_iri("Bluebird Ventures", 200e6, "EUR", "Northwind Cloud")
    amt2 = vocab.amount_iri(200e6, "EUR")
    add(gb, inv2, RDF_TYPE, vocab.kg("Investment"))
    add(gb, inv2, vocab.kg("investor"), bluebird)
    add(gb, inv2, vocab.kg("amount"), amt2)
    add(gb, inv2, vocab.kg("target"), ox.Literal("Northwind Cloud"))
    add(gb, inv2, vocab.kg("targetOrganization"), cloud)
    add(gb, amt2, RDF_TYPE, vocab.term("schema:MonetaryAmount"))
    add(gb, amt2, vocab.term("schema:value"), _dec(200e6))
    add(gb, amt2, vocab.term("schema:currency"), ox.Literal("EUR"))

    spark = vocab.program_iri("Spark Accelerator")
    add(gb, spark, RDF_TYPE, vocab.kg("Program"))
    add(gb, spark, LABEL, ox.Literal("Spark Accelerator"))
    add(gb, spark, vocab.kg("organizer"), cloud)
    add(gb, spark, vocab.kg("organizer"), bluebird)

    mapped = vocab.mapped_graph("registry")
    ext_parent, ext_child = ox.NamedNode(EXT + "NW-001"), ox.NamedNode(EXT + "NW-002")
    add(mapped, ext_parent, RDF_TYPE, vocab.kg("Organization"))
    add(mapped, ext_parent, LABEL, ox.Literal("NORTHWIND HOLDINGS LTD"))
    add(mapped, ext_child, RDF_TYPE, vocab.kg("Organization"))
    add(mapped, ext_child, LABEL, ox.Literal("NORTHWIND EUROPE GMBH"))
    add(mapped, ext_child, vocab.kg("subsidiaryOf"), ext_parent)
    add(vocab.links_graph("registry"), holdings, vocab.term("owl:sameAs"), ext_parent)
    return out


def fixture_quads_without_links() -> list[ox.Quad]:
    links = vocab.links_graph("registry")
    return [q for q in fixture_quads() if q.graph_name != links]


@pytest.fixture(scope="session")
def fixture_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("viz") / "store"
    store = LocalStore(path)
    store.add_graphs(fixture_quads())
    store.close()
    return path


@pytest.fixture()
def store(fixture_store_path: Path):
    s = LocalStore(fixture_store_path, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def data(fixture_store_path: Path):
    from kg.graph import load_graph_data

    s = LocalStore(fixture_store_path, read_only=True)
    try:
        return load_graph_data(s)
    finally:
        s.close()


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    """(width, height) of the PNG at ``path``; AssertionError if it is not a PNG."""
    head = path.read_bytes()[:33]
    assert head[:8] == PNG_SIGNATURE, "not a PNG signature"
    length, chunk = struct.unpack(">I4s", head[8:16])
    assert chunk == b"IHDR" and length == 13, "first chunk is not IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.fixture()
def png_size():
    """Function reading (width, height) from a PNG header."""
    return _png_size
