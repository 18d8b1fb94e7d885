"""Running a SPARQL server on a local store: the ``oxigraph serve`` process behind ``kg serve``.

This module owns the server *process* (finding the ``oxigraph`` binary of the ``oxigraph`` PyPI package, starting
it on a store directory, waiting until it answers, stopping it). It never opens the store itself: the server holds
the store's lock while it runs, and kg commands reach the data through ``--store http://HOST:PORT``
(:class:`kg.remote.RemoteStore`).
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import http.server
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import QueryError, RdfSyntaxError, StoreError
from kg.store import LocalStore, loads_from_web, uses_service

DEFAULT_BIND = "127.0.0.1:7878"


def oxigraph_binary() -> Path:
    """The ``oxigraph`` executable: next to the running Python (same virtualenv), else on ``PATH``."""
    here = Path(sys.executable).parent
    for name in ("oxigraph", "oxigraph.exe"):
        if (here / name).is_file():
            return here / name
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise StoreError("the oxigraph server is not installed: pip install 'kg[server]' (the oxigraph package)")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def die_with_parent(sig: int | None = None) -> None:
    """Ask Linux to send this process ``sig`` (default SIGTERM) when its parent dies, even by SIGKILL
    (``PR_SET_PDEATHSIG``), so no child outlives kg: an :class:`OxigraphServer`, ``kg ingest``'s workers. Best
    effort: nothing happens where prctl is missing."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig or signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise StoreError(f"--bind must look like HOST:PORT (for example {DEFAULT_BIND}), not {bind!r}")
    return host, int(port)


class OxigraphServer:
    """An ``oxigraph serve`` child process on a store directory; a context manager that stops it on exit.

    On Linux the child gets SIGTERM when the thread that started it ends (even if the process is killed), so
    start it from a thread that lives as long as the server should.
    """

    def __init__(self, location: str | Path, *, bind: str = DEFAULT_BIND, log: Path | None = None) -> None:
        self.location = Path(location)
        self.host, self.port = _parse_bind(bind)
        self.bind = f"{self.host}:{self.port}"
        self.log = log
        self._proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL to pass as ``--store``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, *, timeout: float = 30.0) -> OxigraphServer:
        """Start the server and wait until it answers a query; a failure to start is a StoreError."""
        if self.location.exists() and not self.location.is_dir():
            raise StoreError(f"store path {self.location} is a file, not a store directory")
        self.location.mkdir(parents=True, exist_ok=True)
        cmd = [str(oxigraph_binary()), "serve", "--location", str(self.location), "--bind", self.bind]
        # stderr goes to a file, never a pipe nobody reads (a full pipe would block the server).
        self._err = open(self.log, "ab+") if self.log else tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err,
                                      preexec_fn=die_with_parent if sys.platform == "linux" else None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                message = self._stderr_tail()
                self.stop()
                raise StoreError(f"oxigraph serve {self.location} on {self.bind} stopped: {message}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise StoreError(f"oxigraph serve {self.location} did not answer on {self.bind} within {timeout:.0f} s")

    def _answers(self) -> bool:
        req = urllib.request.Request(f"{self.url}/query?query=ASK%7B%7D", headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=1) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _stderr_tail(self) -> str:
        text = ""
        if self._err is not None:
            self._err.seek(0)
            text = self._err.read().decode("utf-8", "replace")
        if "address already in use" in text.lower() or "addrinuse" in text.lower():
            return f"port {self.port} on {self.host} is already in use"
        # the cause, not the last frame of a backtrace ("   7: _start")
        lines = [ln for ln in text.strip().splitlines() if ln.strip() and not re.match(r"\s*(\d+:|at )", ln)]
        tail = lines[-1] if lines else "no message"
        if "lock" in tail.lower():
            return f"the store is in use by another process ({tail})"
        return tail

    def wait(self) -> int:
        """Block until the server exits; its exit code."""
        assert self._proc is not None
        return self._proc.wait()

    def stop(self, *, timeout: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``timeout``); the store is left closed."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._err is not None:
            with contextlib.suppress(OSError):
                self._err.close()
            self._err = None

    def __enter__(self) -> OxigraphServer:
        if not self.running():
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- kg serve: a guarded SPARQL server in this process --------------------------------------------------------
#: Environment variable holding the bearer token that writes need (read by ``kg serve`` and by the remote client).
TOKEN_ENV = "KG_TOKEN"

_WILDCARD_HOSTS = {"0.0.0.0", "::", ""}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_DRAIN_LIMIT = 64 << 20  # a refused request's body is read (so the client sees the answer) up to this size


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _split_host(value: str) -> str:
    """The host of a ``Host`` header or of an origin's authority (``[::1]:80`` -> ``::1``), lower-cased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Policy:
    """What a ``kg serve`` accepts: writes (with a token), which foreign origins, federation, which host names."""

    def __init__(self, *, host: str, allow_update: bool = False, token: str | None = None,
                 cors: tuple[str, ...] = (), allow_service: bool = False) -> None:
        if allow_update and not token:
            raise StoreError("--allow-update needs a token")
        self.allow_update = allow_update
        self.token = token
        self.cors = tuple(o.rstrip("/") for o in cors)
        self.allow_service = allow_service
        self.bind_host = host.lower()
        self.hosts = {self.bind_host}
        if self.bind_host in _WILDCARD_HOSTS or self.bind_host in _LOOPBACK_NAMES or self.bind_host.startswith("127."):
            self.hosts |= _LOOPBACK_NAMES
        if self.bind_host in _WILDCARD_HOSTS:
            self.hosts |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        for origin in self.cors:
            if origin != "*":
                self.hosts.add(_split_host(urllib.parse.urlsplit(origin).netloc))

    def host_allowed(self, host_header: str | None) -> bool:
        """A request's ``Host`` must name this server (an IP, or a name it is known by): a page that rebinds its own
        DNS name to this machine is refused."""
        if not host_header:
            return True
        host = _split_host(host_header)
        return host in self.hosts or (self.bind_host in _WILDCARD_HOSTS and _is_ip(host))

    def origin_allowed(self, origin: str, host_header: str | None) -> bool:
        """The server's own origin (``http://`` + its Host), or one named by ``--cors``."""
        origin = origin.rstrip("/")
        if host_header and origin.lower() in (f"http://{host_header.lower()}", f"https://{host_header.lower()}"):
            return True
        return "*" in self.cors or origin in self.cors

    def token_ok(self, authorization: str | None) -> bool:
        """``Authorization: Bearer TOKEN`` with the right token, compared in constant time."""
        if not self.token or not authorization:
            return False
        scheme, _, given = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode("utf-8"), self.token.encode("utf-8"))


class _Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class _Body:
    """The request body as a binary file of exactly Content-Length bytes."""

    def __init__(self, raw: IO[bytes], length: int) -> None:
        self._raw = raw
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if size is None or size < 0 else min(size, self.left)
        data = self._raw.read(n)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data

    def readinto(self, buf: Any) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _negotiate(accept: str | None, default: Any, lookup: Callable[[str], Any]) -> Any:
    """The format the client prefers among those ``lookup`` knows (``*/*`` or no Accept: ``default``)."""
    if not accept or not accept.strip():
        return default
    ranked = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [x.strip() for x in part.split(";")]
        q = 1.0
        for prm in params:
            if prm.startswith("q="):
                with contextlib.suppress(ValueError):
                    q = float(prm[2:])
        if q > 0:
            ranked.append((-q, i, media.lower()))
    for _, _, media in sorted(ranked):
        if media in ("*/*", "application/*"):
            return default
        found = lookup(media)
        if found is not None:
            return found
    return None


def _solution_format(media: str) -> Any:
    if media == "application/json":
        return ox.QueryResultsFormat.JSON
    return ox.QueryResultsFormat.from_media_type(media)


_SERVE_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")


class _Handler(http.server.BaseHTTPRequestHandler):
    """One request against the served store, after the policy's checks (Host, Origin, write gate, token, SERVICE)."""

    server: _HttpServer
    server_version = "kg-serve"
    protocol_version = "HTTP/1.0"

    # --- entry points ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # PATCH, PROPFIND, ...: 405, not http.server's 501
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: kg serve's stderr is for the user

    # --- answers -----------------------------------------------------------------------------------------
    def _cors_headers(self) -> dict[str, str]:
        origin = self.headers.get("Origin")
        if origin and self.server.policy.origin_allowed(origin, self.headers.get("Host")):
            return {"Access-Control-Allow-Origin": origin.rstrip("/"), "Vary": "Origin"}
        return {}

    def _send(self, status: int, body: bytes | IO[bytes] = b"", content_type: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(status)
        for k, v in {**self._cors_headers(), **(headers or {})}.items():
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if isinstance(body, bytes) else (length or 0)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or status in (204, 304):
            return
        if isinstance(body, bytes):
            self.wfile.write(body)
        else:
            shutil.copyfileobj(body, self.wfile)

    def _refuse(self, refused: _Refused) -> None:
        self._drain()
        message = str(refused).splitlines()[0] if str(refused) else "refused"
        self._send(refused.status, (message + "\n").encode("utf-8"), headers=refused.headers)

    def _drain(self) -> None:
        """Read what is left of the body, so that the client gets the answer rather than a reset connection."""
        body = getattr(self, "_body", None)
        if body is None:
            try:
                body = _Body(self.rfile, self._length(required=False))
            except _Refused:
                return
        if body.left > _DRAIN_LIMIT:
            return
        with contextlib.suppress(OSError):
            while body.read(1 << 16):
                pass

    def _length(self, *, required: bool) -> int:
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            raise _Refused(411, "send the body with a Content-Length (chunked uploads are not supported)")
        value = self.headers.get("Content-Length")
        if value is None:
            if required:
                raise _Refused(411, "the request needs a Content-Length")
            return 0
        if not value.strip().isdigit():
            raise _Refused(400, f"bad Content-Length {value!r}")
        return int(value)

    # --- checks --------------------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        try:
            self._checked()
        except _Refused as refused:
            answer = refused
        except (QueryError, RdfSyntaxError) as err:
            answer = _Refused(400, str(err))
        except StoreError as err:
            answer = _Refused(500, str(err))
        except Exception as err:  # an evaluation error of the library (a SERVICE endpoint failing, ...)
            answer = _Refused(500, f"{err.__class__.__name__}: {err}")
        else:
            return
        with contextlib.suppress(OSError):  # the client may be gone
            self._refuse(answer)

    def _checked(self) -> None:
        policy = self.server.policy
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        host = self.headers.get("Host")
        if not policy.host_allowed(host):
            raise _Refused(403, f"requests for host {host!r} are refused: this server is not known by that name")
        origin = self.headers.get("Origin")
        if origin is not None and not policy.origin_allowed(origin, host):
            raise _Refused(403, f"cross-origin request from {origin} refused: start kg serve with --cors {origin} "
                                "to allow that web page")
        if self.command not in _SERVE_METHODS:
            raise _Refused(405, f"{self.command} is not supported", {"Allow": ", ".join(_SERVE_METHODS)})
        if self.command == "OPTIONS":
            return self._preflight(path)
        if path not in ("/", "/query", "/update", "/store"):
            raise _Refused(404, f"no such endpoint {path}: use /query, /update or /store")
        if self._is_write(self.command, path):
            if not policy.allow_update:
                raise _Refused(403, "this kg serve is read-only: restart it with --allow-update to accept writes")
            if not policy.token_ok(self.headers.get("Authorization")):
                raise _Refused(401, f"writes need this server's token: send 'Authorization: Bearer TOKEN' (kg "
                                    f"sends ${TOKEN_ENV})", {"WWW-Authenticate": 'Bearer realm="kg"'})
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if path == "/":
            if self.command not in ("GET", "HEAD"):
                raise _Refused(405, f"{self.command} / is not supported", {"Allow": "GET, HEAD"})
            return self._send(200, b"kg SPARQL server: /query (SPARQL 1.1 query), /update, /store (Graph Store)\n")
        if path == "/query":
            return self._query(params)
        if path == "/update":
            return self._update(params)
        return self._graph_store(params)

    @staticmethod
    def _is_write(method: str, path: str) -> bool:
        return method in ("PUT", "DELETE") or (method == "POST" and path in ("/update", "/store"))

    def _preflight(self, path: str) -> None:
        policy = self.server.policy
        allowed = ["GET", "HEAD", "POST", "OPTIONS"]
        if policy.allow_update:
            allowed[3:3] = ["PUT", "DELETE"]
        asked = (self.headers.get("Access-Control-Request-Method") or "").upper()
        if self.headers.get("Origin") is not None and asked:
            if asked not in allowed:
                raise _Refused(403, f"{asked} is not allowed from other origins")
            if self._is_write(asked, path.rstrip("/") or "/") and not policy.allow_update:
                raise _Refused(403, "this kg serve is read-only: restart it with --allow-update to accept writes")
        self._send(204, headers={
            "Allow": ", ".join(allowed), "Access-Control-Allow-Methods": ", ".join(allowed),
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept", "Access-Control-Max-Age": "600",
        })

    def _service_check(self, sparql: str, *, update: bool) -> None:
        if self.server.policy.allow_service:
            return
        if uses_service(sparql):
            raise _Refused(403, "SERVICE (federated query) is off on this server: start kg serve with "
                                "--allow-service to allow it")
        if update and loads_from_web(sparql):
            raise _Refused(403, "LOAD is off on this server (it fetches from the web): start kg serve with "
                                "--allow-service to allow it")

    # --- the SPARQL protocol ---------------------------------------------------------------------------------
    def _form(self, params: dict[str, list[str]]) -> tuple[dict[str, list[str]], str | None]:
        """Merge a form body into ``params``; a direct (non-form) body is returned as text."""
        self._body = _Body(self.rfile, self._length(required=self.command == "POST"))
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = self._body.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(400, "the request body is not UTF-8") from None
        if ctype == "application/x-www-form-urlencoded":
            merged = dict(params)
            for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items():
                merged.setdefault(k, []).extend(v)
            return merged, None
        return params, text

    @staticmethod
    def _graphs(params: dict[str, list[str]], name: str) -> list[ox.NamedNode]:
        try:
            return [ox.NamedNode(v) for v in params.get(name, [])]
        except ValueError as err:
            raise _Refused(400, f"{name}: {err}") from None

    def _query(self, params: dict[str, list[str]]) -> None:
        if self.command not in ("GET", "POST"):
            raise _Refused(405, f"{self.command} /query is not supported", {"Allow": "GET, POST"})
        if self.command == "POST":
            params, direct = self._form(params)
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if direct is not None:
                if ctype != "application/sparql-query":
                    raise _Refused(415, "POST a query as application/sparql-query or as a form")
                params = {**params, "query": [direct]}
        queries = params.get("query", [])
        if len(queries) != 1:
            raise _Refused(400, "give exactly one query (the query parameter)")
        sparql = queries[0]
        self._service_check(sparql, update=False)
        result = self.server.store.protocol_query(
            sparql, union="union-default-graph" in params, default_graphs=self._graphs(params, "default-graph-uri"),
            named_graphs=self._graphs(params, "named-graph-uri"))
        accept = self.headers.get("Accept")
        if isinstance(result, ox.QueryTriples):
            fmt = _negotiate(accept, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.from_media_type)
        else:
            fmt = _negotiate(accept, ox.QueryResultsFormat.JSON, _solution_format)
        if fmt is None:
            raise _Refused(406, f"no result format for Accept: {accept}")
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as out:
            result.serialize(out, fmt)  # type: ignore[arg-type]
            size = out.tell()
            out.seek(0)
            self._send(200, out, content_type=fmt.media_type, length=size)

    def _update(self, params: dict[str, list[str]]) -> None:
        if self.command != "POST":
            raise _Refused(405, f"{self.command} /update is not supported", {"Allow": "POST"})
        params, direct = self._form(params)
        if direct is not None:
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/sparql-update":
                raise _Refused(415, "POST an update as application/sparql-update or as a form")
            params = {**params, "update": [direct]}
        if "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise _Refused(400, "using-graph-uri and using-named-graph-uri are not supported; use USING in the update")
        updates = params.get("update", [])
        if len(updates) != 1:
            raise _Refused(400, "give exactly one update (the update parameter)")
        self._service_check(updates[0], update=True)
        self.server.store.protocol_update(updates[0])
        self._send(204)

    def _graph_store(self, params: dict[str, list[str]]) -> None:
        store = self.server.store
        target: ox.NamedNode | ox.DefaultGraph | None = None
        if "graph" in params:
            if "default" in params or len(params["graph"]) != 1:
                raise _Refused(400, "name one graph: ?graph=IRI or ?default")
            target = self._graphs(params, "graph")[0]
        elif "default" in params:
            target = ox.DefaultGraph()
        exists = target is None or isinstance(target, ox.DefaultGraph) or store.has_graph(target)
        if self.command in ("GET", "HEAD"):
            if not exists:
                raise _Refused(404, f"no graph {target}")
            if target is None:
                fmt = _negotiate(self.headers.get("Accept"), ox.RdfFormat.N_QUADS, ox.RdfFormat.from_media_type)
                if fmt is not None and not fmt.supports_datasets:
                    fmt = None
            else:
                fmt = _negotiate(self.headers.get("Accept"), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.from_media_type)
            if fmt is None:
                raise _Refused(406, f"no RDF format for Accept: {self.headers.get('Accept')}")
            with tempfile.SpooledTemporaryFile(max_size=8 << 20) as out:
                if self.command == "GET":
                    store.dump(out, fmt, target)
                size = out.tell()
                out.seek(0)
                self._send(200, out, content_type=fmt.media_type, length=size)
            return
        if self.command == "DELETE":
            if target is None:
                raise _Refused(400, "DELETE needs ?graph=IRI or ?default (the whole store is not deleted this way)")
            if isinstance(target, ox.DefaultGraph):
                store.clear_default_graph()
            elif not store.remove_graph(target):
                raise _Refused(404, f"no graph {target}")
            self._send(204)
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        fmt = ox.RdfFormat.from_media_type(ctype) if ctype else None
        if fmt is None:
            raise _Refused(415, f"unsupported RDF media type {ctype!r}")
        if target is None and not fmt.supports_datasets:
            target = ox.DefaultGraph()
        self._body = _Body(self.rfile, self._length(required=True))
        store.load_data(self._body, fmt, target, replace=self.command == "PUT")  # type: ignore[arg-type]
        self._send(204 if exists else 201)


class _HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    store: LocalStore
    policy: Policy


class KgServer:
    """``kg serve``'s server: this process holds the store (and its lock) and answers SPARQL 1.1 Protocol and Graph
    Store Protocol requests under a :class:`Policy` (read-only, same-origin and offline unless told otherwise)."""

    def __init__(self, location: str | Path, *, bind: str = DEFAULT_BIND, policy: Policy | None = None) -> None:
        self.location = Path(location)
        self.host, self.port = _parse_bind(bind)
        self.policy = policy or Policy(host=self.host)
        self._http: _HttpServer | None = None
        self._store: LocalStore | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> KgServer:
        """Listen on the port and open the store; a busy port or a locked store is a StoreError saying so."""
        cls = _HttpServer
        if ":" in self.host:
            cls = type("_HttpServer6", (_HttpServer,), {"address_family": socket.AF_INET6})
        try:
            self._http = cls((self.host, self.port), _Handler)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise StoreError(f"kg serve: port {self.port} on {self.host} is already in use; stop what listens "
                                 f"there or pick another --bind HOST:PORT") from None
            raise StoreError(f"kg serve: cannot listen on {self.host}:{self.port}: "
                             f"{err.strerror or err}") from None
        if self.port == 0:
            self.port = int(self._http.server_address[1])
        try:
            self._store = LocalStore(self.location)
        except BaseException:
            self._http.server_close()
            raise
        self._http.store = self._store
        self._http.policy = self.policy
        return self

    def serve_forever(self) -> None:
        """Answer requests until interrupted (KeyboardInterrupt) or :meth:`stop` from another thread."""
        assert self._http is not None
        self._serving = threading.Event()
        self._serving_thread = threading.current_thread()
        self._serving.set()
        try:
            self._http.serve_forever(poll_interval=0.2)
        finally:
            self._serving.clear()

    def stop(self) -> None:
        """Stop answering and close the store."""
        http_server, self._http = self._http, None
        if http_server is not None:
            serving = getattr(self, "_serving", None)
            if serving is not None and serving.is_set() and self._serving_thread is not threading.current_thread():
                http_server.shutdown()  # serve_forever runs in another thread: end it first
            http_server.server_close()
        store, self._store = self._store, None
        if store is not None:
            store.close()
