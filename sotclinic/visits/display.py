"""Plain-language text for stored findings, assessments and protocols (presentation only; the SOT rules live in
sotclinic.sot)."""

from __future__ import annotations

from typing import Any

from sotclinic.sot import KnowledgeBase

CATEGORY_LABELS = {"cat1": "Category I", "cat2": "Category II", "cat3": "Category III", "none": "No category"}
LANDMARK_LABELS = {
    "trochanter": "greater trochanter",
    "asis": "iliac crest / ASIS",
    "ilium": "posterior ilium",
}


def category_label(code: str | None) -> str:
    if not code:
        return "—"
    return CATEGORY_LABELS.get(code, code)


def indicator_name(code: str, kb: KnowledgeBase) -> str:
    indicator = kb.indicators.get(code)
    return indicator.name if indicator is not None else code


def describe_finding(finding: dict[str, Any], kb: KnowledgeBase) -> str:
    code = finding.get("indicator", "")
    indicator = kb.indicators.get(code)
    parts: list[str] = []
    if finding.get("result"):
        parts.append(str(finding["result"]))
    side = finding.get("side")
    if side:
        if code.startswith("leg_length"):
            parts.append("even" if side == "even" else f"{side} short")
        else:
            parts.append(str(side))
    if finding.get("value") is not None:
        unit = indicator.value.unit if indicator is not None and indicator.value is not None else ""
        parts.append(f"{finding['value']:g} {unit}".strip())
    if finding.get("line") is not None:
        parts.append(f"line {finding['line']}")
    if finding.get("area") is not None:
        parts.append(f"area {finding['area']}")
    if finding.get("level"):
        parts.append(str(finding["level"]))
    if finding.get("organ"):
        parts.append(str(finding["organ"]))
    return ", ".join(parts) or "examined"


def finding_rows(findings: list[dict[str, Any]], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Each stored finding for a list on a page, in stored order. The entries of an indicator that may be recorded
    many times (fibres, CMRT: `multiple` in the knowledge base) are numbered when there is more than one
    ("Occipital fibre 1", "Occipital fibre 2"), as on the visit page."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.get("indicator", "")] = counts.get(finding.get("indicator", ""), 0) + 1
    seen: dict[str, int] = {}
    rows = []
    for finding in findings:
        code = finding.get("indicator", "")
        indicator = kb.indicators.get(code)
        name = indicator_name(code, kb)
        seen[code] = seen.get(code, 0) + 1
        multiple = indicator is not None and indicator.multiple
        if multiple and counts[code] > 1:
            name = f"{name} {seen[code]}"
        rows.append(
            {
                "code": code,
                "name": name,
                "text": describe_finding(finding, kb),
                "positive": finding.get("result") == "positive",
                "multiple": multiple,
            }
        )
    return rows


def describe_block(block: dict[str, Any]) -> str:
    landmark = LANDMARK_LABELS.get(block.get("landmark", ""), block.get("landmark", ""))
    angle = block.get("angle_deg", 0)
    return f"{block.get('side', '?')} {landmark}, {'flat' if not angle else f'{angle}°'}"
