"""kg.viz: the self-contained HTML page, the PNG, the model chart and safe writing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kg import graph, viz
from kg.errors import InputError


def _embedded(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


@pytest.mark.parametrize("view", list(graph.View))
def test_html_is_self_contained_and_embeds_the_drawing(data: graph.GraphData, view: graph.View) -> None:
    drawing = graph.build_drawing(data, view)
    page = viz.render_html(drawing)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from the network
    assert _embedded(page) == json.loads(json.dumps(drawing.to_dict()))
    assert "__DATA__" not in page and "__JS__" not in page and "__CSS__" not in page
    # the nodes are drawn by the script, not written into the page
    assert 'class="node"' not in page


def test_html_escapes_hostile_labels() -> None:
    nasty = "</script><script>alert(1)</script> & <b>"
    drawing = graph.Drawing(
        view="all", title=nasty, layout="spring", width=300, height=300,
        nodes=(graph.DrawNode(id="urn:x", label=nasty, kind="organization", x=80, y=80, size=6),), edges=(),
    )
    page = viz.render_html(drawing)
    assert page.count("</script>") == 2  # only the two real script elements end
    assert "<title>&lt;/script&gt;" in page
    assert _embedded(page)["nodes"][0]["label"] == nasty


def test_png_has_the_asked_size(png_size, data: graph.GraphData, tmp_path: Path) -> None:
    out = tmp_path / "tree.png"
    drawing = graph.build_drawing(data, "subsidiaries")
    assert viz.render_png(drawing, out, width=1234, height=567) == (1234, 567)
    assert png_size(out) == (1234, 567)


@pytest.mark.parametrize("view", list(graph.View))
def test_png_default_size_follows_the_drawing(png_size, data: graph.GraphData, tmp_path: Path, view: graph.View
                                              ) -> None:
    out = tmp_path / f"{view}.png"
    drawing = graph.build_drawing(data, view)
    size = viz.render_png(drawing, out)
    assert size == viz.png_size(drawing)
    assert png_size(out) == size
    assert viz.MIN_PNG[0] <= size[0] <= viz.MAX_PNG[0] and viz.MIN_PNG[1] <= size[1] <= viz.MAX_PNG[1]
    assert out.stat().st_size > 5000  # a real picture, not a blank canvas


def test_empty_drawing_renders_in_both_formats(png_size, tmp_path: Path) -> None:
    empty = graph.Drawing(view="programs", title="nothing", layout="layered", width=0, height=0, nodes=(), edges=())
    assert _embedded(viz.render_html(empty))["nodes"] == []
    viz.render_png(empty, tmp_path / "e.png")
    assert png_size(tmp_path / "e.png") == viz.MIN_PNG


def test_write_drawing_refuses_other_extensions_and_leaves_nothing(data: graph.GraphData, tmp_path: Path) -> None:
    drawing = graph.build_drawing(data, "programs")
    with pytest.raises(InputError, match=r"\.html or \.png"):
        viz.write_drawing(drawing, tmp_path / "view.svg")
    with pytest.raises(InputError, match="directory"):
        (tmp_path / "dir.html").mkdir()
        viz.write_drawing(drawing, tmp_path / "dir.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.html"]
    assert viz.write_drawing(drawing, tmp_path / "sub" / "v.HTML") is viz.OutputFormat.html
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["v.HTML"]  # no temporary file left behind


def test_write_drawing_replaces_a_file_whole(png_size, data: graph.GraphData, tmp_path: Path) -> None:
    out = tmp_path / "v.png"
    out.write_bytes(b"old")
    viz.write_drawing(graph.build_drawing(data, "models"), out, width=400, height=300)
    assert png_size(out) == (400, 300)


def test_model_chart_uses_a_log_scale(data: graph.GraphData) -> None:
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    viz.plot_model_sizes(graph.models_by_parameters(data), ax)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Zephyr-2-Chat (Bluebird Ventures)",
                                                           "Zephyr-2 (Northwind Labs)"]


def test_notebook_html_wraps_the_page_in_an_iframe(data: graph.GraphData) -> None:
    snippet = viz.notebook_html(graph.build_drawing(data, "programs"), height=400)
    assert snippet.startswith("<div class=\"kg-view\"><iframe srcdoc=") and "height:400px" in snippet
    assert "<script" not in snippet  # escaped inside srcdoc


def test_viz_does_not_import_networkx() -> None:
    import ast

    tree = ast.parse(Path(viz.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any("networkx" in (m or "") for m in names | modules)
