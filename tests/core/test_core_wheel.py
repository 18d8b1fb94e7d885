"""The package works installed from a built wheel: ontology/, queries/ and seeds/ come from kg/_data.

The wheel is built with ``python -m build --wheel --no-isolation`` (hatchling is in the dev extra), installed with
``--no-deps`` into a fresh venv; the dependencies are made visible through a ``.pth`` line naming this venv's
site-packages (a plain path entry, so the editable ``kg`` of the checkout is NOT picked up). Commands run in a
temporary folder outside the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

MAKE_STORE = """
import sys
from kg.facts import DocumentInfo, Facts, Organization, Subsidiary
from kg.rdf import facts_to_quads
from kg.store import open_store
facts = Facts(organizations=(Organization("Parent Group"), Organization("Child Corp")),
              subsidiaries=(Subsidiary(child="Child Corp", parent="Parent Group"),))
with open_store(sys.argv[1]) as st:
    st.add_graphs(facts_to_quads(facts, DocumentInfo(sha256="ab" * 32, path="x.txt", chars=10),
                                 ingested_at="2024-01-01T00:00:00Z", extractor="test"))
import kg.resources
print(kg.resources.queries_dir())
print(kg.resources.seeds_dir())
print(kg.__file__)
"""


@pytest.mark.slow
def test_wheel_installs_and_runs_a_canned_query(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True, cwd=REPO)
    [wheel] = list(dist.glob("kg-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_kg_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_STORE", "VIRTUAL_ENV")}
    kg = [str(venv / "bin" / "kg")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), capture_output=True, text=True, cwd=work, env=env)

    made = run(str(py), "-c", MAKE_STORE, str(work / "store"))
    assert made.returncode == 0, made.stderr
    queries_dir, seeds_dir, kg_file = made.stdout.splitlines()
    assert Path(queries_dir) == site / "kg" / "_data" / "queries"
    assert Path(seeds_dir) == site / "kg" / "_data" / "seeds"
    assert Path(kg_file).parent == site / "kg"
    assert (site / "kg" / "_data" / "ontology" / "kg.ttl").is_file()
    assert list((site / "kg" / "_data" / "seeds").glob("*.txt"))

    listed = run(*kg, "queries")
    assert listed.returncode == 0, listed.stderr
    assert "subsidiaries" in listed.stdout and "documents" in listed.stdout

    res = run(*kg, "--store", "store", "query", "subsidiaries", "--param", "org=parent group", "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert "Child Corp" in res.stdout

    bad = run(*kg, "--store", "store", "query", "no_such_query")
    assert bad.returncode == 4 and bad.stderr.startswith("error: ") and len(bad.stderr.splitlines()) == 1
