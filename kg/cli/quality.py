"""Quality command: ``kg eval`` scores the extractor (or saved predictions) on a gold folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli import handle_errors


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


def eval_cmd(
    gold_dir: Annotated[Path, typer.Argument(help="Folder of NAME.gold.json files, with NAME.txt beside them or "
                                             "pointing into a JSONL corpus by id.")],
    corpora: Annotated[Path | None, typer.Option("--corpora", envvar="KG_CORPORA",
                                                 help="Folder of the JSONL corpora gold files point into "
                                                      "(default: ../shared/corpora when it exists).")] = None,
    pred: Annotated[Path | None, typer.Option("--pred", help="Score saved predictions (PRED/NAME.json) instead of "
                                              "running the extractor.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="spaCy pipeline to use.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List misses, false hits and wrong model "
                                          "attributes per document.")] = False,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="text (the score.py table) or json.")
                   ] = ReportFormat.text,
) -> None:
    """Precision, recall and F1 per kind, program organizers, model attributes and micro F1 on a gold folder.

    The matching is that of shared/eval/score.py, so the numbers agree; active parameters and per-corpus totals
    are reported in addition.
    """
    from kg.evaluate import evaluate, predictions_from_folder, render_json, render_text
    from kg.gold import read_gold_set

    docs = read_gold_set(gold_dir, corpora=corpora)
    if pred is not None:
        predict = predictions_from_folder(pred)
    else:
        from kg.extract import extract, load_pipeline

        nlp = load_pipeline(model)

        def predict(doc: Any) -> dict[str, Any]:
            return extract(doc.text, date=doc.date, nlp=nlp).to_dict()  # evidence carries the confidences

    report = evaluate(docs, predict)
    out = render_json(report) if fmt is ReportFormat.json else render_text(report, verbose=verbose)
    typer.echo(out, nl=False)


def register(app: typer.Typer, only: str | None = None) -> None:
    """Attach ``eval`` to ``app``."""
    from kg.cli.core import _help

    if only in (None, "eval"):
        app.command("eval", help=_help(eval_cmd))(handle_errors(eval_cmd))
