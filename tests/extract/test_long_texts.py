"""Texts longer than spaCy's limit (issue 12, item 2), with the trained pipeline: read in pieces, offsets into the
original, facts assembled as one document's; ``kg extract`` and ``kg ingest`` go on where they crashed.

The texts are written here: a few invented sentences, and paragraphs of long made-up words that make a text of over
a million characters cheap to read (few tokens). Marked slow: they need the trained pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.extract import PIECE_CHARS, extract, extract_many
from kg.extract.normalise import split_points
from kg.store import LocalStore

pytestmark = pytest.mark.slow

ARTICLE = ("Brennock Systems, a unit of Halvard Group Plc, said on Tuesday it had opened a new plant in Leeds.\n\n"
           "Halvard Group Plc said it will invest $250 million in the Leeds plant over the next three years.\n\n")
LATER = "Halvard said the plant in Leeds would employ 300 people.\n\n"
SHORT = "Orrin Mining Corp said its unit Telk Drilling had won a contract in Perth.\n"


def filler(n: int) -> str:
    """At least ``n`` characters of paragraphs of long invented words (ten words of 200 letters each)."""
    para = " ".join(["lorem" * 40] * 10) + ".\n\n"
    return para * (n // len(para) + 1)


def long_text() -> str:
    """Over 1,000,000 characters: the article at the start and the end, a short form of a name in between."""
    return ARTICLE + filler(600_000) + LATER + filler(500_000) + ARTICLE


def check_offsets(text: str, facts) -> int:
    """Every evidence is ``text[start:end]`` and its sentence stands at ``sentence_start``; how many there are."""
    n = 0
    for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
        for rec in getattr(facts, kind):
            for ev in rec.evidence:
                assert text[ev.start:ev.end] == ev.text, ev
                assert text[ev.sentence_start:ev.sentence_start + len(ev.sentence)] == ev.sentence, ev
                assert ev.sentence_start <= ev.start <= ev.end <= ev.sentence_start + len(ev.sentence)
                n += 1
    return n


def test_a_text_over_a_million_characters_is_extracted_with_offsets_into_it(nlp):
    text = long_text()
    assert len(text) > nlp.max_length == 1_000_000
    facts = extract(text, nlp=nlp)
    assert check_offsets(text, facts) >= 4
    orgs = {o.name: o for o in facts.organizations}
    assert set(orgs) == {"Halvard Group Plc", "Brennock Systems"}  # named in several pieces, one entity each
    assert orgs["Halvard Group Plc"].aliases == ("Halvard",)  # a short form in a middle piece
    assert orgs["Brennock Systems"].evidence[0].start == 0
    assert {(s.child, s.parent) for s in facts.subsidiaries} == {("Brennock Systems", "Halvard Group Plc")}
    assert [(i.investor, i.amount) for i in facts.investments] == [("Halvard Group Plc", 250_000_000)]


def test_pieces_are_read_as_one_text(nlp):
    """Cut into many small pieces, an invented article gives the facts it gives read whole."""
    text = ARTICLE + ("The weather was mild and the meeting ended early. " * 8 + "\n\n") * 3 + LATER + ARTICLE + SHORT
    assert len(split_points(text, 600)) >= 4
    whole = extract(text, nlp=nlp)
    pieces = extract(text, nlp=nlp, piece_chars=600)
    check_offsets(text, pieces)
    for kind in ("organizations", "subsidiaries", "models", "investments", "programs"):
        assert _records(pieces, kind) == _records(whole, kind), kind  # the same records (in another order)
    assert sorted(o.evidence[0].start for o in pieces.organizations) == sorted(
        o.evidence[0].start for o in whole.organizations)


def _records(facts, kind: str) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in facts.to_dict(evidence=False)[kind])


def test_extract_many_reads_a_long_text_in_pieces_in_its_place(nlp):
    texts = [SHORT, ARTICLE * 20, ARTICLE]
    got = list(extract_many(texts, nlp=nlp, piece_chars=1000, batch_size=2))
    assert len(got) == 3
    assert got[0] == extract(SHORT, nlp=nlp) and got[2] == extract(ARTICLE, nlp=nlp)
    check_offsets(texts[1], got[1])
    assert {o.name for o in got[1].organizations} == {"Halvard Group Plc", "Brennock Systems"}
    assert nlp.max_length > PIECE_CHARS


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "news"
    d.mkdir()
    (d / "long.txt").write_text(long_text(), encoding="utf-8")
    (d / "short.txt").write_text(SHORT, encoding="utf-8")
    return d


def test_kg_extract_and_kg_ingest_of_a_text_over_the_limit(folder: Path, tmp_path: Path):
    runner = CliRunner()
    res = runner.invoke(app, ["extract", str(folder / "long.txt")])
    assert res.exit_code == 0, res.stderr
    facts = json.loads(res.stdout)
    assert {o["name"] for o in facts["organizations"]} == {"Halvard Group Plc", "Brennock Systems"}
    store = tmp_path / "store"
    res = runner.invoke(app, ["--store", str(store), "ingest", str(folder)])
    assert res.exit_code == 0, res.stderr
    assert "ingested 2 document(s)" in res.stderr
    with LocalStore(store, read_only=True) as st:
        assert len([g for g in st.named_graphs() if "/graph/doc/" in g]) == 2


def test_a_document_that_raises_inside_extraction_is_left_out(folder: Path, tmp_path: Path, monkeypatch):
    """A failure injected into the reading of one document: one line for it, the others stored, exit 8."""
    from kg.extract import candidates

    read = candidates.read

    def failing(doc, norm, **kw):
        if "Telk Drilling" in doc.text:
            raise RuntimeError("injected failure")
        return read(doc, norm, **kw)

    monkeypatch.setattr(candidates, "read", failing)
    (folder / "third.txt").write_text(ARTICLE, encoding="utf-8")
    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["--store", str(store), "ingest", str(folder)])
    assert res.exit_code == 8, res.stderr
    lines = res.stderr.splitlines()
    assert [x for x in lines if "short.txt" in x] == [
        f"warning: skipped {folder / 'short.txt'}: not extracted (RuntimeError: injected failure)"]
    assert lines[-1].startswith("error: 1 document(s) could not be extracted")
    assert "Traceback" not in res.stderr
    with LocalStore(store, read_only=True) as st:
        assert len([g for g in st.named_graphs() if "/graph/doc/" in g]) == 2
