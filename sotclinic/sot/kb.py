"""The SOT knowledge base: indicators, categories, protocols and maps, read from versioned TOML files.

Pure Python (stdlib ``tomllib`` only, no Django).  ``load_kb()`` reads the files in ``sotclinic/data/sot/``,
validates every entry and returns one frozen :class:`KnowledgeBase`.  A clinic may apply one *override file*
(TOML) on top; the resulting version is ``"2026.1+<name>.<sha256[:8]>"`` so every stored assessment can say
exactly which knowledge produced it.

Override file format (every table is optional except ``name``)::

    name = "clinic-a"                 # letters, digits, '-', '_' or '.'
    base_version = "2026.1"           # optional; when given it must equal the base version

    [rule]                            # replace rule numbers
    support_score = 2
    lead = 2

    [[groups]]                        # new display groups
    code = "extra"
    title = "Extra indicators"

    [[indicators]]                    # new indicators, same schema as indicators.toml (group required)
    code = "psoas_balance"
    ...

    [indicator_changes.arm_fossa]     # replace fields of an existing indicator
    weights = { cat2 = "P" }          # (weights replace the whole table)

    [protocols.cat2]                  # replace fields of a default protocol
    duration_s = 180

    [[cmrt]]                          # extra CMRT level -> organ pairs from the clinic's SOT charts
    [[occipital_fibres]]              # extra occipital-fibre line/area links
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sotclinic.datafile import (
    CODE,
    At,
    as_table,
    as_tables,
    check_keys,
    get_bool,
    get_code,
    get_int,
    get_number,
    get_optional_number,
    get_str,
    get_strs,
    get_text,
    parse_toml,
    read_toml,
)

__all__ = [
    "AREAS",
    "BASE_VERSION",
    "DATA_DIR",
    "LANDMARKS",
    "LEVELS",
    "LINES",
    "POSITIONS",
    "ROLES",
    "BlockTemplate",
    "Category",
    "CmrtReflex",
    "FibreLink",
    "Indicator",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "ProtocolTemplate",
    "ProtocolVariant",
    "ValueSpec",
    "default_kb",
    "load_kb",
]

BASE_VERSION = "2026.1"
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "sot"

#: vertebral levels a finding may name, in spinal order
LEVELS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    "S",
)
LINES: tuple[int, ...] = (1, 2, 3)
AREAS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
LANDMARKS: tuple[str, ...] = ("trochanter", "asis", "ilium")
POSITIONS: tuple[str, ...] = ("prone", "supine")
SIDE_VALUES: tuple[str, ...] = ("left", "right", "bilateral", "even")
#: weight roles: P primary, S supporting, A against
ROLES: tuple[str, ...] = ("P", "S", "A")
#: letters that are never shortcuts: on the visit page they set the side (left, right, bilateral, even)
RESERVED_SHORTCUTS: frozenset[str] = frozenset("lrbe")

_OVERRIDE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


class KnowledgeBaseError(ValueError):
    """A knowledge file is malformed.  The message names the file, the entry and the reason."""


# --------------------------------------------------------------------------------------------------------
# the dataclasses


@dataclass(frozen=True)
class ValueSpec:
    """The number an indicator records: its unit, allowed range and (optionally) positivity threshold.

    A measurement given without a ``result`` is positive when ``value > threshold``.
    """

    unit: str
    min: float
    max: float
    threshold: float | None = None


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    how: str
    group: str
    has_result: bool
    #: allowed side values; empty = the finding has no side
    sides: tuple[str, ...]
    #: what the side means, e.g. "short side", "side of lean"
    side_meaning: str
    value: ValueSpec | None
    has_level: bool
    #: True when the finding records a fibre line and/or area (see has_line / has_area)
    has_line_area: bool
    has_organ: bool
    #: category code -> weight (+2 primary, +1 supporting, -2 against); only non-zero weights
    weights: Mapping[str, int]
    #: one key for keyboard entry, unique across the catalogue ("" = none; only possible in an override)
    shortcut: str
    recorded_only_note: str | None = None
    #: category code -> role letter ("P", "S" or "A"), same keys as ``weights``
    roles: Mapping[str, str] | None = None
    has_line: bool = False
    has_area: bool = False
    #: may appear many times in one set of findings (fibres, CMRT), told apart by line/area/side/level/organ
    multiple: bool = False

    def role(self, category: str) -> str | None:
        return (self.roles or {}).get(category)

    def is_primary(self, category: str) -> bool:
        return self.role(category) == "P"


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    description: str
    #: the visual / key signs in a few words
    signs: str


@dataclass(frozen=True)
class BlockTemplate:
    """A block of a default protocol, placed relative to the short leg (``leg`` = "short" or "long")."""

    landmark: str
    leg: str
    angle_deg: int
    orientation: str
    order: int


@dataclass(frozen=True)
class ProtocolTemplate:
    category: str
    position: str
    verified: bool
    #: leg checks that may give the short side, in priority order; "short_leg" means the assessment's rule
    short_side_from: tuple[str, ...]
    #: the finding named as missing when no short side is known
    needs: str
    blocks: tuple[BlockTemplate, ...]
    duration_s: int
    duration_note: str
    breathing: str
    before: tuple[str, ...]
    during: tuple[str, ...]
    contacts: tuple[str, ...]
    recheck: tuple[str, ...]
    adjuncts: tuple[str, ...]
    stop_criteria: tuple[str, ...]
    notes: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class ProtocolVariant:
    code: str
    name: str
    #: data the practitioner must record before blocking (e.g. "pregnancy_week")
    requires: tuple[str, ...]
    steps_before: tuple[str, ...]
    notes: tuple[str, ...]
    #: extra equipment and notes that apply only when the protocol is prone
    prone_equipment: tuple[str, ...]
    prone_notes: tuple[str, ...]


@dataclass(frozen=True)
class CmrtReflex:
    level: str
    organ: str
    variant: str | None
    source: str


@dataclass(frozen=True)
class FibreLink:
    line: int
    area: int
    level: str | None
    organ: str
    source: str


@dataclass(frozen=True)
class KnowledgeBase:
    version: str
    #: code -> Indicator, in catalogue order
    indicators: Mapping[str, Indicator]
    #: (group code, display title, indicator codes) in display order
    groups: tuple[tuple[str, str, tuple[str, ...]], ...]
    #: code -> Category, in order (cat1, cat2, cat3)
    categories: Mapping[str, Category]
    #: category code -> default protocol
    protocols: Mapping[str, ProtocolTemplate]
    #: vertebral level -> CMRT reflexes at that level (spinal order)
    cmrt_map: Mapping[str, tuple[CmrtReflex, ...]]
    #: (occipital line, area) -> fibre links
    fibre_map: Mapping[tuple[int, int], tuple[FibreLink, ...]]
    #: the rule numbers: {"support_score": 2, "lead": 2}
    thresholds: Mapping[str, int]
    #: role letter -> weight: {"P": 2, "S": 1, "A": -2}
    role_weights: Mapping[str, int]
    #: variant code -> protocol variant ("standard", "pregnancy")
    variants: Mapping[str, ProtocolVariant]
    #: the override file's name, or None for the base knowledge
    override: str | None = None

    def indicators_for(self, category: str, *roles: str) -> tuple[str, ...]:
        """Indicator codes (catalogue order) with one of ``roles`` for ``category`` (any role if none)."""
        wanted = roles or ROLES
        return tuple(code for code, ind in self.indicators.items() if ind.role(category) in wanted)

    def by_shortcut(self, key: str) -> Indicator | None:
        for ind in self.indicators.values():
            if ind.shortcut and ind.shortcut == key:
                return ind
        return None


# --------------------------------------------------------------------------------------------------------
# validation helpers


class _Entry(At):
    """Where a value comes from: file name + entry; its errors are KnowledgeBaseError."""

    __slots__ = ()
    error_class = KnowledgeBaseError


def _level(value: object, at: _Entry) -> str:
    if not isinstance(value, str) or value not in LEVELS:
        raise at.error(f"level {value!r} is not a vertebral level (C1–C7, T1–T12, L1–L5, S)")
    return value


def _check_version(doc: Mapping[str, Any], src: str) -> None:
    at = _Entry(src)
    version = get_str(doc, "version", at)
    if version != BASE_VERSION:
        raise at.error(f"version {version!r} differs from the knowledge version {BASE_VERSION!r}")


# --------------------------------------------------------------------------------------------------------
# building the parts


_INDICATOR_KEYS = {
    "code",
    "name",
    "how",
    "group",
    "has_result",
    "sides",
    "side_meaning",
    "value",
    "has_level",
    "has_line",
    "has_area",
    "has_organ",
    "weights",
    "shortcut",
    "recorded_only_note",
    "multiple",
}
#: fields an override may replace on an existing indicator
_INDICATOR_CHANGE_KEYS = {
    "name",
    "how",
    "side_meaning",
    "value",
    "weights",
    "shortcut",
    "recorded_only_note",
    "sides",
}


def _value_spec(raw: object, at: _Entry) -> ValueSpec:
    at = at.sub("value")
    table = as_table(raw, "value", at)
    check_keys(table, {"unit", "min", "max", "threshold"}, at)
    unit = get_text(table, "unit", at)
    lo = get_number(table, "min", at, to_float=True)
    hi = get_number(table, "max", at, to_float=True)
    threshold = get_optional_number(table, "threshold", at, to_float=True)
    if not lo < hi:
        raise at.error(f"min {lo:g} must be less than max {hi:g}")
    if threshold is not None and not lo <= threshold <= hi:
        raise at.error(f"threshold {threshold:g} is outside {lo:g}–{hi:g}")
    return ValueSpec(unit=unit, min=lo, max=hi, threshold=threshold)


def _weights(
    raw: object, categories: Mapping[str, Category], roles: Mapping[str, int], at: _Entry
) -> dict[str, str]:
    table = as_table(raw, "weights", at)
    out: dict[str, str] = {}
    for cat, role in table.items():
        if cat not in categories:
            raise at.error(f"weight for unknown category {cat!r}")
        if not isinstance(role, str) or role not in roles:
            raise at.error(f"weight {role!r} for category {cat!r} must be one of {', '.join(roles)}")
        out[cat] = role
    return out


def _indicator(
    raw: Mapping[str, Any],
    categories: Mapping[str, Category],
    role_weights: Mapping[str, int],
    at: _Entry,
) -> Indicator:
    code = get_code(raw, "code", at)
    at = _Entry(at.src, f"indicator {code!r}")
    check_keys(raw, _INDICATOR_KEYS, at)
    name = get_text(raw, "name", at)
    how = get_str(raw, "how", at)
    group = get_code(raw, "group", at)
    has_result = get_bool(raw, "has_result", at)
    sides = get_strs(raw, "sides", at, ())
    for side in sides:
        if side not in SIDE_VALUES:
            raise at.error(f"side {side!r} is not one of {', '.join(SIDE_VALUES)}")
    if len(set(sides)) != len(sides):
        raise at.error("sides are listed twice")
    side_meaning = get_str(raw, "side_meaning", at, "")
    if sides and not side_meaning.strip():
        raise at.error("'side_meaning' is required when sides are recorded")
    value = _value_spec(raw["value"], at) if "value" in raw else None
    has_level = get_bool(raw, "has_level", at, False)
    has_line = get_bool(raw, "has_line", at, False)
    has_area = get_bool(raw, "has_area", at, False)
    has_organ = get_bool(raw, "has_organ", at, False)
    multiple = get_bool(raw, "multiple", at, False)
    roles = _weights(raw.get("weights", {}), categories, role_weights, at)
    shortcut = get_str(raw, "shortcut", at, "")
    bad_key = len(shortcut) != 1 or not "a" <= shortcut <= "z" or shortcut in RESERVED_SHORTCUTS
    if shortcut and bad_key:
        raise at.error(
            f"shortcut {shortcut!r} must be one lowercase letter other than l, r, b and e (side keys)"
        )
    note = raw.get("recorded_only_note")
    if note is not None and (not isinstance(note, str) or not note.strip()):
        raise at.error("'recorded_only_note' must be a non-empty string")
    if roles and not has_result and (value is None or value.threshold is None):
        raise at.error("weights need a result or a value threshold to count")
    if roles and multiple:
        raise at.error("an indicator that may appear many times cannot carry weights")
    if not (has_result or value or sides or has_level or has_line or has_area or has_organ):
        raise at.error("records nothing (no result, side, value, level, line, area or organ)")
    return Indicator(
        code=code,
        name=name,
        how=how,
        group=group,
        has_result=has_result,
        sides=sides,
        side_meaning=side_meaning,
        value=value,
        has_level=has_level,
        has_line_area=has_line or has_area,
        has_organ=has_organ,
        weights={cat: role_weights[role] for cat, role in roles.items() if role_weights[role] != 0},
        shortcut=shortcut,
        recorded_only_note=note,
        roles=roles,
        has_line=has_line,
        has_area=has_area,
        multiple=multiple,
    )


def _categories(
    doc: Mapping[str, Any], src: str
) -> tuple[dict[str, Category], dict[str, int], dict[str, int]]:
    at = _Entry(src)
    check_keys(doc, {"version", "rule", "weights", "categories"}, at)
    rule_at = at.sub("rule")
    rule = as_table(doc.get("rule"), "[rule]", rule_at) if "rule" in doc else {}
    thresholds = _rule(rule, {"support_score": None, "lead": None}, rule_at)

    w_at = at.sub("weights")
    wtable = as_table(doc.get("weights"), "[weights]", w_at) if "weights" in doc else {}
    check_keys(wtable, set(ROLES), w_at)
    role_weights: dict[str, int] = {}
    for role in ROLES:
        role_weights[role] = get_int(wtable, role, w_at, between=(-10, 10))
    if not role_weights["P"] > 0 or not role_weights["S"] > 0 or not role_weights["A"] < 0:
        raise w_at.error("P and S must be positive and A negative")

    categories: dict[str, Category] = {}
    for i, raw in enumerate(as_tables(doc.get("categories", []), "categories", at), 1):
        c_at = at.sub(f"category {i}")
        code = get_code(raw, "code", c_at)
        c_at = _Entry(src, f"category {code!r}")
        check_keys(raw, {"code", "name", "description", "signs"}, c_at)
        if code in categories:
            raise c_at.error("duplicate category code")
        categories[code] = Category(
            code=code, name=get_text(raw, "name", c_at), description=get_str(raw, "description", c_at, ""),
            signs=get_str(raw, "signs", c_at, ""),
        )  # fmt: skip
    if not categories:
        raise at.error("no categories defined")
    return categories, thresholds, role_weights


def _rule(table: Mapping[str, Any], base: Mapping[str, int | None], at: _Entry) -> dict[str, int]:
    check_keys(table, {"support_score", "lead"}, at)
    out: dict[str, int] = {}
    for key, default in base.items():
        out[key] = get_int(table, key, at, default, between=(1, 100))
    return out


_PROTOCOL_KEYS = {
    "position",
    "verified",
    "short_side_from",
    "needs",
    "blocks",
    "duration_s",
    "duration_note",
    "breathing",
    "before",
    "during",
    "contacts",
    "recheck",
    "adjuncts",
    "stop_criteria",
    "notes",
    "source",
}


def _protocol(
    category: str,
    fields: Mapping[str, tuple[str, Any]],
    indicators: Mapping[str, Indicator],
) -> ProtocolTemplate:
    """Build a protocol from ``fields`` (key -> (source file, raw value)); each error names its own file."""

    def at(key: str) -> _Entry:
        src = fields[key][0] if key in fields else next(iter(fields.values()))[0]
        return _Entry(src, f"protocol {category!r}")

    def table_of(key: str) -> dict[str, Any]:
        return {key: fields[key][1]} if key in fields else {}

    def leg_check(code: str, key: str) -> str:
        ind = indicators.get(code)
        if ind is None:
            raise at(key).error(f"{key} names {code!r}, which is not in the catalogue")
        if not {"left", "right"} <= set(ind.sides):
            raise at(key).error(f"{key} names {code!r}, which records no left/right side")
        return code

    position = get_str(table_of("position"), "position", at("position"))
    if position not in POSITIONS:
        raise at("position").error(f"position {position!r} must be prone or supine")
    verified = get_bool(table_of("verified"), "verified", at("verified"))
    short_side_from = get_strs(table_of("short_side_from"), "short_side_from", at("short_side_from"))
    if not short_side_from:
        raise at("short_side_from").error("'short_side_from' must name at least one leg check")
    for code in short_side_from:
        leg_check(code, "short_side_from")
    needs = leg_check(get_str(table_of("needs"), "needs", at("needs")), "needs")

    blocks: list[BlockTemplate] = []
    b_at = at("blocks")
    raw_blocks = as_tables(fields["blocks"][1], "blocks", b_at) if "blocks" in fields else []
    for i, raw in enumerate(raw_blocks, 1):
        bat = b_at.sub(f"block {i}")
        check_keys(raw, {"landmark", "leg", "angle_deg", "orientation", "order"}, bat)
        landmark = get_str(raw, "landmark", bat)
        if landmark not in LANDMARKS:
            raise bat.error(f"landmark {landmark!r} is not one of {', '.join(LANDMARKS)}")
        leg = get_str(raw, "leg", bat)
        if leg not in ("short", "long"):
            raise bat.error(f"leg {leg!r} must be short or long")
        blocks.append(
            BlockTemplate(
                landmark=landmark,
                leg=leg,
                angle_deg=get_int(raw, "angle_deg", bat, between=(0, 90)),
                orientation=get_text(raw, "orientation", bat),
                order=get_int(raw, "order", bat, i, between=(1, 20)),
            )
        )
    orders = [b.order for b in blocks]
    if len(set(orders)) != len(orders):
        raise b_at.error("two blocks have the same order")
    blocks.sort(key=lambda b: b.order)

    recheck = get_strs(table_of("recheck"), "recheck", at("recheck"))
    for code in recheck:
        if code not in indicators:
            raise at("recheck").error(f"recheck names {code!r}, which is not in the catalogue")

    return ProtocolTemplate(
        category=category,
        position=position,
        verified=verified,
        short_side_from=short_side_from,
        needs=needs,
        blocks=tuple(blocks),
        duration_s=get_int(table_of("duration_s"), "duration_s", at("duration_s"), between=(1, 3600)),
        duration_note=get_str(table_of("duration_note"), "duration_note", at("duration_note"), ""),
        breathing=get_str(table_of("breathing"), "breathing", at("breathing"), ""),
        before=get_strs(table_of("before"), "before", at("before"), ()),
        during=get_strs(table_of("during"), "during", at("during"), ()),
        contacts=get_strs(table_of("contacts"), "contacts", at("contacts"), ()),
        recheck=recheck,
        adjuncts=get_strs(table_of("adjuncts"), "adjuncts", at("adjuncts"), ()),
        stop_criteria=get_strs(table_of("stop_criteria"), "stop_criteria", at("stop_criteria"), ()),
        notes=get_strs(table_of("notes"), "notes", at("notes"), ()),
        source=get_str(table_of("source"), "source", at("source"), ""),
    )


def _variant(code: str, raw: object, src: str) -> ProtocolVariant:
    at = _Entry(src, f"variant {code!r}")
    table = as_table(raw, "a variant", at)
    check_keys(table, {"name", "requires", "steps_before", "notes", "prone_equipment", "prone_notes"}, at)
    requires = get_strs(table, "requires", at, ())
    for item in requires:
        if not CODE.match(item):
            raise at.error(f"requires {item!r} is not a code")
    return ProtocolVariant(
        code=code,
        name=get_text(table, "name", at),
        requires=requires,
        steps_before=get_strs(table, "steps_before", at, ()),
        notes=get_strs(table, "notes", at, ()),
        prone_equipment=get_strs(table, "prone_equipment", at, ()),
        prone_notes=get_strs(table, "prone_notes", at, ()),
    )


def _cmrt(raw: Mapping[str, Any], at: _Entry) -> CmrtReflex:
    check_keys(raw, {"level", "organ", "variant", "source"}, at)
    variant = raw.get("variant")
    if variant is not None and (not isinstance(variant, str) or not variant.strip()):
        raise at.error("'variant' must be a non-empty string")
    return CmrtReflex(
        level=_level(get_str(raw, "level", at), at),
        organ=get_text(raw, "organ", at),
        variant=variant,
        source=get_str(raw, "source", at, ""),
    )


def _fibre(raw: Mapping[str, Any], at: _Entry) -> FibreLink:
    check_keys(raw, {"line", "area", "level", "organ", "source"}, at)
    level = _level(raw["level"], at) if "level" in raw else None
    return FibreLink(
        line=get_int(raw, "line", at, between=(1, 3)),
        area=get_int(raw, "area", at, between=(1, 7)),
        level=level,
        organ=get_text(raw, "organ", at),
        source=get_str(raw, "source", at, ""),
    )


# --------------------------------------------------------------------------------------------------------
# loading


_OVERRIDE_KEYS = {
    "name",
    "base_version",
    "rule",
    "groups",
    "indicators",
    "indicator_changes",
    "protocols",
    "cmrt",
    "occipital_fibres",
}


def load_kb(override_path: str | Path | None = None, *, data_dir: str | Path | None = None) -> KnowledgeBase:
    """Read and validate the knowledge files, then apply ``override_path`` (a TOML file) if given.

    ``data_dir`` replaces the built-in ``sotclinic/data/sot`` directory (for tests and tools).
    Raises KnowledgeBaseError naming the file, the entry and the reason.
    """
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    docs = {name: read_toml(directory / name, _Entry(name)) for name in _FILES}
    for name, doc in docs.items():
        _check_version(doc, name)

    override: dict[str, Any] = {}
    osrc = ""
    version = BASE_VERSION
    override_name: str | None = None
    if override_path is not None and str(override_path) != "":
        osrc = str(override_path)
        try:
            data = Path(override_path).read_bytes()
        except OSError as exc:
            raise KnowledgeBaseError(
                f"{osrc}: cannot read the override file: {exc.strerror or exc}"
            ) from None
        override = parse_toml(data, _Entry(osrc))
        oat = _Entry(osrc)
        check_keys(override, _OVERRIDE_KEYS, oat)
        override_name = get_str(override, "name", oat)
        if not _OVERRIDE_NAME.match(override_name):
            raise oat.error(f"name {override_name!r} must be letters, digits, '-', '_' or '.'")
        if "base_version" in override:
            base = get_str(override, "base_version", oat)
            if base != BASE_VERSION:
                raise oat.error(
                    f"base_version {base!r} does not match the knowledge version {BASE_VERSION!r}"
                )
        version = f"{BASE_VERSION}+{override_name}.{hashlib.sha256(data).hexdigest()[:8]}"

    # categories, rule and weights ------------------------------------------------------------------------
    categories, thresholds, role_weights = _categories(docs["categories.toml"], "categories.toml")
    if "rule" in override:
        rat = _Entry(osrc, "rule")
        thresholds = _rule(as_table(override["rule"], "[rule]", rat), thresholds, rat)

    # indicators and groups -------------------------------------------------------------------------------
    ind_doc = docs["indicators.toml"]
    check_keys(ind_doc, {"version", "groups", "indicators"}, _Entry("indicators.toml"))
    group_entries: list[tuple[str, dict[str, Any]]] = [
        ("indicators.toml", g)
        for g in as_tables(ind_doc.get("groups", []), "groups", _Entry("indicators.toml"))
    ]
    group_entries += [(osrc, g) for g in as_tables(override.get("groups", []), "groups", _Entry(osrc))]
    ind_entries: list[tuple[str, dict[str, Any]]] = [
        ("indicators.toml", r)
        for r in as_tables(ind_doc.get("indicators", []), "indicators", _Entry("indicators.toml"))
    ]
    ind_entries += [(osrc, r) for r in as_tables(override.get("indicators", []), "indicators", _Entry(osrc))]

    indicators: dict[str, Indicator] = {}
    origin: dict[str, str] = {}
    for i, (src, raw) in enumerate(ind_entries, 1):
        ind = _indicator(raw, categories, role_weights, _Entry(src, f"indicator {i}"))
        if ind.code in indicators:
            hint = f"; use [indicator_changes.{ind.code}] to change it" if src == osrc and osrc else ""
            raise _Entry(src, f"indicator {ind.code!r}").error(f"duplicate indicator code{hint}")
        indicators[ind.code] = ind
        origin[ind.code] = src

    changes = as_table(override.get("indicator_changes", {}), "[indicator_changes]", _Entry(osrc))
    for code, change in changes.items():
        cat_ = _Entry(osrc, f"indicator_changes {code!r}")
        if code not in indicators:
            raise cat_.error(f"indicator {code!r} is not in the catalogue")
        fields = as_table(change, f"[indicator_changes.{code}]", cat_)
        check_keys(fields, _INDICATOR_CHANGE_KEYS, cat_)
        raw = _indicator_as_raw(indicators[code])
        raw.update(fields)
        indicators[code] = _indicator(raw, categories, role_weights, _Entry(osrc, f"indicator {code!r}"))
        origin[code] = osrc

    shortcuts: dict[str, str] = {}
    for code, ind in indicators.items():
        if not ind.shortcut:
            continue
        if ind.shortcut in shortcuts:
            raise _Entry(origin[code], f"indicator {code!r}").error(
                f"shortcut {ind.shortcut!r} is already used by {shortcuts[ind.shortcut]!r}"
            )
        shortcuts[ind.shortcut] = code

    groups: dict[str, tuple[str, list[str]]] = {}
    placed: dict[str, str] = {}
    for i, (src, raw) in enumerate(group_entries, 1):
        gat = _Entry(src, f"group {i}")
        gcode = get_code(raw, "code", gat)
        gat = _Entry(src, f"group {gcode!r}")
        check_keys(raw, {"code", "title", "indicators"}, gat)
        if gcode in groups:
            raise gat.error("duplicate group code")
        members = list(get_strs(raw, "indicators", gat, ()))
        for code in members:
            if code not in indicators:
                raise gat.error(f"names unknown indicator {code!r}")
            if code in placed:
                raise gat.error(f"indicator {code!r} is already in group {placed[code]!r}")
            if indicators[code].group != gcode:
                raise gat.error(f"indicator {code!r} says its group is {indicators[code].group!r}")
            placed[code] = gcode
        groups[gcode] = (get_text(raw, "title", gat), members)
    for code, ind in indicators.items():
        if ind.group not in groups:
            raise _Entry(origin[code], f"indicator {code!r}").error(f"unknown group {ind.group!r}")
        if code not in placed:
            if origin[code] == "indicators.toml":
                raise _Entry("indicators.toml", f"group {ind.group!r}").error(
                    f"does not list indicator {code!r}"
                )
            groups[ind.group][1].append(code)  # an override's new indicator joins the end of its group
            placed[code] = ind.group

    # protocols and variants ------------------------------------------------------------------------------
    p_doc = docs["protocols.toml"]
    pat = _Entry("protocols.toml")
    check_keys(p_doc, {"version", "protocols", "variants"}, pat)
    raw_protocols = as_table(p_doc.get("protocols", {}), "[protocols]", pat)
    o_protocols = as_table(override.get("protocols", {}), "[protocols]", _Entry(osrc))
    protocols: dict[str, ProtocolTemplate] = {}
    for cat in list(raw_protocols) + [c for c in o_protocols if c not in raw_protocols]:
        if cat not in categories:
            src = "protocols.toml" if cat in raw_protocols else osrc
            raise _Entry(src, f"protocol {cat!r}").error(f"unknown category {cat!r}")
        if cat not in raw_protocols:
            raise _Entry(osrc, f"protocol {cat!r}").error("no default protocol to change")
        ptable = as_table(raw_protocols[cat], f"[protocols.{cat}]", pat.sub(f"protocol {cat!r}"))
        check_keys(ptable, _PROTOCOL_KEYS, _Entry("protocols.toml", f"protocol {cat!r}"))
        pfields: dict[str, tuple[str, Any]] = {k: ("protocols.toml", v) for k, v in ptable.items()}
        if cat in o_protocols:
            ochange = as_table(o_protocols[cat], f"[protocols.{cat}]", _Entry(osrc, f"protocol {cat!r}"))
            check_keys(ochange, _PROTOCOL_KEYS, _Entry(osrc, f"protocol {cat!r}"))
            pfields.update({k: (osrc, v) for k, v in ochange.items()})
        protocols[cat] = _protocol(cat, pfields, indicators)
    for cat in categories:
        if cat not in protocols:
            raise pat.error(f"no protocol for category {cat!r}")

    variants: dict[str, ProtocolVariant] = {}
    for vcode, raw in as_table(p_doc.get("variants", {}), "[variants]", pat).items():
        variants[vcode] = _variant(vcode, raw, "protocols.toml")
    if "standard" not in variants:
        raise pat.error("variant 'standard' is missing")

    # maps ------------------------------------------------------------------------------------------------
    m_doc = docs["maps.toml"]
    mat = _Entry("maps.toml")
    check_keys(m_doc, {"version", "cmrt", "occipital_fibres"}, mat)
    reflexes: list[CmrtReflex] = []
    links: list[FibreLink] = []
    for src, doc in (("maps.toml", m_doc), (osrc, override)):
        for i, raw in enumerate(as_tables(doc.get("cmrt", []), "cmrt", _Entry(src)), 1):
            reflexes.append(_cmrt(raw, _Entry(src, f"cmrt entry {i}")))
        for i, raw in enumerate(
            as_tables(doc.get("occipital_fibres", []), "occipital_fibres", _Entry(src)), 1
        ):
            links.append(_fibre(raw, _Entry(src, f"occipital_fibres entry {i}")))
    cmrt_map: dict[str, tuple[CmrtReflex, ...]] = {}
    for level in LEVELS:
        at_level = tuple(r for r in reflexes if r.level == level)
        if at_level:
            cmrt_map[level] = at_level
    fibre_map: dict[tuple[int, int], tuple[FibreLink, ...]] = {}
    for link in links:
        fibre_map[(link.line, link.area)] = (*fibre_map.get((link.line, link.area), ()), link)

    return KnowledgeBase(
        version=version,
        indicators=indicators,
        groups=tuple((g, title, tuple(members)) for g, (title, members) in groups.items()),
        categories=categories,
        protocols=protocols,
        cmrt_map=cmrt_map,
        fibre_map=dict(sorted(fibre_map.items())),
        thresholds=thresholds,
        role_weights=role_weights,
        variants=variants,
        override=override_name,
    )


_FILES = ("categories.toml", "indicators.toml", "protocols.toml", "maps.toml")


def _indicator_as_raw(ind: Indicator) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": ind.code,
        "name": ind.name,
        "how": ind.how,
        "group": ind.group,
        "has_result": ind.has_result,
        "sides": list(ind.sides),
        "side_meaning": ind.side_meaning,
        "has_level": ind.has_level,
        "has_line": ind.has_line,
        "has_area": ind.has_area,
        "has_organ": ind.has_organ,
        "weights": dict(ind.roles or {}),
        "shortcut": ind.shortcut,
        "multiple": ind.multiple,
    }
    if ind.value is not None:
        raw["value"] = {"unit": ind.value.unit, "min": ind.value.min, "max": ind.value.max}
        if ind.value.threshold is not None:
            raw["value"]["threshold"] = ind.value.threshold
    if ind.recorded_only_note is not None:
        raw["recorded_only_note"] = ind.recorded_only_note
    return raw


@functools.lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The knowledge base of this process: the base files plus ``$SOTCLINIC_KB_OVERRIDE`` if set (cached)."""
    return load_kb(os.environ.get("SOTCLINIC_KB_OVERRIDE") or None)
