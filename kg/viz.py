"""Rendering views of the graph: a self-contained interactive HTML page and a static PNG.

This module owns how a :class:`kg.graph.Drawing` looks. It never imports networkx (graphs and layouts come from
:mod:`kg.graph`) and never touches the store itself beyond asking :mod:`kg.graph` for a drawing.

- :func:`render_html` – one HTML file with the view's data, CSS and JavaScript inline (``kg/viz_assets/``): SVG
  drawn by the script, pan/zoom, node drag, hover tooltips, search. No CDN, no network.
- :func:`render_png` – a PNG through matplotlib's Agg canvas (no display, no pyplot state), of an exact pixel size.
- :func:`draw` – the same picture on any matplotlib ``Axes`` (for notebooks); :func:`plot_model_sizes` charts
  models by parameter count on a log scale.
- :func:`write_view` – what ``kg viz`` calls: build a view from the store and write ``.html`` or ``.png``.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kg.graph import Drawing, ModelSize
    from kg.store import GraphStore

_ASSETS = Path(__file__).resolve().parent / "viz_assets"

#: Node colours by kind, shared by the page (view.js) and the PNG.
NODE_COLORS = {
    "organization": "#4e79a7",
    "model": "#f28e2b",
    "program": "#59a14f",
    "target": "#e15759",
    "investment": "#edc948",
    "external": "#9c755f",
}
EDGE_COLORS = {
    "hasSubsidiary": "#7f8c9a",
    "developed": "#f28e2b",
    "basisOf": "#b07aa1",
    "invested": "#e15759",
    "organizes": "#59a14f",
    "sameAs": "#9c755f",
}
_GREY = "#8a8f96"

#: Size limits (pixels) of a PNG whose size is derived from the drawing.
MIN_PNG = (800, 500)
MAX_PNG = (4000, 4000)


class OutputFormat(StrEnum):
    """What ``kg viz --out`` can write, chosen by the file extension."""

    html = "html"
    png = "png"

    @classmethod
    def from_path(cls, path: str | Path) -> OutputFormat:
        """``.html``/``.htm`` or ``.png``; anything else is an :class:`~kg.errors.InputError`.

        >>> OutputFormat.from_path("tree.PNG").value
        'png'
        """
        ext = Path(path).suffix.lower()
        if ext in (".html", ".htm"):
            return cls.html
        if ext == ".png":
            return cls.png
        raise InputError(f"{path}: --out must end in .html or .png (got {ext or 'no extension'!r})")


def _json_for_script(obj: Any) -> str:
    """JSON safe to place inside ``<script>``: no ``</script>``, ``<!--`` or stray ``&``.

    >>> _json_for_script({"a": "</script>"})
    '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(drawing: Drawing) -> str:
    """A complete, self-contained HTML page drawing ``drawing`` (inline JSON data, CSS and JavaScript)."""
    page = (_ASSETS / "page.html.tmpl").read_text(encoding="utf-8")
    css = (_ASSETS / "view.css").read_text(encoding="utf-8")
    js = (_ASSETS / "view.js").read_text(encoding="utf-8")
    title = html.escape(drawing.title)
    # the data goes last so nothing inside it is mistaken for a placeholder
    return (
        page.replace("__TITLE__", title).replace("__CSS__", css).replace("__JS__", js)
        .replace("__DATA__", _json_for_script(drawing.to_dict()))
    )


def notebook_html(drawing: Drawing, *, height: int = 600) -> str:
    """The page of :func:`render_html` in an ``<iframe srcdoc>``, for ``IPython.display.HTML`` in a notebook."""
    return (
        f'<div class="kg-view"><iframe srcdoc="{html.escape(render_html(drawing), quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ddd" sandbox="allow-scripts"></iframe></div>'
    )


def png_size(drawing: Drawing) -> tuple[int, int]:
    """Pixel size of a PNG of ``drawing`` when none is asked for: the drawing's size, within limits."""
    w = int(min(max(drawing.width, MIN_PNG[0]), MAX_PNG[0]))
    h = int(min(max(drawing.height + 60, MIN_PNG[1]), MAX_PNG[1]))
    return w, h


def draw(drawing: Drawing, ax: Axes, *, font_size: float | None = None) -> Axes:
    """Draw ``drawing`` on a matplotlib ``ax`` (nodes, arrows, labels; y grows downwards as on the page)."""
    by_id = {n.id: n for n in drawing.nodes}
    ax.set_axis_off()
    if not drawing.nodes:
        ax.text(0.5, 0.5, "Nothing to draw: the store holds nothing for this view.", ha="center", va="center",
                transform=ax.transAxes, color="#59636e")
        return ax
    if font_size is None:
        bbox = ax.get_window_extent()
        scale = min(bbox.width / max(drawing.width, 1), bbox.height / max(drawing.height, 1))
        font_size = max(5.0, min(10.0, 9.0 * scale * 1.4))
    if len(drawing.edges) > 300:  # many edges: one collection of plain segments instead of an arrow each (fast)
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(
            [((by_id[e.source].x, by_id[e.source].y), (by_id[e.target].x, by_id[e.target].y)) for e in drawing.edges],
            colors=[EDGE_COLORS.get(e.relation.split(",")[0], _GREY) for e in drawing.edges],
            linewidths=[e.width * 0.6 for e in drawing.edges], alpha=0.6, zorder=1,
        ))
    for e in drawing.edges if len(drawing.edges) <= 300 else ():
        s, t = by_id[e.source], by_id[e.target]
        color = EDGE_COLORS.get(e.relation.split(",")[0], _GREY)
        style = "-" if e.relation == "sameAs" else "-|>"
        conn = "arc3,rad=0"
        if drawing.layout != "spring" and t.x - s.x > 400 and abs(t.y - s.y) < 10:
            conn = "arc3,rad=-0.12"  # skips a layer: bow it clear of the nodes in between
        elif drawing.layout != "spring" and t.x > s.x + 40:
            conn = "angle3,angleA=0,angleB=90" if abs(t.y - s.y) > 1 else "arc3,rad=0"
        ax.annotate(
            "", xy=(t.x, t.y), xytext=(s.x, s.y), zorder=1,
            arrowprops={"arrowstyle": style, "color": color, "lw": e.width * 0.8, "shrinkA": s.size * 0.8,
                        "shrinkB": t.size * 0.8 + 2, "connectionstyle": conn, "alpha": 0.8,
                        "linestyle": "--" if e.relation == "sameAs" else "-"},
        )
        if e.label:
            ax.text((s.x + t.x) / 2, (s.y + t.y) / 2, e.label, fontsize=font_size * 0.85, color="#6e1f21",
                    ha="center", va="bottom", zorder=2)
    ax.scatter(
        [n.x for n in drawing.nodes], [n.y for n in drawing.nodes],
        s=[(n.size * 1.6) ** 2 for n in drawing.nodes],
        c=[NODE_COLORS.get(n.kind, _GREY) for n in drawing.nodes], edgecolors="white", linewidths=1.2, zorder=3,
    )
    for n in drawing.nodes:
        if n.label_side == "above":
            ax.text(n.x, n.y - n.size - 4, n.label, fontsize=font_size, ha="center", va="bottom", zorder=4)
        else:
            ax.text(n.x + n.size + 5, n.y, n.label, fontsize=font_size, ha="left", va="center", zorder=4)
    char = 6.5  # rough width of a label character in drawing units
    left = min(n.x - (len(n.label) * char / 2 if n.label_side == "above" else n.size) for n in drawing.nodes)
    right = max(n.x + (len(n.label) * char / 2 if n.label_side == "above" else n.size + 5 + len(n.label) * char)
                for n in drawing.nodes)
    ys = [n.y for n in drawing.nodes]
    ax.set_xlim(left - 30, right + 30)
    ax.set_ylim(max(ys) + 30, min(ys) - 40)
    return ax


def render_png(drawing: Drawing, path: str | Path, *, width: int | None = None, height: int | None = None,
               dpi: int = 100) -> tuple[int, int]:
    """Write ``drawing`` as a PNG of ``width`` x ``height`` pixels (default: :func:`png_size`); return the size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dw, dh = png_size(drawing)
    w, h = int(width or dw), int(height or dh)
    if w < 100 or h < 100 or w > 20000 or h > 20000:
        raise InputError(f"PNG size {w}x{h} is out of range (100 to 20000 pixels a side)")
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.92))
    draw(drawing, ax)
    fig.text(0.01, 0.985, drawing.title, fontsize=13, fontweight="bold", va="top")
    _legend(fig, drawing)
    fig.savefig(str(path), format="png", dpi=dpi, facecolor="white")
    return w, h


def _legend(fig: Any, drawing: Drawing) -> None:
    from matplotlib.lines import Line2D

    kinds = sorted({n.kind for n in drawing.nodes})
    rels = sorted({e.relation for e in drawing.edges})
    handles = [Line2D([], [], marker="o", linestyle="", color=NODE_COLORS.get(k, _GREY), label=k) for k in kinds]
    handles += [Line2D([], [], color=EDGE_COLORS.get(r.split(",")[0], _GREY), label=r) for r in rels]
    if handles:
        fig.legend(handles=handles, loc="upper right", fontsize=8, frameon=False, ncol=min(len(handles), 6))


def plot_model_sizes(models: list[ModelSize], ax: Axes) -> Axes:
    """Horizontal bars of models by parameter count on a log scale; a line marks each model's range of sizes."""
    ordered = list(reversed(models))  # largest at the top
    labels = [m.label if not m.developer else f"{m.label} ({m.developer})" for m in ordered]
    ys = range(len(ordered))
    ax.barh(list(ys), [m.parameters for m in ordered], color=NODE_COLORS["model"], alpha=0.8)
    for y, m in zip(ys, ordered, strict=True):
        if m.min_parameters < m.max_parameters:
            ax.plot([m.min_parameters, m.max_parameters], [y, y], color="#6e1f21", lw=2)
        for size in m.sizes:
            ax.plot([size], [y], marker="|", color="#6e1f21", markersize=12)
    ax.set_yticks(list(ys), labels)
    ax.set_xscale("log")
    ax.set_xlabel("parameters (log scale)")
    ax.set_title("AI models by parameter count")
    return ax


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, so a failure never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_drawing(drawing: Drawing, out: str | Path, *, width: int | None = None, height: int | None = None
                  ) -> OutputFormat:
    """Write ``drawing`` to ``out`` as HTML or PNG (by extension); return the format written."""
    path = Path(out)
    fmt = OutputFormat.from_path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name ending in .html or .png")
    try:
        if fmt is OutputFormat.html:
            page = render_html(drawing)
            _atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
        else:
            _atomic_write(path, lambda p: render_png(drawing, p, width=width, height=height))
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None
    return fmt


def write_view(store: GraphStore, view: str, out: str | Path, *, root: str | None = None,
               width: int | None = None, height: int | None = None) -> Drawing:
    """Build ``view`` from ``store`` (optionally under ``root``) and write it to ``out`` (``.html`` or ``.png``)."""
    from kg.graph import build_drawing

    OutputFormat.from_path(out)  # fail on a bad extension before reading the store
    drawing = build_drawing(store, view, root=root)
    write_drawing(drawing, out, width=width, height=height)
    return drawing
