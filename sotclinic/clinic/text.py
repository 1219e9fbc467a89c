"""Checks for free text that does not come through a Django form field (the visit page's own parsing, the API)."""

from __future__ import annotations

from typing import Any


def text_problem(value: str, *, max_length: int) -> str | None:
    """Why this text cannot be stored, in words, or None when it can."""
    if "\x00" in value:
        return "contains a NUL character, which cannot be stored"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a character that is not valid Unicode text"
    if len(value) > max_length:
        return f"must be at most {max_length} characters (it has {len(value)})"
    return None


def strings_in(value: Any) -> list[str]:
    """Every string inside a JSON-like value (dict keys and values, list items)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings_in(item)]
    return []
