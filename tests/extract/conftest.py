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


_GAPS = Path(__file__).resolve().parent / "known_gaps.txt"


def pytest_collection_modifyitems(config, items):
    """Mark the known gaps of the shipped weights (known_gaps.txt) as strict expected failures."""
    gaps = {line.strip() for line in _GAPS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}
    for item in items:
        if item.nodeid in gaps:
            item.add_marker(pytest.mark.xfail(strict=True, reason="known gap of the shipped weights "
                                              "(tests/extract/known_gaps.txt)"))
