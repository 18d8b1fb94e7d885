"""Issue 12, items 5, 7 and 9 through the CLI (fake extractor): a --store that is someone's folder, UTF-16 and BOMs,
``kg ingest -``, symbolic link loops, and ``stats`` while documents are being written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.corpus import decode_text, read_text_file
from kg.store import LocalStore

TEXT = "Harbor Corp results\n\nKestrel Labs is a unit of Harbor Corp and sells sensors.\n"


def kg(runner: CliRunner, store: Path, *args: str, **kw: object) -> object:
    return runner.invoke(app, ["--store", str(store), *args], **kw)


def one_line_error(res: object, code: int) -> str:
    assert res.exit_code == code, (res.exit_code, res.stderr)
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def listing(folder: Path) -> list[tuple[str, int, bytes]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
                  for p in folder.rglob("*"))


@pytest.fixture
def article(tmp_path: Path) -> Path:
    p = tmp_path / "a.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


# --- item 5: --store at a folder that is not a store ---------------------------------------------------------
def test_store_at_a_users_folder_is_refused_and_left_alone(runner, tmp_path, article, fake_extractor):
    folder = tmp_path / "mine"
    (folder / "photos").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "CURRENT").write_text("not a RocksDB pointer\n")  # a user's file that happens to be called CURRENT
    before = listing(folder)
    for args in (["ingest", str(article)], ["demo"], ["query", "--allow-update", "--sparql", "INSERT DATA { <a:b> "
                                                       "<a:c> <a:d> }"], ["stats"], ["export"]):
        line = one_line_error(kg(runner, folder, *args), 3)
        assert "not a kg store" in line and str(folder) in line, line
    with pytest.raises(Exception, match="not a kg store"):
        LocalStore(folder)
    assert listing(folder) == before


def test_store_at_an_empty_missing_or_existing_store_folder(runner, tmp_path, article, fake_extractor):
    empty = tmp_path / "empty"
    empty.mkdir()
    for store in (empty, tmp_path / "new" / "store"):
        assert kg(runner, store, "ingest", str(article)).exit_code == 0
        res = kg(runner, store, "ingest", str(article))  # now a store: opened again
        assert res.exit_code == 0, res.stderr
        assert kg(runner, store, "stats").stdout.splitlines()[2] == "documents\t1"


# --- item 7: inputs people have --------------------------------------------------------------------------------
@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16_with_a_bom_is_decoded(tmp_path, codec, bom):
    p = tmp_path / "u16.txt"
    p.write_bytes(bom + TEXT.encode(codec))
    src = read_text_file(p)
    assert src.text == TEXT and src.sha256 == read_text_file_utf8(tmp_path).sha256


def read_text_file_utf8(tmp_path: Path):
    p = tmp_path / "u8.txt"
    p.write_text(TEXT, encoding="utf-8")
    return read_text_file(p)


def test_bad_utf16_is_reported_not_called_binary():
    with pytest.raises(Exception, match=r"x\.txt: not UTF-16 text"):
        decode_text(b"\xff\xfe" + "ab".encode("utf-16-le") + b"\x00\xd8", "x.txt")  # an unpaired surrogate


def test_utf16_file_ingests_and_extracts_with_offsets_into_the_text(runner, tmp_path, fake_extractor):
    p = tmp_path / "u16.txt"
    p.write_bytes(b"\xff\xfe" + TEXT.encode("utf-16-le"))
    res = kg(runner, tmp_path / "s", "ingest", str(p))
    assert res.exit_code == 0 and "ingested 1 document" in res.stderr, res.stderr
    res = runner.invoke(app, ["extract", str(p)])
    assert res.exit_code == 0, res.stderr
    ev = json.loads(res.stdout)["organizations"][0]["evidence"][0]
    assert TEXT[ev["start"]:ev["end"]] == ev["text"]


def test_utf8_bom_is_dropped_and_offsets_count_after_it(runner, tmp_path, fake_extractor):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    res = runner.invoke(app, ["extract", str(p)])
    data = json.loads(res.stdout)
    ev = data["organizations"][0]["evidence"][0]
    assert TEXT[ev["start"]:ev["end"]] == ev["text"]
    assert data["document"]["sha256"] == read_text_file_utf8(tmp_path).sha256  # same identity as without the BOM


def test_jsonl_corpus_with_a_utf8_bom(runner, tmp_path, fake_extractor):
    corpus = tmp_path / "bom.jsonl"
    corpus.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "r1", "text": TEXT}).encode() + b"\n")
    res = kg(runner, tmp_path / "s", "ingest", str(corpus))
    assert res.exit_code == 0 and "ingested 1 document" in res.stderr and "0 failed" in res.stderr, res.stderr


def test_ingest_reads_standard_input(runner, tmp_path, fake_extractor):
    store = tmp_path / "s"
    res = kg(runner, store, "ingest", "-", input=TEXT.encode("utf-8"))
    assert res.exit_code == 0 and "ingested 1 document" in res.stderr, res.stderr
    res = kg(runner, store, "query", "documents", "-f", "csv")
    assert "Harbor Corp results" in res.stdout
    line = one_line_error(kg(runner, tmp_path / "s2", "ingest", "-", input=b""), 2)
    assert "<stdin>: empty document" in line
    assert not (tmp_path / "s2").exists()
    one_line_error(kg(runner, tmp_path / "s2", "ingest", "-", "-", input=TEXT.encode()), 2)


def test_symlink_loops_are_reported_as_loops(runner, tmp_path, article, fake_extractor):
    loop = tmp_path / "loops"
    loop.mkdir()
    (loop / "self.txt").symlink_to("self.txt")
    line = one_line_error(kg(runner, tmp_path / "s", "ingest", str(loop / "self.txt")), 2)
    assert "self.txt: symbolic link loop" in line
    line = one_line_error(runner.invoke(app, ["extract", str(loop / "self.txt")]), 2)
    assert "symbolic link loop" in line
    line = one_line_error(kg(runner, tmp_path / "s", "ingest", str(loop)), 2)
    assert "symbolic link loop" in line
    # a folder with a loop back to itself and a good file: the loop is reported, the good file ingested
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "sub" / "back").symlink_to("..")
    res = kg(runner, tmp_path / "s", "ingest", str(folder))
    assert res.exit_code == 0, res.stderr
    assert "ingested 1 document" in res.stderr and "back: symbolic link loop" in res.stderr, res.stderr


def test_symlinked_subfolder_is_walked_once(tmp_path):
    from kg.corpus import iter_folder

    real = tmp_path / "real"
    real.mkdir()
    (real / "x.txt").write_text(TEXT)
    top = tmp_path / "top"
    top.mkdir()
    (top / "link").symlink_to(real)
    (top / "link2").symlink_to(real)
    assert [p.relative_to(top) for p in iter_folder(top)] == [Path("link/x.txt")]


# --- item 9: stats while documents are being written ------------------------------------------------------------
def test_stats_shows_documents_in_progress_apart(runner, tmp_path, article, fake_extractor):
    store = tmp_path / "s"
    assert kg(runner, store, "ingest", str(article)).exit_code == 0
    s = LocalStore(store)
    s.add_nquads("".join(f"<https://w3id.org/kgnews/id/doc/{i}> <https://e/p> \"x\" "
                         f"<https://w3id.org/kgnews/graph/doc/{i}> .\n" for i in range(3)))
    s.close()
    counts = dict(line.split("\t") for line in kg(runner, store, "stats").stdout.splitlines())
    assert counts["documents"] == "1" and counts["in_progress"] == "3" and counts["graphs"] == "5"  # + identity table
    assert len(kg(runner, store, "query", "documents", "-f", "csv").stdout.splitlines()) == 2



# --- item 2: a document whose extraction fails ----------------------------------------------------------------
def _explodes(fake_extractor, monkeypatch):
    """The fake extractor raises on a text holding 'EXPLODE', in ``extract`` and inside ``extract_many``."""
    plain = fake_extractor.extract

    def extract(text, **kw):
        if "EXPLODE" in text:
            raise ValueError("cannot read\nthis text")
        return plain(text, **kw)

    def extract_many(texts, **kw):
        for text in texts:
            yield extract(text)

    monkeypatch.setattr(fake_extractor, "extract", extract)
    monkeypatch.setattr(fake_extractor, "extract_many", extract_many)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_document_that_fails_extraction_is_left_out_and_the_others_stored(runner, tmp_path, fake_extractor,
                                                                           monkeypatch, workers):
    _explodes(fake_extractor, monkeypatch)
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "b.txt").write_text("EXPLODE " + TEXT, encoding="utf-8")
    (folder / "c.txt").write_text("Zephyr Corp hires engineers.\n", encoding="utf-8")
    store = tmp_path / "s"
    res = kg(runner, store, "ingest", "--workers", workers, str(folder))
    assert res.exit_code == 8, res.stderr
    lines = res.stderr.splitlines()
    assert lines[0] == f"warning: skipped {folder / 'b.txt'}: not extracted (ValueError: cannot read this text)"
    assert "2 document(s)" in lines[1] and "1 not extracted" in lines[1]
    assert lines[2].startswith("identity: ")  # the identity step ran over what was stored
    assert lines[3] == ("error: 1 document(s) could not be extracted and were left out (see the warnings above); "
                        "the 2 other(s) were stored")
    assert len(lines) == 4
    counts = dict(line.split("\t") for line in kg(runner, store, "stats").stdout.splitlines())
    assert counts["documents"] == "2" and counts["in_progress"] == "0"


def test_kg_extract_of_a_document_that_fails_is_one_line(runner, tmp_path, fake_extractor, monkeypatch):
    _explodes(fake_extractor, monkeypatch)
    p = tmp_path / "b.txt"
    p.write_text("EXPLODE " + TEXT, encoding="utf-8")
    line = one_line_error(runner.invoke(app, ["extract", str(p)]), 8)
    assert line == f"error: {p}: not extracted (ValueError: cannot read this text)"
