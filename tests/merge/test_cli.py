"""kg merge / unmerge / conflicts through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kg.cli import app

SHARED = Path(__file__).resolve().parents[2] / "../shared"
MERGE = SHARED / "merge"
DATA = Path(__file__).resolve().parent / "data"
GLEIF = [MERGE / "gleif" / "L1Data.ttl", MERGE / "gleif" / "L2Data.ttl"]
FIBO = [MERGE / "fibo" / "FinancialInstitutionExamples.rdf"]

runner = CliRunner()


def kg(store: Path, *args: str) -> object:
    return runner.invoke(app, ["--store", str(store), *map(str, args)])


def test_merge_conflicts_unmerge(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = kg(store, "merge", *GLEIF, "--name", "gleif")
    assert result.exit_code == 0, result.output
    assert "merged gleif" in result.output and "9 organizations" in result.output
    result = kg(store, "merge", *FIBO, "--name", "fibo")
    assert result.exit_code == 0 and "lei 3" in result.output

    result = kg(store, "query", "merged_subsidiaries", "--param", "org=citigroup inc.", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "Citicorp LLC" in result.output and "Wells Fargo" not in result.output

    result = kg(store, "merge", DATA / "conflicting.ttl", "--name", "other")
    assert result.exit_code == 0, result.output
    result = kg(store, "conflicts", "--format", "tsv")
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith('"')]
    assert {ln.split("\t")[0] for ln in lines} == {'"parent"', '"number"'}

    result = kg(store, "unmerge", "other")
    assert result.exit_code == 0 and "unmerged other" in result.output
    result = kg(store, "conflicts", "--format", "csv")
    assert result.exit_code == 0 and result.stdout.strip().count("\n") == 0  # header only


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    bad = tmp_path / "broken.nt"
    bad.write_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", encoding="utf-8")
    result = kg(store, "merge", bad, "--name", "broken")
    assert result.exit_code == 5
    err = result.output.strip()
    assert err.count("\n") == 0 and "broken.nt" in err and "line 2" in err
    # (each failure gets its own store: the exception a CliRunner result keeps can hold the store's lock)
    result = kg(tmp_path / "s2", "unmerge", "nothing")
    assert result.exit_code == 2 and "no merged source" in result.output
    result = kg(tmp_path / "s3", "merge", tmp_path / "missing.ttl", "--name", "x")
    assert result.exit_code != 0 and "missing.ttl" in result.output
    result = kg(tmp_path / "s4", "merge", bad, "--name", "x", "--format", "turtle")
    assert result.exit_code == 5


def test_remove_drops_the_merge_links_of_the_removed_document(tmp_path: Path) -> None:
    from kg import vocab
    from kg.store import LocalStore
    from tests.merge.conftest import article_quads

    store = tmp_path / "store"
    with LocalStore(store) as s:
        s.add_graphs(article_quads("c" * 64))
    result = kg(store, "merge", DATA / "wikidata.ttl", "--name", "wikidata")
    assert result.exit_code == 0 and "2 links" in result.output, result.output
    result = kg(store, "remove", "c" * 64)
    assert result.exit_code == 0, result.output
    assert "2 merge link(s)" in result.output
    with LocalStore(store) as s:
        assert not s.has_graph(vocab.links_graph("wikidata"))
        assert not any(q.predicate.value.endswith("#sameAs") for q in s.quads())


def test_remote_jsonld_context_is_refused_in_words_a_user_reads(tmp_path: Path) -> None:
    """A JSON-LD file whose @context is a URL (or @import-s one) is refused with a line saying so, not pyoxigraph's
    'No LoadDocumentCallback' (issue 12, bad-input table); nothing is fetched and nothing stored."""
    for i, context in enumerate(('"https://schema.org/"', '{"@import": "https://example.org/ctx.jsonld"}')):
        doc = tmp_path / f"remote{i}.jsonld"
        doc.write_text(f'{{"@context": {context}, "@id": "http://example.org/a", "name": "A"}}\n', encoding="utf-8")
        store = tmp_path / f"store{i}"
        result = kg(store, "merge", doc, "--name", "web")
        assert result.exit_code == 5, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {doc}: ") and "LoadDocumentCallback" not in lines[0]
        assert "remote JSON-LD context" in lines[0] and "inline" in lines[0], lines[0]
        assert kg(store, "stats").stdout.splitlines()[0] == "quads\t0"


def test_relink_runs_the_identity_step_and_unlink_drops_only_it(tmp_path: Path) -> None:
    from kg import vocab
    from kg.facts import DocumentInfo, Facts, Organization
    from kg.rdf import facts_to_nquads
    from kg.store import LocalStore, RdfFormatName

    store = tmp_path / "store"
    with LocalStore(store) as s:
        for n, name in enumerate(("Orvale Trading Corp", "Orvale Trading", "ORVALE TRADING CORP <")):
            facts = Facts(organizations=(Organization(name),), extractor="test")
            doc = facts_to_nquads(facts, DocumentInfo(sha256=f"{n}" * 64), ingested_at="2024-02-01T00:00:00Z",
                                  extractor="test")
            s.add_nquads(doc.body, doc.marker)

    def dump() -> bytes:
        import io

        with LocalStore(store, read_only=True) as s:
            out = io.BytesIO()
            s.export(out, RdfFormatName.nquads)
            return out.getvalue()

    before = dump()
    result = kg(store, "relink")
    assert result.exit_code == 0, result.output
    assert "identity: 2 organization node(s) as 1 compan(y/ies), 1 link(s) (legal-form 1)" in result.output
    result = kg(store, "query", "organizations", "-f", "csv")
    assert result.stdout.splitlines()[1:] == [
        f"{vocab.org_iri('Orvale Trading Corp').value},Orvale Trading Corp,,ORVALE TRADING CORP | Orvale Trading,3"]
    result = kg(store, "unlink")
    assert result.exit_code == 0 and "dropped 1 identity link(s)" in result.output
    assert dump() == before
