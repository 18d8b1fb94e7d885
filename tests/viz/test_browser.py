"""Open ``kg viz`` pages in a real headless browser (Debian's chromium) and check the view was drawn.

The page ships no node or edge elements: its script creates them from the embedded data. So finding every node
and edge of the view in the rendered DOM proves the script ran. Outside CI the test is skipped when chromium is
missing (``make browser`` installs it); under ``CI=true`` a missing chromium is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg import graph, viz

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("chromium is not installed (run `make browser` as root); the browser test must run in CI")
    pytest.skip("chromium is not installed (run `make browser` as root)")


class _Dom(HTMLParser):
    """Collects the drawn nodes and edges, the texts inside the SVG and the root's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: dict[str, str] = {}
        self.edges: set[tuple[str, str, str]] = set()
        self.root: dict[str, str | None] = {}
        self.svg_text: list[str] = []
        self._in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "html":
            self.root = a
        if tag == "svg":
            self._in_svg += 1
        if tag == "g" and "node" in classes:
            self.nodes[a["data-id"] or ""] = a.get("data-kind") or ""
        if tag == "path" and "edge" in classes:
            self.edges.add((a["data-source"] or "", a["data-target"] or "", a["data-relation"] or ""))
            assert (a.get("d") or "").startswith("M"), "edge without geometry"

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_svg -= 1

    def handle_data(self, data: str) -> None:
        if self._in_svg and data.strip():
            self.svg_text.append(data.strip())


def _render(page: Path, profile: Path, *, fragment: str = "") -> _Dom:
    cmd = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
        "--window-size=1200,800", "--dump-dom", page.resolve().as_uri() + fragment,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    return dom


@pytest.mark.parametrize("view", ["subsidiaries", "all"])
def test_browser_draws_every_node_and_edge(data: graph.GraphData, tmp_path: Path, view: str) -> None:
    drawing = graph.build_drawing(data, view)
    page = tmp_path / f"{view}.html"
    viz.write_drawing(drawing, page)
    dom = _render(page, tmp_path / "profile")
    assert dom.root.get("data-kg-rendered") == str(len(drawing.nodes))
    assert dom.nodes == {n.id: n.kind for n in drawing.nodes}
    assert dom.edges == {(e.source, e.target, e.relation) for e in drawing.edges}
    for n in drawing.nodes:
        assert n.label in dom.svg_text
    assert len(drawing.edges) > 0


def test_browser_shows_an_empty_view(tmp_path: Path) -> None:
    empty = graph.Drawing(view="programs", title="Programs", layout="layered", width=0, height=0, nodes=(), edges=())
    page = tmp_path / "empty.html"
    viz.write_drawing(empty, page)
    dom = _render(page, tmp_path / "profile")
    assert dom.root.get("data-kg-rendered") == "0"
    assert any("Nothing to draw" in t for t in dom.svg_text)


@pytest.mark.parametrize("view", ["subsidiaries", "all"])
def test_browser_interactions_work(data: graph.GraphData, tmp_path: Path, view: str) -> None:
    """The page's self-test (``#kg-selftest``) zooms, pans, hovers, drags a node and searches with real DOM events."""
    page = tmp_path / f"{view}.html"
    viz.write_drawing(graph.build_drawing(data, view), page)
    dom = _render(page, tmp_path / "profile", fragment="#kg-selftest")
    assert dom.root.get("data-kg-selftest") == "ok"
