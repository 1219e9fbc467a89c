"""Writes to visit notes. Each service runs in one transaction, re-reads the visit under a row lock, refuses to
touch a signed note, validates everything before it writes, and writes its audit row in the same transaction."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.text import strings_in, text_problem
from sotclinic.sot import KnowledgeBase, default_kb
from sotclinic.sot import protocol as sot_protocol
from sotclinic.sot.classify import classify
from sotclinic.sot.findings import parse_finding, parse_findings
from sotclinic.visits.gate import blocking_stops, caution_flags
from sotclinic.visits.models import Amendment, Recheck, Visit, VisitStatus

if TYPE_CHECKING:
    from sotclinic.clinic.models import User
    from sotclinic.patients.models import Patient

CATEGORY_CODES = ("cat1", "cat2", "cat3")
DECISIONS = ("", "none", *CATEGORY_CODES)
VARIANTS = ("standard", "pregnancy")
LANDMARKS = ("trochanter", "asis", "ilium")
BLOCK_SIDES = ("left", "right")
POSITIONS = ("prone", "supine")
MAX_BLOCK_SECONDS = 3600


class VisitLocked(PermissionDenied):
    """A signed note cannot be changed; add an amendment instead."""

    def __init__(self) -> None:
        super().__init__("This note is signed and locked. Add an amendment to correct it.")


@dataclass
class VisitDraft:
    """Everything the visit page can change, already converted to Python types by the form layer."""

    complaint: str = ""
    pain: int | None = None
    subjective: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    category: str = ""
    override_reason: str = ""
    variant: str = "standard"
    pregnancy_week: int | None = None
    blocking: dict[str, Any] = field(default_factory=dict)
    recheck: dict[str, str] = field(default_factory=dict)
    plan: str = ""


def _require_practitioner(by: User) -> None:
    if not by.is_practitioner:
        raise PermissionDenied("Only practitioners can write clinical notes.")


def _locked_visit(visit: Visit) -> Visit:
    """Re-read the visit under a row lock inside the current transaction."""
    return Visit.objects.select_for_update().get(pk=visit.pk)


def visit_start(*, patient: Patient, by: User, date: datetime.date | None = None) -> Visit:
    """Open today's draft for this patient and practitioner, or start one."""
    _require_practitioner(by)
    day = date or timezone.localdate()
    with transaction.atomic():
        existing = (
            Visit.objects.select_for_update()
            .filter(patient=patient, practitioner=by, date=day, status=VisitStatus.DRAFT)
            .first()
        )
        if existing is not None:
            return existing
        last = (
            Visit.objects.filter(patient=patient, status=VisitStatus.SIGNED)
            .order_by("-date", "-signed_at")
            .first()
        )
        visit = Visit.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            practitioner=by,
            date=day,
            complaint=last.complaint if last else "",
            variant=last.variant if last else "standard",
        )
        audit_record(actor=by, action=Action.VISIT_CREATE, patient=patient, obj=visit)
    return visit


def _validate_blocking(raw: dict[str, Any], category: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    if not raw or not raw.get("performed"):
        return {"performed": False, "notes": str(raw.get("notes", ""))[:1000]} if raw else {}
    if category not in CATEGORY_CODES:
        errors.setdefault("blocking", []).append("Confirm a category before recording blocking.")
        return {}
    position = raw.get("position")
    if position not in POSITIONS:
        errors.setdefault("blocking", []).append(f"Position must be prone or supine, not {position!r}.")
    blocks = []
    for index, block in enumerate(raw.get("blocks") or [], start=1):
        landmark, side = block.get("landmark"), block.get("side")
        if landmark not in LANDMARKS:
            errors.setdefault("blocking", []).append(f"Block {index}: unknown landmark {landmark!r}.")
        if side not in BLOCK_SIDES:
            errors.setdefault("blocking", []).append(
                f"Block {index}: side must be left or right, not {side!r}."
            )
        angle = block.get("angle_deg", 0)
        if not isinstance(angle, int) or not 0 <= angle <= 90:
            errors.setdefault("blocking", []).append(f"Block {index}: angle must be 0–90 degrees.")
        blocks.append({"landmark": landmark, "side": side, "angle_deg": angle})
    duration = raw.get("duration_s")
    if not isinstance(duration, int) or not 0 < duration <= MAX_BLOCK_SECONDS:
        errors.setdefault("blocking", []).append("Blocking duration must be between 1 second and 60 minutes.")
    return {
        "performed": True,
        "position": position,
        "blocks": blocks,
        "duration_s": duration,
        "notes": str(raw.get("notes", ""))[:1000],
    }


def _repeated_entry(raw: list[dict[str, Any]], kb: KnowledgeBase) -> str | None:
    """An indicator the knowledge base marks `multiple` (fibres, CMRT) may be recorded many times, but two entries
    with the same side/level/line/area/organ are the same finding (sotclinic.sot.findings): a note refuses the
    repeat, naming both, rather than silently keeping one (the visit page names its entries itself)."""
    seen: dict[tuple[Any, ...], int] = {}
    for index, item in enumerate(raw, start=1):
        finding = parse_finding(item, kb, index)
        if not kb.indicators[finding.indicator].multiple:
            continue
        key = (finding.indicator, finding.side, finding.level, finding.line, finding.area, finding.organ)
        if key in seen:
            return (
                f"finding {index} ({finding.indicator}) is the same as finding {seen[key]} "
                "(same side, level, line, area and organ): record it once"
            )
        seen[key] = index
    return None


def _compute(draft: VisitDraft, visit: Visit) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate a draft and work out the assessment and protocol it implies. Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    kb = default_kb()
    for name, label, value, limit in (
        ("complaint", "Complaint", draft.complaint, 300),
        ("subjective", "In the patient's words", draft.subjective, 5000),
        ("plan", "Plan", draft.plan, 5000),
        ("override_reason", "Reason for overriding", draft.override_reason, 500),
    ):
        problem = text_problem(value, max_length=limit)
        if problem:
            errors[name] = [f"{label} {problem}."]
    structured: tuple[tuple[str, str, Any], ...] = (
        ("findings", "A finding", draft.findings),
        ("blocking", "The blocking notes", draft.blocking),
    )
    for name, label, value in structured:
        for text in strings_in(value):
            problem = text_problem(text, max_length=1000)
            if problem:
                errors.setdefault(name, []).append(f"{label} {problem}.")
                break
    if errors:
        raise ValidationError(errors)
    if draft.pain is not None and not 0 <= draft.pain <= 10:
        errors["pain"] = ["Pain must be a whole number from 0 to 10."]
    if draft.variant not in VARIANTS:
        errors["variant"] = [f"Unknown protocol variant {draft.variant!r}."]
    if draft.category not in DECISIONS:
        errors["category"] = [f"Unknown category {draft.category!r}."]
    try:
        findings = parse_findings(draft.findings, kb)
        repeated = _repeated_entry(draft.findings, kb)
    except ValueError as exc:
        errors["findings"] = [str(exc)]
        raise ValidationError(errors) from None
    if repeated:
        errors["findings"] = [repeated]
        raise ValidationError(errors)
    assessment = classify(findings, kb)
    suggested = assessment.category or ""
    values: dict[str, Any] = {
        "findings": [f.to_dict() for f in findings],
        "assessment": assessment.to_dict(),
        "knowledge_version": assessment.knowledge_version,
        "suggested_category": suggested,
        "category": draft.category,
        "override_reason": draft.override_reason.strip(),
        "variant": draft.variant if draft.variant in VARIANTS else "standard",
    }
    decided = draft.category
    is_override = decided != "" and decided != (suggested or "none")
    if is_override and not values["override_reason"]:
        suggestion = suggested or "no category"
        errors["override_reason"] = [
            f"Give a reason for choosing {decided} when the findings suggest {suggestion}."
        ]
    if not is_override:
        values["override_reason"] = ""
    proto: dict[str, Any] = {}
    if decided in CATEGORY_CODES and "variant" not in errors:
        # The recorded leg checks go along (not just the short side), so a prone protocol names a missing prone
        # leg check instead of placing blocks from the supine one.
        result = sot_protocol(decided, sides=dict(assessment.leg_checks), variant=values["variant"], kb=kb)
        proto = result.to_dict() if result is not None else {}
    values["protocol"] = proto
    values["blocking"] = _validate_blocking(draft.blocking, decided, errors)
    if values["blocking"].get("performed"):
        _check_gate(visit, errors)
    values["pregnancy_week"] = draft.pregnancy_week
    if draft.pregnancy_week is not None and not 1 <= draft.pregnancy_week <= 42:
        errors["pregnancy_week"] = ["Week of pregnancy must be a whole number from 1 to 42."]
    if (
        values["variant"] == "pregnancy"
        and values["blocking"].get("performed")
        and draft.pregnancy_week is None
    ):
        errors["pregnancy_week"] = ["Record the week of pregnancy: the pregnancy protocol needs it."]
    recheck: dict[str, str] = {}
    for code, outcome in draft.recheck.items():
        if code not in kb.indicators:
            errors.setdefault("recheck", []).append(f"Unknown indicator {code!r} in the re-check.")
        elif outcome not in Recheck.values:
            errors.setdefault("recheck", []).append(f"Re-check of {code} must be cleared or not cleared.")
        else:
            recheck[code] = outcome
    values["recheck"] = recheck
    if errors:
        raise ValidationError(errors)
    return values, assessment.to_dict()


def visit_save_draft(*, visit: Visit, by: User, draft: VisitDraft, revision: int | None = None) -> Visit:
    """Validate and store the whole draft (the page autosaves through this)."""
    _require_practitioner(by)
    with transaction.atomic():
        current = _locked_visit(visit)
        values, _ = _compute(draft, current)
        if current.is_signed:
            raise VisitLocked()
        if revision is not None and revision != current.revision:
            raise ValidationError(
                {
                    "revision": [
                        "This visit was changed in another window. Reload it to see the latest version."
                    ]
                }
            )
        current.complaint = draft.complaint.strip()
        current.pain = draft.pain
        current.subjective = draft.subjective
        current.plan = draft.plan
        for key, value in values.items():
            setattr(current, key, value)
        current.revision += 1
        current.full_clean()
        current.save()
        audit_record(actor=by, action=Action.VISIT_SAVE, patient=current.patient, obj=current)
    return current


def previous_signed_visit(visit: Visit) -> Visit | None:
    return (
        Visit.objects.filter(patient_id=visit.patient_id, status=VisitStatus.SIGNED)
        .exclude(pk=visit.pk)
        .order_by("-date", "-signed_at")
        .first()
    )


def visit_carry_forward(*, visit: Visit, by: User) -> Visit:
    """Copy the findings of the patient's last signed visit into this draft."""
    _require_practitioner(by)
    with transaction.atomic():
        current = _locked_visit(visit)
        if current.is_signed:
            raise VisitLocked()
        last = previous_signed_visit(current)
        if last is None:
            raise ValidationError({"findings": ["There is no earlier signed visit to carry forward."]})
        draft = draft_from_visit(current)
        draft.findings = list(last.findings)
        values, _ = _compute(draft, current)
        for key, value in values.items():
            setattr(current, key, value)
        current.revision += 1
        current.save()
        audit_record(
            actor=by,
            action=Action.VISIT_CARRY_FORWARD,
            patient=current.patient,
            obj=current,
            detail={"from_visit": str(last.pk), "findings": len(last.findings)},
        )
    return current


def draft_from_visit(visit: Visit) -> VisitDraft:
    return VisitDraft(
        complaint=visit.complaint,
        pain=visit.pain,
        subjective=visit.subjective,
        findings=list(visit.findings),
        category=visit.category,
        override_reason=visit.override_reason,
        variant=visit.variant,
        pregnancy_week=visit.pregnancy_week,
        blocking=dict(visit.blocking),
        recheck=dict(visit.recheck),
        plan=visit.plan,
    )


def note_content(visit: Visit) -> dict[str, Any]:
    """The signed content of a note, in a canonical form that its hash covers."""
    return {
        "visit": str(visit.pk),
        "patient": str(visit.patient_id),
        "date": visit.date.isoformat(),
        "complaint": visit.complaint,
        "pain": visit.pain,
        "subjective": visit.subjective,
        "findings": visit.findings,
        "assessment": visit.assessment,
        "knowledge_version": visit.knowledge_version,
        "category": visit.category,
        "override_reason": visit.override_reason,
        "variant": visit.variant,
        "pregnancy_week": visit.pregnancy_week,
        "protocol": visit.protocol,
        "blocking": visit.blocking,
        "recheck": visit.recheck,
        "plan": visit.plan,
        "screening_confirmed_at": visit.screening_confirmed_at.isoformat()
        if visit.screening_confirmed_at
        else None,
        "reaction_to_last": visit.reaction_to_last,
    }


def note_hash(visit: Visit) -> str:
    canonical = json.dumps(note_content(visit), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def visit_sign(
    *, visit: Visit, by: User, draft: VisitDraft | None = None, at: datetime.datetime | None = None
) -> Visit:
    """Save the final draft (if given) and sign it, in one transaction. After this the note never changes."""
    _require_practitioner(by)
    with transaction.atomic():
        current = visit
        if draft is not None:
            current = visit_save_draft(visit=visit, by=by, draft=draft)
        current = _locked_visit(current)
        if current.is_signed:
            raise VisitLocked()
        errors: dict[str, list[str]] = {}
        if current.category == "":
            errors["category"] = [
                "Confirm the suggested category, or override it with a reason, before signing."
            ]
        if current.blocking.get("performed"):
            if current.category not in CATEGORY_CODES:
                errors["blocking"] = ["Blocking is recorded but no category is confirmed."]
            _check_gate(current, errors)
            for flag in caution_flags(current.patient_id):
                errors.setdefault("flags", []).append(
                    f"Record the modification for the caution flag “{flag.name}” before signing."
                )
        if not current.reaction_to_last and previous_signed_visit(current) is not None:
            errors["reaction_to_last"] = ["Ask about reactions to the last visit (Alt+Y if there were none)."]
        if errors:
            raise ValidationError(errors)
        current.status = VisitStatus.SIGNED
        current.signed_at = at or timezone.now()
        current.signed_by = by
        current.content_hash = note_hash(current)
        current.revision += 1
        current.save()
        audit_record(
            actor=by,
            action=Action.VISIT_SIGN,
            patient=current.patient,
            obj=current,
            detail={"content_hash": current.content_hash},
        )
    return current


def _check_gate(visit: Visit, errors: dict[str, list[str]]) -> None:
    stops = blocking_stops(visit)
    if stops:
        errors.setdefault("blocking", []).extend(
            f"Blocking cannot be recorded: {stop.title}. {stop.detail}" for stop in stops
        )


def visit_confirm_screening(*, visit: Visit, by: User, reaction: str = "none") -> Visit:
    """Nothing has changed since the last screening, and the answer to "any reaction to last time?"."""
    _require_practitioner(by)
    if reaction not in ("none", "reported"):
        raise ValidationError({"reaction_to_last": ["Answer none or reported."]})
    with transaction.atomic():
        current = _locked_visit(visit)
        if current.is_signed:
            raise VisitLocked()
        current.screening_confirmed_at = timezone.now()
        current.reaction_to_last = reaction
        # not a revision bump: the visit form does not carry these fields, so an open page is not out of date
        current.save(update_fields=["screening_confirmed_at", "reaction_to_last", "updated_at"])
        audit_record(
            actor=by,
            action=Action.VISIT_SCREENING,
            patient=current.patient,
            obj=current,
            detail={"reaction_to_last": reaction},
        )
    return current


def visit_amend(
    *, visit: Visit, by: User, reason: str, text: str, at: datetime.datetime | None = None
) -> Amendment:
    _require_practitioner(by)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Say why the note is being amended."]
    elif len(reason) > 300:
        errors["reason"] = ["The reason must be at most 300 characters."]
    if not text.strip():
        errors["text"] = ["Write the correction."]
    elif len(text) > 5000:
        errors["text"] = ["The correction must be at most 5000 characters."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked_visit(visit)
        if not current.is_signed:
            raise ValidationError({"text": ["A draft can still be edited; amendments are for signed notes."]})
        amendment = Amendment.objects.create(
            visit=current, author=by, reason=reason.strip(), text=text.strip(), signed_at=at or timezone.now()
        )
        audit_record(
            actor=by,
            action=Action.VISIT_AMEND,
            patient=current.patient,
            obj=amendment,
            detail={"visit": str(current.pk)},
        )
    return amendment
