"""Child process of the query benchmark: time one canned query through kg and directly on pyoxigraph; print JSON.

Run in its own process so that the parent can stop a query that scales badly (pyoxigraph has no query timeout).
Usage: ``python -m bench.qchild STORE_DIR QUERY_NAME PARAMS_JSON REPEAT``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pyoxigraph as ox

from bench.suite import _consume, _timed


def measure(store_dir: str, name: str, params: dict[str, str], repeat: int) -> dict[str, Any]:
    from kg.queries import bind_params, get_query, run_query
    from kg.store import LocalStore
    from kg.vocab import PREFIXES

    q = get_query(name)
    subs = {ox.Variable(k): v for k, v in bind_params(q, params).items()}
    direct = ox.Store.read_only(store_dir)
    with LocalStore(store_dir, read_only=True) as store:

        def via_kg() -> int:
            return _consume(run_query(store, q, params))

        def via_ox() -> int:
            return _consume(direct.query(q.sparql, prefixes=PREFIXES, substitutions=subs or None,
                                         use_default_graph_as_union=True))

        warm, n_ox = _timed(via_ox)  # warm-up of both (caches, lazy imports), not counted
        _, n_kg = _timed(via_kg)
        t_ox = t_kg = float("inf")
        # interleaved rounds, the order swapped every round so that neither side always runs second on a warmer
        # cache; best of each (the machine is shared: the minimum is the least disturbed run)
        for i in range(rounds(repeat, warm)):
            if i % 2:
                t_kg, t_ox = min(t_kg, _timed(via_kg)[0]), min(t_ox, _timed(via_ox)[0])
            else:
                t_ox, t_kg = min(t_ox, _timed(via_ox)[0]), min(t_kg, _timed(via_kg)[0])
    return {"kg_s": t_kg, "pyoxigraph_s": t_ox, "rows": n_kg, "rows_direct": n_ox}


def rounds(repeat: int, seconds: float) -> int:
    """Interleaved rounds: 5 or more for queries under a second (a ratio from one pair is mostly noise), 2 up to
    5 s, then 1, so that a slow query stays well inside the parent's timeout."""
    if seconds < 1.0:
        return max(5, 2 * repeat)
    return 2 if seconds < 5.0 else 1


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))))
