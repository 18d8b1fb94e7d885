"""Core commands: ingest, extract, query, queries, export, validate, stats, remove, demo."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the core commands to ``app``."""
