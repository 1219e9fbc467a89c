"""Fixtures for the pure outcome-measures tests (no database)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sotclinic.measures.instruments import DATA_DIR
from tests.textedit import replace_once


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
        replace_once(data_copy / name, old, new)
        return data_copy

    return _edit
