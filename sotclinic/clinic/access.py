"""The one place that decides which patient data a user may reach.

Every view, API route and export fetches patients and visits through these functions. An object that belongs to
another clinic is answered with 404 (it is not revealed to exist); clinical notes are refused to roles that may not
read them with 403.

Roles (sotclinic.clinic.models.Role):
- practitioner: patients and their clinical notes;
- front desk: patients' demographics, consent and questionnaire links; no clinical notes;
- administrator: the clinic's settings and staff (`require_administrator`, `get_staff_member`); no patient data at
  all. A clinician who also runs the clinic has two accounts, so that the everyday one carries no admin rights;
- researcher: de-identified exports only (`require_researcher`, `research_sources`: signed visits only, read by
  sotclinic/reports/deidentified.py); every patient, chart, visit and search page answers 403.

Caseloads (a clinic option, off by default: `Clinic.caseloads_enabled`). When the user's clinic keeps caseloads
and the user is a practitioner, a patient's record (`get_patient`: chart, demographics, consent, screening,
outcomes; `get_visit`; `get_red_flag`; `get_adverse_event`; the adverse-event register, `adverse_events_for`)
opens only when one of these holds, checked after the clinic (404) and the role (403), in `require_caseload`:
- the patient is in the practitioner's caseload (`CaseloadMember`), or
- the practitioner holds a break-the-glass grant of their own to this patient that has not expired
  (`BreakGlassGrant.expires_at` in the future; an expired grant is exactly no grant).
Otherwise `OutsideCaseload` (a PermissionDenied that carries the patient's id) is raised: pages answer with the
break-the-glass page (403, sotclinic/clinic/caseload_views.py), which shows the patient's name and nothing else of
the record (the practitioner finds name and date of birth in the patient search anyway, and must see whose record
they are about to open); the API answers 403 JSON naming no patient. Another clinic's patient stays 404, never a
break-the-glass page. Unaffected: the front desk (demographics clinic-wide; no clinical notes anyway); the patient
search and list (names and dates of birth of the clinic, marked "not in your caseload", `outside_caseload`); the
outcomes report (counts only) and the audit trail (patient ids only). Every audit row a practitioner writes about
a patient they reach through a grant says so: `"break_glass": <grant id>` in its detail (`break_glass_in_use`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from sotclinic.clinic.models import BreakGlassGrant, User
    from sotclinic.outcomes.models import Response
    from sotclinic.patients.models import Complaint, Patient, RedFlag
    from sotclinic.visits.models import AdverseEvent, Visit


_PATIENT_ROLES = ("practitioner", "front_desk")
_AUDIT_ROLES = ("practitioner", "administrator")


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
        patient = patients_for(user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_caseload(user, patient.pk)
    return patient


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
    require_caseload(user, visit.patient_id)
    return visit


def get_red_flag(user: User, patient: Patient, flag_id: Any) -> RedFlag:
    """A red flag of a patient the user may already see; the details are clinical."""
    from sotclinic.patients.models import RedFlag

    require_patient_access(user)
    require_clinical(user)
    try:
        flag = RedFlag.objects.get(pk=flag_id, patient=patient, patient__clinic_id=clinic_of(user))
    except (RedFlag.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_caseload(user, flag.patient_id)
    return flag


def get_adverse_event(user: User, event_id: Any) -> AdverseEvent:
    from sotclinic.visits.models import AdverseEvent

    clinic_id = clinic_of(user)
    require_patient_access(user)
    try:
        event = AdverseEvent.objects.select_related("patient").get(pk=event_id, clinic_id=clinic_id)
    except (AdverseEvent.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require_clinical(user)
    require_caseload(user, event.patient_id)
    return event


def adverse_events_for(user: User) -> QuerySet[AdverseEvent]:
    """The adverse events a practitioner may list (the register): the clinic's, within the caseload rule."""
    from sotclinic.visits.models import AdverseEvent

    clinic_id = clinic_of(user)
    require_clinical(user)
    return AdverseEvent.objects.filter(clinic_id=clinic_id).filter(_reachable(user))


# --- caseloads and break the glass (see the module's docstring) ----------------------------------------------------

OUTSIDE_CASELOAD = "This patient is not in your caseload. Break the glass to open the record: give a reason."


class OutsideCaseload(PermissionDenied):
    """The patient is of the user's clinic but outside their caseload, and they hold no active grant. Carries the
    patient's id for the break-the-glass page; the message names no patient (the API shows it as it is)."""

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(OUTSIDE_CASELOAD)
        self.patient_id = patient_id


def caseloads_apply(user: User) -> bool:
    """Caseloads limit this user: a practitioner whose clinic keeps caseloads."""
    if not user.is_practitioner:
        return False
    clinic = user.clinic
    return bool(clinic is not None and clinic.caseloads_enabled)


def in_caseload(user: User, patient_id: Any) -> bool:
    from sotclinic.clinic.models import CaseloadMember

    return CaseloadMember.objects.filter(practitioner=user, patient_id=patient_id).exists()


def active_break_glass(user: User, patient_id: Any) -> BreakGlassGrant | None:
    """The user's own grant to this patient that has not expired (the one that lasts longest), if any."""
    from sotclinic.clinic.models import BreakGlassGrant

    grants = BreakGlassGrant.objects.filter(user=user, patient_id=patient_id, expires_at__gt=timezone.now())
    return grants.order_by("-expires_at").first()


def require_caseload(user: User, patient_id: Any) -> None:
    """The caseload rule: raise OutsideCaseload unless one of its conditions lets the user in."""
    if not caseloads_apply(user):
        return
    if in_caseload(user, patient_id):
        return
    if active_break_glass(user, patient_id) is not None:
        return
    raise OutsideCaseload(patient_id)


def break_glass_in_use(user: User, patient_id: Any) -> BreakGlassGrant | None:
    """The grant through which the user reaches this patient now, or None when they need none (caseloads off, or
    the patient in their caseload) or have none. The audit trail tags each row with it."""
    if not caseloads_apply(user) or in_caseload(user, patient_id):
        return None
    return active_break_glass(user, patient_id)


def _reachable(user: User) -> Q:
    """A filter on rows with a `patient_id`: those whose patient the user may open under the caseload rule."""
    from sotclinic.clinic.models import CaseloadMember

    if not caseloads_apply(user):
        return Q()
    mine = CaseloadMember.objects.filter(practitioner=user).values("patient_id")
    return Q(patient_id__in=mine) | Q(patient_id__in=_grant_patients(user))


def outside_caseload(user: User, patient_ids: list[Any]) -> set[Any]:
    """Of these patients (of the user's clinic, from the search), the ones the user would have to break the glass
    to open: none when caseloads do not apply."""
    from sotclinic.patients.models import Patient

    if not caseloads_apply(user):
        return set()
    allowed = set(
        Patient.objects.filter(pk__in=patient_ids)
        .filter(Q(caseload__practitioner=user) | Q(pk__in=_grant_patients(user)))
        .values_list("pk", flat=True)
    )
    return set(patient_ids) - allowed


def _grant_patients(user: User) -> QuerySet[Any]:
    from sotclinic.clinic.models import BreakGlassGrant

    return BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now()).values("patient_id")


def patient_to_break_glass(user: User, patient_id: Any) -> Patient:
    """A patient of the user's clinic (404 otherwise) for a practitioner to break the glass to, without the caseload
    rule (that is what breaking the glass is for); other roles are refused (403): the front desk has no caseload,
    administrators and researchers no patient data."""
    from sotclinic.patients.models import Patient

    require_patient_access(user)
    require_clinical(user)
    try:
        return patients_for(user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def break_glass_grants_for(user: User) -> QuerySet[BreakGlassGrant]:
    """The clinic's break-the-glass grants, for its administrator to review (403 for anyone else). The page shows
    the patient's id, never a name: administrators have no patient data."""
    from sotclinic.clinic.models import BreakGlassGrant

    return BreakGlassGrant.objects.filter(clinic_id=require_administrator(user))


def get_break_glass_grant(user: User, grant_id: Any) -> BreakGlassGrant:
    """One grant of the administrator's own clinic; other clinics' grants are not revealed (404)."""
    from sotclinic.clinic.models import BreakGlassGrant

    try:
        return break_glass_grants_for(user).get(pk=grant_id)
    except (BreakGlassGrant.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def require_administrator(user: User) -> uuid.UUID:
    """The clinic whose settings and staff an administrator manages; anyone else is refused (403)."""
    clinic_id = clinic_of(user)
    if not user.is_administrator:
        raise PermissionDenied("Only the clinic's administrators manage staff and settings.")
    return clinic_id


def require_audit_reader(user: User) -> uuid.UUID:
    """The clinic whose audit trail the user may search and export: practitioners and administrators (the trail
    shows patient ids, never names); other members 403, anyone outside a clinic 404."""
    clinic_id = clinic_of(user)
    if user.role not in _AUDIT_ROLES:
        raise PermissionDenied("Only practitioners and administrators can search the audit trail.")
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


def require_researcher(user: User) -> uuid.UUID:
    """The clinic whose de-identified export a researcher may download; every other role is refused (403)."""
    clinic_id = clinic_of(user)
    if user.role != "researcher":
        raise PermissionDenied("Only the clinic's researchers download the de-identified export.")
    return clinic_id


@dataclass(frozen=True)
class ResearchSources:
    """What a de-identified export may be built from: one clinic's rows, signed visits only (a draft is not data
    yet). The rows still hold identifiers; the builder (sotclinic/reports/deidentified.py) reads only the coded
    columns of them."""

    clinic_id: uuid.UUID
    patients: QuerySet[Patient]
    complaints: QuerySet[Complaint]
    visits: QuerySet[Visit]
    responses: QuerySet[Response]
    adverse_events: QuerySet[AdverseEvent]


def research_sources(user: User) -> ResearchSources:
    """The researcher's own clinic's sources (403 for every other role, 404 outside a clinic)."""
    return research_sources_of_clinic(require_researcher(user))


def research_sources_of_clinic(clinic_id: uuid.UUID) -> ResearchSources:
    """One clinic's sources, for the server's own command line (`sotclinic research-export`), which has no user."""
    from sotclinic.outcomes.models import Response
    from sotclinic.patients.models import Complaint, Patient
    from sotclinic.visits.models import AdverseEvent, Visit, VisitStatus

    return ResearchSources(
        clinic_id=clinic_id,
        patients=Patient.objects.filter(clinic_id=clinic_id),
        complaints=Complaint.objects.filter(patient__clinic_id=clinic_id),
        visits=Visit.objects.filter(clinic_id=clinic_id, status=VisitStatus.SIGNED),
        responses=Response.objects.filter(patient__clinic_id=clinic_id),
        adverse_events=AdverseEvent.objects.filter(clinic_id=clinic_id, patient__clinic_id=clinic_id),
    )
