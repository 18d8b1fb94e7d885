"""``kg viz`` through typer's CliRunner: both formats for every view, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import graph
from kg.cli import app
from kg.cli.viz import ViewChoice

runner = CliRunner()


def _run(store: Path, *args: str):
    return runner.invoke(app, ["--store", str(store), "viz", *args])


def test_choices_match_the_views() -> None:
    assert [v.value for v in ViewChoice] == [v.value for v in graph.View]


@pytest.mark.parametrize("view", [v.value for v in ViewChoice])
def test_viz_writes_html_and_png_for_every_view(png_size, fixture_store_path: Path, tmp_path: Path, view: str
                                                ) -> None:
    html = tmp_path / f"{view}.html"
    res = _run(fixture_store_path, "--view", view, "--out", str(html))
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    png = tmp_path / f"{view}.png"
    res = _run(fixture_store_path, "--view", view, "--out", str(png), "--width", "640", "--height", "480")
    assert res.exit_code == 0, res.output
    assert png_size(png) == (640, 480)


def test_root_limits_the_tree(fixture_store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.html"
    res = _run(fixture_store_path, "--view", "subsidiaries", "--root", "Northwind Cloud", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "(2 nodes, 1 edges)" in res.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--root", "Nowhere Inc", "--out", "x.html"], 4, "nothing named 'Nowhere Inc'"),
        (["--out", "x.svg"], 2, ".html or .png"),
        (["--view", "galaxies", "--out", "x.html"], 2, "galaxies"),
        (["--out", "x.png", "--width", "5"], 2, "--width"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(fixture_store_path: Path, tmp_path: Path, args: list[str],
                                                   code: int, message: str) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    res = _run(fixture_store_path, *args)
    assert res.exit_code == code
    assert message in res.output
    assert list(tmp_path.iterdir()) == []


def test_missing_store_is_an_error(tmp_path: Path) -> None:
    res = _run(tmp_path / "no-store", "--out", str(tmp_path / "x.html"))
    assert res.exit_code == 3
    assert "no store" in res.output
    assert not (tmp_path / "no-store").exists()


def test_empty_view_still_writes_a_page(tmp_path: Path) -> None:
    from kg.store import LocalStore

    LocalStore(tmp_path / "store").close()
    res = _run(tmp_path / "store", "--view", "programs", "--out", str(tmp_path / "p.html"))
    assert res.exit_code == 0
    assert "empty" in res.output and (tmp_path / "p.html").exists()
