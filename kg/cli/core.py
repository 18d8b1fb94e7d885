"""Core commands: ingest, extract, query, queries, export, validate, stats, remove, demo.

Each command parses options and calls one public function (:mod:`kg.ingest`, :mod:`kg.corpus`, :mod:`kg.queries`,
:mod:`kg.validate`, :mod:`kg.store`). Heavy modules are imported inside the commands: only ``ingest``, ``extract``
and ``demo`` import :mod:`kg.extract` (and so spaCy); the commands that read the store start fast.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli import handle_errors, info, settings
from kg.errors import ExtractionError, InputError, KgError, QueryError, StoreError, ValidationFailed


class InFormat(StrEnum):
    """Mirror of kg.corpus.InputFormat, kept here so read-only commands need not import kg.corpus at start-up."""

    auto = "auto"
    text = "text"
    jsonl = "jsonl"
    csv = "csv"


class MarkupFormat(StrEnum):
    """How a document is written; ``auto``: from the file suffix (.md, .html), else from its content."""

    auto = "auto"
    text = "text"
    markdown = "markdown"
    html = "html"
    wire = "wire"


class FactsFormat(StrEnum):
    json = "json"
    turtle = "turtle"


class ResultFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


class ExportFormat(StrEnum):
    turtle = "turtle"
    trig = "trig"
    nquads = "nquads"
    jsonld = "jsonld"


def _store_location(ctx: typer.Context) -> str:
    from kg.store import default_location

    return settings(ctx).store or default_location()


def _open(ctx: typer.Context, *, read_only: bool, must_exist: bool = False) -> Any:
    """Open the store; ``must_exist`` refuses to create a new local store (for commands that only change one)."""
    from kg.store import open_store

    loc = _store_location(ctx)
    if must_exist and not loc.startswith(("http://", "https://")) and not Path(loc).exists():
        raise StoreError(f"no store at {loc}: ingest something first or pass --store")
    return open_store(loc, read_only=read_only)


def _stdout_text() -> Any:
    return typer.get_text_stream("stdout")


def _stdout_bytes() -> Any:
    return typer.get_binary_stream("stdout")


# --- ingest ----------------------------------------------------------------------------------------------------------


def ingest_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Text files, folders (*.txt, *.md, *.html, "
                                                "recursively), "
                                                "or JSONL/CSV corpora (one article per record); '-' reads one "
                                                "text from standard input.")],
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Extraction processes (forked workers, "
                                         "each running the whole extractor).")] = 1,
    model: Annotated[str | None, typer.Option("--model", help="spaCy pipeline to use (default: en_core_web_sm).")
                     ] = None,
    fmt: Annotated[InFormat, typer.Option("--format", help="How to read files (auto: from the extension).")
                   ] = InFormat.auto,
    text_field: Annotated[str, typer.Option(help="Corpus field holding the article text.")] = "text",
    id_field: Annotated[str, typer.Option(help="Corpus field holding the article id.")] = "id",
    title_field: Annotated[str, typer.Option(help="Corpus field holding the title.")] = "title",
    date_field: Annotated[str, typer.Option(help="Corpus field holding the article date (YYYY-MM-DD).")] = "date",
    batch_size: Annotated[int, typer.Option(min=1, help="Documents written to the store per batch.")] = 64,
    force: Annotated[bool, typer.Option("--force", help="Re-extract documents already in the store "
                                        "(by default folders and corpora skip them; named files are replaced).")
                     ] = False,
    dask: Annotated[str | None, typer.Option("--dask", metavar="ADDRESS",
                                             help="Extract on a Dask cluster (scheduler address).")] = None,
    date: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD",
                                             help="Article date of documents that give none (plain files; "
                                                  "corpus records keep their own): resolves relative periods.")
                    ] = None,
    input_format: Annotated[MarkupFormat, typer.Option("--input-format", help="How documents are written "
                                                       "(auto: .md/.html by suffix, else by content).")
                            ] = MarkupFormat.auto,
) -> None:
    """Extract facts from documents and store each in its own named graph.

    Files named on the command line are checked first (a bad one stops the run before anything is written) and
    replace their graph when already ingested. Folders and JSONL/CSV corpora are streamed; documents already in
    the store (same content hash) are skipped unless --force, and a bad document or record is reported and left out.
    A document whose extraction fails is reported in one line and left out, the others are stored, and the run
    exits with 8.
    """
    from dataclasses import replace

    from kg.corpus import STDIN, Origin, check_paths, estimate_count, iter_sources, read_stdin
    from kg.ingest import ErrorLog, ingest, with_default_date

    day = _date_option(date)
    check_paths(paths, fmt=fmt.value, fields=_fields(text_field, id_field, title_field, date_field))
    stdin = None
    if any(str(p) == STDIN for p in paths):
        if fmt.value in ("jsonl", "csv"):
            raise InputError(f"standard input is read as one text document; for a {fmt.value} corpus name its file")
        stdin = read_stdin(sys.stdin.buffer)
    log = ErrorLog(echo=lambda m: info(ctx, f"warning: skipped {m}"))
    sources = iter_sources(paths, fmt=fmt.value, text_field=text_field, id_field=id_field, title_field=title_field,
                           date_field=date_field, on_error=log, stdin=stdin)
    if day is not None:
        sources = with_default_date(sources, day)
    if input_format is not MarkupFormat.auto:
        sources = (replace(s, markup=input_format.value) for s in sources)
    skip = False if force else (lambda s: s.origin is not Origin.file)
    many = len(paths) > 3 or any(p.is_dir() or p.suffix.lower() in (".jsonl", ".ndjson", ".csv") for p in paths)
    show = many and not settings(ctx).quiet and sys.stderr.isatty()
    total = estimate_count(paths, fmt=fmt.value) if show else None
    if dask:
        from kg.distributed import ingest_dask

        with _progress(show, total) as tick:
            log.progress = tick
            report = ingest_dask(_store_location(ctx), sources, scheduler=dask, model=model, skip_existing=skip,
                                 progress=tick, errors=log)
        linked = None
        if report.documents:
            with _open(ctx, read_only=False) as store:
                linked = _link(store)
    else:
        from kg.extract import load_pipeline

        nlp = load_pipeline(model)
        with _open(ctx, read_only=False) as store:
            with _progress(show, total) as tick:
                log.progress = tick
                report = ingest(store, sources, nlp=nlp, workers=workers, batch_size=batch_size,
                                skip_existing=skip, progress=tick, errors=log)
            linked = _link(store) if report.documents else None
    if report.documents == 0 and report.skipped == 0 and report.failed and not report.not_extracted:
        first = log.messages[0] if log.messages else "see the warnings above"
        raise InputError(f"no document could be read ({report.failed} failed; first: {first})")
    repeated = f", {report.repeated} repeated in the input (same text)" if report.repeated else ""
    left_out = f", {report.not_extracted} not extracted" if report.not_extracted else ""
    info(ctx, f"ingested {report.documents} document(s) ({report.replaced} replaced), skipped {report.skipped} "
         f"already in the store{repeated}, {report.failed} failed{left_out}; {report.quads} quads written")
    if linked is not None:
        info(ctx, linked)
    if report.not_extracted:
        raise ExtractionError(f"{report.not_extracted} document(s) could not be extracted and were left out (see the "
                              f"warnings above); the {report.documents} other(s) were stored")


def _link(store: Any) -> str:
    """The corpus-wide identity step (:func:`kg.identity.link_news`) after the store's documents changed; its
    summary line (printed after the ingest's own)."""
    from kg.identity import link_news

    return link_news(store).summary()


def _date_option(value: str | None) -> str | None:
    """The ``--date`` option as an ISO date, or an :class:`InputError` (exit 2) naming the option."""
    if value is None:
        return None
    from kg.corpus import normalise_date

    try:
        return normalise_date(value)
    except InputError as err:
        raise InputError(f"--date: {err}") from None


def _fields(text: str, ident: str, title: str, date: str) -> Any:
    from kg.corpus import Fields

    return Fields(text=text, id=ident, title=title, date=date)


class _progress:
    """A rich progress display on stderr, or nothing.

    The bar counts the documents to extract: its total is the estimate of the input less what turns out to be
    skipped (already in the store, or the same text met again in this run) or unreadable, so a resumed run does not
    jump; skipped and failed documents are shown apart, and the rate is over extracted documents only. The tick it
    returns takes ``(event, n)`` (:data:`kg.ingest.PROGRESS_EVENTS`).
    """

    def __init__(self, show: bool, total: int | None = None) -> None:
        self.show = show
        self.total = total
        self.counts = {"extracted": 0, "stored": 0, "repeated": 0, "failed": 0}
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(SpinnerColumn(), TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[others]}"),
                             TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._bar.start()
        task = self._bar.add_task("ingest", total=self.total, rate="", others="")

        def tick(event: str, n: int = 1) -> None:
            self.counts[event] = self.counts.get(event, 0) + n
            if event == "extracted":
                self._bar.advance(task, n)
            speed = self._bar.tasks[0].speed
            c = self.counts
            others = ", ".join(part for part in (
                f"skipped {c['stored']} stored" if c["stored"] else "",
                f"{c['repeated']} repeated" if c["repeated"] else "",
                f"failed {c['failed']}" if c["failed"] else "") if part)
            total = None if self.total is None else max(c["extracted"],
                                                        self.total - c["stored"] - c["repeated"] - c["failed"])
            self._bar.update(task, total=total, rate=f"{speed:.1f} docs/s" if speed else "", others=others)

        return tick

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


# --- extract -------------------------------------------------------------------------------------------------------


def extract_cmd(
    path: Annotated[str, typer.Argument(help="A text file ('-' reads standard input).")],
    fmt: Annotated[FactsFormat, typer.Option("--format", "-f", help="json (the facts format) or turtle.")
                   ] = FactsFormat.json,
    model: Annotated[str | None, typer.Option("--model", help="spaCy pipeline to use.")] = None,
    evidence: Annotated[bool, typer.Option(help="Include evidence (spans, sentences, rules) in the JSON.")] = True,
    date: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD",
                                             help="Article date: resolves relative periods ('next year').")] = None,
    input_format: Annotated[MarkupFormat, typer.Option("--input-format", help="How the text is written "
                                                       "(auto: .md/.html by suffix, else by content).")
                            ] = MarkupFormat.auto,
) -> None:
    """Print the facts found in one text (no store): JSON in the facts format, or Turtle.

    Markdown, HTML and wire copy are normalised first; evidence offsets point into the text as given.
    """
    import json
    from dataclasses import replace

    from kg.corpus import read_stdin, read_text_file
    from kg.extract import extract, extractor_version, load_pipeline

    day = _date_option(date)
    src = read_stdin(sys.stdin.buffer) if path == "-" else read_text_file(path)
    if day is not None:
        src = replace(src, date=day)
    nlp = load_pipeline(model)
    markup = input_format.value if input_format is not MarkupFormat.auto else (src.markup or "auto")
    try:
        facts = extract(src.text, date=src.date, nlp=nlp, markup=markup)
    except KgError:
        raise
    except Exception as err:  # one line, as for every error
        raise ExtractionError.of(src.id, err) from err
    version = facts.extractor or extractor_version(nlp)
    facts = replace(facts, extractor=version, document=src.document_info())
    out = _stdout_text()
    if fmt is FactsFormat.json:
        out.write(json.dumps(facts.to_dict(evidence=evidence), indent=2, ensure_ascii=False) + "\n")
    else:
        from kg.ingest import timestamp
        from kg.rdf import facts_to_turtle

        out.write(facts_to_turtle(facts, src.document_info(), ingested_at=timestamp(), extractor=version))


# --- query ---------------------------------------------------------------------------------------------------------


def _parse_params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param wants NAME=VALUE, got {v!r}")
        params[name.strip().lstrip("?$")] = value
    return params


def query_cmd(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(metavar="NAME|FILE.rq", help="A canned query name or a .rq file.")
                     ] = None,
    sparql: Annotated[str | None, typer.Option("--sparql", help="SPARQL text to run instead.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", metavar="NAME=VALUE",
                                                    help="Bind a query parameter (repeatable).")] = None,
    fmt: Annotated[ResultFormat, typer.Option("--format", "-f", help="table, csv, tsv or json (W3C SPARQL results).")
                   ] = ResultFormat.table,
    allow_update: Annotated[bool, typer.Option("--allow-update", help="Allow a SPARQL UPDATE to change the store.")
                            ] = False,
    allow_service: Annotated[bool, typer.Option(
        "--allow-service", help="Allow SERVICE (federated query) and LOAD, which contact other servers.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=0, help="At most this many rows (a page).")] = None,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many rows first (the next page).")] = 0,
) -> None:
    """Run a canned query, a .rq file or SPARQL text against the store (read-only unless --allow-update; offline
    unless --allow-service). --limit and --offset page the answer in the query's own order (`why`: newest first)."""
    from kg.queries import get_query, refuse_service, run_query, write_result
    from kg.store import is_update

    if (query is None) == (sparql is None):
        raise QueryError("give a query name or .rq file, or --sparql TEXT (exactly one)")
    params = _parse_params(param or [])
    text: Any = sparql if sparql is not None else get_query(query)  # type: ignore[arg-type]
    body = text if isinstance(text, str) else text.sparql
    if is_update(body):
        if not allow_update:
            raise QueryError("refusing a SPARQL UPDATE: queries are read-only; pass --allow-update to change the store")
        if params:
            raise QueryError("parameters cannot be bound in an UPDATE")
        if limit is not None or offset:
            raise QueryError("--limit and --offset page a query's answer, not an UPDATE")
        refuse_service(body, allow_service=allow_service)
        with _open(ctx, read_only=False, must_exist=True) as store:
            store.update(body)
        info(ctx, "update applied")
        return
    with _open(ctx, read_only=True) as store:
        result = run_query(store, text, params, allow_service=allow_service, limit=limit, offset=offset)
        write_result(result, fmt.value, _stdout_text())


def queries_cmd() -> None:
    """List the canned queries with their parameters and what they return."""
    from kg.queries import list_queries

    out = _stdout_text()
    for q in list_queries():
        params = " ".join(f"{p.name}{'' if p.required else '?'}" for p in q.params)
        out.write(f"{q.name}{'  [' + params + ']' if params else ''}\n    {q.summary}\n")


# --- export, validate, stats, remove -------------------------------------------------------------------------------


def export_cmd(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="turtle, trig, nquads or jsonld.")
                   ] = ExportFormat.turtle,
    graph: Annotated[str | None, typer.Option("--graph", help="Export only this named graph (IRI).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export the store (or one graph), sorted so the same content always gives the same bytes."""
    import os
    import tempfile

    from pyoxigraph import NamedNode

    from kg.store import RdfFormatName

    g = None
    if graph is not None:
        iri = graph.strip().removeprefix("<").removesuffix(">")
        try:
            g = NamedNode(iri)
        except ValueError as err:
            raise InputError(f"--graph: not an IRI: {graph!r} ({err})") from None
    with _open(ctx, read_only=True) as store:
        if g is not None and not store.has_graph(g):
            raise StoreError(f"no graph {iri} in the store")
        if out is None:
            stream = _stdout_bytes()
            store.export(stream, RdfFormatName(fmt.value), graph=g)
            stream.flush()
            return
        target = out.resolve()
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                store.export(fh, RdfFormatName(fmt.value), graph=g)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        info(ctx, f"wrote {out}")


def validate_cmd(ctx: typer.Context) -> None:
    """Check the store against the SHACL shapes; print each violation."""
    from kg.validate import validate_store

    with _open(ctx, read_only=True) as store:
        report = validate_store(store)
    out = _stdout_text()
    if report.conforms:
        out.write("conforms: the store satisfies every shape\n")
        return
    for v in report.violations:
        where = f" {v.path}" if v.path else ""
        value = f" = {v.value}" if v.value else ""
        out.write(f"{v.severity}: {v.focus}{where}{value}: {v.message}\n")
    raise ValidationFailed(f"{len(report.violations)} SHACL violation(s)")


def stats_cmd(ctx: typer.Context) -> None:
    """Counts of quads, named graphs and documents in the store.

    ``documents`` counts complete documents only (those ``kg query documents`` lists); ``in_progress`` counts
    document graphs still being written by a running ingest, or left incomplete by one that was stopped (the next
    ingest of the same text replaces them).
    """
    from kg.store import stats

    with _open(ctx, read_only=True) as store:
        s = stats(store)
    _stdout_text().write(f"quads\t{s.quads}\ngraphs\t{s.graphs}\ndocuments\t{s.documents}\n"
                         f"in_progress\t{s.in_progress}\n")


def remove_cmd(
    ctx: typer.Context,
    doc: Annotated[str, typer.Argument(metavar="DOC", help="The document's sha256 (or 8+ leading hex digits), "
                                       "graph IRI, or the path it was ingested from.")],
) -> None:
    """Remove one document (its named graph) from the store."""
    from kg.ingest import remove_document
    from kg.merge import drop_links_depending_on

    with _open(ctx, read_only=False, must_exist=True) as store:
        iri = remove_document(store, doc)
        dropped = drop_links_depending_on(store, [iri])  # merge links that named the document's companies
        info(ctx, f"removed {iri}" + (f" and {dropped} merge link(s) that depended on it" if dropped else ""))
        info(ctx, _link(store))


def demo_cmd(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option("--model", help="spaCy pipeline to use.")] = None,
) -> None:
    """Ingest the demo article (seeds/) and print the canned answers."""
    from kg.ingest import run_demo

    with _open(ctx, read_only=False) as store:
        report = run_demo(store, _stdout_text(), model=model)
    info(ctx, f"\ndemo: {report.documents} article(s), {report.quads} quads in store {_store_location(ctx)}")


def register(app: typer.Typer, only: str | None = None) -> None:
    """Attach the core commands (or command ``only``) to ``app``."""
    for name, func in (
        ("ingest", ingest_cmd),
        ("extract", extract_cmd),
        ("query", query_cmd),
        ("queries", queries_cmd),
        ("export", export_cmd),
        ("validate", validate_cmd),
        ("stats", stats_cmd),
        ("remove", remove_cmd),
        ("demo", demo_cmd),
    ):
        if only in (None, name):
            app.command(name, help=_help(func))(handle_errors(func))


def _help(func: Any) -> str:
    """The docstring as help text: paragraphs kept, the line breaks inside a paragraph joined."""
    import inspect

    return "\n\n".join(p.replace("\n", " ") for p in inspect.cleandoc(func.__doc__ or "").split("\n\n"))
