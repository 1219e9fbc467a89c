"""The safety gate: what must be true before blocking can be recorded for a visit.

One function decides it, and every path that records blocking (the visit page, its autosave, signing, the API)
goes through `visit_save_draft`, which asks it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sotclinic.patients.consent import current_consent, current_consent_text
from sotclinic.patients.models import FlagStatus, RedFlag, Urgency

if TYPE_CHECKING:
    from sotclinic.visits.models import Visit


@dataclass(frozen=True)
class Stop:
    kind: str  # "flag" | "consent" | "screening"
    title: str
    detail: str
    flag: RedFlag | None = None


def open_flags(patient_id: uuid.UUID) -> list[RedFlag]:
    flags = RedFlag.objects.filter(patient_id=patient_id, status=FlagStatus.OPEN)
    order = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.CAUTION: 2}
    return sorted(flags, key=lambda f: (order.get(f.urgency, 9), f.raised_at))  # type: ignore[call-overload]


def blocking_stops(visit: Visit) -> list[Stop]:
    """Everything that stops blocking at this visit, most serious first. Empty when blocking may go ahead."""
    stops: list[Stop] = []
    for flag in open_flags(visit.patient_id):
        if flag.urgency == Urgency.CAUTION:
            continue
        stops.append(
            Stop("flag", f"{flag.get_urgency_display()}: {flag.name}", flag.action or flag.why, flag)
        )
    patient = visit.patient
    if current_consent(patient) is None:
        text = current_consent_text(patient.clinic)
        if text is None:
            detail = "The clinic has no consent text yet: a practitioner adds it under Consent text."
        else:
            detail = f"Record the patient's consent to SOT care (current text: version {text.version})."
            if patient.age_on(visit.date) < 18:
                detail += " The patient is a minor: a parent or guardian signs."
        stops.append(Stop("consent", "No current consent to SOT care", detail))
    if visit.screening_confirmed_at is None:
        stops.append(
            Stop(
                "screening",
                "Screening not confirmed for this visit",
                "Confirm that nothing has changed since the last screening (Alt+Y), or update the answers.",
            )
        )
    return stops


def caution_flags(patient_id: uuid.UUID) -> list[RedFlag]:
    """Caution flags: treatment may proceed, but each needs its modification recorded before signing."""
    return [f for f in open_flags(patient_id) if f.urgency == Urgency.CAUTION]
