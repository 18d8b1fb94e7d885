"""Fixtures for the graph tests: hand-written facts about invented companies, and a store built from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from kg.facts import DocumentInfo, Evidence, Facts, Investment, Model, Organization, Program, Subsidiary
from kg.rdf import facts_to_quads
from kg.store import LocalStore
from kg.vocab import document_graph

INGESTED = "2026-01-02T03:04:05Z"
EXTRACTOR = "kg-test 0.0"

TEXT_A = (
    "Halcyon Holdings said on Monday that Halcyon Cloud, its cloud arm, will spend 12 billion euros "
    "(about 13 billion dollars) over two years on data centres. "
    "Halcyon Cloud runs a research unit called Lumen Lab. "
    "Lumen Lab trained the Gale-2 family, which ranges from 1 billion to 30 billion parameters. "
    "A smaller Gale-2-Mini with 7 billion parameters is based on Gale-2. "
    "Halcyon Cloud and Lumen Lab together run the Spark Founders Programme."
)
TEXT_B = (
    "Orchid Ventures put 400 million dollars into Fernwood. "
    "Orchid Ventures is the parent company of Halcyon Holdings. "
    "Fernwood released the Quill-4 models in sizes of 3 billion and 8 billion parameters."
)


def ev(text: str, mention: str, rule: str, confidence: float = 0.9, nth: int = 0) -> Evidence:
    """Evidence for the ``nth`` occurrence of ``mention`` in ``text``, with its sentence."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(mention, start + 1)
    end = start + len(mention)
    s_begin = text.rfind(". ", 0, start)
    s_begin = 0 if s_begin < 0 else s_begin + 2
    s_end = text.find(". ", end)
    s_end = len(text) if s_end < 0 else s_end + 1
    return Evidence(start=start, end=end, text=mention, sentence=text[s_begin:s_end], sentence_start=s_begin,
                    rule=rule, confidence=confidence)


def facts_a() -> Facts:
    t = TEXT_A
    return Facts(
        organizations=(
            Organization("Halcyon Holdings", aliases=("Halcyon",), evidence=(ev(t, "Halcyon Holdings", "ner.org"),)),
            Organization("Halcyon Cloud", kind="arm", evidence=(ev(t, "Halcyon Cloud", "ner.org"),)),
            Organization("Lumen Lab", kind="unit", evidence=(ev(t, "Lumen Lab", "ner.org"),)),
        ),
        subsidiaries=(
            Subsidiary("Halcyon Cloud", "Halcyon", relation="arm",
                       evidence=(ev(t, "Halcyon Cloud, its cloud arm", "sub.appos", 0.8),)),
            Subsidiary("Lumen Lab", "Halcyon Cloud", relation="unit",
                       evidence=(ev(t, "runs a research unit called Lumen Lab", "sub.unit", 0.7),)),
        ),
        models=(
            Model("Gale-2", developer="Lumen Lab", parameters_min=1_000_000_000, parameters_max=30_000_000_000,
                  open_source=True, evidence=(ev(t, "Gale-2 family", "model.range"),)),
            Model("Gale-2-Mini", developer="Lumen Lab", parameters=7_000_000_000, based_on="Gale-2",
                  evidence=(ev(t, "Gale-2-Mini with 7 billion parameters", "model.size"),)),
        ),
        investments=(
            Investment("Halcyon Cloud", amount=12e9, currency="EUR", amount_usd=13e9, target="data centres",
                       period_years=2, evidence=(ev(t, "will spend 12 billion euros", "inv.spend", 0.85),)),
        ),
        programs=(
            Program("Spark Founders Programme", organizers=("Halcyon Cloud", "Lumen Lab"),
                    evidence=(ev(t, "Spark Founders Programme", "prog.run"),)),
        ),
        extractor=EXTRACTOR,
    )


def facts_b() -> Facts:
    t = TEXT_B
    return Facts(
        organizations=(
            Organization("Orchid Ventures", evidence=(ev(t, "Orchid Ventures", "ner.org"),)),
            Organization("Fernwood", evidence=(ev(t, "Fernwood", "ner.org"),)),
            Organization("Halcyon Holdings", evidence=(ev(t, "Halcyon Holdings", "ner.org"),)),
        ),
        subsidiaries=(
            Subsidiary("Halcyon Holdings", "Orchid Ventures", relation="subsidiary",
                       evidence=(ev(t, "is the parent company of Halcyon Holdings", "sub.parent"),)),
        ),
        models=(
            Model("Quill-4", developer="Fernwood", sizes=(3_000_000_000, 8_000_000_000),
                  evidence=(ev(t, "Quill-4 models", "model.sizes"),)),
        ),
        investments=(
            Investment("Orchid Ventures", amount=400e6, currency="USD", amount_usd=400e6, target="Fernwood",
                       evidence=(ev(t, "put 400 million dollars into Fernwood", "inv.put"),)),
        ),
        extractor=EXTRACTOR,
    )


DOC_A = DocumentInfo(sha256="a" * 64, path="news/a.txt", title="Halcyon spends on data centres",
                     chars=len(TEXT_A), date="2026-01-01")
DOC_B = DocumentInfo(sha256="b" * 64, path="news/b.txt", title="Orchid backs Fernwood", chars=len(TEXT_B))


@pytest.fixture(scope="session")
def gd() -> SimpleNamespace:
    """The fixture data, for tests (test modules cannot import conftest: there is no package)."""
    return SimpleNamespace(facts_a=facts_a, facts_b=facts_b, DOC_A=DOC_A, DOC_B=DOC_B, INGESTED=INGESTED,
                           EXTRACTOR=EXTRACTOR, TEXT_A=TEXT_A, TEXT_B=TEXT_B)


@pytest.fixture(scope="session")
def fixture_facts() -> list[tuple[Facts, DocumentInfo]]:
    return [(facts_a(), DOC_A), (facts_b(), DOC_B)]


@pytest.fixture(scope="session")
def graph_store(tmp_path_factory: pytest.TempPathFactory, fixture_facts) -> Iterator[LocalStore]:
    """A read-only store holding the two fixture documents (built once per session)."""
    path: Path = tmp_path_factory.mktemp("graph") / "store"
    store = LocalStore(path)
    for facts, doc in fixture_facts:
        store.replace_graph(document_graph(doc.sha256),
                            facts_to_quads(facts, doc, ingested_at=INGESTED, extractor=EXTRACTOR))
    store.close()
    ro = LocalStore(path, read_only=True)
    yield ro
    ro.close()
