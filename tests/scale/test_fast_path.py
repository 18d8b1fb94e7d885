"""The ingestion fast path: facts -> N-Quads text -> the bulk loader gives exactly the quads of facts_to_quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.facts import DocumentInfo, Evidence, Facts, Investment, Model, Organization, Program, Subsidiary
from kg.rdf import facts_to_nquads, facts_to_quads, nt_literal, nt_string
from kg.store import LocalStore, open_store
from kg.vocab import KG, RDF, document_graph, document_iri

XSD = "http://www.w3.org/2001/XMLSchema#"

# any text but lone surrogates (which no UTF-8 store can hold)
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
SOME_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
# names become IRIs through kg.vocab; keep them to letters, digits and the punctuation names carry
NAME = st.text(st.sampled_from("AbcDéfGhÜ xyz0129.&'\"-()"), min_size=1, max_size=20).filter(lambda s: s.strip())


@st.composite
def evidence(draw: st.DrawFn) -> Evidence:
    start = draw(st.integers(0, 10_000))
    return Evidence(start=start, end=start + draw(st.integers(0, 500)), text=draw(ANY_TEXT),
                    sentence=draw(ANY_TEXT), sentence_start=draw(st.integers(0, 10_000)), rule=draw(SOME_TEXT),
                    confidence=draw(st.floats(-1, 2, allow_nan=False)))


EVS = st.lists(evidence(), max_size=2).map(tuple)
MAYBE_TEXT = st.none() | SOME_TEXT
DAY = st.none() | st.dates().map(lambda d: d.isoformat()) | st.sampled_from(["2025", "2025-07", "not a date"])
AMOUNT = st.floats(1, 1e13, allow_nan=False)


@st.composite
def facts_and_doc(draw: st.DrawFn) -> tuple[Facts, DocumentInfo]:
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique_by=lambda s: s.casefold()))
    pick = st.sampled_from(names) | NAME
    orgs = tuple(Organization(n, aliases=tuple(draw(st.lists(NAME, max_size=2))), kind=draw(MAYBE_TEXT),
                              evidence=draw(EVS)) for n in names)
    subs = tuple(Subsidiary(draw(pick), draw(pick), relation=draw(MAYBE_TEXT), evidence=draw(EVS))
                 for _ in range(draw(st.integers(0, 3))))
    models = tuple(
        Model(draw(NAME), aliases=tuple(draw(st.lists(NAME, max_size=1))), developer=draw(st.none() | pick),
              parameters=draw(st.none() | st.integers(1, 10**13)), sizes=draw(st.none() | st.tuples(st.integers(1, 9))),
              open_source=draw(st.none() | st.booleans()), based_on=draw(st.none() | NAME), status=draw(MAYBE_TEXT),
              evidence=draw(EVS))
        for _ in range(draw(st.integers(0, 2))))
    investments = tuple(
        Investment(draw(pick), draw(AMOUNT), draw(st.sampled_from(["usd", "EUR", "CNY"])),
                   amount_usd=draw(st.none() | AMOUNT), target=draw(st.none() | pick | SOME_TEXT),
                   period_years=draw(st.none() | st.floats(0, 10, allow_nan=False)), qualifier=draw(MAYBE_TEXT),
                   status=draw(MAYBE_TEXT), evidence=draw(EVS), period_start=draw(DAY), period_end=draw(DAY),
                   announced_on=draw(DAY))
        for _ in range(draw(st.integers(0, 2))))
    programs = tuple(Program(draw(NAME), organizers=tuple(draw(st.lists(pick, max_size=2))), evidence=draw(EVS))
                     for _ in range(draw(st.integers(0, 1))))
    doc = DocumentInfo(sha256=draw(st.text("0123456789abcdef", min_size=64, max_size=64)), path=draw(MAYBE_TEXT),
                       title=draw(MAYBE_TEXT), chars=draw(st.integers(0, 10**6)), date=draw(DAY))
    return Facts(organizations=orgs, subsidiaries=subs, models=models, investments=investments,
                 programs=programs), doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_and_doc(), st.sampled_from(["2025-01-02T03:04:05Z", "2024-02-29T23:59:59.5+05:30"]), ANY_TEXT)
def test_nquads_text_is_the_same_set_of_quads_as_facts_to_quads(
        case: tuple[Facts, DocumentInfo], when: str, extractor: str) -> None:
    facts, doc = case
    expected = facts_to_quads(facts, doc, ingested_at=when, extractor=extractor)
    fast = facts_to_nquads(facts, doc, ingested_at=when, extractor=extractor)
    parsed = list(ox.parse(fast.text(), format=ox.RdfFormat.N_QUADS))
    assert set(parsed) == set(expected)
    assert len(parsed) == fast.count == len(expected)  # no duplicate lines
    assert fast.graph == document_graph(doc.sha256).value
    marker = list(ox.parse(fast.marker, format=ox.RdfFormat.N_QUADS))
    assert marker == [ox.Quad(document_iri(doc.sha256), ox.NamedNode(RDF + "type"), ox.NamedNode(KG + "Document"),
                              document_graph(doc.sha256))]
    assert marker[0] not in set(ox.parse(fast.body, format=ox.RdfFormat.N_QUADS))


@given(ANY_TEXT)
def test_nt_string_escapes_as_oxigraph_does(text: str) -> None:
    assert nt_string(text) == str(ox.Literal(text))
    assert next(iter(ox.parse(f"<http://e/s> <http://e/p> {nt_string(text)} .", format=ox.RdfFormat.N_TRIPLES))
                ).object == ox.Literal(text)


@given(ANY_TEXT, st.sampled_from(["en", "EN-gb", "fr-CA", "zh-Hant-TW", "de-CH-1996", "sr-Latn", "x-private"]))
def test_nt_literal_with_language_tag(text: str, lang: str) -> None:
    assert nt_literal(text, language=lang) == str(ox.Literal(text, language=lang))


@given(ANY_TEXT, st.sampled_from(["integer", "decimal", "date", "dateTime", "boolean", "string", "duration"]))
def test_nt_literal_typed(text: str, datatype: str) -> None:
    dt = ox.NamedNode(XSD + datatype)
    assert nt_literal(text, datatype=XSD + datatype) == str(ox.Literal(text, datatype=dt))


def _doc_text(sample: object) -> tuple[str, str, str]:
    facts, doc = sample.facts()  # type: ignore[attr-defined]
    fast = facts_to_nquads(facts, doc, ingested_at=sample.NOW, extractor="hand 1")  # type: ignore[attr-defined]
    return fast.body, fast.marker, fast.graph


def test_local_add_nquads_writes_the_document_marker_last(tmp_path: Path, sample: object) -> None:
    body, marker, graph = _doc_text(sample)
    g = ox.NamedNode(graph)
    with LocalStore(tmp_path / "crashed") as st_:
        st_.add_nquads(body)  # what a crash between body and markers leaves
        assert st_.has_graph(g) and not st_.has_document(g)
    with LocalStore(tmp_path / "whole") as st_:
        st_.add_nquads(body, marker)
        assert st_.has_document(g)
        assert set(st_.quads(g)) == set(sample.quads())  # type: ignore[attr-defined]
    with LocalStore(tmp_path / "pieces") as st_:  # a list of pieces is streamed, even cut inside a line
        st_.add_nquads([body[:7], body[7:500], "", body[500:]], marker)
        assert set(st_.quads(g)) == set(sample.quads())  # type: ignore[attr-defined]


def test_add_nquads_refuses_bad_text_without_writing(tmp_path: Path) -> None:
    from kg.errors import RdfSyntaxError

    with LocalStore(tmp_path / "s") as st_:
        with pytest.raises(RdfSyntaxError):
            st_.add_nquads("", '<http://e/s> <http://e/p> "unterminated <http://e/g> .\n')
        assert len(st_) == 0


def test_remote_add_nquads_goes_through_the_graph_store_protocol(oxigraph_server: object, sample: object) -> None:
    body, marker, graph = _doc_text(sample)
    with open_store(oxigraph_server.url) as remote:  # type: ignore[attr-defined]
        remote.add_nquads(body.encode(), marker.encode())
        assert remote.has_document(ox.NamedNode(graph))
        assert set(remote.quads(ox.NamedNode(graph))) == set(sample.quads())  # type: ignore[attr-defined]


def test_writer_writes_markers_only_after_their_documents(tmp_path: Path, sample: object) -> None:
    from kg.corpus import SourceText
    from kg.ingest import StoreWriter

    facts, _ = sample.facts()  # type: ignore[attr-defined]
    sources = [SourceText.from_text(f"Article number {i}.", id=str(i)) for i in range(5)]
    graphs = [document_graph(s.sha256) for s in sources]
    with LocalStore(tmp_path / "s") as st_:
        writer = StoreWriter(st_, extractor="hand 1", now=sample.NOW, batch_size=2)  # type: ignore[attr-defined]
        for s in sources[:3]:
            writer.add(s, facts)
        # batch 1 (documents 0, 1) is in the store, its markers wait for the next batch: a crash now redoes them
        assert [st_.has_graph(g) for g in graphs] == [True, True, False, False, False]
        assert not any(st_.has_document(g) for g in graphs)
        writer.add(sources[3], facts)
        assert [st_.has_document(g) for g in graphs] == [True, True, False, False, False]
        assert st_.has_graph(graphs[3])
        writer.add(sources[4], facts)
        writer.flush()
        assert all(st_.has_document(g) for g in graphs)
        assert writer.quads == len(st_) and writer.documents == 5
