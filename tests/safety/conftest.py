"""Fixtures for the pure red-flag package tests (no database)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sotclinic.safety import RedFlagRules, load_rules
from sotclinic.safety.rules import DATA_FILE
from tests.textedit import replace_once


@pytest.fixture(scope="session")
def rules() -> RedFlagRules:
    return load_rules()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of red_flags.toml, for breaking it one way at a time."""
    target = tmp_path / "red_flags.toml"
    shutil.copyfile(DATA_FILE, target)
    return target


@pytest.fixture
def edit(rules_copy: Path) -> Callable[[str, str], Path]:
    """edit(old, new): replace exactly one occurrence of ``old`` in the copied rules file."""

    def _edit(old: str, new: str) -> Path:
        replace_once(rules_copy, old, new)
        return rules_copy

    return _edit


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """The pure package needs no Django settings: override tests/conftest.py's autouse fixture with a no-op."""
