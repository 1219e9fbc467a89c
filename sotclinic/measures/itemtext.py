"""Licensed item text, loaded from a clinic's own file and checked against the instrument's structure.

sotclinic never ships the text of a licensed questionnaire.  A clinic that holds a licence writes the text into
one TOML file per instrument::

    instrument = "odi"
    version = "2.1a"                  # must equal the instrument version sotclinic scores
    licence = "Mapi Research Trust licence no. 1234"   # required unless the instrument ships its own text
    language = "en-GB"                # optional
    title = "Oswestry Disability Index"                # optional
    instructions = "..."              # optional

    [items.q1]
    text = "Pain intensity"
    options = ["...", "...", "...", "...", "...", "..."]   # one per response option, in value order
    # for a numeric scale instead: anchors = ["no pain", "worst pain imaginable"]   (optional)

``load_item_text("odi", path)`` checks that the file names this instrument and version, gives text for exactly
its items q1 … qN (no extras), and one option text per response option, then returns a frozen
:class:`ItemText` carrying the file's SHA-256 so every administration can record which text it showed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sotclinic.measures.instruments import (
    Instrument,
    MeasuresDataError,
    instrument,
    parse_toml,
)

__all__ = ["ItemText", "ItemTextError", "ItemTextEntry", "load_item_text"]


class ItemTextError(MeasuresDataError):
    """An item-text file does not fit its instrument.  The message names the file, the entry and the reason."""


@dataclass(frozen=True)
class ItemTextEntry:
    text: str
    #: one text per response option, in the order of the option values ( () for a numeric scale)
    options: tuple[str, ...]
    #: the low and high anchors of a numeric scale, or ()
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class ItemText:
    instrument: str
    version: str
    licence: str
    language: str
    title: str
    instructions: str
    #: item code -> its text, in q1 … qN order
    items: Mapping[str, ItemTextEntry]
    #: the SHA-256 of the file, to record with every administration that showed this text
    sha256: str
    file: str


def _fail(src: str, entry: str | None, reason: str) -> ItemTextError:
    return ItemTextError(f"{src}: {entry}: {reason}" if entry else f"{src}: {reason}")


def _string(table: Mapping[str, Any], key: str, src: str, entry: str | None, required: bool) -> str:
    if key not in table:
        if required:
            raise _fail(src, entry, f"missing required key {key!r}")
        return ""
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _fail(src, entry, f"{key!r} must be a non-empty string")
    return value


def _texts(table: Mapping[str, Any], key: str, src: str, entry: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(src, entry, f"{key!r} must be a list of non-empty strings")
    return tuple(value)


def load_item_text(code: str | Instrument, path: str | Path) -> ItemText:
    """Read ``path`` and validate it against instrument ``code``; ItemTextError naming what does not fit."""
    inst = code if isinstance(code, Instrument) else instrument(code)
    path = Path(path)
    src = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ItemTextError(f"{src}: cannot read the file: {exc.strerror or exc}") from None
    try:
        doc = parse_toml(data, src)
    except MeasuresDataError as exc:
        raise ItemTextError(str(exc)) from None

    unknown = sorted(
        set(doc) - {"instrument", "version", "licence", "language", "title", "instructions", "items"}
    )
    if unknown:
        raise _fail(src, None, f"unknown key {unknown[0]!r}")
    named = _string(doc, "instrument", src, None, True)
    if named != inst.code:
        raise _fail(src, None, f"the file is for {named!r}, not {inst.code!r}")
    version = _string(doc, "version", src, None, True)
    if version != inst.version:
        raise _fail(
            src, None, f"version {version!r} differs from the version sotclinic scores ({inst.version!r})"
        )
    licence = _string(doc, "licence", src, None, not inst.ship_text)

    raw_items = doc.get("items")
    if not isinstance(raw_items, dict):
        raise _fail(src, None, "missing [items.q1] … tables")
    extra = [c for c in raw_items if c not in inst.items]
    if extra:
        verb = "is not an item" if len(extra) == 1 else "are not items"
        raise _fail(
            src, None, f"{', '.join(map(repr, extra))} {verb} of {inst.code} (items: q1–q{len(inst.items)})"
        )
    absent = [c for c in inst.items if c not in raw_items]
    if absent:
        raise _fail(src, None, f"no text for {', '.join(absent)}")

    entries: dict[str, ItemTextEntry] = {}
    for item_code, item in inst.items.items():
        entry = f"item {item_code!r}"
        table = raw_items[item_code]
        if not isinstance(table, dict):
            raise _fail(src, entry, "must be a table with 'text'")
        bad = sorted(set(table) - {"text", "options", "anchors"})
        if bad:
            raise _fail(src, entry, f"unknown key {bad[0]!r}")
        responses = item.responses
        options: tuple[str, ...] = ()
        anchors: tuple[str, ...] = ()
        if responses.options:
            if "anchors" in table:
                raise _fail(src, entry, "this item has listed options: give 'options', not 'anchors'")
            if "options" not in table:
                raise _fail(src, entry, f"missing 'options' ({len(responses.options)} texts, one per answer)")
            options = _texts(table, "options", src, entry)
            if len(options) != len(responses.options):
                raise _fail(
                    src,
                    entry,
                    f"{len(options)} option texts for {len(responses.options)} answers "
                    f"({responses.describe()})",
                )
        else:
            if "options" in table:
                raise _fail(
                    src, entry, "this item is a numeric scale: give 'anchors' (low, high), not 'options'"
                )
            if "anchors" in table:
                anchors = _texts(table, "anchors", src, entry)
                if len(anchors) != 2:
                    raise _fail(src, entry, "'anchors' must be two texts: the low end and the high end")
        entries[item_code] = ItemTextEntry(
            text=_string(table, "text", src, entry, True), options=options, anchors=anchors
        )

    return ItemText(
        instrument=inst.code,
        version=version,
        licence=licence,
        language=_string(doc, "language", src, None, False),
        title=_string(doc, "title", src, None, False),
        instructions=_string(doc, "instructions", src, None, False),
        items=entries,
        sha256=hashlib.sha256(data).hexdigest(),
        file=src,
    )
