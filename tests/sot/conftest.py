"""Fixtures for the pure SOT package tests (no database)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sotclinic.sot import KnowledgeBase, default_kb, load_kb
from sotclinic.sot.kb import DATA_DIR
from tests.textedit import replace_once


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_kb()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the knowledge files, for breaking them one way at a time."""
    target = tmp_path / "sot"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def edit(data_copy: Path) -> Callable[[str, str, str], Path]:
    """edit(file, old, new): replace exactly one occurrence of ``old`` in a copied knowledge file."""

    def _edit(name: str, old: str, new: str) -> Path:
        replace_once(data_copy / name, old, new)
        return data_copy

    return _edit


@pytest.fixture
def override_file(tmp_path: Path) -> Callable[[str], Path]:
    """override_file(text): write an override TOML file and return its path."""

    def _write(text: str, name: str = "override.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def fresh_default_kb() -> Iterator[None]:
    """Clear default_kb's cache before and after the test (the test may change $SOTCLINIC_KB_OVERRIDE)."""
    default_kb.cache_clear()
    yield
    default_kb.cache_clear()
