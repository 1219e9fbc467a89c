"""Adverse events after a visit: report, follow up, and the clinic's register."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_by_patient, audit_record
from sotclinic.visits.models import AdverseEvent, Causality, Severity

if TYPE_CHECKING:
    from sotclinic.clinic.models import User
    from sotclinic.patients.models import Patient
    from sotclinic.visits.models import Visit

FOLLOW_UP_DAYS = 2  # ask again at 24-48 h (measures reference, "Adverse events")


def adverse_event_report(
    *,
    patient: Patient,
    visit: Visit | None,
    by: User | None,
    description: str,
    began_at: datetime.datetime,
    severity: str,
    duration: str = "",
    action_taken: str = "",
    causality: str = Causality.POSSIBLE,
    via: str = "clinic",
) -> AdverseEvent:
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Describe what happened."]
    if severity not in Severity.values:
        errors["severity"] = ["Choose mild, moderate or severe (major)."]
    if causality not in Causality.values:
        errors["causality"] = ["Choose unrelated, possibly related or probably related."]
    now = timezone.now()
    if began_at > now + datetime.timedelta(minutes=5):
        errors["began_at"] = ["The event cannot begin in the future."]
    elif began_at.date() < max(patient.date_of_birth, datetime.date(1900, 1, 2)):
        errors["began_at"] = ["The event cannot begin before the patient was born."]
    if visit is not None and visit.signed_at and began_at < visit.signed_at - datetime.timedelta(days=1):
        errors["began_at"] = ["The event began before the visit it follows."]
    if visit is not None and visit.patient_id != patient.pk:
        errors["visit"] = ["That visit belongs to another patient."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            visit=visit,
            reported_by=by,
            reported_via=via,
            description=description.strip()[:2000],
            began_at=began_at,
            severity=severity,
            duration=duration.strip()[:100],
            action_taken=action_taken.strip()[:2000],
            causality=causality,
            follow_up_due=(timezone.localdate() + datetime.timedelta(days=FOLLOW_UP_DAYS))
            if severity == Severity.MAJOR
            else None,
        )
        detail = {"severity": severity, "via": via}
        if by is not None:
            audit_record(actor=by, action=Action.ADVERSE_REPORT, patient=patient, obj=event, detail=detail)
        else:
            audit_by_patient(patient=patient, action=Action.ADVERSE_REPORT, obj=event, detail=detail)
    return event


def adverse_event_follow_up(*, event: AdverseEvent, by: User, notes: str) -> AdverseEvent:
    if not notes.strip():
        raise ValidationError({"follow_up_notes": ["Write what the follow-up found."]})
    with transaction.atomic():
        current = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        if current.followed_up_at is not None:
            raise ValidationError({"follow_up_notes": ["This event has already been followed up."]})
        current.followed_up_at = timezone.now()
        current.follow_up_notes = notes.strip()[:2000]
        current.save(update_fields=["followed_up_at", "follow_up_notes"])
        audit_record(actor=by, action=Action.ADVERSE_FOLLOW_UP, patient=current.patient, obj=current)
    return current


def adverse_register(*, events: QuerySet[AdverseEvent], severity: str | None = None) -> dict[str, Any]:
    """The register over `events`: the ones the user may list (sotclinic.clinic.access.adverse_events_for)."""
    events = events.select_related("patient", "visit", "reported_by")
    counts = {row["severity"]: row["n"] for row in events.values("severity").annotate(n=Count("id"))}
    if severity:
        events = events.filter(severity=severity)
    return {
        "events": events.order_by("-began_at"),
        "counts": [(code, label, counts.get(code, 0)) for code, label in Severity.choices],
        "awaiting_follow_up": events.filter(severity=Severity.MAJOR, followed_up_at__isnull=True).count(),
    }
