"""Findings: what the practitioner recorded for one indicator, validated against the catalogue.

Rules beyond the reference (documented choices):

* ``result`` may be omitted for a test (the practitioner has not decided yet): such a finding counts as
  *not examined* and adds no weight.  For a measurement with a threshold (``pelvic_sway``) given with a
  value but no result, the result is derived: positive iff ``value > threshold``.  An explicit result
  always wins (the classifier then lists the disagreement with the threshold as a discrepancy).
* Leg checks: ``side`` names the short side, or ``even`` = examined, no short leg.  ``even`` may carry no
  value other than 0.  An even check gives no short side, so the sides rule falls through to the next leg
  check (prone even + supine right -> short_leg right); a protocol that needs that leg check names it as
  missing and explains the even check in its notes.
* The same indicator given twice: the later one wins (re-test during a visit), at the later one's position.
  Fibre and CMRT findings (``multiple``) may appear many times; two of them with the same
  side/level/line/area/organ are the same finding, and the later one wins.
* JSON ``null`` for any key means "not given".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sotclinic.sot.kb import AREAS, LEVELS, LINES, Indicator, KnowledgeBase, default_kb

__all__ = [
    "FIELDS",
    "RESULTS",
    "Finding",
    "dedupe_findings",
    "effective_result",
    "mirror_findings",
    "mirror_side",
    "parse_finding",
    "parse_findings",
]

RESULTS: tuple[str, ...] = ("positive", "negative")
FIELDS: tuple[str, ...] = ("indicator", "result", "side", "value", "level", "line", "area", "organ")
MAX_ORGAN = 100
_MIRROR = {"left": "right", "right": "left"}


def mirror_side(side: str | None) -> str | None:
    """left <-> right; "bilateral", "even" and None stay as they are."""
    return _MIRROR.get(side, side) if side is not None else None


def _num(value: float) -> str:
    """A number for a message: 6 not 6.0, 1.8 not 1.8000000000000003."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


@dataclass(frozen=True)
class Finding:
    indicator: str
    result: str | None = None
    side: str | None = None
    value: float | None = None
    level: str | None = None
    line: int | None = None
    area: int | None = None
    organ: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The reference JSON form, keys in a fixed order, None omitted; whole numbers written as integers."""
        out: dict[str, Any] = {}
        for key in FIELDS:
            item = getattr(self, key)
            if item is None:
                continue
            if key == "value" and float(item).is_integer():
                item = int(item)
            out[key] = item
        return out

    def mirrored(self) -> Finding:
        return replace(self, side=mirror_side(self.side))


def effective_result(finding: Finding, indicator: Indicator | None) -> str | None:
    """positive / negative / None (not decided): the given result, else derived from a value threshold."""
    if finding.result is not None:
        return finding.result
    spec = indicator.value if indicator is not None else None
    if spec is not None and spec.threshold is not None and finding.value is not None:
        return "positive" if finding.value > spec.threshold else "negative"
    return None


class _Bad(ValueError):
    pass


def parse_finding(
    raw: Mapping[str, Any] | Finding, kb: KnowledgeBase | None = None, index: int = 1
) -> Finding:
    """Validate one finding (a mapping in the reference JSON form).  Raises ValueError naming the field."""
    kb = kb or default_kb()
    if isinstance(raw, Finding):
        raw = raw.to_dict()
    where = f"finding {index}"
    if not isinstance(raw, Mapping):
        raise ValueError(f'{where}: expected an object with an "indicator" key, got {_json_type(raw)}')
    code = raw.get("indicator")
    if code is None:
        raise ValueError(f'{where}: "indicator" is missing')
    if not isinstance(code, str):
        raise ValueError(f"{where}: indicator must be a string, got {_json_type(code)}")
    if code not in kb.indicators:
        raise ValueError(f"{where} ({code}): unknown indicator {code!r}")
    ind = kb.indicators[code]
    where = f"{where} ({code})"
    unknown = sorted(k for k in raw if k not in FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")

    def present(key: str) -> bool:
        return raw.get(key) is not None

    def not_recorded(key: str) -> ValueError:
        return ValueError(f"{where}: {key} is not recorded for this indicator")

    # result
    result: str | None = None
    if present("result"):
        if not ind.has_result:
            raise not_recorded("result")
        result = raw["result"]
        if not isinstance(result, str) or result not in RESULTS:
            raise ValueError(f"{where}: result {raw['result']!r} must be positive or negative")

    # side
    side: str | None = None
    if present("side"):
        if not ind.sides:
            raise not_recorded("side")
        side = raw["side"]
        if not isinstance(side, str) or side not in ind.sides:
            raise ValueError(
                f"{where}: side {raw['side']!r} is not allowed (allowed: {', '.join(ind.sides)})"
            )

    # value
    value: float | None = None
    if present("value"):
        spec = ind.value
        if spec is None:
            raise not_recorded("value")
        item = raw["value"]
        if not isinstance(item, int | float) or isinstance(item, bool) or not math.isfinite(item):
            raise ValueError(f"{where}: value {item!r} is not a number")
        value = float(item)
        if not spec.min <= value <= spec.max:
            raise ValueError(
                f"{where}: value {_num(value)} is outside {_num(spec.min)}–{_num(spec.max)} {spec.unit}"
            )
        if side == "even" and value != 0:
            raise ValueError(f"{where}: side 'even' cannot have a value of {_num(value)} {spec.unit}")

    # level
    level: str | None = None
    if present("level"):
        if not ind.has_level:
            raise not_recorded("level")
        level = raw["level"]
        if not isinstance(level, str) or level not in LEVELS:
            raise ValueError(
                f"{where}: level {raw['level']!r} is not a vertebral level (C1–C7, T1–T12, L1–L5, S)"
            )

    # line / area
    line = _small_int(raw, "line", ind.has_line, LINES, where) if present("line") else None
    area = _small_int(raw, "area", ind.has_area, AREAS, where) if present("area") else None

    # organ
    organ: str | None = None
    if present("organ"):
        if not ind.has_organ:
            raise not_recorded("organ")
        item = raw["organ"]
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{where}: organ must be a non-empty string")
        if len(item) > MAX_ORGAN:
            raise ValueError(f"{where}: organ is longer than {MAX_ORGAN} characters")
        organ = item.strip()

    finding = Finding(code, result, side, value, level, line, area, organ)
    if finding.result is None:
        finding = replace(finding, result=effective_result(finding, ind))
    return finding


def _small_int(raw: Mapping[str, Any], key: str, allowed: bool, values: tuple[int, ...], where: str) -> int:
    if not allowed:
        raise ValueError(f"{where}: {key} is not recorded for this indicator")
    item = raw[key]
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if not isinstance(item, int) or isinstance(item, bool) or item not in values:
        raise ValueError(f"{where}: {key} {item!r} is not {values[0]}–{values[-1]}")
    return item


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _key(finding: Finding, kb: KnowledgeBase) -> tuple[Any, ...]:
    ind = kb.indicators.get(finding.indicator)
    if ind is not None and ind.multiple:
        f = finding
        return (f.indicator, f.side, f.level, f.line, f.area, f.organ)
    return (finding.indicator,)


def dedupe_findings(findings: Iterable[Finding], kb: KnowledgeBase | None = None) -> tuple[Finding, ...]:
    """Keep the later of two findings for the same indicator.

    Fibres and CMRT (``multiple``) are the same finding only when side/level/line/area/organ all match.
    """
    kb = kb or default_kb()
    kept: dict[tuple[Any, ...], Finding] = {}
    for finding in findings:
        key = _key(finding, kb)
        kept.pop(key, None)
        kept[key] = finding
    return tuple(kept.values())


def parse_findings(raw: Iterable[Mapping[str, Any]], kb: KnowledgeBase | None = None) -> tuple[Finding, ...]:
    """Validate a list of findings (reference JSON form) and resolve repeats (the later one wins).

    Raises ValueError naming the finding (1-based), its indicator and the field, e.g.
    ``finding 2 (pelvic_sway): value 99 is outside 0–10 cm``.
    """
    kb = kb or default_kb()
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
        raise ValueError(f"findings must be a list of objects, got {_json_type(raw)}")
    parsed = [parse_finding(item, kb, index) for index, item in enumerate(raw, 1)]
    return dedupe_findings(parsed, kb)


def mirror_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Every left becomes right and every right left ("bilateral" and "even" stay)."""
    return tuple(f.mirrored() for f in findings)
