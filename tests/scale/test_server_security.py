"""`kg serve` is closed by default: read-only, same-origin only, no federation; writes need --allow-update and a
bearer token; a busy port is reported as such. Local `kg query` makes no outbound request without --allow-service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import QueryError, StoreError
from kg.server import free_port
from kg.store import LocalStore, open_store, uses_service

pytestmark = pytest.mark.server

EVIL = "http://evil.example"
TURTLE = "<http://x/a> <http://x/b> <http://x/c> .\n"


def _kg() -> list[str]:
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


class Served:
    """A `kg serve` subprocess on a free port; its stderr lines up to "serving"."""

    def __init__(self, store: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {k: v for k, v in os.environ.items() if k != "KG_TOKEN"}
        full_env.update(env or {})
        self.proc = subprocess.Popen([*_kg(), "--store", str(store), "serve", "--bind", f"127.0.0.1:{self.port}",
                                      *args], stderr=subprocess.PIPE, text=True, env=full_env)
        self.lines: list[str] = []
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if line.startswith("serving") or len(self.lines) > 20:
                break
        assert any(ln.startswith("serving") for ln in self.lines), self.lines

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def token(self) -> str:
        for line in self.lines:
            if "Bearer" in line:
                return line.rsplit("Bearer", 1)[1].strip()
        raise AssertionError(self.lines)


def _request(url: str, method: str = "GET", data: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", "replace"), dict(resp.headers)
    except urllib.error.HTTPError as err:
        body = err.read().decode("utf-8", "replace")
        return err.code, body, dict(err.headers)


def _writes(base: str) -> list[tuple[str, str, bytes, dict[str, str]]]:
    """Every spelling of a write: SPARQL UPDATE by body and by form, Graph Store PUT/POST/DELETE."""
    form = "application/x-www-form-urlencoded"
    return [
        ("POST", f"{base}/update", b"INSERT DATA { <http://x/a> <http://x/b> <http://x/u> }",
         {"Content-Type": "application/sparql-update"}),
        ("POST", f"{base}/update", urllib.parse.urlencode({"update": "DROP ALL"}).encode(), {"Content-Type": form}),
        ("PUT", f"{base}/store?graph=http://x/g", TURTLE.encode(), {"Content-Type": "text/turtle"}),
        ("POST", f"{base}/store?graph=http://x/g2", TURTLE.encode(), {"Content-Type": "text/turtle"}),
        ("POST", f"{base}/store", b"<http://x/a> <http://x/b> <http://x/c> <http://x/g3> .\n",
         {"Content-Type": "application/n-quads"}),
        ("DELETE", f"{base}/store?graph=http://x/seed", b"", {}),
        ("DELETE", f"{base}/store?default", b"", {}),
    ]


def _dump(base: str) -> str:
    status, body, _ = _request(f"{base}/store", headers={"Accept": "application/n-quads"})
    assert status == 200
    return "".join(sorted(body.splitlines(keepends=True)))


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    store = tmp_path / "team"
    with LocalStore(store) as st:
        st.update('INSERT DATA { GRAPH <http://x/seed> { <http://x/s> <http://x/p> "service" } }')
    return store


@pytest.fixture
def serve(seeded: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        started.append(Served(seeded, *args, env=env))
        return started[-1]

    try:
        yield start
    finally:
        for s in started:
            s.stop()


class Listener:
    """A TCP port that counts the connections made to it (an outbound SERVICE request would be one)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.count = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


# --- read-only by default -------------------------------------------------------------------------------------
def test_default_server_refuses_every_write(serve: Callable[..., Served]) -> None:
    s = serve()
    before = _dump(s.url)
    for method, url, data, headers in _writes(s.url):
        for origin in ({}, {"Origin": EVIL}):
            status, body, _ = _request(url, method, data or None, {**headers, **origin})
            assert status in (403, 405), (method, url, origin, status, body)
            assert body.strip() and "\n" not in body.strip(), body
    status, body, _ = _request(f"{s.url}/store", "PATCH", b"x")
    assert status == 405
    assert _dump(s.url) == before
    # reads still work, and a read-only RemoteStore says why it cannot write
    assert "service" in before
    remote = open_store(s.url)
    with pytest.raises(StoreError, match="read-only"):
        remote.update("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    assert _dump(s.url) == before


# --- --allow-update and the token -----------------------------------------------------------------------------
def test_allow_update_needs_the_printed_token(serve: Callable[..., Served], monkeypatch: pytest.MonkeyPatch) -> None:
    s = serve("--allow-update")
    token = s.token()
    assert len(token) >= 32
    before = _dump(s.url)
    for method, url, data, headers in _writes(s.url):
        for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {token}"}):
            status, body, _ = _request(url, method, data or None, {**headers, **auth})
            assert status == 401, (method, url, auth, status, body)
            assert "KG_TOKEN" in body
        # the right token, but from a foreign web page: still refused
        status, _, _ = _request(url, method, data or None,
                                {**headers, "Authorization": f"Bearer {token}", "Origin": EVIL})
        assert status == 403
    assert _dump(s.url) == before
    status, _, _ = _request(f"{s.url}/update", "POST", b"INSERT DATA { <http://x/a> <http://x/b> <http://x/t> }",
                            {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
    assert status == 204
    assert "<http://x/t>" in _dump(s.url)
    # the remote client sends KG_TOKEN
    monkeypatch.delenv("KG_TOKEN", raising=False)
    with pytest.raises(StoreError, match="KG_TOKEN"):
        open_store(s.url).update("INSERT DATA { <http://x/a> <http://x/b> <http://x/n> }")
    monkeypatch.setenv("KG_TOKEN", token)
    remote = open_store(s.url)
    remote.update("INSERT DATA { <http://x/a> <http://x/b> <http://x/r> }")
    assert "<http://x/r>" in _dump(s.url)
    result = CliRunner().invoke(app, ["--store", s.url, "query", "--allow-update", "--sparql",
                                      "INSERT DATA { <http://x/a> <http://x/b> <http://x/cli> }"])
    assert result.exit_code == 0, result.output


def test_token_from_the_environment_is_not_printed(serve: Callable[..., Served]) -> None:
    s = serve("--allow-update", env={"KG_TOKEN": "team-secret-0123456789abcdef0123456789"})
    assert not any("team-secret" in ln for ln in s.lines)
    assert any("KG_TOKEN" in ln for ln in s.lines)
    ok = {"Content-Type": "application/sparql-update",
          "Authorization": "Bearer team-secret-0123456789abcdef0123456789"}
    assert _request(f"{s.url}/update", "POST", b"CLEAR ALL", ok)[0] == 204
    assert _request(f"{s.url}/update", "POST", b"CLEAR ALL", {**ok, "Authorization": "Bearer team"})[0] == 401


# --- cross-origin browsers ------------------------------------------------------------------------------------
def test_cross_origin_requests_are_refused_unless_named(serve: Callable[..., Served]) -> None:
    s = serve("--cors", "http://app.example")
    ask = f"{s.url}/query?query=ASK%7B%7D"
    assert _request(ask)[0] == 200
    assert _request(ask, headers={"Origin": s.url})[0] == 200  # the server's own origin
    status, body, _ = _request(ask, headers={"Origin": EVIL})
    assert status == 403 and "--cors" in body
    status, _, headers = _request(ask, headers={"Origin": "http://app.example"})
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == "http://app.example"
    # DNS rebinding: a foreign host name is refused even without an Origin
    assert _request(ask, headers={"Host": f"evil.example:{s.port}"})[0] == 403
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    status, _, headers = _request(f"{s.url}/query", "OPTIONS", headers={**pre, "Origin": "http://app.example"})
    assert status == 204
    assert headers.get("Access-Control-Allow-Origin") == "http://app.example"
    assert "POST" in headers.get("Access-Control-Allow-Methods", "")
    assert _request(f"{s.url}/query", "OPTIONS", headers={**pre, "Origin": EVIL})[0] == 403
    # a read-only server does not offer writes to a named origin either
    status, _, headers = _request(f"{s.url}/update", "OPTIONS", headers={**pre, "Origin": "http://app.example"})
    assert status == 403


# --- SERVICE --------------------------------------------------------------------------------------------------
def test_server_refuses_service_unless_allowed(serve: Callable[..., Served], listener: Listener) -> None:
    s = serve()
    q = urllib.parse.urlencode({"query": f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"})
    status, body, _ = _request(f"{s.url}/query?{q}")
    assert status == 403 and "--allow-service" in body
    literal = urllib.parse.urlencode({"query": 'SELECT ?s WHERE { ?s ?p "service" } # SERVICE <http://x/>'})
    status, body, _ = _request(f"{s.url}/query?{literal}&union-default-graph",
                               headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and "http://x/s" in body
    assert listener.count == 0
    with pytest.raises(QueryError, match="SERVICE"):
        open_store(s.url).query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    s.stop()  # the store has one server at a time
    federating = serve("--allow-service")
    _request(f"{federating.url}/query?{q}")
    assert listener.count >= 1


def test_local_query_with_service_is_refused_without_flag(seeded: Path, listener: Listener) -> None:
    sparql = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    result = CliRunner().invoke(app, ["--store", str(seeded), "query", "--sparql", sparql])
    assert result.exit_code == 4
    assert "--allow-service" in result.output and len(result.output.strip().splitlines()) == 1
    ok = CliRunner().invoke(app, ["--store", str(seeded), "query", "--format", "csv", "--sparql",
                                  'SELECT ?service WHERE { ?s ?p ?service FILTER(?service = "service") }'])
    assert ok.exit_code == 0 and "service" in ok.stdout
    assert listener.count == 0
    CliRunner().invoke(app, ["--store", str(seeded), "query", "--allow-service", "--sparql", sparql])
    assert listener.count >= 1


@pytest.mark.parametrize(("sparql", "expected"), [
    ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("select * { service silent ?endpoint { ?s ?p ?o } }", True),
    ("SELECT * { ?s ?p ?o .SERVICE<http://x/>{ ?s ?p ?o } }", True),
    ("PREFIX : <http://x/>\nDELETE { ?s ?p ?o } WHERE { SERVICE :e { ?s ?p ?o } }", True),
    ('SELECT * { ?s ?p "SERVICE <http://x/> { }" }', False),
    ("SELECT * { ?s ?p '''\nSERVICE <http://x/> {}''' }", False),
    ("SELECT * { ?s <http://x/SERVICE> ?service } # SERVICE <http://x/> { }", False),
    ("PREFIX service: <http://x/>\nSELECT * { ?s service:SERVICE ex:service.SERVICE }", False),
    ('SELECT * { ?s ?p "x"@service }', False),
])
def test_uses_service(sparql: str, expected: bool) -> None:
    assert uses_service(sparql) is expected


# --- busy port ------------------------------------------------------------------------------------------------
def test_busy_port_is_reported(seeded: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc: Any = subprocess.run([*_kg(), "--store", str(seeded), "serve", "--bind", f"127.0.0.1:{port}"],
                                   capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in lines[0]
