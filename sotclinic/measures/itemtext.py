"""Licensed item text, loaded from a clinic's own file and checked against the instrument's structure.

sotclinic never ships the text of a licensed questionnaire.  A clinic that holds a licence writes the text, and
the wording of the answer options, into one TOML file per instrument::

    instrument = "pss10"
    version = "10-item"               # must equal the instrument version sotclinic scores
    licence = "Licence no. 1234 from the author"       # required unless the instrument ships its own text
    language = "en-GB"                # optional
    title = "Perceived Stress Scale"  # optional
    instructions = "..."              # optional

    # The wording of a response set's options, once for every item that uses the set (the set names are the
    # instrument's own: see [responses.*] in sotclinic/data/measures/<code>.toml).  One text per option, in
    # value order.
    [responses.default]
    options = ["...", "...", "...", "...", "..."]
    # for a numeric scale instead: anchors = ["low end", "high end"]   (optional)

    [items.q1]
    text = "..."
    # options = [...]                 # this item's own option wording, instead of its response set's
    # anchors = ["...", "..."]        # likewise for an item on a numeric scale

Where each item has its own statements (the ODI's ten sections of six), every item gives ``options``.

``load_item_text("odi", path)`` checks that the file names this instrument and version, gives text for exactly
its items q1 … qN (no extras), and for every item whose answers are listed options the wording of each option
(its own, or its response set's: one text per option, no more, no fewer, none empty or repeated, one line of
at most :data:`OPTION_MAX_CHARS` characters).  It returns a frozen :class:`ItemText` in which each entry carries
its resolved option wording, and the file's SHA-256 so every administration can record which text it showed.
The wording is for display only: the values, points and scoring stay the instrument's.

A refusal names the file, the instrument, the item or response set and the option::

    odi.toml: odi item 'q3' option 4 (value 3): must not be empty
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sotclinic import datafile
from sotclinic.datafile import At, as_table, check_keys, type_name
from sotclinic.measures.instruments import (
    Instrument,
    MeasuresDataError,
    ResponseSet,
    instrument,
)

__all__ = ["OPTION_MAX_CHARS", "ItemText", "ItemTextEntry", "ItemTextError", "load_item_text"]

#: the longest wording of one answer option or scale anchor, in characters
OPTION_MAX_CHARS = 300


class ItemTextError(MeasuresDataError):
    """An item-text file does not fit its instrument.  The message names the file, the entry and the reason."""


@dataclass(frozen=True)
class ItemTextEntry:
    text: str
    #: one text per response option, in the order of the option values: the item's own wording or its
    #: response set's ( () for a numeric scale)
    options: tuple[str, ...]
    #: the low and high anchors of a numeric scale (the item's own or its response set's), or ()
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


class _At(At):
    """Where a value comes from: file name + entry; its errors are ItemTextError."""

    __slots__ = ()
    error_class = ItemTextError


_TOP_KEYS = {"instrument", "version", "licence", "language", "title", "instructions", "responses", "items"}


def _string(table: Mapping[str, Any], key: str, at: _At, required: bool) -> str:
    if key not in table:
        if required:
            raise at.error(f"missing required key {key!r}")
        return ""
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise at.error(f"{key!r} must be a non-empty string")
    return value


def _wording(value: object, at: _At, earlier: Mapping[str, str]) -> str:
    """One option's (or anchor's) wording: a non-empty line of text, not too long, not a repeat."""
    if not isinstance(value, str):
        raise at.error(f"must be a text, got {type_name(value)}")
    if not value.strip():
        raise at.error("must not be empty")
    control = next((c for c in value if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise at.error(f"must be one line of text without control characters (it has U+{ord(control):04X})")
    if len(value) > OPTION_MAX_CHARS:
        raise at.error(f"is {len(value)} characters long: at most {OPTION_MAX_CHARS}")
    same = earlier.get(" ".join(value.split()).casefold())
    if same is not None:
        raise at.error(f"the same text as {same}")
    return value


def _texts(table: Mapping[str, Any], key: str, at: _At, places: list[str], describe: str) -> tuple[str, ...]:
    """``key``'s list of texts, one per place ("option 1 (value 0)", …); ``describe`` names the answers."""
    raw = table[key]
    if not isinstance(raw, list):
        raise at.error(f"{key!r} must be a list of {len(places)} texts, got {type_name(raw)}")
    if key == "anchors" and len(raw) != 2:
        raise at.error("'anchors' must be two texts: the low end and the high end")
    if len(raw) != len(places):
        raise at.error(f"{len(raw)} option texts for {len(places)} answers ({describe})")
    seen: dict[str, str] = {}
    texts: list[str] = []
    for place, value in zip(places, raw, strict=True):
        text = _wording(value, at.sub(place), seen)
        seen[" ".join(text.split()).casefold()] = place
        texts.append(text)
    return tuple(texts)


def _options(table: Mapping[str, Any], at: _At, responses: ResponseSet) -> tuple[str, ...]:
    places = [f"option {i} (value {o.value})" for i, o in enumerate(responses.options, 1)]
    return _texts(table, "options", at, places, responses.describe())


def _anchors(table: Mapping[str, Any], at: _At, responses: ResponseSet) -> tuple[str, ...]:
    places = [f"anchor 1 (value {responses.min})", f"anchor 2 (value {responses.max})"]
    return _texts(table, "anchors", at, places, "the low end and the high end")


def _set_wording(
    name: str, raw: object, inst: Instrument, sets: Mapping[str, ResponseSet], top: _At
) -> tuple[str, ...]:
    """The wording a file gives once for response set ``name``: its options, or a scale's two anchors."""
    if name not in sets:
        known = ", ".join(sets)
        raise top.sub(f"{inst.code} responses").error(
            f"{name!r} is not a response set of {inst.code} (response sets: {known})"
        )
    responses = sets[name]
    at = top.sub(f"{inst.code} responses {name!r}")
    table = as_table(raw, f"[responses.{name}]", at)
    check_keys(table, {"options", "anchors"}, at)
    if responses.options:
        if "anchors" in table:
            raise at.error("this response set has listed options: give 'options', not 'anchors'")
        if "options" not in table:
            raise at.error(f"missing 'options' ({len(responses.options)} texts, one per answer)")
        return _options(table, at, responses)
    if "options" in table:
        raise at.error("this response set is a numeric scale: give 'anchors' (low, high), not 'options'")
    if "anchors" not in table:
        raise at.error("missing 'anchors' (the low end and the high end)")
    return _anchors(table, at, responses)


def load_item_text(code: str | Instrument, path: str | Path) -> ItemText:
    """Read ``path`` and validate it against instrument ``code``; ItemTextError naming what does not fit."""
    inst = code if isinstance(code, Instrument) else instrument(code)
    path = Path(path)
    top = _At(str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise top.error(f"cannot read the file: {exc.strerror or exc}") from None
    doc = datafile.parse_toml(data, top, allow_bom=True)

    check_keys(doc, _TOP_KEYS, top)
    named = _string(doc, "instrument", top, True)
    if named != inst.code:
        raise top.error(f"the file is for {named!r}, not {inst.code!r}")
    version = _string(doc, "version", top, True)
    if version != inst.version:
        raise top.error(f"version {version!r} differs from the version sotclinic scores ({inst.version!r})")
    licence = _string(doc, "licence", top, not inst.ship_text)

    sets = {item.responses.code: item.responses for item in inst.items.values()}
    set_wording = {
        name: _set_wording(name, raw, inst, sets, top)
        for name, raw in as_table(doc.get("responses", {}), "[responses]", top).items()
    }

    raw_items = doc.get("items")
    if not isinstance(raw_items, dict):
        raise top.error("missing [items.q1] … tables")
    extra = [c for c in raw_items if c not in inst.items]
    if extra:
        verb = "is not an item" if len(extra) == 1 else "are not items"
        raise top.error(f"{', '.join(map(repr, extra))} {verb} of {inst.code} (items: q1–q{len(inst.items)})")
    absent = [c for c in inst.items if c not in raw_items]
    if absent:
        raise top.error(f"no text for {', '.join(absent)}")

    entries: dict[str, ItemTextEntry] = {}
    for item_code, item in inst.items.items():
        at = top.sub(f"{inst.code} item {item_code!r}")
        table = raw_items[item_code]
        if not isinstance(table, dict):
            raise at.error("must be a table with 'text'")
        check_keys(table, {"text", "options", "anchors"}, at)
        responses = item.responses
        options: tuple[str, ...] = ()
        anchors: tuple[str, ...] = ()
        if responses.options:
            if "anchors" in table:
                raise at.error("this item has listed options: give 'options', not 'anchors'")
            if "options" in table:
                options = _options(table, at, responses)
            elif responses.code in set_wording:
                options = set_wording[responses.code]
            else:
                raise at.error(
                    f"missing 'options' ({len(responses.options)} texts, one per answer), here or once "
                    f"for every item of its response set under [responses.{responses.code}]"
                )
        else:
            if "options" in table:
                raise at.error("this item is a numeric scale: give 'anchors' (low, high), not 'options'")
            own = "anchors" in table
            anchors = _anchors(table, at, responses) if own else set_wording.get(responses.code, ())
        entries[item_code] = ItemTextEntry(
            text=_string(table, "text", at, True), options=options, anchors=anchors
        )

    return ItemText(
        instrument=inst.code,
        version=version,
        licence=licence,
        language=_string(doc, "language", top, False),
        title=_string(doc, "title", top, False),
        instructions=_string(doc, "instructions", top, False),
        items=entries,
        sha256=hashlib.sha256(data).hexdigest(),
        file=str(path),
    )
