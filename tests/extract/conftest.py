"""Fixtures of the extractor tests: one trained pipeline per test process, and the shared evaluation folder."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "../shared"
ARTICLES = Path(__file__).resolve().parent / "articles"


@pytest.fixture(scope="session")
def nlp():
    from kg.extract import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def run(nlp):
    """extract(text) with the shared pipeline."""
    from kg.extract import extract

    def _run(text: str):
        return extract(text, nlp=nlp)

    return _run
