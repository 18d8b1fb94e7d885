"""``kg viz``: draw a view of the store as a self-contained interactive HTML page or a static PNG (thin; see
:mod:`kg.viz` and :mod:`kg.graph`). networkx and matplotlib are imported only when the command runs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli import handle_errors, info, settings


class ViewChoice(StrEnum):
    """The views of :class:`kg.graph.View` (repeated here so ``kg --help`` does not import networkx)."""

    subsidiaries = "subsidiaries"
    models = "models"
    investments = "investments"
    programs = "programs"
    all = "all"


def register(app: typer.Typer, only: str | None = None) -> None:
    """Attach ``kg viz`` to ``app`` (``only`` names it or is None)."""

    @app.command("viz")
    @handle_errors
    def viz(
        ctx: typer.Context,
        out: Annotated[Path, typer.Option("--out", "-o", help="File to write: FILE.html (interactive, works "
                                          "offline) or FILE.png (static image).")],
        view: Annotated[ViewChoice, typer.Option("--view", help="What to draw.")] = ViewChoice.subsidiaries,
        root: Annotated[str | None, typer.Option("--root", help="Only the tree under this organization "
                                                 "(subsidiaries) or the part connected to it (other views); "
                                                 "a name, alias or IRI.")] = None,
        width: Annotated[int | None, typer.Option("--width", min=100, max=20000,
                                                  help="PNG width in pixels (default: from the drawing).")] = None,
        height: Annotated[int | None, typer.Option("--height", min=100, max=20000,
                                                   help="PNG height in pixels (default: from the drawing).")] = None,
    ) -> None:
        """Draw the subsidiary trees, model lineage, investment flows, programs or the whole graph.

        Example: kg viz --view subsidiaries --root "Alibaba Group" --out tree.html
        """
        from kg.store import default_location, open_store
        from kg.viz import OutputFormat, write_view

        OutputFormat.from_path(out)
        location = settings(ctx).store or default_location()
        store = open_store(location, read_only=True)
        try:
            drawing = write_view(store, view.value, out, root=root, width=width, height=height)
        finally:
            store.close()
        if not drawing.nodes:
            info(ctx, f"note: the {view.value} view is empty (nothing of that kind in {location})")
        info(ctx, f"wrote {out} ({len(drawing.nodes)} nodes, {len(drawing.edges)} edges)")
