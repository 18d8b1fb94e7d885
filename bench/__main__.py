"""``python -m bench`` (``make bench``): run the benchmarks of issue 6, print every ratio, write bench/results.json.

Sizes are configurable; ``--quick`` shrinks everything for a smoke run. ``--only`` picks benchmarks by name:
extraction, workers, ingest, queries, cold, memory, merge, reuters. Environment variables ``KG_BENCH_QUICK=1`` and
``KG_BENCH_ONLY=a,b`` do the same as the flags.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.suite import (
    Ratio,
    bench_cold_start,
    bench_extraction,
    bench_ingest_facts,
    bench_memory,
    bench_merge,
    bench_queries,
    bench_reuters,
    bench_workers,
)

NAMES = ("ingest", "queries", "cold", "memory", "merge", "extraction", "workers", "reuters")

FULL = {"extract_docs": 200, "worker_docs": 160, "ingest_docs": 2000, "query_sizes": "10000,100000,1000000",
        "memory_docs": "1000,10000", "merge_triples": 1_000_000, "repeat": 2, "reuters_docs": 5000}
QUICK = {"extract_docs": 40, "worker_docs": 40, "ingest_docs": 300, "query_sizes": "10000,50000",
         "memory_docs": "200,1000", "merge_triples": 50_000, "repeat": 2, "reuters_docs": 300}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    quick = os.environ.get("KG_BENCH_QUICK", "") not in ("", "0")
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", default=quick, help="small sizes, for a smoke run")
    p.add_argument("--only", default=os.environ.get("KG_BENCH_ONLY", ""),
                   help=f"comma-separated subset of: {', '.join(NAMES)}")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.json")
    for key, value in FULL.items():
        p.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=None)
    args = p.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()] or list(NAMES)
    unknown = sorted(set(only) - set(NAMES))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(NAMES)}", file=sys.stderr)
        return 2
    results: list[Ratio] = []
    extra: dict[str, Any] = {}
    failures: dict[str, str] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmpdir:
        tmp = Path(tmpdir)
        jobs = {
            "extraction": lambda: [r for r in (bench_extraction(args.extract_docs, args.repeat),
                                               bench_extraction(args.extract_docs, args.repeat, real=True)) if r],
            "workers": lambda: [bench_workers(args.worker_docs, tmp)],
            "ingest": lambda: [bench_ingest_facts(args.ingest_docs, tmp, args.repeat)],
            "queries": lambda: _queries(args, tmp, extra),
            "cold": lambda: [bench_cold_start(tmp, max(11, 2 * args.repeat + 1))],
            "memory": lambda: bench_memory(*sorted(int(x) for x in args.memory_docs.split(",")), tmp),
            "merge": lambda: bench_merge(args.merge_triples, tmp, args.repeat),
            "reuters": lambda: _reuters(args, tmp, extra),
        }
        for name in NAMES:
            if name not in only:
                continue
            print(f"[{time.perf_counter() - started:6.0f} s] running {name} ...", file=sys.stderr, flush=True)
            try:
                for r in jobs[name]():
                    results.append(r)
                    print(r.line(), flush=True)
            except Exception as err:  # one broken benchmark must not hide the others
                failures[name] = f"{err.__class__.__name__}: {err}"
                print(f"{name:<34} FAILED: {failures[name]}", flush=True)
                traceback.print_exc(file=sys.stderr)
    elapsed = time.perf_counter() - started
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    payload = {
        "quick": args.quick,
        "elapsed_s": round(elapsed, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {k: getattr(args, k) for k in FULL},
        "ratios": {r.name: {**asdict(r), "measured_at": stamp, "benchmark": _job_of(r.name)} for r in results},
        "failures": failures,
        **extra,
    }
    if set(only) != set(NAMES):
        payload = keep_earlier(_read_json(args.out), payload, ran=only)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\n{len(results)} ratios in {elapsed:.0f} s; written to {args.out}", flush=True)
    return 1 if failures else 0


def _job_of(ratio: str) -> str:
    """The benchmark (``--only`` name) a ratio comes from."""
    prefixes = {"extraction": "extraction", "ingest_2": "workers", "ingest_facts": "ingest", "canned": "queries",
                "query_growth": "queries", "cold": "cold", "peak_memory": "memory", "merge": "merge",
                "reuters": "reuters"}
    return next((job for prefix, job in prefixes.items() if ratio.startswith(prefix)), "")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def keep_earlier(previous: dict[str, Any], payload: dict[str, Any], *, ran: list[str]) -> dict[str, Any]:
    """A partial run (``--only``) updates the results file instead of replacing it: ratios of the benchmarks that
    did not run now are kept from the earlier file (each says when it was measured), when it was made with the same
    sizes (``quick`` and settings alike); the query tables are kept with their benchmarks."""
    if previous.get("quick") != payload["quick"] or previous.get("settings") != payload["settings"]:
        return payload
    kept = {name: r for name, r in previous.get("ratios", {}).items()
            if isinstance(r, dict) and (r.get("benchmark") or _job_of(name)) not in ran}
    out = {**payload, "ratios": {**kept, **payload["ratios"]}, "kept_from_earlier_runs": sorted(kept)}
    for job, key in (("queries", "query_table"), ("reuters", "reuters_table")):
        if job not in ran and key in previous:
            out[key] = previous[key]
    return out


def _queries(args: argparse.Namespace, tmp: Path, extra: dict[str, Any]) -> list[Ratio]:
    sizes = [int(x) for x in str(args.query_sizes).split(",")]
    q_ratio, growth, table = bench_queries(sizes, tmp, args.repeat)
    extra["query_table"] = table
    return [q_ratio, growth]


def _reuters(args: argparse.Namespace, tmp: Path, extra: dict[str, Any]) -> list[Ratio]:
    ratios, table = bench_reuters(args.reuters_docs, tmp, args.repeat)
    if table:
        extra["reuters_table"] = table
    return ratios


if __name__ == "__main__":
    sys.exit(main())
