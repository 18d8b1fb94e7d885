"""Distributed extraction on Dask: :func:`ingest_dask`, behind ``kg ingest --dask SCHEDULER_ADDRESS``.

This module owns the split of a corpus into partitions, their extraction on ``dask.distributed`` workers and the
collection of the results. The corpus is streamed: only a bounded number of partitions is in flight at a time.
Each worker process loads the spaCy pipeline once (cached per process, see :func:`extract_partition`) and sends back
plain :class:`~kg.facts.Facts` records; the client maps them to RDF and writes them to the store (local directory or
SPARQL server) with :class:`kg.ingest.StoreWriter`, so the result is the same as a local ``kg ingest``.

Workers need ``kg`` (with its extraction pipeline) installed; nothing else is shipped to them but texts.
Dask is imported lazily (the ``dask`` extra), and so is the extractor.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from kg.errors import KgError

if TYPE_CHECKING:
    from kg.corpus import SourceText
    from kg.facts import Facts
    from kg.ingest import ErrorLog, IngestReport, Progress

#: Documents per task sent to a worker.
DEFAULT_PARTITION_SIZE = 32

_PIPELINES: dict[str | None, Any] = {}
_PIPELINE_LOCK = threading.Lock()


def worker_pipeline(model: str | None) -> Any:
    """The spaCy pipeline of this worker process, loaded on first use and kept for every later partition."""
    with _PIPELINE_LOCK:
        if model not in _PIPELINES:
            from kg.ingest import extractor_module

            _PIPELINES[model] = extractor_module().load_pipeline(model)
        return _PIPELINES[model]


def extract_partition(
    texts: list[str], model: str | None = None, dates: list[str | None] | None = None,
    markups: list[str | None] | None = None,
) -> tuple[str, list[Facts | str]]:
    """Run on a worker: the extractor version and, per text in order, its facts or an error message. ``dates``
    (parallel to ``texts``) are the article dates that resolve relative periods, ``markups`` how each text is
    written (``None``: from its content)."""
    from kg.ingest import extractor_module

    ex = extractor_module()
    nlp = worker_pipeline(model)
    version = ex.extractor_version(nlp)
    days = dates if dates and any(dates) else None
    kinds = markups or [None] * len(texts)
    try:
        if days is None:
            return version, list(ex.extract_many(texts, nlp=nlp, markups=kinds))
        return version, list(ex.extract_many(texts, dates=days, nlp=nlp, markups=kinds))
    except Exception:  # isolate the document that fails, keep the others
        out: list[Facts | str] = []
        for i, text in enumerate(texts):
            try:
                out.append(ex.extract(text, nlp=nlp, markup=kinds[i] or "auto") if days is None
                           else ex.extract(text, date=days[i], nlp=nlp, markup=kinds[i] or "auto"))
            except Exception as err:
                out.append(f"{err.__class__.__name__}: {err}")
        return version, out


def _partitions(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest_dask(
    store_location: str,
    sources: Iterable[SourceText],
    *,
    scheduler: str,
    model: str | None = None,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    skip_existing: bool | Callable[[SourceText], bool] = True,
    progress: Progress | None = None,
    now: str | dt.datetime | None = None,
    errors: ErrorLog | None = None,
    max_in_flight: int | None = None,
    connect_timeout: float = 20.0,
) -> IngestReport:
    """Extract ``sources`` on the Dask cluster at ``scheduler`` and write them into the store at ``store_location``.

    Skipping, re-ingestion and counts follow :func:`kg.ingest.ingest`. At most ``max_in_flight`` partitions
    (default: two per worker thread) wait on the cluster at once, so memory does not grow with the corpus.
    A document whose extraction fails on a worker is reported to ``errors``, counted in ``not_extracted`` and left
    out; the run goes on.
    """
    from kg.errors import ExtractionError, describe
    from kg.ingest import ErrorLog, IngestReport, SkipCounter, StoreWriter, plan_sources
    from kg.store import open_store

    client = _connect(scheduler, timeout=connect_timeout)
    try:
        from dask.distributed import as_completed

        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()) or 1
        limit = max(1, max_in_flight or 2 * threads)
        skip = skip_existing if callable(skip_existing) else (lambda _s: bool(skip_existing))
        skips = SkipCounter(progress)
        log = errors if errors is not None else ErrorLog(progress=progress)
        left_out = 0
        seen: set[str] = set()
        with open_store(store_location) as store:
            writer: StoreWriter | None = None

            planned = plan_sources(store, sources, skip=skip, seen=seen, on_skip=skips)
            parts = _partitions(planned, max(1, partition_size))
            futures: dict[Any, list[tuple[SourceText, bool, str | None]]] = {}

            def submit_next() -> Any:
                part = next(parts, None)
                if part is None:
                    return None
                fut = client.submit(extract_partition, [src.text for src, _, _ in part], model,
                                    [src.date for src, _, _ in part], [src.markup for src, _, _ in part],
                                    pure=False)
                futures[fut] = part
                return fut

            while len(futures) < limit and submit_next() is not None:
                pass
            pool = as_completed(list(futures), loop=client.loop) if futures else iter(())
            try:
                for fut in pool:
                    part = futures.pop(fut)
                    try:
                        version, results = fut.result()
                    except Exception as err:  # the whole task failed (worker died, ...)
                        results, version = [describe(err)] * len(part), None
                    if writer is None and version is not None:
                        writer = StoreWriter(store, extractor=version, now=now)
                    for (src, exists, previous), facts in zip(part, results, strict=False):
                        if isinstance(facts, str):
                            left_out += 1
                            log(ExtractionError.of(src.id, facts))  # tells progress "failed"
                        else:
                            assert writer is not None
                            writer.add(src, facts, previous=previous, exists=exists)
                            if progress is not None:
                                progress("extracted", 1)
                    del fut
                    nxt = submit_next()
                    if nxt is not None:
                        pool.add(nxt)  # type: ignore[attr-defined]
            finally:
                if writer is not None:
                    writer.flush()
                for fut in futures:
                    fut.cancel()
    finally:
        client.close()
    return IngestReport(
        documents=writer.documents if writer else 0,
        skipped=skips.skipped,
        failed=log.count,
        quads=writer.quads if writer else 0,
        replaced=writer.replaced if writer else 0,
        errors=tuple(log.messages),
        not_extracted=left_out,
        repeated=skips.repeated,
    )


def _connect(scheduler: str, *, timeout: float) -> Any:
    """A ``dask.distributed.Client`` on ``scheduler``; a missing Dask or an unreachable scheduler is a KgError."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise KgError("Dask is not installed: pip install 'kg[dask]'") from None
    try:
        return Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise KgError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
