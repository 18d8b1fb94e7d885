"""Fixtures for every test folder: where ``../shared`` is, and how a test that needs it behaves without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = (Path(__file__).resolve().parents[1] / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared():
    """A function ``shared(relative)`` -> the path under ``../shared``; skips with the reason when it is missing,
    and fails instead under ``CI=true`` (CI has the shared folder, so a missing one is a broken checkout)."""

    def need(relative: str = "") -> Path:
        p = SHARED / relative
        if not p.exists():
            msg = f"needs {p} (the read-only ../shared folder beside the repository)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(msg + "; CI=true requires it")
            pytest.skip(msg)
        return p

    return need
