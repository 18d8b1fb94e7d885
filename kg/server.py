"""Running a SPARQL server on a local store: the ``oxigraph serve`` process behind ``kg serve``.

This module owns the server *process* (finding the ``oxigraph`` binary of the ``oxigraph`` PyPI package, starting
it on a store directory, waiting until it answers, stopping it). It never opens the store itself: the server holds
the store's lock while it runs, and kg commands reach the data through ``--store http://HOST:PORT``
(:class:`kg.remote.RemoteStore`).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from kg.errors import StoreError

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


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send it SIGTERM when its parent dies, even by SIGKILL, so that no
    server outlives kg and keeps the store locked. Best effort: nothing happens where prctl is missing."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


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
                                      preexec_fn=_die_with_parent if sys.platform == "linux" else None)
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
        lines = [ln for ln in text.strip().splitlines() if ln.strip()]
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


def start_server(location: str | Path, *, bind: str = DEFAULT_BIND, timeout: float = 30.0) -> OxigraphServer:
    """Start ``oxigraph serve`` on ``location`` bound to ``bind`` and return it once it answers."""
    return OxigraphServer(location, bind=bind).start(timeout=timeout)
