"""kg validate on a store holding a merged source: the raw source graph keeps its own vocabulary."""

from __future__ import annotations

from pathlib import Path

from kg.merge import merge_files
from kg.store import LocalStore
from kg.validate import validate_store

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def test_whole_store_validation_skips_raw_sources_but_checks_mapped(tmp_path: Path) -> None:
    # FIBO's raw graph labels entities in French and English; its mapped graph gives each a plain label.
    with LocalStore(tmp_path / "store") as store:
        merge_files(store, [SHARED / "merge/fibo/FinancialInstitutionExamples.rdf"], name="fibo")
        report = validate_store(store)
        assert report.conforms, [v for v in report.violations if v.severity == "Violation"]
        mapped = [g for g in store.named_graphs() if g.endswith("/mapped")]
        assert mapped
        # with the raw graph mixed in (its language-tagged labels on the same IRIs), the union would not conform
        from kg.validate import _rdflib_graph, validate_graph

        assert not validate_graph(_rdflib_graph(store.quads())).conforms
