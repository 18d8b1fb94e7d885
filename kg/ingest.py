"""Ingestion: source documents -> extracted facts -> RDF quads -> the store, batched and resumable.

This module owns the flow of a run (which documents to skip, extraction and RDF mapping in order, in this process or
in worker processes, quads buffered as N-Quads text and written in batches, the original ingestion time kept on
re-ingestion), removing a document, and the demo. It calls :mod:`kg.extract` (imported lazily, so importing this
module does not import spaCy), :func:`kg.rdf.facts_to_nquads` and the :class:`~kg.store.GraphStore` API; it never
touches ``pyoxigraph.Store``.

Decisions:

- A document's identity is the sha256 of its UTF-8 text; its graph is :func:`kg.vocab.document_graph`.
- ``skip_existing`` (default ``True``) skips documents whose graph is already in the store (resume). When ``False``
  (``kg ingest --force``, or a file named explicitly) the graph is replaced atomically, keeping the ORIGINAL
  ``kg:ingestedAt``, so re-ingesting the same text gives a byte-identical export.
- The same text met twice in one run is ingested once (the second is counted as skipped).
- Bad documents inside folders/corpora are reported by :mod:`kg.corpus` and left out; the run goes on.
- A readable document whose extraction or RDF mapping raises is reported in one line (an
  :class:`~kg.errors.ExtractionError` given to the run's :class:`ErrorLog`), left out, and counted in
  ``not_extracted``; the run goes on and every other document is stored. In this process a failure inside
  spaCy's batched ``nlp.pipe`` stops the batch, so its documents are read again one by one to find the one that
  fails; a worker does the same for its chunk.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kg.corpus import SourceText, read_text_file, sha256_text
from kg.errors import ExtractionError, InputError, KgError, describe
from kg.vocab import KG, document_graph, kg

if TYPE_CHECKING:
    from pyoxigraph import NamedNode

    from kg.facts import DocumentInfo, Facts
    from kg.rdf import DocumentNQuads
    from kg.store import GraphStore

#: Documents whose quads are buffered before one write to the store (at most; usually the quad limit comes first).
DEFAULT_BATCH_SIZE = 512
#: Quads buffered before one write to the store (at most): bounds memory whatever the size of the documents.
DEFAULT_BATCH_QUADS = 50_000

_SHA = re.compile(r"^[0-9a-f]{64}$")

# Trivial store plumbing: which document graphs record a given source path (bound, never pasted).
_GRAPHS_BY_PATH = "SELECT DISTINCT ?g ?path WHERE { GRAPH ?g { ?doc <" + KG + "sourcePath> ?path } }"


@dataclass(frozen=True)
class IngestReport:
    """What a run did: documents ingested (new or replaced), skipped (already in the store), repeated (the same
    text met again in this run's input), failed (could not be read), not extracted (read, but extraction raised:
    left out), quads written."""

    documents: int = 0
    skipped: int = 0
    failed: int = 0
    quads: int = 0
    replaced: int = 0
    errors: tuple[str, ...] = field(default=(), compare=False)
    not_extracted: int = 0
    repeated: int = 0


#: Events a run reports to its ``progress`` callback, with a count: a document extracted and written, one skipped
#: because the store holds it, one whose text this run already met, one that could not be read or extracted.
PROGRESS_EVENTS = ("extracted", "stored", "repeated", "failed")

#: ``progress(event, n)``: see :data:`PROGRESS_EVENTS`.
Progress = Callable[[str, int], None]


class ErrorLog:
    """Collects the per-document errors of a run: input errors (pass it as ``on_error`` to
    :func:`kg.corpus.iter_sources`), counted in ``count``, and documents that could not be extracted
    (:class:`~kg.errors.ExtractionError`, from :func:`ingest`), counted in ``not_extracted``."""

    def __init__(self, echo: Callable[[str], None] | None = None, *, keep: int = 20,
                 progress: Progress | None = None) -> None:
        self.count = 0
        self.not_extracted = 0
        self.messages: list[str] = []
        self._echo = echo
        self._keep = keep
        #: told ``("failed", 1)`` for every error, shown or not (the progress bar counts them apart)
        self.progress = progress

    def __call__(self, err: KgError) -> None:
        if isinstance(err, ExtractionError):
            self.not_extracted += 1
        else:
            self.count += 1
        if self.progress is not None:
            self.progress("failed", 1)
        seen = self.count + self.not_extracted
        if len(self.messages) < self._keep:
            self.messages.append(str(err))
        if self._echo is not None and seen <= self._keep:
            self._echo(str(err) if seen < self._keep else f"{err} (further errors are counted, not shown)")


def extractor_module() -> Any:
    """``kg.extract``, imported on first use (through ``sys.modules``, so tests can stand a fake one in)."""
    return importlib.import_module("kg.extract")


def timestamp(now: str | dt.datetime | None = None) -> str:
    """An ``xsd:dateTime`` lexical form in UTC, to the second (``2025-03-01T09:30:00Z``)."""
    if isinstance(now, str):
        return now
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def original_ingested_at(store: GraphStore, graph: NamedNode) -> str | None:
    """The ``kg:ingestedAt`` recorded in a document graph, or ``None``."""
    pred = kg("ingestedAt")
    for q in store.quads(graph):
        if q.predicate == pred:
            return str(q.object.value)
    return None


class StoreWriter:
    """Buffers the quads of extracted documents (as N-Quads text) and writes them in batches.

    New graphs go in with :meth:`GraphStore.add_nquads` (one bulk load per batch, every document's ``a kg:Document``
    marker after it); graphs that already exist are replaced one by one with :meth:`GraphStore.replace_graph`
    (atomic), keeping their original ingestion time. A batch is written when it holds ``batch_size`` documents or
    ``batch_quads`` quads, whichever comes first, so memory stays bounded whatever the size of the documents.
    Used by :func:`ingest` and by the distributed path (:mod:`kg.distributed`).
    """

    def __init__(self, store: GraphStore, *, extractor: str, now: str | dt.datetime | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, batch_quads: int = DEFAULT_BATCH_QUADS) -> None:
        self.store = store
        self.extractor = extractor
        self.ingested_at = timestamp(now)
        self.batch_size = max(1, batch_size)
        self.batch_quads = max(1, batch_quads)
        self._body: list[str] = []
        self._markers: list[str] = []
        self._carry = ""  # markers of the batch written last, written with the next one (see _write_batch)
        self._queued_quads = 0
        self.documents = 0
        self.replaced = 0
        self.quads = 0

    def to_nquads(self, source: SourceText, facts: Facts, *, previous: str | None = None) -> DocumentNQuads:
        """One document's quads as text, stamped with ``previous`` (its first ingestion time) or this run's."""
        from kg.rdf import facts_to_nquads

        return facts_to_nquads(facts, source.document_info(), ingested_at=previous or self.ingested_at,
                               extractor=self.extractor)

    def add(self, source: SourceText, facts: Facts, *, previous: str | None = None, exists: bool = False) -> int:
        """Map one document's facts to quads and queue them; ``exists`` means its graph is already in the store."""
        return self.add_nquads(self.to_nquads(source, facts, previous=previous), exists=exists)

    def add_nquads(self, doc: DocumentNQuads, *, exists: bool = False) -> int:
        """Queue one document already mapped to text (by :meth:`to_nquads` or :func:`kg.rdf.facts_to_nquads`)."""
        if exists:
            from pyoxigraph import NamedNode

            self.store.replace_graph(NamedNode(doc.graph), doc.quads())
            self.replaced += 1
        else:
            self._body.append(doc.body)
            self._markers.append(doc.marker)
            self._queued_quads += doc.count
            if len(self._markers) >= self.batch_size or self._queued_quads >= self.batch_quads:
                self._write_batch()
        self.documents += 1
        self.quads += doc.count
        return doc.count

    def _write_batch(self) -> None:
        """Bulk-load the queued bodies; their markers wait for the next load.

        The markers of batch k go in with the bulk load of batch k+1: they are written only once their documents
        are, and a separate small transaction per batch (which forces RocksDB to flush its memtable before the next
        bulk load) is saved. A crash during the load of batch k+1 leaves batch k complete or marker-less, never a
        marker without its document.
        """
        body = [self._carry, *self._body] if self._carry else self._body
        self._carry = "".join(self._markers)
        self._body, self._markers, self._queued_quads = [], [], 0
        self.store.add_nquads(body)

    def flush(self) -> None:
        """Write everything queued, markers included."""
        if self._markers or self._carry:
            body, markers = self._body, self._carry + "".join(self._markers)
            self._body, self._markers, self._queued_quads, self._carry = [], [], 0, ""
            self.store.add_nquads(body, markers)


class SkipCounter:
    """The ``on_skip`` of :func:`plan_sources` for a run: counts documents skipped as already stored and as repeated
    in the input, and tells ``progress`` ("stored" / "repeated")."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.skipped = 0
        self.repeated = 0
        self._progress = progress

    def __call__(self, _src: SourceText, again: bool) -> None:
        if again:
            self.repeated += 1
        else:
            self.skipped += 1
        if self._progress is not None:
            self._progress("repeated" if again else "stored", 1)


def plan_sources(
    store: GraphStore,
    sources: Iterable[SourceText],
    *,
    skip: Callable[[SourceText], bool],
    seen: set[str],
    on_skip: Callable[[SourceText, bool], None],
) -> Iterator[tuple[SourceText, bool, str | None]]:
    """Decide, per source, whether to extract it: yields ``(source, graph exists, first ingestion time)``.

    A source is skipped (``on_skip(source, repeated)``) when its text was already seen in this run (``repeated``
    True), or when its graph holds a complete document and ``skip(source)`` says so (``repeated`` False). A graph
    without its ``kg:Document`` marker (a crashed batch) counts as existing but incomplete: it is extracted again and
    replaced, with a fresh ingestion time.
    """
    for src in sources:
        graph = document_graph(src.sha256)
        exists = store.has_graph(graph)
        complete = exists and store.has_document(graph)
        if src.sha256 in seen:
            on_skip(src, True)
            continue
        if complete and skip(src):
            on_skip(src, False)
            continue
        seen.add(src.sha256)
        yield src, exists, original_ingested_at(store, graph) if complete else None


@dataclass
class _Planned:
    source: SourceText
    exists: bool
    previous: str | None


#: Documents sent to a worker process at a time (``workers >= 2``); twice as many chunks as workers are in flight.
WORKER_CHUNK = 8

# Per worker process: the pipeline and what the RDF mapping needs (set by _init_worker; inherited when forked).
_WORKER: dict[str, Any] = {}


def _die_with_parent(parent: int) -> None:
    """In a worker: have Linux kill it the moment its parent dies, even by ``kill -9`` (``PR_SET_PDEATHSIG``, as
    :mod:`kg.server` does for ``kg serve``'s child), and exit now if the parent is already gone. Workers never write
    the store (only the parent does), so a dead parent leaves nothing half-written by them. Best effort off Linux."""
    import signal

    if sys.platform == "linux":
        from kg.server import die_with_parent

        die_with_parent(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


def _init_worker(model: str | None, extractor: str, parent: int | None = None) -> None:
    """Worker start-up: die with the parent (``parent``: its pid), load the pipeline once (a forked worker inherits
    the parent's, already loaded)."""
    if parent is not None:
        _die_with_parent(parent)
    if "nlp" not in _WORKER:
        _WORKER["nlp"] = extractor_module().load_pipeline(model)
    _WORKER["extractor"] = extractor


def _extract_chunk(items: list[tuple[str, str | None, DocumentInfo, str, str | None]]
                   ) -> list[DocumentNQuads | str]:
    """In a worker: extraction and RDF mapping of ``(text, date, document, ingestion time, markup)`` items, in
    order; a document that fails gives the description of its error instead (the others are unaffected)."""
    from kg.rdf import facts_to_nquads

    ex = extractor_module()
    nlp = _WORKER["nlp"]
    found: list[Any]
    try:
        found = list(ex.extract_many([it[0] for it in items], dates=[it[1] for it in items],
                                     markups=[it[4] for it in items], nlp=nlp, batch_size=max(1, len(items))))
    except Exception:  # one of them failed and stopped the batch: read them one by one
        found = [_extract_one(ex, nlp, it[0], it[1], it[4]) for it in items]
    out: list[DocumentNQuads | str] = []
    for facts, it in zip(found, items, strict=True):
        if isinstance(facts, str):
            out.append(facts)
            continue
        try:
            out.append(facts_to_nquads(facts, it[2], ingested_at=it[3], extractor=_WORKER["extractor"]))
        except Exception as err:
            out.append(describe(err))
    return out


def _extract_one(ex: Any, nlp: Any, text: str, date: str | None, markup: str | None) -> Facts | str:
    """One document's facts, or the description of the error its extraction raised."""
    try:
        return ex.extract(text, date=date, nlp=nlp, markup=markup or "auto")
    except Exception as err:
        return describe(err)


def _pool_context() -> Any:
    """Fork where it is safe and cheap (Linux: workers inherit the loaded pipeline), spawn elsewhere."""
    import multiprocessing

    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _in_workers(planned: Iterable[_Planned], *, nlp: Any, model: str | None, writer: StoreWriter,
                workers: int) -> Iterator[tuple[_Planned, DocumentNQuads | ExtractionError]]:
    """Extract and map ``planned`` in ``workers`` processes; results in input order, a bounded number in flight."""
    from concurrent.futures import Future, ProcessPoolExecutor

    def items(part: list[_Planned]) -> list[tuple[str, str | None, DocumentInfo, str, str | None]]:
        return [(p.source.text, p.source.date, p.source.document_info(), p.previous or writer.ingested_at,
                 p.source.markup) for p in part]

    _WORKER["nlp"] = nlp  # what a forked worker starts with
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=_init_worker,
                               initargs=(model, writer.extractor, os.getpid()))
    inflight: deque[tuple[list[_Planned], Future[list[DocumentNQuads | str]]]] = deque()

    def results(done: list[_Planned], fut: Future[list[DocumentNQuads | str]]
                ) -> Iterator[tuple[_Planned, DocumentNQuads | ExtractionError]]:
        for p, doc in zip(done, fut.result(), strict=True):
            yield p, (ExtractionError.of(p.source.id, doc) if isinstance(doc, str) else doc)

    try:
        part: list[_Planned] = []
        for p in planned:
            part.append(p)
            if len(part) >= WORKER_CHUNK:
                inflight.append((part, pool.submit(_extract_chunk, items(part))))
                part = []
                while len(inflight) >= 2 * workers:
                    yield from results(*inflight.popleft())
        if part:
            inflight.append((part, pool.submit(_extract_chunk, items(part))))
        while inflight:
            yield from results(*inflight.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _WORKER.clear()


def _in_process(planned: Iterable[_Planned], *, nlp: Any, writer: StoreWriter) -> Iterator[
        tuple[_Planned, DocumentNQuads | ExtractionError]]:
    """Extract and map ``planned`` here (one process), through ``extract_many``'s batched ``nlp.pipe``.

    When extraction raises, the batch in flight (spaCy's ``pipe`` stops at the error) is read again one document at
    a time, the one that fails is reported, and batched reading resumes with the documents after it."""
    ex = extractor_module()
    todo = iter(planned)

    def mapped(p: _Planned, facts: Facts) -> DocumentNQuads | ExtractionError:
        try:
            return writer.to_nquads(p.source, facts, previous=p.previous)
        except Exception as err:
            return ExtractionError.of(p.source.id, err)

    while True:
        pending: deque[_Planned] = deque()
        try:
            texts, dates, markups = _streams(todo, pending)
            for facts in ex.extract_many(texts, dates=dates, markups=markups, nlp=nlp, batch_size=16):
                p = pending.popleft()
                yield p, mapped(p, facts)
            return
        except Exception:
            if not pending:
                raise  # nothing was read: not one document's failure
            stuck = list(pending)  # read, not yet given back: one of them failed
        for p in stuck:
            one = _extract_one(ex, nlp, p.source.text, p.source.date, p.source.markup)
            yield p, (ExtractionError.of(p.source.id, one) if isinstance(one, str) else mapped(p, one))


def _streams(todo: Iterator[_Planned], pending: deque[_Planned]
             ) -> tuple[Iterator[str], Iterator[str | None], Iterator[str | None]]:
    """The texts of ``todo`` for ``extract_many``, each put in ``pending`` as it is read, and its dates and markups
    read in step (``extract_many`` reads one date and one markup right after each text: the newest source's)."""

    def texts() -> Iterator[str]:
        for p in todo:
            pending.append(p)
            yield p.source.text

    def dates() -> Iterator[str | None]:
        while pending:
            yield pending[-1].source.date

    def markups() -> Iterator[str | None]:
        while pending:
            yield pending[-1].source.markup

    return texts(), dates(), markups()


def ingest(
    store: GraphStore,
    sources: Iterable[SourceText],
    *,
    nlp: Any = None,
    model: str | None = None,
    workers: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    batch_quads: int = DEFAULT_BATCH_QUADS,
    skip_existing: bool | Callable[[SourceText], bool] = True,
    progress: Progress | None = None,
    now: str | dt.datetime | None = None,
    errors: ErrorLog | None = None,
) -> IngestReport:
    """Extract facts from ``sources`` and write each document into its own named graph.

    ``sources`` is consumed lazily (a corpus is never held in memory). ``skip_existing`` may be a predicate
    deciding per source (the CLI skips existing corpus records but replaces files named explicitly).
    ``progress`` is called with an event of :data:`PROGRESS_EVENTS` and 1 for each document handled: extracted,
    skipped as stored, skipped as repeated, failed (failures are reported by the :class:`ErrorLog`, which tells
    ``progress``). ``errors`` is the :class:`ErrorLog` given to :func:`kg.corpus.iter_sources`; its count becomes
    ``failed``. A document whose extraction raises is reported to ``errors`` (an
    :class:`~kg.errors.ExtractionError`), left out and counted in ``not_extracted``; the others are stored.

    With ``workers >= 2`` the whole per-document work (spaCy, rules, RDF mapping) runs in that many worker
    processes, each loading the pipeline once; this process only reads the sources, plans and writes. The store
    gets the same quads either way.
    """
    ex = extractor_module()
    if nlp is None:
        nlp = ex.load_pipeline(model)
    writer = StoreWriter(store, extractor=ex.extractor_version(nlp), now=now, batch_size=batch_size,
                         batch_quads=batch_quads)
    skip = skip_existing if callable(skip_existing) else (lambda _s: bool(skip_existing))
    seen: set[str] = set()
    skips = SkipCounter(progress)
    planned = (_Planned(src, exists, previous)
               for src, exists, previous in plan_sources(store, sources, skip=skip, seen=seen, on_skip=skips))
    results = (_in_workers(planned, nlp=nlp, model=model, writer=writer, workers=workers) if workers > 1
               else _in_process(planned, nlp=nlp, writer=writer))
    log = errors if errors is not None else ErrorLog(progress=progress)
    left_out = 0
    try:
        for p, doc in results:
            if isinstance(doc, ExtractionError):
                left_out += 1
                log(doc)  # tells progress "failed"
            else:
                writer.add_nquads(doc, exists=p.exists)
                if progress is not None:
                    progress("extracted", 1)
    finally:
        results.close()  # stops the workers at once when writing failed
        writer.flush()
    return IngestReport(
        documents=writer.documents,
        skipped=skips.skipped,
        failed=log.count,
        quads=writer.quads,
        replaced=writer.replaced,
        errors=tuple(log.messages),
        not_extracted=left_out,
        repeated=skips.repeated,
    )


def with_default_date(sources: Iterable[SourceText], date: str) -> Iterator[SourceText]:
    """``sources`` with ``date`` (ISO) as the article date of those that give none (``kg ingest --date``)."""
    from dataclasses import replace

    for src in sources:
        yield src if src.date else replace(src, date=date)


def resolve_document(store: GraphStore, sha_or_path: str) -> NamedNode:
    """The graph of a document named by its sha256 (or a unique prefix of 8+ hex digits), its graph or document
    IRI, a path recorded at ingestion, or a file whose text is in the store. :class:`InputError` when none matches."""
    from pyoxigraph import Literal, NamedNode

    key = sha_or_path.strip()
    if key.startswith("<") and key.endswith(">"):
        key = key[1:-1]
    if _SHA.match(key.lower()):
        return document_graph(key.lower())
    graphs = [g for g in store.named_graphs() if "/graph/doc/" in g]
    if key in graphs:
        return NamedNode(key)
    tail = key.rsplit("/", 1)[-1].lower()
    if re.fullmatch(r"[0-9a-f]{8,63}", tail):
        hits = [g for g in graphs if g.rsplit("/", 1)[-1].startswith(tail)]
        if len(hits) == 1:
            return NamedNode(hits[0])
        if len(hits) > 1:
            raise InputError(f"{sha_or_path}: ambiguous, {len(hits)} documents start with {tail}")
    found = [
        sol["g"].value
        for sol in store.query(_GRAPHS_BY_PATH, substitutions={"path": Literal(key)})  # type: ignore[union-attr]
    ]
    if len(found) == 1:
        return NamedNode(found[0])
    if len(found) > 1:
        raise InputError(f"{sha_or_path}: {len(found)} documents were ingested from this path; give the sha256")
    p = Path(key)
    if p.is_file():
        return document_graph(read_text_file(p).sha256)
    raise InputError(f"{sha_or_path}: no such document in the store (give its sha256 or the path it was ingested from)")


def remove_document(store: GraphStore, sha_or_path: str) -> str:
    """Drop one document's graph; return its IRI. :class:`InputError` when the document is not in the store."""
    graph = resolve_document(store, sha_or_path)
    if not store.remove_graph(graph):
        raise InputError(f"{sha_or_path}: no such document in the store")
    return graph.value


# --- demo ----------------------------------------------------------------------------------------------------------

#: The canned answers the demo prints: (heading, query name, parameters, columns shown; ``tree`` draws the tree).
DEMO_QUERIES: tuple[tuple[str, str, dict[str, str], tuple[str, ...]], ...] = (
    ("Subsidiary tree of Alibaba Group", "subsidiaries", {"org": "Alibaba Group"}, ("tree",)),
    ("AI models by parameter count", "models", {},
     ("name", "developerName", "parameters", "minParameters", "maxParameters", "sizes", "baseModelName", "openSource")),
    ("Investments", "investments", {},
     ("investorName", "amount", "currency", "amountUSD", "target", "periodYears", "qualifier")),
    ("Programs and their organizers", "programs", {}, ("programName", "organizerName")),
)


def demo_sources() -> list[SourceText]:
    """The demo articles (``seeds/*.txt``), their paths recorded as ``seeds/NAME`` wherever kg is installed."""
    from dataclasses import replace

    from kg.resources import seeds_dir

    out = []
    for p in sorted(seeds_dir().glob("*.txt")):
        src = read_text_file(p)
        out.append(replace(src, id=f"seeds/{p.name}", path=f"seeds/{p.name}"))
    if not out:
        raise KgError("the seeds/ folder of this installation has no demo article")
    return out


def run_demo(store: GraphStore, out: IO[str], *, nlp: Any = None, model: str | None = None,
             now: str | dt.datetime | None = None, fmt: str = "table") -> IngestReport:
    """Ingest the demo article(s) into ``store`` (replacing earlier demo graphs) and write the canned answers."""
    from kg.queries import QueryResult, get_query, run_query, write_result

    report = ingest(store, demo_sources(), nlp=nlp, model=model, skip_existing=False, now=now)
    for heading, name, params, columns in DEMO_QUERIES:
        out.write(f"\n== {heading} ==\n")
        result = run_query(store, get_query(name), params)
        if columns == ("tree",):
            out.write(subsidiary_tree(result, params.get("org", "")))
            continue
        keep = [c for c in columns if c in result.variables] or list(result.variables)
        idx = [result.variables.index(c) for c in keep]
        shown = QueryResult(kind="select", variables=tuple(keep),
                            bindings=tuple(tuple(row[i] for i in idx) for row in result.bindings))
        out.flush()
        write_result(shown, fmt, out)
    return report


def subsidiary_tree(result: Any, root: str) -> str:
    """Draw the rows of the ``subsidiaries`` query (child, childName, parent, parentName, depth) as a text tree."""
    from kg.queries import rows

    variables, data = rows(result)
    col = {v: i for i, v in enumerate(variables)}
    children: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    depth_one_parents: set[str] = set()
    for r in data:
        child, parent = str(r[col["child"]]), str(r[col["parent"]])
        names[child] = str(r[col["childName"]] or child)
        names.setdefault(parent, str(r[col["parentName"]] or parent))
        if (child, names[child]) not in children.setdefault(parent, []):
            children[parent].append((child, names[child]))
        if r[col["depth"]] == 1:
            depth_one_parents.add(parent)
    if not depth_one_parents:
        return f"{root}: no subsidiaries found\n"
    lines: list[str] = []

    def walk(node: str, prefix: str, seen: frozenset[str]) -> None:
        kids = sorted(children.get(node, []), key=lambda c: c[1].casefold())
        for i, (kid, label) in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{label}")
            if kid not in seen:
                walk(kid, prefix + ("    " if last else "│   "), seen | {kid})

    for top in sorted(depth_one_parents):
        lines.append(names.get(top, root))
        walk(top, "", frozenset({top}))
    return "\n".join(lines) + "\n"


def graph_for_text(text: str) -> NamedNode:
    """The named graph a text would be ingested into."""
    return document_graph(sha256_text(text))
