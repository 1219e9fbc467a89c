"""Writes for caseloads and break the glass. Each runs in one transaction and writes its audit row in it.

Who may call them is decided before, in sotclinic/clinic/access.py (the views fetch the patient or the grant through
it); these check what the data itself must satisfy: a practitioner of the patient's clinic, a reason that says
something, a grant reviewed once.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.models import BreakGlassGrant, CaseloadMember, Clinic, Role, User
from sotclinic.clinic.text import text_problem

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from sotclinic.patients.models import Patient

REASON_MIN = 10
REASON_MAX = 500
NOTE_MAX = 500


def clinic_practitioners(clinic_id: Any) -> QuerySet[User]:
    """The practitioners a patient of this clinic can be given: active, of the same clinic."""
    return User.objects.filter(clinic_id=clinic_id, role=Role.PRACTITIONER, is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def caseload_of(patient: Patient) -> QuerySet[CaseloadMember]:
    return CaseloadMember.objects.filter(patient=patient).select_related("practitioner")


def _practitioner_for(patient: Patient, practitioner_id: Any) -> User:
    try:
        return clinic_practitioners(patient.clinic_id).get(pk=practitioner_id)
    except (User.DoesNotExist, ValueError, ValidationError):
        raise ValidationError("Choose one of the clinic's practitioners.") from None


def caseload_add(*, patient: Patient, practitioner_id: Any, by: User) -> tuple[User, bool]:
    """Add a practitioner for the patient. Returns (practitioner, added); adding one already there changes
    nothing and writes no row."""
    practitioner = _practitioner_for(patient, practitioner_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                CaseloadMember.objects.create(patient=patient, practitioner=practitioner, added_by=by)
        except IntegrityError:
            return practitioner, False
        audit_record(
            actor=by,
            action=Action.CASELOAD_ADD,
            patient=patient,
            obj=patient,
            detail={"practitioner": str(practitioner.pk)},
        )
    return practitioner, True


def caseload_remove(*, patient: Patient, practitioner_id: Any, by: User) -> tuple[User, bool]:
    """Remove a practitioner for the patient (one since deactivated too). Returns (practitioner, removed)."""
    try:
        member = CaseloadMember.objects.select_related("practitioner").get(
            patient=patient, practitioner_id=practitioner_id
        )
    except (CaseloadMember.DoesNotExist, ValueError, ValidationError):
        return _practitioner_for(patient, practitioner_id), False
    practitioner = member.practitioner
    with transaction.atomic():
        deleted, _ = CaseloadMember.objects.filter(pk=member.pk).delete()
        if not deleted:
            return practitioner, False
        audit_record(
            actor=by,
            action=Action.CASELOAD_REMOVE,
            patient=patient,
            obj=patient,
            detail={"practitioner": str(practitioner.pk)},
        )
    return practitioner, True


def clean_reason(reason: str) -> str:
    """The reason as stored: stripped, at least REASON_MIN and at most REASON_MAX characters."""
    text = " ".join((reason or "").split())
    if problem := text_problem(text, max_length=len(text)):
        raise ValidationError(f"The reason {problem}.")
    if not text:
        raise ValidationError("Give a reason for opening this record.")
    if len(text) < REASON_MIN:
        raise ValidationError(
            f"The reason is too short: say why you need this record (at least {REASON_MIN} characters)."
        )
    if len(text) > REASON_MAX:
        raise ValidationError(
            f"The reason is too long: at most {REASON_MAX} characters (it has {len(text)})."
        )
    return text


def break_glass_open(*, patient: Patient, by: User, reason: str) -> BreakGlassGrant:
    """Give `by` access to a patient outside their caseload for the clinic's break_glass_minutes, with the reason;
    the audit row (patient set, reason in its detail) is written in the same transaction."""
    text = clean_reason(reason)
    if by.clinic_id is None or by.clinic_id != patient.clinic_id or by.role != Role.PRACTITIONER:
        raise ValidationError("Only a practitioner of the patient's clinic can break the glass.")
    with transaction.atomic():
        clinic = Clinic.objects.get(pk=patient.clinic_id)
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            clinic=clinic,
            patient=patient,
            user=by,
            reason=text,
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=clinic.break_glass_minutes),
        )
        audit_record(
            actor=by,
            action=Action.BREAK_GLASS,
            patient=patient,
            obj=grant,
            detail={
                "reason": text,
                "minutes": clinic.break_glass_minutes,
                "expires_at": grant.expires_at.isoformat(timespec="seconds"),
            },
        )
    return grant


def break_glass_review(*, grant: BreakGlassGrant, by: User, note: str = "") -> BreakGlassGrant:
    """The administrator has looked at this access: who, when, and an optional note. Reviewed once."""
    text = " ".join((note or "").split())
    if problem := text_problem(text, max_length=len(text)):
        raise ValidationError(f"The note {problem}.")
    if len(text) > NOTE_MAX:
        raise ValidationError(f"The note is too long: at most {NOTE_MAX} characters (it has {len(text)}).")
    with transaction.atomic():
        grant = BreakGlassGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.reviewed_at is not None:
            raise ValidationError("This access was already reviewed.")
        grant.reviewed_by = by
        grant.reviewed_at = timezone.now()
        grant.review_note = text
        grant.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        audit_record(
            actor=by,
            action=Action.BREAK_GLASS_REVIEW,
            patient=grant.patient,
            obj=grant,
            detail={"note": text} if text else {},
        )
    return grant


def break_glass_to_review(clinic_id: Any) -> int:
    """How many of the clinic's break-the-glass accesses the administrator has not reviewed yet."""
    return BreakGlassGrant.objects.filter(clinic_id=clinic_id, reviewed_at__isnull=True).count()


def active_grants_of(user: User) -> QuerySet[BreakGlassGrant]:
    """The user's own grants that have not expired, soonest to end first (shown on their patient list)."""
    return (
        BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now())
        .select_related("patient")
        .order_by("expires_at")
    )
