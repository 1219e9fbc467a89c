"""Turn the visit page's POST into a VisitDraft. Field names: `<indicator>.<part>` for findings,
`blocking.*` for the blocking performed, `recheck.<indicator>` for the re-check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from sotclinic.sot import KnowledgeBase
from sotclinic.visits.services import VisitDraft

FINDING_PARTS = ("result", "side", "value", "level", "line", "area", "organ")
MAX_BLOCKS = 3
MAX_TEXT = 5000


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


def findings_from_post(post: QueryDict, kb: KnowledgeBase, errors: list[str]) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for code, indicator in kb.indicators.items():
        parts = {part: post.get(f"{code}.{part}", "").strip() for part in FINDING_PARTS}
        if not any(parts.values()):
            continue
        finding: dict[str, Any] = {"indicator": code}
        if parts["result"]:
            finding["result"] = parts["result"]
        if parts["side"]:
            finding["side"] = parts["side"]
        value = _number(parts["value"], f"{indicator.name}: value", errors)
        if value is not None:
            finding["value"] = value
        if parts["level"]:
            finding["level"] = parts["level"].upper()
        for part in ("line", "area"):
            number = _number(parts[part], f"{indicator.name}: {part}", errors, integer=True)
            if number is not None:
                finding[part] = number
        if parts["organ"]:
            finding["organ"] = parts["organ"][:80]
        findings.append(finding)
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
