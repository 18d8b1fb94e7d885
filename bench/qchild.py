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

        t_ox, n_ox = _timed(via_ox)  # also the warm-up
        t_kg, n_kg = _timed(via_kg)
        for _ in range(max(1, repeat) if t_kg < 1.0 else 1):
            t_ox = min(t_ox, _timed(via_ox)[0])
            t_kg = min(t_kg, _timed(via_kg)[0])
    return {"kg_s": t_kg, "pyoxigraph_s": t_ox, "rows": n_kg, "rows_direct": n_ox}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))))
