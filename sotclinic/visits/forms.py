"""Turn the visit page's POST into a VisitDraft. Field names: `<indicator>.<part>` for findings,
`blocking.*` for the blocking performed, `recheck.<indicator>` for the re-check."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from sotclinic.clinic.text import text_problem
from sotclinic.sot import KnowledgeBase
from sotclinic.sot.findings import parse_finding
from sotclinic.sot.kb import Indicator
from sotclinic.visits.display import describe_finding
from sotclinic.visits.services import VisitDraft

FINDING_PARTS = ("result", "side", "value", "level", "line", "area", "organ")
MAX_BLOCKS = 3
MAX_TEXT = 5000
#: entries a `multiple` indicator (occipital / trapezius fibres, CMRT) may have on one visit
MAX_ENTRIES = 12
#: what makes two entries of a `multiple` indicator the same finding (sotclinic.sot.findings)
IDENTITY = ("side", "level", "line", "area", "organ")
_FINDING_PREFIX = re.compile(r"\Afinding \d+ \([^)]*\): ")


def _number(text: str, label: str, errors: list[str], *, integer: bool = False) -> float | int | None:
    text = text.strip().replace(",", ".")
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        errors.append(f"{label} must be a number, not {text!r}.")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors.append(f"{label} must be a finite number.")
        return None
    if integer:
        if number != int(number):
            errors.append(f"{label} must be a whole number.")
            return None
        return int(number)
    return int(number) if number == int(number) else number


def _finding_from_parts(
    code: str, parts: dict[str, str], label: str, errors: list[str], *, organ_limit: int | None = 80
) -> dict[str, Any]:
    finding: dict[str, Any] = {"indicator": code}
    if parts["result"]:
        finding["result"] = parts["result"]
    if parts["side"]:
        finding["side"] = parts["side"]
    value = _number(parts["value"], f"{label}: value", errors)
    if value is not None:
        finding["value"] = value
    if parts["level"]:
        finding["level"] = parts["level"].upper()
    for part in ("line", "area"):
        number = _number(parts[part], f"{label}: {part}", errors, integer=True)
        if number is not None:
            finding[part] = number
    if parts["organ"]:
        finding["organ"] = parts["organ"][:organ_limit] if organ_limit else parts["organ"]
    return finding


def entry_numbers(post: QueryDict, code: str) -> list[int]:
    """The entry numbers the page sent for a `multiple` indicator (`<code>.<n>.<part>`), in order."""
    pattern = re.compile(rf"{re.escape(code)}\.(\d{{1,6}})\.(?:{'|'.join(FINDING_PARTS)})")
    return sorted({int(m.group(1)) for key in post if (m := pattern.fullmatch(key))})


def _entries_from_post(
    post: QueryDict, code: str, indicator: Indicator, kb: KnowledgeBase, errors: list[str]
) -> list[dict[str, Any]]:
    """Every entry of a `multiple` indicator (fibres, CMRT), validated one by one and named by its number on the
    page ("Occipital fibre 2: level ..."); exact repeats (same side/level/line/area/organ) are refused."""
    numbers = entry_numbers(post, code)
    if numbers and (numbers[0] < 1 or numbers[-1] > MAX_ENTRIES):
        errors.append(f"{indicator.name}: at most {MAX_ENTRIES} entries (numbered 1–{MAX_ENTRIES}).")
        return []
    if not numbers and any(post.get(f"{code}.{part}", "").strip() for part in FINDING_PARTS):
        numbers = [1]  # the single-entry form (`<code>.<part>`), as other clients send it
    entries: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], str] = {}
    for n in numbers:
        parts = {
            part: post.get(f"{code}.{n}.{part}", post.get(f"{code}.{part}", "") if n == 1 else "").strip()
            for part in FINDING_PARTS
        }
        if not any(parts.values()):
            continue
        label = f"{indicator.name} {n}"
        if any(text_problem(text, max_length=MAX_TEXT) for text in parts.values()):
            # text that cannot be stored at all (NUL, invalid Unicode): the note's services refuse it, in words
            entries.append(_finding_from_parts(code, parts, label, errors, organ_limit=None))
            continue
        number_errors: list[str] = []
        finding = _finding_from_parts(code, parts, label, number_errors, organ_limit=None)
        if number_errors:
            errors.extend(number_errors)
            continue
        try:
            parse_finding(finding, kb)
        except ValueError as exc:
            errors.append(f"{label}: {_FINDING_PREFIX.sub('', str(exc))}.")
            continue
        key = tuple(finding.get(part) for part in IDENTITY)
        if key in seen:
            errors.append(
                f"{label} is the same as {seen[key]} ({describe_finding(finding, kb)}): remove one of them."
            )
            continue
        seen[key] = label
        entries.append(finding)
    return entries


def findings_from_post(post: QueryDict, kb: KnowledgeBase, errors: list[str]) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for code, indicator in kb.indicators.items():
        if indicator.multiple:
            findings.extend(_entries_from_post(post, code, indicator, kb, errors))
            continue
        parts = {part: post.get(f"{code}.{part}", "").strip() for part in FINDING_PARTS}
        if not any(parts.values()):
            continue
        findings.append(_finding_from_parts(code, parts, indicator.name, errors))
    return findings


def draft_from_post(post: QueryDict, kb: KnowledgeBase) -> VisitDraft:
    """Parse the visit form. Raises ValidationError naming each bad field; nothing is saved by this function."""
    errors: dict[str, list[str]] = {}
    finding_errors: list[str] = []
    findings = findings_from_post(post, kb, finding_errors)
    if finding_errors:
        errors["findings"] = finding_errors

    pain_errors: list[str] = []
    pain = _number(post.get("pain", ""), "Pain", pain_errors, integer=True)
    if pain_errors:
        errors["pain"] = ["Pain must be a whole number from 0 to 10."]

    week_errors: list[str] = []
    pregnancy_week = _number(post.get("pregnancy_week", ""), "Week of pregnancy", week_errors, integer=True)
    if week_errors:
        errors["pregnancy_week"] = ["Week of pregnancy must be a whole number from 1 to 42."]

    texts: dict[str, str] = {}
    for name, limit in (
        ("complaint", 300),
        ("subjective", MAX_TEXT),
        ("plan", MAX_TEXT),
        ("override_reason", 500),
    ):
        value = post.get(name, "")
        if len(value) > limit:
            errors[name] = [f"{name.replace('_', ' ').capitalize()} must be at most {limit} characters."]
        texts[name] = value

    blocking: dict[str, Any] = {}
    if post.get("blocking.performed"):
        block_errors: list[str] = []
        blocks = []
        for n in range(1, MAX_BLOCKS + 1):
            landmark = post.get(f"blocking.{n}.landmark", "").strip()
            side = post.get(f"blocking.{n}.side", "").strip()
            if not landmark and not side:
                continue
            angle = _number(
                post.get(f"blocking.{n}.angle_deg", "0") or "0",
                f"Block {n} angle",
                block_errors,
                integer=True,
            )
            blocks.append(
                {"landmark": landmark, "side": side, "angle_deg": angle if angle is not None else 0}
            )
        minutes = _number(post.get("blocking.minutes", ""), "Blocking duration", block_errors)
        duration_s = round(float(minutes) * 60) if minutes is not None else None
        if block_errors:
            errors["blocking"] = block_errors
        blocking = {
            "performed": True,
            "position": post.get("blocking.position", ""),
            "blocks": blocks,
            "duration_s": duration_s,
            "notes": post.get("blocking.notes", ""),
        }
    elif post.get("blocking.notes", "").strip():
        blocking = {"performed": False, "notes": post.get("blocking.notes", "")}

    recheck = {
        key.split(".", 1)[1]: str(value)
        for key, value in post.items()
        if key.startswith("recheck.") and value
    }

    if errors:
        raise ValidationError(errors)
    return VisitDraft(
        complaint=texts["complaint"],
        pain=int(pain) if pain is not None else None,
        subjective=texts["subjective"],
        findings=findings,
        category=post.get("category", ""),
        override_reason=texts["override_reason"],
        variant=post.get("variant", "standard") or "standard",
        pregnancy_week=int(pregnancy_week) if pregnancy_week is not None else None,
        blocking=blocking,
        recheck=recheck,
        plan=texts["plan"],
    )


class AmendmentForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Reason for the amendment")
    text = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}), label="Correction")


def revision_from_post(post: QueryDict) -> int | None:
    raw = post.get("revision", "")
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({"revision": ["The form is out of date. Reload the visit."]}) from None
