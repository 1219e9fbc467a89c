"""Fixtures for the pure outcome-measures tests (no database)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sotclinic.measures.instruments import DATA_DIR


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the instrument files, for breaking them one way at a time."""
    target = tmp_path / "measures"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def edit(data_copy: Path) -> Callable[[str, str, str], Path]:
    """edit(file, old, new): replace exactly one occurrence of ``old`` in a copied instrument file."""

    def _edit(name: str, old: str, new: str) -> Path:
        path = data_copy / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return data_copy

    return _edit
