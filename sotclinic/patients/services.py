"""Writes to patient records. Each runs in one transaction and writes its audit row inside it."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.access import require_patient_access
from sotclinic.clinic.models import CaseloadMember
from sotclinic.patients.models import Complaint, Patient

if TYPE_CHECKING:
    from sotclinic.clinic.models import User

DEMOGRAPHIC_FIELDS = ("family_name", "given_names", "date_of_birth", "sex", "phone", "email", "address")


def patient_register(*, by: User, data: dict[str, Any]) -> Patient:
    with transaction.atomic():
        patient = Patient(
            clinic_id=require_patient_access(by), **{k: data[k] for k in DEMOGRAPHIC_FIELDS if k in data}
        )
        patient.set_keys()
        patient.full_clean()
        patient.save()
        detail = {}
        if by.is_practitioner:  # who registers a patient looks after them (sotclinic/clinic/caseloads.py)
            CaseloadMember.objects.create(patient=patient, practitioner=by, added_by=by)
            detail["caseload_added"] = str(by.pk)
        audit_record(actor=by, action=Action.PATIENT_CREATE, patient=patient, obj=patient, detail=detail)
    return patient


def patient_update(*, patient: Patient, by: User, data: dict[str, Any]) -> Patient:
    with transaction.atomic():
        changed = [k for k in DEMOGRAPHIC_FIELDS if k in data and getattr(patient, k) != data[k]]
        for key in changed:
            setattr(patient, key, data[key])
        patient.set_keys()
        patient.full_clean()
        patient.save()
        audit_record(
            actor=by, action=Action.PATIENT_UPDATE, patient=patient, obj=patient, detail={"fields": changed}
        )
    return patient


def complaint_add(
    *, patient: Patient, by: User, code: str, description: str = "", onset: datetime.date | None = None
) -> Complaint:
    with transaction.atomic():
        complaint = Complaint(patient=patient, code=code, description=description, onset=onset)
        complaint.full_clean()
        complaint.save()
        audit_record(
            actor=by, action=Action.COMPLAINT_CREATE, patient=patient, obj=complaint, detail={"code": code}
        )
    return complaint
