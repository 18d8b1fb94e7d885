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


def test_command_table_lists_every_command_of_the_full_app() -> None:
    import typer.main

    from kg.cli import COMMANDS, build_app

    full = typer.main.get_command(build_app())
    assert sorted(full.commands) == sorted(COMMANDS)  # type: ignore[attr-defined]
    for name in COMMANDS:  # each command alone builds an app holding just that command
        alone = typer.main.get_command(build_app(only=name))
        assert sorted(alone.commands) == [name], name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["query", "organizations"], "query"),
        (["--store", "query", "stats"], "stats"),  # the value of --store is not the command
        (["--store=s", "-q", "export"], "export"),
        (["--quiet", "merge", "x.ttl"], "merge"),
        (["--help"], None),
        (["qurey"], None),
        ([], None),
    ],
)
def test_command_name_skips_global_options(argv: list[str], expected: str | None) -> None:
    from kg.cli import command_name

    assert command_name(argv) == expected


def test_main_registers_only_the_command_on_the_command_line(tmp_path: Path) -> None:
    store = tmp_path / "store"
    open_store(store).close()
    check = textwrap.dedent("""\
        import sys
        import kg.cli
        sys.argv = ["kg", *sys.argv[1:]]
        try:
            kg.cli.main()
        except SystemExit:
            pass
        print("LOADED=" + ",".join(sorted(m for m in sys.modules if m.startswith("kg.cli."))), file=sys.stderr)
    """)
    proc = subprocess.run([sys.executable, "-c", check, "--store", str(store), "query", "--sparql",
                           "SELECT (1 AS ?one) WHERE {}", "--format", "csv"], capture_output=True, text=True)
    assert "one" in proc.stdout and "1" in proc.stdout, proc.stderr
    assert "LOADED=kg.cli.core\n" in proc.stderr, proc.stderr
    typo = subprocess.run([sys.executable, "-m", "kg", "qurey"], capture_output=True, text=True)
    assert typo.returncode == 2 and "qurey" in typo.stderr  # a typo still gets click's message over the full app
