from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count

from sotclinic.sot import default_kb
from sotclinic.visits.display import category_label, finding_rows
from sotclinic.visits.models import Visit, VisitStatus

if TYPE_CHECKING:
    from sotclinic.patients.models import Patient


def chart_summary(*, patient: Patient, clinical: bool) -> dict[str, Any]:
    """What the chart shows. Without clinical access only visit dates and status are returned."""
    kb = default_kb()
    visits = list(
        Visit.objects.filter(patient=patient)
        .select_related("practitioner")
        .annotate(amendment_count=Count("amendments"))
        .order_by("-date", "-created_at")
    )
    signed = [v for v in visits if v.status == VisitStatus.SIGNED]
    summary: dict[str, Any] = {
        "visits": visits,
        "drafts": [v for v in visits if v.status == VisitStatus.DRAFT],
        "complaints": list(patient.complaints.all()),
        "visit_count": len(signed),
    }
    if not clinical:
        return summary
    summary["category_history"] = [
        {"date": v.date, "category": v.category, "label": category_label(v.category), "visit": v}
        for v in reversed(signed)
    ]
    latest = signed[0] if signed else None
    summary["latest"] = latest
    summary["latest_findings"] = finding_rows(latest.findings, kb) if latest else []
    return summary


def safety_summary(*, patient: Patient, clinical: bool) -> dict[str, Any]:
    """Open flags, consent and screening status for the top of the chart."""
    from sotclinic.patients.consent import current_consent, current_consent_text
    from sotclinic.patients.flags import latest_intake
    from sotclinic.visits.gate import open_flags

    flags = open_flags(patient.pk)
    summary: dict[str, Any] = {
        "open_flag_count": len(flags),
        "consent": current_consent(patient),
        "consent_text": current_consent_text(patient.clinic),
        "last_intake": latest_intake(patient),
    }
    if clinical:
        summary["open_flags"] = flags
        summary["decided_flags"] = list(patient.red_flags.exclude(status="open").select_related("decided_by"))
        summary["adverse_events"] = list(patient.adverse_events.select_related("visit").order_by("-began_at"))
    return summary
