"""kg.corpus: reading and checking text files, folders and JSONL/CSV corpora."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from kg.corpus import (
    Origin,
    SourceText,
    check_paths,
    decode_text,
    guess_title,
    iter_sources,
    normalise_date,
    read_text_file,
)
from kg.errors import InputError

ARTICLE_A = "Northwind Group widens its reach\n\nNorthwind Group said Bluefin Labs is a unit of Northwind Group.\n"
ARTICLE_B = "Quiet quarter for Harbor Corp\n\nHarbor Corp reported steady sales.\n"


def test_read_text_file_hash_title_and_path(articles: dict[str, Path], texts: dict[str, str]) -> None:
    src = read_text_file(articles["a"])
    assert src.text == texts["a"]
    assert src.sha256 == hashlib.sha256(texts["a"].encode("utf-8")).hexdigest()
    assert src.title == "Northwind Group widens its reach"
    assert src.path == str(articles["a"])
    assert src.origin is Origin.file
    info = src.document_info()
    assert (info.sha256, info.chars, info.path) == (src.sha256, len(texts["a"]), str(articles["a"]))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty document"),
        (b"  \n\t\n", "empty document"),
        (b"PK\x03\x04\x00\x00binary", "binary file, not text (NUL byte at offset 4)"),
        (b"Caf\xe9 Corp opened.", "not UTF-8 text (invalid byte 0xe9 at offset 3)"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12 some", "binary file, not text"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_text_file(p)
    assert message in str(err.value)
    assert str(p) in str(err.value)
    assert "\n" not in str(err.value)


def test_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "big.txt"
    p.write_text("word " * 100, encoding="utf-8")
    with pytest.raises(InputError, match="too large"):
        read_text_file(p, max_bytes=100)
    monkeypatch.setenv("KG_MAX_DOC_BYTES", "50")
    with pytest.raises(InputError, match="limit is 50 bytes"):
        read_text_file(p)
    monkeypatch.delenv("KG_MAX_DOC_BYTES")
    assert read_text_file(p).text.startswith("word")


def test_bom_is_dropped() -> None:
    assert decode_text("\ufeffHello".encode(), "x") == "Hello"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text_file(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_text_file(tmp_path)


def test_titles() -> None:
    assert guess_title("Zeta Corp posts record profit\nZeta Corp said ...") == "Zeta Corp posts record profit"
    assert guess_title("## Markdown heading ##\nbody") == "Markdown heading"
    assert guess_title("One line only") is None
    assert guess_title("This is a sentence. It goes on.\nMore text") is None
    assert guess_title("A first line that ends in a full stop.\nMore") is None


def test_dates() -> None:
    assert normalise_date("2024-06-30") == "2024-06-30"
    assert normalise_date("2024-06-30T10:00:00+02:00") == "2024-06-30"
    with pytest.raises(InputError):
        normalise_date("30/06/2024")
    with pytest.raises(InputError):
        normalise_date("2024-02-30")


def test_folder_is_walked_recursively_and_sorted(articles: dict[str, Path]) -> None:
    folder = articles["a"].parent
    (folder / ".hidden.txt").write_text("Hidden Corp", encoding="utf-8")
    got = list(iter_sources([folder]))
    assert [Path(s.path).name for s in got] == ["a.txt", "c.txt", "b.md"]
    assert all(s.origin is Origin.folder for s in got)


def test_folder_without_text_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "data.bin").write_bytes(b"\x00\x01")
    with pytest.raises(InputError, match="directory has no text files"):
        list(iter_sources([empty]))
    with pytest.raises(InputError, match="directory has no text files"):
        check_paths([empty])


def test_bad_file_inside_folder_is_reported_and_skipped(articles: dict[str, Path]) -> None:
    folder = articles["a"].parent
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00ba")  # a UTF-16 byte order mark, then an odd byte count
    errors: list[InputError] = []
    got = list(iter_sources([folder], on_error=errors.append))
    assert len(got) == 3
    assert len(errors) == 1 and "broken.txt" in str(errors[0])
    with pytest.raises(InputError):
        list(iter_sources([folder]))


def _jsonl(path: Path, records: list[object]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def test_jsonl_corpus_with_configurable_fields(tmp_path: Path) -> None:
    p = _jsonl(tmp_path / "news.jsonl", [
        {"key": "n1", "headline": "Harbor news", "published": "2024-05-01T08:00:00Z", "body": ARTICLE_B},
        "",
        {"key": 2, "body": ARTICLE_A},
    ])
    got = list(iter_sources([p], text_field="body", id_field="key", title_field="headline", date_field="published"))
    assert [s.id for s in got] == ["n1", "2"]
    assert got[0].title == "Harbor news" and got[0].date == "2024-05-01"
    assert got[0].path == f"{p}#n1"
    assert got[1].title == "Northwind Group widens its reach"  # from the first line
    assert got[1].date is None
    assert all(s.origin is Origin.jsonl for s in got)


def test_jsonl_bad_records_are_reported(tmp_path: Path) -> None:
    p = _jsonl(tmp_path / "news.jsonl", [
        {"id": "ok", "text": ARTICLE_A},
        "{not json",
        {"id": "no-text"},
        {"id": "empty", "text": "   "},
        ["a list"],
        {"id": "bad-date", "text": ARTICLE_B, "date": "yesterday"},
        {"id": "ok2", "text": ARTICLE_B},
    ])
    errors: list[InputError] = []
    got = list(iter_sources([p], on_error=errors.append))
    assert [s.id for s in got] == ["ok", "ok2"]
    msgs = [str(e) for e in errors]
    assert len(msgs) == 5
    assert msgs[0].startswith(f"{p}:2: not valid JSON")
    assert "no 'text' field" in msgs[1]
    assert "empty document" in msgs[2]
    assert "JSON object" in msgs[3]
    assert "not an ISO date" in msgs[4]


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    p = _jsonl(tmp_path / "news.jsonl", [{"id": "first", "text": ARTICLE_A}])
    stream = iter_sources([p])
    first = next(stream)
    assert first.id == "first"
    # Lines appended after the first record was read are still seen: the file is read as it is consumed.
    with p.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "later", "text": ARTICLE_B}) + "\n")
    assert [s.id for s in stream] == ["later"]


def test_csv_corpus(tmp_path: Path) -> None:
    p = tmp_path / "news.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "text"])
        w.writerow(["c1", "First", "2023-01-02", ARTICLE_A])
        w.writerow(["c2", "", "", ""])
        w.writerow(["c3", "Third", "", ARTICLE_B])
    errors: list[InputError] = []
    got = list(iter_sources([p], on_error=errors.append))
    assert [(s.id, s.title, s.date) for s in got] == [("c1", "First", "2023-01-02"), ("c3", "Third", None)]
    assert got[0].text == ARTICLE_A  # multi-line fields survive
    assert len(errors) == 1 and "empty document" in str(errors[0])


def test_csv_without_text_column_fails_whole_run(tmp_path: Path) -> None:
    p = tmp_path / "news.csv"
    p.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'text' column"):
        check_paths([p])
    assert [s.text for s in iter_sources([p], text_field="body")] == ["hello"]


def test_check_paths_validates_explicit_files_first(tmp_path: Path, articles: dict[str, Path]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        check_paths([articles["a"], bad])
    with pytest.raises(InputError, match="no such file"):
        check_paths([tmp_path / "missing.txt"])
    with pytest.raises(InputError, match="no input"):
        check_paths([])
    check_paths([articles["a"], articles["a"].parent])


def test_format_override_reads_jsonl_as_text(tmp_path: Path) -> None:
    p = _jsonl(tmp_path / "doc.jsonl", [{"id": "x", "text": ARTICLE_A}])
    [src] = list(iter_sources([p], fmt="text"))
    assert src.text.startswith('{"id"')


def test_source_from_text() -> None:
    s = SourceText.from_text("Headline here\nBody text.", id="k", date="2020-01-01T00:00:00Z")
    assert (s.id, s.title, s.date, s.path) == ("k", "Headline here", "2020-01-01", None)


def test_estimate_count(tmp_path: Path, articles: dict[str, Path]) -> None:
    from kg.corpus import estimate_count

    p = _jsonl(tmp_path / "n.jsonl", [{"text": "a"}, "", {"text": "b"}])
    assert estimate_count([articles["a"].parent, p, articles["a"]]) == 6
    assert estimate_count([tmp_path / "x.csv"]) is None


def test_csv_broken_encoding_midway_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "news.csv"
    p.write_bytes(b"id,text\n1,Good Corp grows.\n2,Bad \xff\xfe bytes\n3,Never reached\n")
    errors: list[InputError] = []
    got = list(iter_sources([p], on_error=errors.append))
    assert [s.id for s in got] == ["1"]
    assert len(errors) == 1 and "not UTF-8" in str(errors[0]) and "stopped reading" in str(errors[0])
