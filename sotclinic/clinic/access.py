"""The one place that decides which patient data a user may reach.

Every view, API route and export fetches patients and visits through these functions. An object that belongs to
another clinic is answered with 404 (it is not revealed to exist); clinical notes are refused to roles that may not
read them with 403.

Roles (sotclinic.clinic.models.Role):
- practitioner: patients and their clinical notes;
- front desk: patients' demographics, consent and questionnaire links; no clinical notes;
- administrator: the clinic's settings and staff (`require_administrator`, `get_staff_member`); no patient data at
  all. A clinician who also runs the clinic has two accounts, so that the everyday one carries no admin rights;
- researcher: de-identified exports only; every patient, chart, visit and search page answers 403.
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


_PATIENT_ROLES = ("practitioner", "front_desk")


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


def can_see_patients(user: User) -> bool:
    """Identifiable patient data (demographics at least): practitioners and front desk only."""
    return bool(user.is_authenticated and user.is_active and user.role in _PATIENT_ROLES)


def require_patient_access(user: User) -> uuid.UUID:
    """The user's clinic, for a role that may see patients; administrators and researchers are refused (403)."""
    clinic_id = clinic_of(user)
    if not can_see_patients(user):
        raise PermissionDenied("Your role has no access to patient records.")
    return clinic_id


def require_clinical(user: User) -> None:
    clinic_of(user)
    if not can_read_clinical(user):
        raise PermissionDenied("Only practitioners can open clinical notes.")


def patients_for(user: User) -> QuerySet[Patient]:
    from sotclinic.patients.models import Patient

    clinic_id = clinic_of(user)
    require_patient_access(user)
    return Patient.objects.filter(clinic_id=clinic_id)


def get_patient(user: User, patient_id: Any) -> Patient:
    from sotclinic.patients.models import Patient

    require_patient_access(user)
    try:
        return patients_for(user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def visits_for(user: User) -> QuerySet[Visit]:
    from sotclinic.visits.models import Visit

    clinic_id = clinic_of(user)
    require_patient_access(user)
    return Visit.objects.filter(clinic_id=clinic_id)


def get_visit(user: User, visit_id: Any) -> Visit:
    from sotclinic.visits.models import Visit

    require_patient_access(user)
    try:
        visit = visits_for(user).select_related("patient", "practitioner", "signed_by").get(pk=visit_id)
    except (Visit.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_clinical(user)
    return visit


def get_red_flag(user: User, patient: Patient, flag_id: Any) -> RedFlag:
    """A red flag of a patient the user may already see; the details are clinical."""
    from sotclinic.patients.models import RedFlag

    require_patient_access(user)
    require_clinical(user)
    try:
        return RedFlag.objects.get(pk=flag_id, patient=patient, patient__clinic_id=clinic_of(user))
    except (RedFlag.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def get_adverse_event(user: User, event_id: Any) -> AdverseEvent:
    from sotclinic.visits.models import AdverseEvent

    clinic_id = clinic_of(user)
    require_patient_access(user)
    try:
        event = AdverseEvent.objects.select_related("patient").get(pk=event_id, clinic_id=clinic_id)
    except (AdverseEvent.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_clinical(user)
    return event


def require_administrator(user: User) -> uuid.UUID:
    """The clinic whose settings and staff an administrator manages; anyone else is refused (403)."""
    clinic_id = clinic_of(user)
    if not user.is_administrator:
        raise PermissionDenied("Only the clinic's administrators manage staff and settings.")
    return clinic_id


def staff_for(user: User) -> QuerySet[User]:
    from sotclinic.clinic.models import User

    return User.objects.filter(clinic_id=require_administrator(user))


def get_staff_member(user: User, user_id: Any) -> User:
    """A member of the administrator's own clinic; staff of other clinics are not revealed (404)."""
    from sotclinic.clinic.models import User

    try:
        return staff_for(user).get(pk=user_id)
    except (User.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
