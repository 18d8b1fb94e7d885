"""Fixtures for the core (ingest, corpus, CLI) tests.

Fast tests replace :mod:`kg.extract` by a tiny rule-based fake (no spaCy): it finds organizations ending in
"Corp", "Labs" or "Group" and the pattern "X is a unit of Y". Tests that need the trained pipeline are marked slow.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.errors import ModelNotFoundError
from kg.facts import Evidence, Facts, Organization, Subsidiary

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / "../shared").resolve()

_ORG = re.compile(r"\b(?:[A-Z][a-z]+ )*[A-Z][a-z]+ (?:Corp|Labs|Group)\b")
_UNIT = re.compile(r"(?P<child>(?:[A-Z][a-z]+ )*[A-Z][a-z]+ (?:Corp|Labs|Group)) is a unit of "
                   r"(?P<parent>(?:[A-Z][a-z]+ )*[A-Z][a-z]+ (?:Corp|Labs|Group))")


def _ev(text: str, start: int, end: int, rule: str) -> Evidence:
    return Evidence(start=start, end=end, text=text[start:end], sentence=text, sentence_start=0, rule=rule,
                    confidence=0.9)


def fake_extract(text: str, *, nlp: object = None, model: str | None = None, date: object = None,
                 markup: str = "auto") -> Facts:
    orgs: dict[str, list[Evidence]] = {}
    for m in _ORG.finditer(text):
        orgs.setdefault(m.group(0), []).append(_ev(text, m.start(), m.end(), "fake.org"))
    subs = [
        Subsidiary(child=m.group("child"), parent=m.group("parent"), relation="unit",
                   evidence=(_ev(text, m.start(), m.end(), "fake.unit"),))
        for m in _UNIT.finditer(text)
    ]
    return Facts(
        organizations=tuple(Organization(name=n, evidence=tuple(e)) for n, e in sorted(orgs.items())),
        subsidiaries=tuple(subs),
        extractor="fake-extractor 1.0",
    )


def fake_module() -> types.ModuleType:
    mod = types.ModuleType("kg.extract")
    mod.calls = []  # type: ignore[attr-defined]
    mod.markups = []  # type: ignore[attr-defined]

    def load_pipeline(model: str | None = None) -> str:
        if model == "missing":
            raise ModelNotFoundError("no spaCy pipeline 'missing'; pip install -r requirements/model.txt")
        return "fake-nlp"

    def extract_many(texts: Iterable[str], *, nlp: object = None, model: str | None = None, n_process: int = 1,
                     batch_size: int = 16, dates: Iterable[object] | None = None,
                     markups: Iterable[str | None] | None = None) -> Iterator[Facts]:
        kinds = iter(markups) if markups is not None else None
        for t in texts:
            mod.calls.append(t)  # type: ignore[attr-defined]
            mod.markups.append(next(kinds, None) if kinds is not None else None)  # type: ignore[attr-defined]
            yield fake_extract(t)

    mod.load_pipeline = load_pipeline  # type: ignore[attr-defined]
    mod.extract = fake_extract  # type: ignore[attr-defined]
    mod.extract_many = extract_many  # type: ignore[attr-defined]
    mod.extractor_version = lambda nlp: "fake-extractor 1.0"  # type: ignore[attr-defined]
    mod.EXTRACTOR_NAME = "fake"  # type: ignore[attr-defined]
    return mod


@pytest.fixture
def fake_extractor(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Stand a fake ``kg.extract`` in for the real one (no spaCy)."""
    mod = fake_module()
    monkeypatch.setitem(sys.modules, "kg.extract", mod)
    return mod


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


ARTICLE_A = (
    "Northwind Group widens its reach\n\n"
    "Northwind Group said on Tuesday that Bluefin Labs is a unit of Northwind Group. "
    "Analysts expect Harbor Corp to respond.\n"
)
ARTICLE_B = (
    "Quiet quarter for Harbor Corp\n\n"
    "Harbor Corp reported steady sales. Kestrel Labs is a unit of Harbor Corp and sells sensors.\n"
)
ARTICLE_C = "Zephyr Corp opened an office in Lisbon, where Zephyr Corp hires engineers.\n"


@pytest.fixture
def texts() -> dict[str, str]:
    """The three articles' texts."""
    return {"a": ARTICLE_A, "b": ARTICLE_B, "c": ARTICLE_C}


@pytest.fixture
def articles(tmp_path: Path) -> dict[str, Path]:
    """Three small articles written for these tests, as files."""
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    paths = {
        "a": folder / "a.txt",
        "b": folder / "sub" / "b.md",
        "c": folder / "c.txt",
    }
    paths["a"].write_text(ARTICLE_A, encoding="utf-8")
    paths["b"].write_text(ARTICLE_B, encoding="utf-8")
    paths["c"].write_text(ARTICLE_C, encoding="utf-8")
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not a text file: never read
    return paths
