"""Locates the data files that ship with kg: ``ontology/``, ``queries/`` and ``seeds/``.

From a checkout or an editable install they are the top-level folders of the repository; from a wheel they are
``kg/_data/<name>`` (put there by hatchling ``force-include``). Both are found the same way, so code never
hard-codes a path.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder holding the shipped data called ``name`` (``ontology``, ``queries`` or ``seeds``).

    >>> data_dir("queries").name
    'queries'
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kg data folder {name!r} is missing from this installation")


def ontology_file(name: str = "kg.ttl") -> Path:
    """Path of a Turtle file under ``ontology/`` (``kg.ttl`` or ``shapes.ttl``)."""
    return data_dir("ontology") / name


def queries_dir() -> Path:
    """Folder of the canned ``.rq`` queries."""
    return data_dir("queries")


def seeds_dir() -> Path:
    """Folder of the demo input."""
    return data_dir("seeds")
