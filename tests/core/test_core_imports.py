"""Commands that only read the store must not import spaCy (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kg.store import open_store

CHECK = textwrap.dedent("""\
    import sys
    from kg.cli import app
    try:
        app(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    heavy = sorted(m for m in ("spacy", "thinc", "kg.extract", "networkx", "matplotlib") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy), file=sys.stderr)
""")


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["queries"],
        ["query", "--sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"],
        ["export", "--format", "nquads"],
        ["remove", "0" * 64],
        ["--help"],
    ],
)
def test_read_only_commands_do_not_import_spacy(tmp_path: Path, args: list[str]) -> None:
    store = tmp_path / "store"
    open_store(store).close()
    proc = subprocess.run([sys.executable, "-c", CHECK, "--store", str(store), *args], capture_output=True,
                          text=True, cwd=tmp_path)
    heavy = [line for line in proc.stderr.splitlines() if line.startswith("HEAVY=")]
    assert heavy == ["HEAVY="], proc.stderr
