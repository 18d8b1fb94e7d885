"""The core CLI through CliRunner (fake extractor): ingest, extract, query, queries, export, stats, remove, and every
bad input of issue 2 -> one-line error, non-zero exit, store byte-identical before and after."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from rdflib import Graph
from typer.testing import CliRunner

from kg.cli import app
from kg.corpus import read_text_file


def kg(runner: CliRunner, store: Path, *args: str) -> object:
    return runner.invoke(app, ["--store", str(store), *args])


def export(runner: CliRunner, store: Path, fmt: str = "trig") -> bytes:
    res = runner.invoke(app, ["--store", str(store), "export", "--format", fmt])
    assert res.exit_code == 0, res.stderr
    return res.stdout_bytes


def assert_one_line_error(res: object, code: int | None = None) -> None:
    assert res.exit_code != 0, res.stdout
    if code is not None:
        assert res.exit_code == code, res.stderr
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in res.output


@pytest.fixture
def filled(runner: CliRunner, store_dir: Path, articles: dict[str, Path], fake_extractor: types.ModuleType) -> Path:
    res = kg(runner, store_dir, "ingest", str(articles["a"].parent))
    assert res.exit_code == 0, res.stderr
    return store_dir


def test_ingest_stats_export(runner: CliRunner, filled: Path, articles: dict[str, Path]) -> None:
    res = kg(runner, filled, "stats")
    assert res.exit_code == 0
    counts = dict(line.split("\t") for line in res.stdout.splitlines())
    # three document graphs and the identity table the identity step wrote at the end of the ingest
    assert counts["documents"] == "3" and counts["graphs"] == "4" and int(counts["quads"]) > 30
    ttl = export(runner, filled, "turtle")
    g = Graph().parse(data=ttl.decode("utf-8"), format="turtle")
    assert len(g) > 30
    nq = export(runner, filled, "nquads").decode("utf-8").splitlines()
    assert len({line.rsplit(" ", 2)[-2] for line in nq}) == 4  # one named graph per document, and the identity table
    assert json.loads(export(runner, filled, "jsonld"))


def test_reingest_is_idempotent(runner: CliRunner, filled: Path, articles: dict[str, Path]) -> None:
    before_ttl, before_trig = export(runner, filled, "turtle"), export(runner, filled, "trig")
    quads = kg(runner, filled, "stats").stdout
    for args in ([str(articles["a"])], [str(articles["a"].parent)], ["--force", str(articles["a"].parent)]):
        res = kg(runner, filled, "ingest", *args)
        assert res.exit_code == 0, res.stderr
    assert "3 replaced" in res.stderr
    assert kg(runner, filled, "stats").stdout == quads
    assert export(runner, filled, "turtle") == before_ttl
    assert export(runner, filled, "trig") == before_trig


def test_corpus_resume_through_cli(runner: CliRunner, store_dir: Path, tmp_path: Path, texts: dict[str, str],
                                   fake_extractor: types.ModuleType) -> None:
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in [
        {"id": "r1", "text": texts["a"], "date": "2024-02-03"},
        {"id": "r2", "text": ""},
        {"id": "r3", "text": texts["b"]},
    ]) + "\n", encoding="utf-8")
    res = kg(runner, store_dir, "ingest", str(corpus))
    assert res.exit_code == 0, res.stderr
    assert "ingested 2 document(s)" in res.stderr and "1 failed" in res.stderr
    assert "warning: skipped" in res.stderr and ":2: empty document" in res.stderr
    assert '"2024-02-03"^^' in export(runner, store_dir, "turtle").decode()
    res = kg(runner, store_dir, "ingest", str(corpus))
    assert "ingested 0 document(s)" in res.stderr and "skipped 2" in res.stderr
    table = tmp_path / "news.csv"
    table.write_text('key,body\nk1,"' + texts["c"].replace('"', '""') + '"\n', encoding="utf-8")
    res = kg(runner, store_dir, "ingest", "--text-field", "body", "--id-field", "key", str(table))
    assert res.exit_code == 0 and "ingested 1 document(s)" in res.stderr


def test_extract_json_and_turtle(runner: CliRunner, articles: dict[str, Path], fake_extractor: types.ModuleType,
                                 tmp_path: Path) -> None:
    res = runner.invoke(app, ["extract", str(articles["a"]), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) >= {"organizations", "subsidiaries", "models", "investments", "programs"}
    assert {"child": "Bluefin Labs", "parent": "Northwind Group"}.items() <= data["subsidiaries"][0].items()
    ev = data["organizations"][0]["evidence"][0]
    text = articles["a"].read_text(encoding="utf-8")
    assert text[ev["start"]:ev["end"]] == ev["text"]
    assert data["document"]["sha256"] == read_text_file(articles["a"]).sha256
    res = runner.invoke(app, ["extract", str(articles["a"]), "--format", "turtle"])
    assert res.exit_code == 0, res.stderr
    assert len(Graph().parse(data=res.stdout, format="turtle")) > 10
    res = runner.invoke(app, ["extract", "-"], input="Zephyr Corp is a unit of Northwind Group.")
    assert res.exit_code == 0 and json.loads(res.stdout)["subsidiaries"]
    res = runner.invoke(app, ["extract", str(articles["a"]), "--model", "missing"])
    assert_one_line_error(res, 6)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert_one_line_error(runner.invoke(app, ["extract", str(empty)]), 2)


def test_queries_and_query(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["queries"])
    assert res.exit_code == 0 and res.stdout.strip()
    rq = tmp_path / "orgs.rq"
    rq.write_text(textwrap.dedent("""\
        # name: orgs_named
        # summary: Organizations with a given label.
        # param: name literal required The label
        # columns: org
        PREFIX kg: <https://w3id.org/kgnews/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?org ?name WHERE { ?org a kg:Organization ; rdfs:label ?name } ORDER BY ?org
        """), encoding="utf-8")
    res = kg(runner, filled, "query", str(rq), "--param", "name=Harbor Corp", "--format", "csv")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.split() == ["org", "https://w3id.org/kgnews/id/org/harbor-corp"]
    res = kg(runner, filled, "query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?d a kg:Document }",
             "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["results"]["bindings"][0]["n"]["value"] == "3"
    res = kg(runner, filled, "query", "--sparql", "SELECT ?s WHERE { ?s a kg:Organization } LIMIT 2", "-f", "tsv")
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 3


def test_update_needs_allow_update(runner: CliRunner, filled: Path) -> None:
    before = export(runner, filled)
    upd = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
    assert_one_line_error(kg(runner, filled, "query", "--sparql", upd), 4)
    assert export(runner, filled) == before
    res = kg(runner, filled, "query", "--allow-update", "--sparql", upd)
    assert res.exit_code == 0, res.stderr
    assert export(runner, filled) != before


def test_export_graph_and_out(runner: CliRunner, filled: Path, articles: dict[str, Path], tmp_path: Path) -> None:
    sha = read_text_file(articles["c"]).sha256
    iri = f"https://w3id.org/kgnews/graph/doc/{sha}"
    res = kg(runner, filled, "export", "--format", "nquads", "--graph", iri)
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines and all(line.endswith(f"<{iri}> .") for line in lines)
    out = tmp_path / "x.ttl"
    res = kg(runner, filled, "export", "--out", str(out))
    assert res.exit_code == 0 and out.read_bytes() == export(runner, filled, "turtle")
    assert_one_line_error(kg(runner, filled, "export", "--graph", "https://example.org/none"))


def test_remove(runner: CliRunner, filled: Path, articles: dict[str, Path]) -> None:
    res = kg(runner, filled, "remove", str(articles["a"]))
    assert res.exit_code == 0, res.stderr
    assert "removed https://w3id.org/kgnews/graph/doc/" in res.stderr
    assert kg(runner, filled, "stats").stdout.splitlines()[2] == "documents\t2"
    before = export(runner, filled)
    assert_one_line_error(kg(runner, filled, "remove", str(articles["a"])), 2)
    assert_one_line_error(kg(runner, filled, "remove", "0" * 64), 2)
    assert export(runner, filled) == before


# --- bad input: one line, non-zero exit, store unchanged ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.txt", b"", "empty document"),
        ("binary.txt", bytes(range(256)) * 4, "binary file"),
        ("latin1.txt", "Société Corp a ouvert.".encode("latin-1"), "not UTF-8 text (invalid byte 0xe9 at offset 4)"),
    ],
)
def test_bad_files_leave_store_unchanged(runner: CliRunner, filled: Path, articles: dict[str, Path], tmp_path: Path,
                                        name: str, data: bytes, needle: str) -> None:
    before = export(runner, filled)
    bad = tmp_path / name
    bad.write_bytes(data)
    new = tmp_path / "new.txt"
    new.write_text("Fresh Corp is a unit of Other Group.\nMore text here.", encoding="utf-8")
    res = kg(runner, filled, "ingest", str(new), str(bad))  # the good file named first is not written either
    assert_one_line_error(res, 2)
    assert needle in res.stderr
    assert export(runner, filled) == before


def test_dir_without_text(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    before = export(runner, filled)
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / "image.png").write_bytes(b"\x89PNG\r\n")
    res = kg(runner, filled, "ingest", str(empty))
    assert_one_line_error(res, 2)
    assert "directory has no text files" in res.stderr
    assert export(runner, filled) == before


def test_folder_with_only_bad_files_fails(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    before = export(runner, filled)
    folder = tmp_path / "badfolder"
    folder.mkdir()
    (folder / "x.txt").write_bytes(b"\x00\x00")
    res = kg(runner, filled, "ingest", str(folder))
    assert res.exit_code == 2
    assert res.stderr.splitlines()[-1].startswith("error: no document could be read")
    assert export(runner, filled) == before


def test_missing_path_and_model(runner: CliRunner, filled: Path, tmp_path: Path, articles: dict[str, Path]) -> None:
    before = export(runner, filled)
    assert_one_line_error(kg(runner, filled, "ingest", str(tmp_path / "absent.txt")), 2)
    assert_one_line_error(kg(runner, filled, "ingest", "--model", "missing", str(articles["a"])), 6)
    assert export(runner, filled) == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["query", "--sparql", "SELECT ?x WHERE { ?x ?y "], "malformed SPARQL"),
        (["query", "no_such_query_anywhere"], "no_such_query_anywhere"),
        (["query", "--sparql", "SELECT * WHERE { ?s ?p ?o }", "--param", "oops"], "NAME=VALUE"),
        (["query"], "exactly one"),
    ],
)
def test_bad_queries(runner: CliRunner, filled: Path, args: list[str], needle: str) -> None:
    before = export(runner, filled)
    res = kg(runner, filled, *args)
    assert_one_line_error(res, 4)
    assert needle in res.stderr
    assert export(runner, filled) == before


def test_missing_parameter(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    rq = tmp_path / "p.rq"
    rq.write_text("# name: p\n# summary: s\n# param: org literal required Root\n# columns: x\n"
                  "SELECT ?x ?org WHERE { ?x <urn:x:p> ?org }\n", encoding="utf-8")
    before = export(runner, filled)
    res = kg(runner, filled, "query", str(rq))
    assert_one_line_error(res, 4)
    assert "org" in res.stderr
    assert export(runner, filled) == before


def test_store_path_is_a_file(runner: CliRunner, tmp_path: Path, articles: dict[str, Path],
                              fake_extractor: types.ModuleType) -> None:
    f = tmp_path / "store.txt"
    f.write_bytes(b"not a store")
    for args in (["ingest", str(articles["a"])], ["stats"], ["query", "--sparql", "ASK {}"], ["export"],
                 ["remove", "abc"]):
        res = kg(runner, f, *args)
        assert_one_line_error(res, 3)
        assert "is a file" in res.stderr
    assert f.read_bytes() == b"not a store"


def test_no_store_yet(runner: CliRunner, tmp_path: Path) -> None:
    res = kg(runner, tmp_path / "never", "stats")
    assert_one_line_error(res, 3)
    assert not (tmp_path / "never").exists()


def test_store_locked_by_another_process(runner: CliRunner, filled: Path, articles: dict[str, Path],
                                         tmp_path: Path) -> None:
    before = export(runner, filled)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); print('ready', flush=True); sys.stdin.read()",
         str(filled)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        new = tmp_path / "new.txt"
        new.write_text("Fresh Corp is a unit of Other Group.\nMore text.", encoding="utf-8")
        for args in (["ingest", str(new)], ["remove", str(articles["a"])],
                     ["query", "--allow-update", "--sparql", "CLEAR ALL"]):
            res = kg(runner, filled, *args)
            assert_one_line_error(res, 3)
            assert "in use by another process" in res.stderr
        res = kg(runner, filled, "stats")  # readers take no lock
        assert res.exit_code == 0 and "documents\t3" in res.stdout
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
    assert export(runner, filled) == before


def test_progress_display_counts_documents() -> None:
    from kg.cli.core import _progress

    bar = _progress(True, total=10)
    with bar as tick:
        for event in ("stored", "stored", "repeated", "failed", "extracted", "extracted"):
            tick(event, 1)
        task = bar._bar.tasks[0]
        # the bar counts documents to extract: 10 records less 4 skipped or failed, 2 of them done
        assert (task.total, task.completed) == (6, 2)
        assert task.fields["others"] == "skipped 2 stored, 1 repeated, failed 1"
    with _progress(False) as tick:
        assert tick is None


def test_validate(runner: CliRunner, filled: Path) -> None:
    res = kg(runner, filled, "validate")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "conforms" in res.stdout
    upd = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:nameless> a kg:Organization } }"
    assert kg(runner, filled, "query", "--allow-update", "--sparql", upd).exit_code == 0
    res = kg(runner, filled, "validate")
    assert res.exit_code == 7
    assert "urn:x:nameless" in res.stdout
    assert res.stderr.strip() == "error: 1 SHACL violation(s)"


def test_no_store_is_not_created_by_remove_or_update(runner: CliRunner, tmp_path: Path) -> None:
    assert_one_line_error(kg(runner, tmp_path / "none", "remove", "0" * 64), 3)
    assert_one_line_error(kg(runner, tmp_path / "none", "query", "--allow-update", "--sparql", "CLEAR ALL"), 3)
    assert not (tmp_path / "none").exists()


def test_markup_comes_from_the_suffix_or_input_format(runner: CliRunner, tmp_path: Path,
                                                      fake_extractor: types.ModuleType) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.html").write_text("<p>Harbor Corp said so.</p>", encoding="utf-8")
    (folder / "b.md").write_text("# Zephyr Corp\n\nZephyr Corp said so.", encoding="utf-8")
    (folder / "c.txt").write_text("Kestrel Labs said so.", encoding="utf-8")
    res = kg(runner, tmp_path / "s1", "ingest", str(folder))
    assert res.exit_code == 0, res.stderr
    assert fake_extractor.markups == ["html", "markdown", None]  # .txt: decided from the content
    fake_extractor.markups.clear()
    res = kg(runner, tmp_path / "s2", "ingest", str(folder), "--input-format", "wire")
    assert res.exit_code == 0, res.stderr
    assert fake_extractor.markups == ["wire", "wire", "wire"]


def test_bad_input_format_is_a_usage_error(runner: CliRunner, tmp_path: Path, articles: dict[str, Path],
                                           fake_extractor: types.ModuleType) -> None:
    res = kg(runner, tmp_path / "s", "ingest", str(articles["a"]), "--input-format", "pdf")
    assert res.exit_code == 2
    assert "pdf" in res.output


def test_interrupt_is_exit_130_and_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                            filled: Path) -> None:
    """Ctrl-C in a command: exit 130 and one line saying so (typer turns KeyboardInterrupt into a silent Exit(130))."""
    import kg.cli
    import kg.store

    def interrupted(*_a: object, **_kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.store, "open_store", interrupted)
    monkeypatch.setattr(sys, "argv", ["kg", "--store", str(filled), "stats"])
    with pytest.raises(SystemExit) as done:
        kg.cli.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_ingest_help_says_what_workers_and_folders_are(runner: CliRunner) -> None:
    """``--workers`` are kg's own extraction processes (no longer spaCy's n_process), and folders give .html too."""
    res = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    assert "n_process" not in text and "each running the whole extractor" in text
    assert "*.html" in text
