"""The same kg commands against a local store and against an Oxigraph server; `kg serve`; canned queries remotely."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.queries import get_query, list_queries, rows, run_query
from kg.server import OxigraphServer, free_port
from kg.store import LocalStore, open_store

pytestmark = pytest.mark.server

ARTICLES = {
    "a.txt": "Quillon Holdings reported growth. Brightwater Works is a division of Quillon Holdings.\n",
    "b.txt": "Ferrous Corp is a division of Brightwater Works, said Quillon Holdings on Monday.\n",
}
_INGESTED_AT = re.compile(r'(ingestedAt> )"[^"]+"')


def _run(store: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--store", store, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _session(store: str, folder: Path) -> dict[str, str]:
    """Ingest, query, export, stats, remove, export: what a user does; the outputs to compare."""
    out = {}
    _run(store, "ingest", str(folder / "a.txt"), str(folder / "b.txt"))
    out["tree"] = _run(store, "query", "subsidiaries", "--param", "org=quillon holdings", "--format", "csv")
    out["orgs"] = _run(store, "query", "organizations", "--format", "json")
    out["sparql"] = _run(store, "query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv")
    out["export"] = _INGESTED_AT.sub(r'\1"T"', _run(store, "export", "--format", "nquads"))
    out["stats"] = _run(store, "stats")
    _run(store, "remove", str(folder / "b.txt"))
    out["after_remove"] = _INGESTED_AT.sub(r'\1"T"', _run(store, "export", "--format", "nquads"))
    return out


def test_same_commands_same_answers(fake_extractor: object, oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text, "utf-8")
    local = _session(str(tmp_path / "local-store"), tmp_path)
    remote = _session(oxigraph_server.url, tmp_path)
    assert "Ferrous Corp" in local["tree"] and "Brightwater Works" in local["tree"]
    assert local["export"] and local["after_remove"] != local["export"]
    for key in local:
        if key != "stats":
            assert remote[key] == local[key], key


def test_refused_update_leaves_server_unchanged(sample: Any, oxigraph_server: OxigraphServer) -> None:
    store = open_store(oxigraph_server.url)
    store.add_graphs(sample.quads())
    before = len(store)
    result = CliRunner().invoke(app, ["--store", oxigraph_server.url, "query", "--sparql",
                                      "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"])
    assert result.exit_code != 0
    bad = CliRunner().invoke(app, ["--store", oxigraph_server.url, "query", "--sparql", "SELECT * WHERE {"])
    assert bad.exit_code != 0 and "malformed" in bad.output
    assert len(store) == before


def test_every_canned_query_answers_the_same_remotely(sample: Any, oxigraph_server: OxigraphServer,
                                                      tmp_path: Path) -> None:
    remote = open_store(oxigraph_server.url)
    params = {"org": "Quillon Holdings", "about": "Brightwater Works", "other": "Quillon", "investor": "quillon",
              "by": "Quillon Holdings"}
    with LocalStore(tmp_path / "local") as local:
        for st in (local, remote):
            st.add_graphs(sample.quads())
        for q in list_queries():
            given = {p.name: params[p.name] for p in q.params if p.name in params}
            assert rows(run_query(remote, q, given)) == rows(run_query(local, q, given)), q.name
        tree = rows(run_query(remote, get_query("subsidiaries"), {"org": "quillon holdings"}))[1]
        assert len(tree) == 2


def _kg_command() -> list[str]:
    """The installed ``kg`` script next to this Python, else ``python -m kg.cli``."""
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


def test_kg_serve_serves_the_local_store(sample: Any, tmp_path: Path) -> None:
    with LocalStore(tmp_path / "team") as st:
        st.add_graphs(sample.quads())
    port = free_port()
    kg = _kg_command()
    proc = subprocess.Popen([*kg, "--store", str(tmp_path / "team"), "serve", "--bind", f"127.0.0.1:{port}"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline() if proc.stderr else ""  # "serving ... at http://..." once it answers
        assert f"http://127.0.0.1:{port}" in line
        remote = open_store(f"http://127.0.0.1:{port}", read_only=True)
        assert len(remote) == len(sample.quads())
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    for _ in range(100):  # the oxigraph child stops with kg serve and releases the store
        try:
            with LocalStore(tmp_path / "team") as st:
                assert len(st) == len(sample.quads())
            break
        except Exception:
            time.sleep(0.1)
    else:
        pytest.fail("the store stayed locked after kg serve stopped")


def test_kg_serve_refuses_a_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--store", "http://127.0.0.1:9", "serve"])
    assert result.exit_code != 0
    assert "local store directory" in result.output


def _oxigraph_on(store: Path) -> list[Any]:
    import psutil

    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info.get("cmdline") or []
        if any("oxigraph" in c for c in cmd[:1]) and str(store) in cmd:
            found.append(p)
    return found


@pytest.mark.parametrize("moment", ["starting", "printing", "serving"])
def test_kg_serve_stopped_at_any_moment_leaves_no_server_behind(sample: Any, tmp_path: Path, moment: str) -> None:
    """SIGTERM while kg serve is starting the child, printing its address, or serving: the oxigraph child always
    goes with it. (A signal that came while the address was printed used to leave the child holding the lock.)"""
    store = tmp_path / "team"
    with LocalStore(store) as st:
        st.add_graphs(sample.quads())
    kg = _kg_command()
    for _ in range(3):
        proc = subprocess.Popen([*kg, "--store", str(store), "serve", "--bind", f"127.0.0.1:{free_port()}"],
                                stderr=subprocess.PIPE)
        assert proc.stderr is not None
        if moment == "starting":
            time.sleep(0.3)
        elif moment == "printing":
            proc.stderr.read(1)  # the first byte of "serving ...": the rest is still being written
        else:
            proc.stderr.readline()
            time.sleep(0.2)
        proc.terminate()
        proc.wait(timeout=30)
        try:
            for _ in range(100):
                if not _oxigraph_on(store):
                    break
                time.sleep(0.1)
            assert not _oxigraph_on(store), f"an oxigraph server outlived kg serve (SIGTERM while {moment})"
        finally:
            for p in _oxigraph_on(store):
                p.kill()


def test_a_killed_kg_serve_takes_its_server_along(sample: Any, tmp_path: Path) -> None:
    """Even SIGKILL, which kg serve cannot catch: Linux stops the child (PR_SET_PDEATHSIG) and the lock is freed."""
    if sys.platform != "linux":
        pytest.skip("parent-death signal is Linux only")
    store = tmp_path / "team"
    with LocalStore(store) as st:
        st.add_graphs(sample.quads())
    kg = _kg_command()
    proc = subprocess.Popen([*kg, "--store", str(store), "serve", "--bind", f"127.0.0.1:{free_port()}"],
                            stderr=subprocess.PIPE)
    try:
        assert proc.stderr is not None and b"serving" in proc.stderr.readline()
        proc.kill()
        proc.wait(timeout=30)
        for _ in range(100):
            if not _oxigraph_on(store):
                break
            time.sleep(0.1)
        assert not _oxigraph_on(store)
        with LocalStore(store) as st:  # the lock is free again
            assert len(st) == len(sample.quads())
    finally:
        for p in _oxigraph_on(store):
            p.kill()
