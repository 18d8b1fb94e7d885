"""The benchmarks of issue 6. Each returns a :class:`Ratio`: kg against a baseline measured in the same run.

Ratios are oriented so that the target reads naturally: throughput ratios (kg / baseline, higher is better) for
extraction, ingestion and merge; time ratios (kg / baseline, lower is better) for queries, cold start and memory.
Nothing here asserts a time: the numbers are printed and written to ``bench/results.json``.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import synthetic

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


@dataclass
class Ratio:
    """One measured ratio, its target and the raw figures behind it."""

    name: str
    value: float
    target: str
    ok: bool | None
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        verdict = "" if self.ok is None else ("  ok" if self.ok else "  MISSED")
        return f"{self.name:<34} {self.value:8.3f}  (target {self.target}){verdict}\n    {self.summary}"


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _best(fn: Callable[[], Any], repeat: int) -> float:
    return min(_timed(fn)[0] for _ in range(max(1, repeat)))


# --- extraction ------------------------------------------------------------------------------------------------------


def corpus_texts(n: int) -> list[str]:
    """The shared seed and dev texts, repeated to ``n`` documents (each copy made unique by a trailing line)."""
    files = sorted((SHARED / "seeds").glob("*.txt")) + sorted((SHARED / "eval" / "dev").glob("*.txt"))
    base = [p.read_text("utf-8") for p in files]
    if not base:
        raise SystemExit(f"no texts under {SHARED}/seeds or {SHARED}/eval/dev")
    return [f"{base[i % len(base)]}\n\nRef {i}.\n" for i in range(n)]


REUTERS = SHARED / "corpora" / "reuters21578.jsonl"


def reuters_records(n: int) -> list[dict[str, Any]] | None:
    """The first ``n`` unique articles (by text) of the real Reuters-21578 corpus (``../shared/corpora``), as JSON
    records, or None when the corpus is absent."""
    if not REUTERS.exists():
        return None
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    with REUTERS.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            if record["text"] in seen:
                continue
            seen.add(record["text"])
            out.append(record)
            if len(out) >= n:
                break
    return out


def reuters_texts(n: int) -> list[str] | None:
    """The texts of :func:`reuters_records`, or None when the corpus is absent."""
    records = reuters_records(n)
    return None if records is None else [r["text"] for r in records]


def bare_pipe(bare: Any, texts: list[str]) -> int:
    """The baseline of the extraction benchmarks: the trained pipeline's own ``nlp.pipe`` over ``texts``."""
    return len(list(bare.pipe(texts, batch_size=16)))


def bench_extraction(n_docs: int, repeat: int, *, real: bool = False) -> Ratio | None:
    """kg.extract.extract_many (all five stages) vs bare spaCy nlp.pipe of the same trained pipeline (the stock
    pipeline with our fine-tuned NER, none of our components) on the same texts: our texts, or real Reuters copy."""
    import kg.extract as ex
    from kg.extract.recognise import base_pipeline, pick_model

    texts = reuters_texts(n_docs) if real else corpus_texts(n_docs)
    if texts is None:
        print("extraction on Reuters: skipped (../shared/corpora/reuters21578.jsonl not found)")
        return None
    nlp = ex.load_pipeline()
    bare = base_pipeline()
    list(bare.pipe(texts[:8]))
    list(ex.extract_many(texts[:8], nlp=nlp))
    t_bare = t_kg = float("inf")
    for _ in range(max(1, repeat)):  # interleaved, best of each
        t_bare = min(t_bare, _timed(lambda: bare_pipe(bare, texts))[0])
        t_kg = min(t_kg, _timed(lambda: list(ex.extract_many(texts, nlp=nlp, batch_size=16)))[0])
    ratio = t_bare / t_kg
    chars = sum(map(len, texts))
    name = "extraction_reuters_vs_bare_spacy" if real else "extraction_vs_bare_spacy"
    what = "real Reuters-21578 articles" if real else "shared seed + dev texts"
    return Ratio(name, ratio, ">= 0.7", ratio >= 0.7,
                 f"kg {n_docs / t_kg:.1f} docs/s vs bare spaCy {n_docs / t_bare:.1f} docs/s "
                 f"({n_docs} {what}, {chars / n_docs:.0f} chars each, pipeline {pick_model(None)} + tuned NER)",
                 {"docs": n_docs, "kg_s": t_kg, "spacy_s": t_bare})


def bench_workers(n_docs: int, tmp: Path, *, sources: Callable[[], Iterable[Any]] | None = None,
                  keep: Path | None = None, name: str = "ingest_2_workers_vs_1") -> Ratio:
    """kg.ingest.ingest with 2 worker processes (extraction + RDF mapping in each) vs 1 (speed-up), fresh stores.

    ``sources`` makes the documents (a fresh iterable per call; default: the shared texts repeated to ``n_docs``);
    ``keep`` is where the 1-worker store is moved instead of being deleted."""
    import kg.extract as ex
    from kg.corpus import SourceText
    from kg.ingest import ingest
    from kg.store import LocalStore

    if sources is None:
        texts = corpus_texts(n_docs)

        def sources() -> Iterable[Any]:
            return [SourceText.from_text(t, id=f"d{i}") for i, t in enumerate(texts)]

    nlp = ex.load_pipeline()
    times = {}
    quads = 0
    for workers in (1, 2):
        loc = tmp / f"workers-{workers}"
        src = list(sources())
        with LocalStore(loc) as store:
            times[workers], report = _timed(lambda s=store, w=workers, src=src: ingest(s, src, nlp=nlp, workers=w))
        assert report.documents == n_docs, report
        quads = report.quads
        if keep is not None and workers == 1:
            shutil.rmtree(keep, ignore_errors=True)
            shutil.move(loc, keep)
        shutil.rmtree(loc, ignore_errors=True)
    speedup = times[1] / times[2]
    return Ratio(name, speedup, "> 1 (speed-up)", None,
                 f"1 worker {n_docs / times[1]:.1f} docs/s, 2 workers {n_docs / times[2]:.1f} docs/s "
                 f"({n_docs} docs, {os.cpu_count()} CPUs)",
                 {"docs": n_docs, "w1_s": times[1], "w2_s": times[2], "quads": quads})


# --- ingestion of pre-extracted facts -------------------------------------------------------------------------------


def bench_ingest_facts(n_docs: int, tmp: Path, repeat: int) -> Ratio:
    """kg.ingest.StoreWriter (facts -> N-Quads text -> batched bulk loads) vs pyoxigraph bulk_load of the same quads."""
    from kg.corpus import SourceText
    from kg.ingest import StoreWriter
    from kg.store import LocalStore

    items = []
    for i in range(n_docs):
        facts, doc = synthetic.facts_for(i)
        src = SourceText(id=str(i), text=synthetic.document_text(i), sha256=doc.sha256, path=doc.path, title=doc.title,
                         date=doc.date)
        items.append((src, facts))
    n_quads = 0

    def kg_ingest(loc: Path) -> int:
        with LocalStore(loc) as store:
            writer = StoreWriter(store, extractor=synthetic.EXTRACTOR, now=synthetic.INGESTED_AT)
            for src, facts in items:
                writer.add(src, facts)
            writer.flush()
            return writer.quads

    t_kg = t_bulk = float("inf")
    data = b""
    for r in range(max(1, repeat)):
        loc = tmp / f"ingest-kg-{r}"
        t, n_quads = _timed(lambda loc=loc: kg_ingest(loc))
        t_kg = min(t_kg, t)
        if not data:
            with LocalStore(loc, read_only=True) as st:
                data = ox.serialize(list(st.quads()), format=ox.RdfFormat.N_QUADS) or b""
        shutil.rmtree(loc, ignore_errors=True)
        bulk_loc = tmp / f"ingest-bulk-{r}"

        def bulk(bulk_loc: Path = bulk_loc, data: bytes = data) -> None:
            store = ox.Store(str(bulk_loc))
            store.bulk_load(data, ox.RdfFormat.N_QUADS)
            store.flush()
            del store

        t_bulk = min(t_bulk, _timed(bulk)[0])
        shutil.rmtree(bulk_loc, ignore_errors=True)
    ratio = t_bulk / t_kg
    return Ratio("ingest_facts_vs_bulk_load", ratio, ">= 0.7", ratio >= 0.7,
                 f"kg {n_quads / t_kg:,.0f} quads/s ({n_docs / t_kg:,.0f} docs/s, RDF mapping included) vs "
                 f"pyoxigraph bulk_load {n_quads / t_bulk:,.0f} quads/s ({n_quads:,} quads)",
                 {"docs": n_docs, "quads": n_quads, "kg_s": t_kg, "bulk_s": t_bulk})


# --- canned queries --------------------------------------------------------------------------------------------------


def build_store(loc: Path, n_triples: int) -> tuple[int, int]:
    """A store of ~``n_triples`` synthetic quads (bulk-loaded); (quads, documents)."""
    quads = list(synthetic.quads_until(n_triples))
    docs = len({q.graph_name for q in quads})
    store = ox.Store(str(loc))
    store.bulk_load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    return len(quads), docs


def _consume(result: Any) -> int:
    """Materialise a result as kg.queries.run_query does (rows as tuples of terms); the number of rows."""
    if hasattr(result, "kind"):  # kg.queries.QueryResult: already materialised
        return len(result)
    if isinstance(result, ox.QueryBoolean):
        return 1
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return len([tuple(row[n] for n in names) for row in result])
    return len(list(result))


#: A canned query is not run at the next size when its time, scaled by the growth of the data, would pass this.
QUERY_BUDGET_S = 8.0
#: A measurement (warm-up and repeats, both ways) of one query at one size is stopped after this.
QUERY_TIMEOUT_S = 60.0


def bench_queries(sizes: Iterable[int], tmp: Path, repeat: int) -> tuple[Ratio, Ratio, dict[str, Any]]:
    """Every canned query via kg.queries.run_query vs the same SPARQL and bindings on pyoxigraph directly; growth.

    A query whose time would exceed :data:`QUERY_BUDGET_S` at the next size is dropped from the larger sizes (and
    reported as too slow) so that one badly scaling query cannot stall the run.
    """
    from kg.queries import list_queries

    table: dict[str, dict[int, dict[str, float]]] = {}
    dropped: dict[str, str] = {}
    sizes = sorted(sizes)
    meta: dict[int, dict[str, int]] = {}
    previous: int | None = None
    for size in sizes:
        loc = tmp / f"queries-{size}"
        n_quads, n_docs = build_store(loc, size)
        meta[size] = {"quads": n_quads, "documents": n_docs}
        params_all = synthetic.query_params(n_docs)
        for q in list_queries():
            if q.name in dropped:
                continue
            if previous is not None:
                expected = _extrapolate(table[q.name], meta, size)
                if expected > QUERY_BUDGET_S:
                    dropped[q.name] = (f"{table[q.name][previous]['kg_s']:.1f} s at {_h(previous)} triples; "
                                       f"~{expected:.0f} s expected at {_h(size)}")
                    continue
            params = {p.name: params_all[p.name] for p in q.params if p.name in params_all}
            figures = time_query(loc, q.name, params, repeat, f"{q.name} at {_h(size)}", dropped,
                                 f"{_h(size)} triples")
            if figures is not None:
                table.setdefault(q.name, {})[size] = figures
        shutil.rmtree(loc, ignore_errors=True)
        previous = size
    big, small = sizes[-1], sizes[0]
    at_big = {name: v[big] for name, v in table.items() if big in v}
    per_query = {name: d["kg_s"] / max(d["pyoxigraph_s"], 1e-9) for name, d in at_big.items()}
    ratio = geometric_mean(per_query.values())
    total_kg = sum(d["kg_s"] for d in at_big.values())
    total_ox = sum(d["pyoxigraph_s"] for d in at_big.values())
    worst = max(per_query, key=per_query.__getitem__)
    slow = f"; too slow to run at {_h(big)}: " + "; ".join(f"{k} ({v})" for k, v in dropped.items()) if dropped else ""
    q_ratio = Ratio("canned_queries_vs_pyoxigraph", ratio, "<= 1.1", ratio <= 1.1,
                    f"geometric mean of kg/pyoxigraph over {len(at_big)} canned queries on {meta[big]['quads']:,} "
                    f"triples (totals: kg {total_kg * 1000:.1f} ms, pyoxigraph {total_ox * 1000:.1f} ms); "
                    f"worst single query {worst} x{per_query[worst]:.2f}{slow}",
                    {"size": big, "per_query_ratio": per_query, "total_ratio": total_kg / total_ox,
                     "dropped": dropped})
    growth_total = {s: sum(table[name][s]["kg_s"] for name in at_big) for s in sizes}
    growth = growth_total[big] / growth_total[small]
    per_size = ", ".join(f"{_h(s)} {growth_total[s] * 1000:.1f} ms" for s in sizes)
    g_ratio = Ratio(f"query_growth_{_h(small)}_to_{_h(big)}", growth,
                    f"data grew x{meta[big]['quads'] / meta[small]['quads']:.0f}", None,
                    f"total time of the {len(at_big)} canned queries run at every size: {per_size}",
                    {"totals_s": {str(s): growth_total[s] for s in sizes}})
    return q_ratio, g_ratio, {"stores": {str(k): v for k, v in meta.items()},
                              "queries": {n: {str(s): d for s, d in v.items()} for n, v in table.items()},
                              "dropped": dropped}


def time_query(loc: Path, name: str, params: dict[str, str], repeat: int, label: str, dropped: dict[str, str],
               where: str) -> dict[str, Any] | None:
    """One canned query on the store at ``loc`` via kg and directly on pyoxigraph, in a child process
    (:mod:`bench.qchild`) stopped after :data:`QUERY_TIMEOUT_S`; its figures, or None (the reason in ``dropped``)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.qchild", str(loc), name, json.dumps(params), str(repeat)],
            capture_output=True, text=True, check=True, cwd=REPO, timeout=QUERY_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        dropped[name] = f"over {QUERY_TIMEOUT_S:.0f} s at {where}"
        print(f"    {label}: stopped after {QUERY_TIMEOUT_S:.0f} s", file=sys.stderr, flush=True)
        return None
    except subprocess.CalledProcessError as err:
        lines = (err.stderr or "").strip().splitlines()
        dropped[name] = f"failed at {where}: {lines[-1] if lines else err}"
        return None
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"    {label}: kg {figures['kg_s']:.3f} s, pyoxigraph {figures['pyoxigraph_s']:.3f} s", file=sys.stderr,
          flush=True)
    return figures


def geometric_mean(values: Iterable[float]) -> float:
    """Each value counts once, whatever its size (the ratios of fast and slow queries alike)."""
    return math.exp(statistics.fmean(math.log(v) for v in values))


def _extrapolate(times: dict[int, dict[str, float]], meta: dict[int, dict[str, int]], size: int) -> float:
    """Expected time of a query at ``size``: scaled from the last size with the growth exponent seen so far (>= 1;
    1.5 while only one size is known)."""
    done = sorted(times)
    last = done[-1]
    exponent = 1.5  # until two sizes show the real growth, assume worse than linear
    if len(done) >= 2:
        first = done[-2]
        t0, t1 = max(times[first]["kg_s"], 1e-4), max(times[last]["kg_s"], 1e-4)
        exponent = max(1.0, math.log(t1 / t0) / math.log(meta[last]["quads"] / meta[first]["quads"]))
    return times[last]["kg_s"] * (meta[size]["quads"] / meta[last]["quads"]) ** exponent


def _h(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


# --- the real Reuters corpus -----------------------------------------------------------------------------------------


def du_bytes(path: Path) -> int:
    """Disk usage of a directory tree in bytes (allocated blocks, as ``du``)."""
    return sum(os.lstat(os.path.join(d, f)).st_blocks * 512 for d, _, files in os.walk(path) for f in files)


def bench_reuters(n_docs: int, tmp: Path, repeat: int) -> tuple[list[Ratio], dict[str, Any]]:
    """The first ``n_docs`` unique Reuters-21578 articles, every figure measured in this run: kg.ingest.ingest into a
    fresh store (1 worker) vs bare spaCy ``nlp.pipe`` of the same trained pipeline on the same texts, 2 workers vs
    1, store bytes and quads per article (after the identity step, as ``kg ingest`` leaves the store), and every
    canned query on that store via kg vs the same SPARQL on pyoxigraph (a popular company for the parameterised
    ones: the organization in most documents). No ratios (and a message) when the corpus is absent."""
    from kg.corpus import iter_sources
    from kg.extract.recognise import base_pipeline, pick_model
    from kg.identity import link_news
    from kg.queries import get_query, list_queries, run_query
    from kg.store import LocalStore

    records = reuters_records(n_docs)
    if records is None:
        print(f"reuters: skipped ({REUTERS} not found)", flush=True)
        return [], {}
    n_docs = len(records)
    corpus = tmp / "reuters.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({k: r.get(k) for k in ("id", "title", "date", "text")}) + "\n")
    texts = [r["text"] for r in records]
    bare = base_pipeline()
    bare_pipe(bare, texts[:8])
    t_bare = _best(lambda: bare_pipe(bare, texts), 1)
    loc = tmp / "reuters-store"
    workers = bench_workers(n_docs, tmp, sources=lambda: iter_sources([corpus]), keep=loc,
                            name="reuters_ingest_2_workers_vs_1")
    t_ingest = workers.details["w1_s"]
    with LocalStore(loc) as store:
        t_link, linked = _timed(lambda: link_news(store))
        quads = len(store)
        top = run_query(store, get_query("organizations"), limit=1)
    size = du_bytes(loc)
    popular = str(top.bindings[0][1].value) if top.bindings and top.bindings[0][1] is not None else ""
    ratio_ingest = t_bare / t_ingest
    words = sum(len(t.split()) for t in texts) / n_docs
    what = f"{n_docs} unique Reuters-21578 articles, {words:.0f} words each"
    out = [
        Ratio("reuters_ingest_vs_bare_spacy", ratio_ingest, ">= 0.7", ratio_ingest >= 0.7,
              f"kg.ingest.ingest into a fresh store {n_docs / t_ingest:.1f} docs/s vs bare spaCy "
              f"{n_docs / t_bare:.1f} docs/s ({what}, pipeline {pick_model(None)} + tuned NER; identity step after "
              f"it {t_link:.1f} s, not counted)",
              {"docs": n_docs, "ingest_s": t_ingest, "spacy_s": t_bare, "identity_s": t_link,
               "identity": _plain(linked)}),
        workers,
        Ratio("reuters_store_bytes_per_article", size / n_docs, "report", None,
              f"{size / n_docs / 1024:.1f} KB per article: store directory {size / 2**20:.1f} MB (du) for {n_docs} "
              f"articles, {quads / n_docs:.0f} quads each ({quads:,} quads)",
              {"docs": n_docs, "store_bytes": size, "quads": quads}),
        Ratio("reuters_quads_per_article", quads / n_docs, "report", None,
              f"{quads:,} quads for {n_docs} articles, identity graphs included", {"docs": n_docs, "quads": quads}),
    ]
    params = {"org": popular, "about": popular, "investor": popular, "by": popular}
    table: dict[str, dict[str, Any]] = {}
    dropped: dict[str, str] = {}
    for q in list_queries():
        bound = {p.name: params[p.name] for p in q.params if p.name in params}
        figures = time_query(loc, q.name, bound, repeat, q.name, dropped, f"{quads:,} quads")
        if figures is not None:
            table[q.name] = figures
    shutil.rmtree(loc, ignore_errors=True)
    corpus.unlink()
    per_query = {name: d["kg_s"] / max(d["pyoxigraph_s"], 1e-9) for name, d in table.items()}
    ratio_q = geometric_mean(per_query.values())
    slowest = max(table, key=lambda name: table[name]["kg_s"])
    worst = max(per_query, key=per_query.__getitem__)
    total = sum(d["kg_s"] for d in table.values())
    slow = "; not measured: " + "; ".join(f"{k} ({v})" for k, v in dropped.items()) if dropped else ""
    out.append(Ratio("reuters_canned_queries_vs_pyoxigraph", ratio_q, "<= 1.1", ratio_q <= 1.1,
                     f"geometric mean of kg/pyoxigraph over {len(table)} canned queries on the {quads:,}-quad store "
                     f"(total kg {total:.2f} s; slowest {slowest} {table[slowest]['kg_s']:.2f} s; worst single "
                     f"query {worst} x{per_query[worst]:.2f}; parameters: the organization in most documents)"
                     f"{slow}",
                     {"docs": n_docs, "quads": quads, "per_query_ratio": per_query,
                      "popular_company_set": bool(popular),
                      "dropped": dropped}))
    return out, {"docs": n_docs, "quads": quads, "store_bytes": size, "queries": table, "dropped": dropped}


# --- cold start ------------------------------------------------------------------------------------------------------


def bench_cold_start(tmp: Path, repeat: int) -> Ratio:
    """`kg query` in a fresh process on a small store vs `python -c "import pyoxigraph, typer"`."""
    from kg.store import LocalStore

    loc = tmp / "cold-store"
    with LocalStore(loc) as store:
        store.add_graphs([q for i in range(10) for q in synthetic.quads_for(i)])
    kg_bin = Path(sys.executable).with_name("kg")
    kg_cmd = [str(kg_bin)] if kg_bin.exists() else [sys.executable, "-m", "kg"]
    cmd = [*kg_cmd, "--store", str(loc), "query", "organizations", "--format", "csv"]
    base = [sys.executable, "-c", "import pyoxigraph, typer"]
    # kg's bytecode compiled beforehand, as pip does when it installs a wheel (and as the baseline's libraries are):
    # without it every run would recompile kg's sources on a machine with PYTHONDONTWRITEBYTECODE set
    import compileall

    import kg

    compileall.compile_dir(str(Path(kg.__file__).parent), quiet=1)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    def run(c: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(c, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        return time.perf_counter() - t

    run(cmd), run(base)  # warm the OS file cache
    kg_times: list[float] = []
    base_times: list[float] = []
    for i in range(repeat):  # interleaved, order swapped every round: other load on the machine hits both sides
        for c, times in ((cmd, kg_times), (base, base_times))[:: 1 if i % 2 else -1]:
            times.append(run(c))
    t_kg, t_base = statistics.median(kg_times), statistics.median(base_times)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from kg.cli import app; print('spacy' in sys.modules)"],
        capture_output=True, text=True, env=env)
    ratio = t_kg / t_base
    return Ratio("cold_start_kg_query_vs_import", ratio, "<= 1.5", ratio <= 1.5,
                 f"kg query {t_kg * 1000:.0f} ms vs python -c 'import pyoxigraph, typer' {t_base * 1000:.0f} ms "
                 f"(median of {repeat}, interleaved); spaCy imported by the CLI: {probe.stdout.strip()}",
                 {"kg_s": t_kg, "import_s": t_base, "kg_runs_s": kg_times, "import_runs_s": base_times})


# --- peak memory ------------------------------------------------------------------------------------------------------


def bench_memory(small: int, large: int, tmp: Path) -> list[Ratio]:
    """Peak RSS of a child process ingesting a JSONL corpus of ``small`` vs ``large`` docs (stub extractor), and the
    same for a child running pyoxigraph alone on the same documents' quads (bulk loads of as many documents as kg's
    writer batches): how much of the growth is the store's own."""
    from kg.ingest import DEFAULT_BATCH_SIZE

    peaks: dict[int, float] = {}
    bare: dict[int, float] = {}
    rates: dict[int, float] = {}
    for n in (small, large):
        corpus, nquads = tmp / f"corpus-{n}.jsonl", tmp / f"corpus-{n}.nq"
        synthetic.write_corpus(corpus, n)
        with open(nquads, "wb") as fh:
            for i in range(n):
                ox.serialize(synthetic.quads_for(i), fh, ox.RdfFormat.N_QUADS)
        for side, args in (("kg", [str(corpus)]), ("bare", ["--bare", str(nquads)])):
            store = tmp / f"mem-store-{side}-{n}"
            extra = [str(DEFAULT_BATCH_SIZE)] if side == "bare" else []
            out = subprocess.run([sys.executable, "-m", "bench.memchild", *args, str(store), *extra],
                                 capture_output=True, text=True, check=True, cwd=REPO)
            info = json.loads(out.stdout.strip().splitlines()[-1])
            assert info["documents"] == n, info
            if side == "kg":
                peaks[n], rates[n] = info["max_rss_mb"], info["docs_per_s"]
            else:
                bare[n] = info["max_rss_mb"]
            shutil.rmtree(store, ignore_errors=True)
        corpus.unlink()
        nquads.unlink()
    ratio = peaks[large] / peaks[small]
    grew, bare_grew = peaks[large] - peaks[small], bare[large] - bare[small]
    per_doc = 1024 / (large - small)
    details = {"peak_mb": {str(k): v for k, v in peaks.items()},
               "pyoxigraph_peak_mb": {str(k): v for k, v in bare.items()},
               "docs_per_s": {str(k): v for k, v in rates.items()}}
    growth = max(grew, 0.0) / max(bare_grew, 1.0)  # growth under 1 MB is noise: counted as 1 MB
    return [
        Ratio(f"peak_memory_{_h(large)}_vs_{_h(small)}_docs", ratio, "~1 (flat)", ratio <= 1.25,
              f"peak RSS {peaks[small]:.0f} MB for {small:,} docs vs {peaks[large]:.0f} MB for {large:,} docs "
              f"(kg.corpus JSONL streaming + kg.ingest with a stub extractor, {rates[large]:.0f} docs/s)", details),
        Ratio("peak_memory_growth_vs_pyoxigraph", growth, "~1 (no growth of kg's own)", growth <= 1.25,
              f"kg grew {grew:.0f} MB ({grew * per_doc:.1f} KB a document) from {small:,} to {large:,} docs; "
              f"pyoxigraph alone, bulk loading the same quads in the same batches, grew {bare_grew:.0f} MB "
              f"({bare[small]:.0f} -> {bare[large]:.0f} MB, {bare_grew * per_doc:.1f} KB a document)", details),
    ]


# --- merge -----------------------------------------------------------------------------------------------------------


def bench_merge(n_triples: int, tmp: Path, repeat: int = 2) -> list[Ratio]:
    """kg.merge.merge_files of generated corporate graphs vs pyoxigraph bulk_load of the same file.

    Two baselines: bulk_load into a named graph (what kg must at least do, since a merged source lives in its own
    named graph: the headline) and into the default graph (the issue's literal baseline, three quad indexes
    instead of six). Two inputs: a dense W3C ORG file where every organization triple maps, and a file shaped like
    the GLEIF Level 1 + Level 2 sample where most triples (addresses, registration records) do not. The three
    runs of an input are interleaved and each side keeps its best time: other processes on the machine slow all of
    them alike instead of one side.
    """
    from kg.merge import merge_files
    from kg.store import LocalStore

    inputs = {"org": synthetic.write_org_file, "gleif": synthetic.write_gleif_file}
    out: list[Ratio] = []
    for key, write in inputs.items():
        path = tmp / f"registry-{key}.nt"
        n = write(path, n_triples)
        loc = tmp / f"merge-{key}"
        reports: list[Any] = []

        def baseline(named: bool, loc: Path = loc, path: Path = path) -> None:
            store = ox.Store(str(loc))
            graph = ox.NamedNode("https://example.org/graph/registry") if named else None
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            store.flush()
            del store

        def kg(loc: Path = loc, path: Path = path, reports: list[Any] = reports) -> None:
            with LocalStore(loc) as store:
                reports.append(merge_files(store, [path], name="registry"))

        sides: dict[str, Callable[[], None]] = {"default": lambda: baseline(False), "named": lambda: baseline(True),
                                                "kg": kg}
        times: dict[str, list[float]] = {side: [] for side in sides}
        for _ in range(max(1, repeat)):
            for side, fn in sides.items():
                shutil.rmtree(loc, ignore_errors=True)
                times[side].append(_timed(fn)[0])
        with LocalStore(loc) as store:  # the last run was kg's: its store, counted outside the timing
            reports.append(len(store))
        shutil.rmtree(loc, ignore_errors=True)
        path.unlink()
        best = {side: min(ts) for side, ts in times.items()}
        report, total = reports[-2], reports[-1]
        details = {"input": key, "triples": n, "merge_s": best["kg"], "bulk_named_s": best["named"],
                   "bulk_default_s": best["default"], "all_runs_s": times, "store_quads": total,
                   "report": _plain(report)}
        what = (f"{n:,} triples of a generated {'W3C ORG' if key == 'org' else 'GLEIF L1+L2-shaped'} file, "
                f"{report.triples_mapped:,} mapped; merge_files {best['kg']:.2f} s")
        prefix = "merge" if key == "org" else "merge_gleif"
        for baseline_name, side, label in (("named_bulk_load", "named", "bulk_load into a named graph"),
                                           ("bulk_load", "default", "bulk_load into the default graph")):
            ratio = best[side] / best["kg"]
            out.append(Ratio(f"{prefix}_vs_{baseline_name}", ratio, ">= 0.7", ratio >= 0.7,
                             f"{what} vs {label} {best[side]:.2f} s (best of {len(times['kg'])})", details))
    return out


def _plain(obj: Any) -> Any:
    try:
        return json.loads(json.dumps(asdict(obj), default=str))
    except TypeError:
        return str(obj)


def max_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    Linux keeps ``ru_maxrss`` across fork and exec, so a child started by a big parent reports the parent's peak;
    ``VmHWM`` in /proc/self/status belongs to this address space only, so it is read first.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
