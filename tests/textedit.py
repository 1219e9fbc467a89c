"""Breaking a copied data file one way at a time (the knowledge-base, instrument and red-flag loader tests)."""

from __future__ import annotations

from pathlib import Path


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in the file; a test whose ``old`` is missing or repeated is wrong."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
