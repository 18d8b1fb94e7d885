"""Issue 12, item 6: worker processes of ``ingest(workers=2)`` die with their parent, even after ``kill -9``.

The parent runs in a subprocess (its own process group) with a slow fake extractor, so it is surely mid-run when
it is killed; the test then polls until the worker PIDs are gone (or zombies), and checks the store reopens and a
rerun completes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked, and die with the parent, on Linux")

REPO = Path(__file__).resolve().parents[2]

_PARENT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.core.conftest import fake_module
    mod = fake_module()
    slow = mod.extract_many
    def extract_many(texts, **kw):
        for facts in slow(texts, **kw):
            time.sleep(0.2)
            yield facts
    mod.extract_many = extract_many
    sys.modules["kg.extract"] = mod
    from kg.corpus import SourceText
    from kg.ingest import ingest
    from kg.store import LocalStore
    sources = [SourceText.from_text(f"Doc {{i}}: Ravelin Labs is a unit of Corbett Group.", id=f"d{{i}}")
               for i in range(400)]
    with LocalStore({store!r}) as store:
        ingest(store, sources, workers=2, batch_size=8)
""")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended while we listed them
            continue
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_workers_die_with_a_killed_parent_and_the_store_stays_consistent(tmp_path: Path) -> None:
    store = tmp_path / "store"
    parent = subprocess.Popen([sys.executable, "-c", _PARENT.format(repo=str(REPO), store=str(store))],
                              start_new_session=True, cwd=tmp_path)
    try:
        workers: list[int] = []
        for _ in range(3000):  # poll until both workers run (a generous bound, no timing claim)
            workers = _children(parent.pid)
            if len(workers) >= 2 or parent.poll() is not None:
                break
            os.sched_yield()
            subprocess.run(["sleep", "0.01"], check=True)
        assert parent.poll() is None and len(workers) >= 2, "the ingest ended before it could be killed"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        for _ in range(3000):
            if not any(_alive(w) for w in workers):
                break
            subprocess.run(["sleep", "0.01"], check=True)
        left = [w for w in workers if _alive(w)]
        for w in left:  # do not leave them behind when the test fails
            os.kill(w, signal.SIGKILL)
        assert not left, f"workers {left} outlived their killed parent"
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
    # the store reopens and a rerun completes (documents the killed run wrote are skipped)
    from tests.core.conftest import fake_module

    mod = fake_module()
    saved = sys.modules.get("kg.extract")
    sys.modules["kg.extract"] = mod
    try:
        from kg.corpus import SourceText
        from kg.ingest import ingest
        from kg.store import LocalStore

        sources = [SourceText.from_text(f"Doc {i}: Ravelin Labs is a unit of Corbett Group.", id=f"d{i}")
                   for i in range(400)]
        with LocalStore(store) as s:
            report = ingest(s, sources, workers=1)
            assert report.documents + report.skipped == 400
            assert sum(1 for g in s.named_graphs() if "/graph/doc/" in g) == 400
    finally:
        if saved is not None:
            sys.modules["kg.extract"] = saved
        else:
            sys.modules.pop("kg.extract", None)
