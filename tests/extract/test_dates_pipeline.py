"""The article date through the trained pipeline: extract/extract_many, the JSON and Turtle of ``kg extract --date``,
and ``kg ingest`` of a dated JSONL corpus whose stored investments carry the resolved period. Our own sentences."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.errors import InputError

HEADLINE = "Tessaly Marine to put $3 billion into shipyards\n\n"
BODY = ("Tessaly Marine said on Wednesday it would invest $3 billion in new shipyards over the next four years. "
        "Rival Corvane Shipping plans to spend 800 million euros on cleaner engines in the second half of next year.")
TEXT = HEADLINE + BODY


def by_investor(facts):
    return {i.investor: i for i in facts.investments}


def sparql_rows(stdout: str) -> list[dict[str, str]]:
    """Rows of SPARQL 1.1 JSON results as {variable: value}."""
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(stdout)["results"]["bindings"]]


def test_extract_resolves_periods_with_the_article_date(nlp):
    from kg.extract import extract

    inv = by_investor(extract(TEXT, date="2025-03-06", nlp=nlp))  # a Thursday
    tessaly, corvane = inv["Tessaly Marine"], inv["Corvane Shipping"]
    assert (tessaly.period_years, tessaly.period_start, tessaly.period_end) == (4, "2025-03-06", "2029-03-06")
    assert tessaly.announced_on == "2025-03-05"
    assert tessaly.target == "new shipyards"
    assert (corvane.period_start, corvane.period_end) == ("2026-07-01", "2026-12-31")


def test_without_a_date_relative_periods_stay_empty_and_explicit_years_resolve(nlp):
    from kg.extract import extract

    inv = by_investor(extract(TEXT, nlp=nlp))
    assert inv["Tessaly Marine"].period_years == 4
    assert all((i.period_start, i.period_end, i.announced_on) == (None, None, None) for i in inv.values())
    dated = extract("Pomeroy Rail will invest $600 million in signalling by 2028, it said.", nlp=nlp)
    [i] = dated.investments
    assert (i.period_start, i.period_end) == (None, "2028-12-31")
    assert i.target == "signalling"


def test_a_fronted_period_counts_but_a_date_inside_the_sentence_does_not(nlp):
    from kg.extract import extract

    [i] = extract("Next year, Dunmore Energy will invest $250 million in wind farms.", date="2024-06-01",
                  nlp=nlp).investments
    assert (i.period_start, i.period_end) == ("2025-01-01", "2025-12-31")
    [j] = extract("Dunmore Energy, which was founded in 2011, will invest $250 million in wind farms.",
                  date="2024-06-01", nlp=nlp).investments
    assert (j.period_start, j.period_end) == (None, None)


def test_extract_many_takes_pairs_or_parallel_dates(nlp):
    from kg.extract import extract_many

    other = "Calloway Textiles will invest $90 million in new looms next year."
    pairs = list(extract_many([(TEXT, dt.date(2025, 3, 6)), (other, "2023-01-10"), (other, None)], nlp=nlp))
    parallel = list(extract_many([TEXT, other, other], dates=["2025-03-06", "2023-01-10", None], nlp=nlp))
    plain = list(extract_many([TEXT, other, other], nlp=nlp))
    assert [f.to_dict() for f in pairs] == [f.to_dict() for f in parallel]
    assert by_investor(pairs[0])["Tessaly Marine"].period_end == "2029-03-06"
    assert [(i.period_start, i.period_end) for i in pairs[1].investments] == [("2024-01-01", "2024-12-31")]
    assert [(i.period_start, i.period_end) for i in pairs[2].investments] == [(None, None)]
    assert [f.to_dict() for f in plain[1:]] == [pairs[2].to_dict()] * 2
    with pytest.raises(ValueError, match="fewer dates"):
        list(extract_many([TEXT, other], dates=["2025-03-06"], nlp=nlp))
    with pytest.raises(InputError):
        list(extract_many([(other, "10 January 2023")], nlp=nlp))


# ---- CLI -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def article(tmp_path: Path) -> Path:
    p = tmp_path / "tessaly.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


def test_cli_extract_date_json_and_turtle(runner, article, nlp):
    from kg.cli import app

    res = runner.invoke(app, ["extract", str(article), "--date", "2025-03-06"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["document"]["date"] == "2025-03-06"
    inv = {i["investor"]: i for i in out["investments"]}
    assert (inv["Tessaly Marine"]["period_start"], inv["Tessaly Marine"]["period_end"]) == ("2025-03-06", "2029-03-06")
    assert inv["Tessaly Marine"]["announced_on"] == "2025-03-05"
    res = runner.invoke(app, ["extract", str(article), "--format", "turtle", "--date", "2025-03-06"])
    assert res.exit_code == 0, res.stderr
    assert 'kg:periodStart "2026-07-01"^^xsd:date' in res.stdout
    assert 'kg:periodEnd "2029-03-06"^^xsd:date' in res.stdout
    undated = json.loads(runner.invoke(app, ["extract", str(article)]).stdout)
    assert all(i["period_start"] is None for i in undated["investments"])


@pytest.mark.parametrize("bad", ["2025-02-30", "06/03/2025", "soon"])
def test_cli_bad_date_is_a_one_line_error(runner, article, tmp_path, bad):
    from kg.cli import app

    store = tmp_path / "store"
    for args in (["extract", str(article), "--date", bad],
                 ["--store", str(store), "ingest", str(article), "--date", bad]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: --date:"), res.stderr
    assert not store.exists()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "n1", "title": "Shipyards", "date": "2025-03-06", "text": BODY},
        {"id": "n2", "title": "Looms", "date": "2023-01-10T09:00:00Z",
         "text": "Calloway Textiles will invest $90 million in new looms next year."},
        {"id": "n3", "title": "Rail", "text": "Pomeroy Rail will invest $600 million in signalling over the next "
                                               "two years."},
    ]) + "\n", encoding="utf-8")
    return path


CORPUS_PERIODS = {
    "Tessaly Marine": ("2025-03-06", "2029-03-06"),
    "Corvane Shipping": ("2026-07-01", "2026-12-31"),
    "Calloway Textiles": ("2024-01-01", "2024-12-31"),
    "Pomeroy Rail": (None, None),  # no date in the record: the relative period stays open
}


def stored_periods(runner, store: Path) -> dict[str, tuple[str | None, str | None]]:
    from kg.cli import app

    res = runner.invoke(app, ["--store", str(store), "query", "investments", "--format", "json"])
    assert res.exit_code == 0, res.stderr
    return {r["investorName"]: (r.get("periodStart"), r.get("periodEnd")) for r in sparql_rows(res.stdout)}


def test_ingest_dated_corpus_stores_the_resolved_period(runner, tmp_path, corpus, article, nlp):
    from kg.cli import app

    store = tmp_path / "store"
    res = runner.invoke(app, ["--store", str(store), "ingest", str(corpus)])
    assert res.exit_code == 0, res.stderr
    assert stored_periods(runner, store) == CORPUS_PERIODS
    # a plain file gets its date from --date; the stored document records it
    res = runner.invoke(app, ["--store", str(store), "ingest", str(article), "--date", "2025-03-06"])
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(app, ["--store", str(store), "query", "documents", "--format", "json"])
    assert any(r.get("date", "").startswith("2025-03-06") for r in sparql_rows(res.stdout)), res.stdout
    res = runner.invoke(app, ["--store", str(store), "validate"])
    assert res.exit_code == 0, res.output


def test_dask_and_local_ingest_pass_the_article_date(tmp_path, nlp):
    """The Dask path (a LocalCluster in this process, real pipeline) and the local path store the same periods."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    from kg.corpus import SourceText
    from kg.distributed import ingest_dask
    from kg.ingest import ingest
    from kg.store import LocalStore

    def sources() -> list[SourceText]:
        return [SourceText.from_text(BODY, id="n1", date="2025-03-06"),
                SourceText.from_text("Calloway Textiles will invest $90 million in new looms next year.", id="n2",
                                     date="2023-01-10")]

    query = ("PREFIX kg: <https://w3id.org/kgnews/ontology#> SELECT ?s ?e WHERE { ?i a kg:Investment ; "
             "kg:periodStart ?s ; kg:periodEnd ?e } ORDER BY ?s")
    with LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as lc:
        report = ingest_dask(str(tmp_path / "dask"), sources(), scheduler=lc.scheduler_address)
    assert (report.documents, report.failed) == (2, 0)
    expected = [("2024-01-01", "2024-12-31"), ("2025-03-06", "2029-03-06"), ("2026-07-01", "2026-12-31")]
    with LocalStore(tmp_path / "dask", read_only=True) as store:
        got = [(r["s"].value, r["e"].value) for r in store.query(query)]
    assert got == expected
    with LocalStore(tmp_path / "local") as store:
        ingest(store, sources(), nlp=nlp)
        assert [(r["s"].value, r["e"].value) for r in store.query(query)] == expected


def test_a_relative_clause_after_the_amount_is_not_the_period(nlp):
    from kg.extract import extract

    [i] = extract("Dunmore Energy will invest $250 million in Velsa Grid, which has run turbines for 20 years.",
                  date="2024-06-01", nlp=nlp).investments
    assert (i.period_start, i.period_end) == (None, None)


def test_ingest_with_two_workers_passes_the_dates(runner, tmp_path, corpus, nlp):
    from kg.cli import app

    store = tmp_path / "store"
    res = runner.invoke(app, ["--store", str(store), "ingest", str(corpus), "--workers", "2"])
    assert res.exit_code == 0, res.stderr
    assert stored_periods(runner, store) == CORPUS_PERIODS
