"""Fixtures for the scale tests: a real ``oxigraph serve`` on a free port, a fake extractor, hand-made facts.

The fake extractor (no spaCy) finds capitalised names ending in "Corp", "Works" or "Holdings" and the pattern
"X is a division of Y"; tests that need the trained pipeline are marked slow.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from kg.facts import Evidence, Facts, Organization, Subsidiary
from kg.server import OxigraphServer, free_port

_DATA = Path(__file__).with_name("scale_data.py")

NOW = "2025-01-02T03:04:05Z"

_NAME = r"(?:[A-Z][a-z]+ )*[A-Z][a-z]+ (?:Corp|Works|Holdings)"
_ORG = re.compile(rf"\b{_NAME}\b")
_DIV = re.compile(rf"(?P<child>{_NAME}) is a division of (?P<parent>{_NAME})")


def _ev(text: str, start: int, end: int, rule: str) -> Evidence:
    return Evidence(start=start, end=end, text=text[start:end], sentence=text, sentence_start=0, rule=rule,
                    confidence=0.8)


def fake_extract(text: str, *, nlp: object = None, model: str | None = None, date: object = None,
                 markup: object = None) -> Facts:
    if "EXPLODE" in text:
        raise ValueError("the fake extractor refuses this text")
    orgs: dict[str, list[Evidence]] = {}
    for m in _ORG.finditer(text):
        orgs.setdefault(m.group(0), []).append(_ev(text, m.start(), m.end(), "fake.org"))
    subs = tuple(
        Subsidiary(child=m.group("child"), parent=m.group("parent"), relation="division",
                   evidence=(_ev(text, m.start(), m.end(), "fake.division"),))
        for m in _DIV.finditer(text)
    )
    return Facts(organizations=tuple(Organization(name=n, evidence=tuple(e)) for n, e in sorted(orgs.items())),
                 subsidiaries=subs, extractor="fake 1")


def fake_module() -> types.ModuleType:
    mod = types.ModuleType("kg.extract")

    def extract_many(texts: Iterable[str], *, nlp: object = None, model: str | None = None, n_process: int = 1,
                     batch_size: int = 16, dates: Iterable[object] | None = None,
                     markups: Iterable[str | None] | None = None) -> Iterator[Facts]:
        for t in texts:
            yield fake_extract(t)

    mod.load_pipeline = lambda model=None: "fake-nlp"  # type: ignore[attr-defined]
    mod.extract = fake_extract  # type: ignore[attr-defined]
    mod.extract_many = extract_many  # type: ignore[attr-defined]
    mod.extractor_version = lambda nlp: "fake 1"  # type: ignore[attr-defined]
    return mod


@pytest.fixture
def fake_extractor(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Stand a fake ``kg.extract`` in for the real one (no spaCy)."""
    mod = fake_module()
    monkeypatch.setitem(sys.modules, "kg.extract", mod)
    return mod


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A real Oxigraph SPARQL server on a free port over a fresh store directory, stopped afterwards."""
    server = OxigraphServer(tmp_path / "served-store", bind=f"127.0.0.1:{free_port()}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sample() -> types.ModuleType:
    """``scale_data``: hand-made facts (``sample.facts()``) and their quads (``sample.quads()``)."""
    spec = importlib.util.spec_from_file_location("kg_tests_scale_data", _DATA)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
