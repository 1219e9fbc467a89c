"""The one place that decides which patient data a user may reach.

Every view, API route and export fetches patients and visits through these functions. An object that belongs to
another clinic is answered with 404 (it is not revealed to exist); clinical notes are refused to roles that may not
read them with 403.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from sotclinic.clinic.models import User
    from sotclinic.patients.models import Patient, RedFlag
    from sotclinic.visits.models import AdverseEvent, Visit


def clinic_of(user: Any) -> uuid.UUID:
    """The clinic an active, signed-in member of staff belongs to; anyone else is answered with 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if user.clinic_id is None or not user.is_active:
        raise Http404
    clinic_id: uuid.UUID = user.clinic_id
    return clinic_id


def can_read_clinical(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_practitioner)


def require_clinical(user: User) -> None:
    clinic_of(user)
    if not can_read_clinical(user):
        raise PermissionDenied("Only practitioners can open clinical notes.")


def patients_for(user: User) -> QuerySet[Patient]:
    from sotclinic.patients.models import Patient

    return Patient.objects.filter(clinic_id=clinic_of(user))


def get_patient(user: User, patient_id: Any) -> Patient:
    from sotclinic.patients.models import Patient

    try:
        return patients_for(user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def visits_for(user: User) -> QuerySet[Visit]:
    from sotclinic.visits.models import Visit

    return Visit.objects.filter(clinic_id=clinic_of(user))


def get_visit(user: User, visit_id: Any) -> Visit:
    from sotclinic.visits.models import Visit

    try:
        visit = visits_for(user).select_related("patient", "practitioner", "signed_by").get(pk=visit_id)
    except (Visit.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_clinical(user)
    return visit


def get_red_flag(user: User, patient: Patient, flag_id: Any) -> RedFlag:
    """A red flag of a patient the user may already see; the details are clinical."""
    from sotclinic.patients.models import RedFlag

    require_clinical(user)
    try:
        return RedFlag.objects.get(pk=flag_id, patient=patient, patient__clinic_id=clinic_of(user))
    except (RedFlag.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def get_adverse_event(user: User, event_id: Any) -> AdverseEvent:
    from sotclinic.visits.models import AdverseEvent

    clinic_id = clinic_of(user)
    try:
        event = AdverseEvent.objects.select_related("patient").get(pk=event_id, clinic_id=clinic_id)
    except (AdverseEvent.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_clinical(user)
    return event
