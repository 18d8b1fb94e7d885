"""Fixtures for the merge tests: fresh stores, the shared GLEIF/FIBO samples, hand-written facts of one article."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.store import GraphStore, LocalStore


@pytest.fixture
def store(tmp_path: Path) -> GraphStore:
    s = LocalStore(tmp_path / "store")
    yield s
    s.close()


@pytest.fixture
def article() -> object:
    """A function giving the quads of the hand-written article (for a given sha256)."""
    return article_quads


def article_quads(sha: str = "a" * 64) -> list:
    """Quads of one hand-written article about a cloud unit of Alibaba Group (kg.rdf.facts_to_quads)."""
    from kg.facts import DocumentInfo, Evidence, Facts, Organization, Subsidiary
    from kg.rdf import facts_to_quads

    text = "Hangzhou Cloudworks, the cloud arm of the Alibaba Group, opened two data halls this spring."
    ev = Evidence(start=0, end=19, text="Hangzhou Cloudworks", sentence=text, sentence_start=0, rule="test",
                  confidence=0.9)
    ev2 = Evidence(start=43, end=56, text="Alibaba Group", sentence=text, sentence_start=0, rule="test",
                   confidence=0.9)
    facts = Facts(
        organizations=(
            Organization("Alibaba Group", aliases=("Alibaba",), evidence=(ev2,)),
            Organization("Hangzhou Cloudworks", kind="arm", evidence=(ev,)),
            Organization("Citigroup", evidence=(ev2,)),
        ),
        subsidiaries=(Subsidiary("Hangzhou Cloudworks", "Alibaba Group", relation="arm", evidence=(ev,)),),
    )
    doc = DocumentInfo(sha256=sha, path="article.txt", title="Cloud halls", chars=len(text))
    return facts_to_quads(facts, doc, ingested_at="2026-01-01T00:00:00Z", extractor="test")
