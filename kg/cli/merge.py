"""Merge commands: ``kg merge``, ``kg unmerge``, ``kg relink``, ``kg unlink``, ``kg conflicts``.

Thin wrappers over :mod:`kg.merge` (loading, mapping, entity resolution, removal), :mod:`kg.identity` (one node
per company across documents: run after each of them, undone by ``kg unlink``) and the canned query
``conflicts``; the subsidiary structure across sources is the canned query ``merged_subsidiaries``
(``kg query merged_subsidiaries``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli import handle_errors, info, settings
from kg.store import RdfFormatName

#: RDF formats ``kg merge`` reads (default: from the file extension).
MergeFormat = RdfFormatName


class ResultFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


def _open(ctx: typer.Context, *, read_only: bool) -> Any:
    from kg.store import open_store

    return open_store(settings(ctx).store, read_only=read_only)


def merge_cmd(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="RDF files of one source (Turtle, RDF/XML, "
                                                "N-Triples, N-Quads, TriG, JSON-LD).")],
    name: Annotated[str, typer.Option("--name", "-n", help="Name of the source; merging it again replaces it.")],
    fmt: Annotated[MergeFormat | None, typer.Option("--format", help="RDF format of every file "
                                                    "(default: from each file's extension).")] = None,
) -> None:
    """Merge another corporate graph: load it unchanged, map it onto the kg ontology, link its companies."""
    from kg.identity import link_news
    from kg.merge import merge_files

    store = _open(ctx, read_only=False)
    try:
        report = merge_files(store, files, name=name, fmt=fmt.value if fmt else None)
        info(ctx, report.summary())
        info(ctx, link_news(store).summary())
    finally:
        store.close()


def unmerge_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name given to kg merge.")],
) -> None:
    """Remove a merged source: its graphs and the links that depend on it, nothing else."""
    from kg.identity import link_news
    from kg.merge import unmerge

    store = _open(ctx, read_only=False)
    try:
        report = unmerge(store, name)
        info(ctx, report.summary())
        info(ctx, link_news(store).summary())
    finally:
        store.close()


def relink_cmd(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(metavar="[NAME]...", help="Merged sources (default: all).")
                     ] = None,
) -> None:
    """Link merged sources again to what the store holds now (after ingesting more news, say), then run the
    identity step that joins the organizations of documents into one node per company."""
    from kg.identity import link_news
    from kg.merge import relink

    store = _open(ctx, read_only=False)
    try:
        counts = relink(store, names or None)
        for name, n in counts.items():
            info(ctx, f"relinked {name}: {n} link(s)")
        info(ctx, link_news(store).summary())
    finally:
        store.close()


def unlink_cmd(ctx: typer.Context) -> None:
    """Undo the identity step: drop its links and its table (graphs identity/links and identity/names), nothing
    else; `kg relink` draws them again."""
    from kg.identity import unlink_news

    store = _open(ctx, read_only=False)
    try:
        n = unlink_news(store)
    finally:
        store.close()
    info(ctx, f"unlinked: dropped {n} identity link(s) and the identity table")


def conflicts_cmd(
    ctx: typer.Context,
    fmt: Annotated[ResultFormat, typer.Option("--format", "-f", help="table, csv, tsv or json.")
                   ] = ResultFormat.table,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Show this many (0: all).")] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many first (the next page).")] = 0,
) -> None:
    """Report where sources disagree: different parents, contradicting numbers; the companies named in the most
    documents first, 100 at a time unless --limit says."""
    from kg.merge import conflicts
    from kg.queries import write_result

    store = _open(ctx, read_only=True)
    try:
        result = conflicts(store, limit=limit or None, offset=offset)
        write_result(result, fmt.value, typer.get_text_stream("stdout"))
    finally:
        store.close()
    more = f" (the first {limit} from {offset}; --limit 0 for all)" if limit and len(result) == limit else ""
    info(ctx, f"{len(result)} conflict(s){more}")


def register(app: typer.Typer, only: str | None = None) -> None:
    """Attach the merge commands (or command ``only``) to ``app``."""
    for name, func in (("merge", merge_cmd), ("unmerge", unmerge_cmd), ("relink", relink_cmd),
                       ("unlink", unlink_cmd), ("conflicts", conflicts_cmd)):
        if only in (None, name):
            app.command(name)(handle_errors(func))
