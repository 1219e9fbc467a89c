"""Informed consent to SOT care: the clinic's versioned text, and patients' signatures on it."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.access import clinic_of
from sotclinic.patients.models import Consent, ConsentText, IntakeSource, Patient

if TYPE_CHECKING:
    from sotclinic.clinic.models import Clinic, User

ADULT_AGE = 18

DEFAULT_CONSENT_TEXT = """\
This clinic uses Sacro-Occipital Technique (SOT), a chiropractic method in which padded wedges ("blocks") are \
placed under the pelvis while you lie face down or face up, with light pressure from the practitioner. It may also \
include gentle work on the head and other areas.

Before treatment the practitioner examines you and asks about your health. Tell them about any new symptoms.

Reactions are usually mild and short-lived (for example soreness or tiredness for a day or two). Serious problems \
after manual therapy are rare. You can ask questions at any time, decline any part of the examination or \
treatment, and withdraw this consent whenever you wish.

Your records are kept confidential and are only seen by staff of this clinic who need them for your care."""


def current_consent_text(clinic: Clinic) -> ConsentText | None:
    return ConsentText.objects.filter(clinic=clinic).order_by("-version").first()


def consent_text_publish(*, by: User, title: str, body: str) -> ConsentText:
    """A new version of the clinic's consent text. Patients who signed an older version are asked again."""
    if not by.is_practitioner:
        raise ValidationError({"body": ["Only a practitioner can change the consent text."]})
    if not body.strip():
        raise ValidationError({"body": ["The consent text cannot be empty."]})
    with transaction.atomic():
        clinic_id = clinic_of(by)
        latest = (
            ConsentText.objects.select_for_update()
            .filter(clinic_id=clinic_id)
            .aggregate(v=Max("version"))["v"]
        )
        text = ConsentText.objects.create(
            clinic_id=clinic_id,
            version=(latest or 0) + 1,
            title=title.strip() or "Consent to care",
            body=body.strip(),
            created_by=by,
        )
    return text


def current_consent(patient: Patient) -> Consent | None:
    """The patient's signature on the clinic's current consent text, if there is one and it is not withdrawn."""
    text = current_consent_text(patient.clinic)
    if text is None:
        return None
    return patient.consents.filter(text=text, withdrawn_at__isnull=True).order_by("-signed_at").first()


def consent_sign(
    *,
    patient: Patient,
    by: User | None,
    agreed: bool,
    signed_name: str,
    by_guardian: bool = False,
    guardian_relationship: str = "",
    source: str = IntakeSource.CLINIC,
    today: datetime.date | None = None,
) -> Consent:
    errors: dict[str, list[str]] = {}
    text = current_consent_text(patient.clinic)
    if text is None:
        raise ValidationError(
            {"agreed": ["The clinic has no consent text yet: a practitioner must add one."]}
        )
    if not agreed:
        errors["agreed"] = ["Tick the box to confirm you have read and agree to the consent."]
    name = " ".join(signed_name.split())
    if not name:
        errors["signed_name"] = ["Type your full name to sign."]
    elif len(name) > 200:
        errors["signed_name"] = ["The name must be at most 200 characters."]
    age = patient.age_on(today or timezone.localdate())
    if age < ADULT_AGE and not by_guardian:
        errors["by_guardian"] = [f"The patient is {age}: a parent or guardian must sign."]
    if by_guardian and not guardian_relationship.strip():
        errors["guardian_relationship"] = ["Say how the guardian is related to the patient."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = Consent.objects.create(
            patient=patient,
            text=text,
            signed_name=name,
            signed_at=timezone.now(),
            by_guardian=by_guardian,
            guardian_relationship=guardian_relationship.strip()[:100] if by_guardian else "",
            source=source,
            recorded_by=by,
        )
        if by is not None:
            audit_record(
                actor=by,
                action=Action.CONSENT_SIGN,
                patient=patient,
                obj=consent,
                detail={"version": text.version, "by_guardian": by_guardian},
            )
    return consent
