"""Screening answers, the red flags they raise, and the practitioner's decisions on them."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.patients.models import FlagStatus, Intake, IntakeSource, Patient, RedFlag
from sotclinic.safety import Screening, age_years, default_rules, evaluate, questions_for

if TYPE_CHECKING:
    from sotclinic.clinic.models import User
    from sotclinic.visits.models import Visit


def latest_intake(patient: Patient) -> Intake | None:
    return patient.intakes.order_by("-answered_at").first()


def filled_answers(patient: Patient, on: datetime.date) -> dict[str, Any]:
    """Answers the app fills in itself (age from the date of birth) instead of asking."""
    return {
        q.code: age_years(patient.date_of_birth, on)
        for q in questions_for("patient")
        if q.filled_from == "date_of_birth"
    }


def intake_record(
    *,
    patient: Patient,
    by: User | None,
    answers: dict[str, Any],
    findings: dict[str, Any] | None = None,
    source: str = IntakeSource.CLINIC,
    visit: Visit | None = None,
) -> tuple[Intake, Screening, list[RedFlag]]:
    """Store a set of screening answers and open a red flag for each newly raised one.

    A flag that is already open for the patient is not raised twice. Raises ValidationError naming a bad answer;
    then nothing is stored.
    """
    rules = default_rules()
    full = {**answers, **filled_answers(patient, timezone.localdate())}
    try:
        screening = evaluate(full, findings or {}, rules=rules)
    except ValueError as exc:
        raise ValidationError({"answers": [str(exc)]}) from None
    now = timezone.now()
    with transaction.atomic():
        intake = Intake.objects.create(
            patient=patient,
            answers=full,
            findings=findings or {},
            answered_at=now,
            source=source,
            recorded_by=by,
            visit=visit,
            rules_version=screening.rules_version,
        )
        already_open = set(
            RedFlag.objects.select_for_update()
            .filter(patient=patient, status=FlagStatus.OPEN)
            .values_list("code", flat=True)
        )
        raised = []
        for flag in screening.raised:
            if flag.code in already_open:
                continue
            raised.append(
                RedFlag.objects.create(
                    patient=patient,
                    code=flag.code,
                    name=flag.name,
                    urgency=flag.urgency,
                    why=flag.why,
                    action=flag.action,
                    modification=flag.modification or "",
                    contraindicates=sorted(flag.contraindicates),
                    because=dict(flag.because),
                    source=flag.source,
                    raised_at=now,
                    intake=intake,
                    rules_version=screening.rules_version,
                )
            )
        if visit is not None:
            from sotclinic.visits.models import Visit as VisitModel

            VisitModel.objects.filter(pk=visit.pk, status="draft").update(screening_confirmed_at=now)
        if by is not None:
            audit_record(
                actor=by,
                action=Action.INTAKE_RECORD,
                patient=patient,
                obj=intake,
                detail={"raised": [f.code for f in raised], "source": source},
            )
    return intake, screening, raised


def flag_decide(
    *,
    flag: RedFlag,
    by: User,
    decision: str,
    reason: str = "",
    referred_to: str = "",
    referral_date: datetime.date | None = None,
) -> RedFlag:
    """Record the practitioner's decision on an open flag: referred (to whom, when) or proceed with a reason."""
    if not by.is_practitioner:
        raise ValidationError({"decision": ["Only a practitioner can decide on a red flag."]})
    errors: dict[str, list[str]] = {}
    if decision not in (FlagStatus.REFERRED, FlagStatus.PROCEED):
        errors["decision"] = ["Choose referred or proceed."]
    if decision == FlagStatus.REFERRED and (not referred_to.strip() or referral_date is None):
        errors["referred_to"] = ["A referral needs to whom and when."]
    if decision == FlagStatus.PROCEED and not reason.strip():
        errors["reason"] = ["Give the reason it is safe to proceed."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = RedFlag.objects.select_for_update().get(pk=flag.pk)
        if current.status != FlagStatus.OPEN:
            raise ValidationError({"decision": ["A decision is already recorded for this flag."]})
        current.status = decision
        current.decided_by = by
        current.decided_at = timezone.now()
        current.decision_reason = reason.strip()[:2000]
        current.referred_to = referred_to.strip()[:200]
        current.referral_date = referral_date
        current.save()
        audit_record(
            actor=by,
            action=Action.FLAG_DECIDE,
            patient=current.patient,
            obj=current,
            detail={"code": current.code, "decision": decision},
        )
    return current
