"""Personas and helpers shared by the Django tests (healthchecks-style: an owner clinic and an outsider)."""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from sotclinic.clinic.authn import AUTH_AT, mfa_required
from sotclinic.clinic.models import Clinic, Role, SealedTOTPDevice, User
from sotclinic.patients.consent import (
    DEFAULT_CONSENT_TEXT,
    consent_sign,
    consent_text_publish,
    current_consent_text,
)
from sotclinic.patients.models import Patient
from sotclinic.patients.services import patient_register
from sotclinic.visits.models import Visit
from sotclinic.visits.services import (
    VisitDraft,
    visit_confirm_screening,
    visit_save_draft,
    visit_sign,
    visit_start,
)

PASSWORD = "correct-horse-battery"

CAT2_FINDINGS: list[dict[str, Any]] = [
    {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
    {"indicator": "arm_fossa", "result": "positive", "side": "right"},
    {"indicator": "first_rib_tender", "result": "positive", "side": "right"},
    {"indicator": "leg_length_supine", "side": "right", "value": 5},
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def output_dir() -> Path:
    path = Path(os.environ.get("SOTCLINIC_TEST_OUTPUT", "test-output"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_user(clinic: Clinic, username: str, role: str) -> User:
    user = User(username=username, clinic=clinic, role=role, first_name=username.title(), last_name="Test")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def clinic(db: Any) -> Clinic:
    return Clinic.objects.create(name="Home Clinic", slug="home")


@pytest.fixture
def other_clinic(db: Any) -> Clinic:
    return Clinic.objects.create(name="Outsider Clinic", slug="outsider")


@pytest.fixture
def practitioner(clinic: Clinic) -> User:
    return make_user(clinic, "prac", Role.PRACTITIONER)


@pytest.fixture
def practitioner2(clinic: Clinic) -> User:
    return make_user(clinic, "prac2", Role.PRACTITIONER)


@pytest.fixture
def front_desk(clinic: Clinic) -> User:
    return make_user(clinic, "desk", Role.FRONT_DESK)


@pytest.fixture
def outsider(other_clinic: Clinic) -> User:
    return make_user(other_clinic, "outsider", Role.PRACTITIONER)


@pytest.fixture
def administrator(clinic: Clinic) -> User:
    return make_user(clinic, "admin", Role.ADMINISTRATOR)


@pytest.fixture
def researcher(clinic: Clinic) -> User:
    return make_user(clinic, "research", Role.RESEARCHER)


def confirmed_totp(user: User) -> SealedTOTPDevice:
    """The user's authenticator app (made, confirmed, if they have none): tests compute its codes with `code_for`."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or SealedTOTPDevice.create_for(user, name="Test phone", confirmed=True)


def code_for(device: SealedTOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` 30-second steps later: a code is accepted once,
    and the device also accepts the next step's code)."""
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"
    )


def stale_auth(client: Client, minutes: float = 6) -> None:
    """Move the client's last password (and code) entry `minutes` into the past: actions behind
    require_recent_auth(minutes=5) then ask to confirm it is you first."""
    session = client.session
    session[AUTH_AT] = time.time() - minutes * 60
    session.save()


def client_for(user: User) -> Client:
    """A client signed in as the user, past the second factor when their role needs one (as after a real login)."""
    client = Client()
    client.force_login(user)
    if mfa_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_totp(user).persistent_id
        session.save()
    return client


@pytest.fixture
def prac_client(practitioner: User) -> Client:
    return client_for(practitioner)


@pytest.fixture
def desk_client(front_desk: User) -> Client:
    return client_for(front_desk)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return client_for(outsider)


@pytest.fixture
def administrator_client(administrator: User) -> Client:
    return client_for(administrator)


@pytest.fixture
def researcher_client(researcher: User) -> Client:
    return client_for(researcher)


def make_patient(by: User, family: str = "Smith", given: str = "Jo", dob: str = "1980-03-07") -> Patient:
    return patient_register(
        by=by,
        data={"family_name": family, "given_names": given, "date_of_birth": datetime.date.fromisoformat(dob)},
    )


def give_consent(patient: Patient, by: User) -> None:
    """Publish the clinic's consent text (if it has none) and record the patient's signature on it."""
    if current_consent_text(patient.clinic) is None:
        consent_text_publish(by=by, title="Consent to care", body=DEFAULT_CONSENT_TEXT)
    consent_sign(patient=patient, by=by, agreed=True, signed_name=patient.full_name)


@pytest.fixture
def patient(practitioner: User) -> Patient:
    """A consenting adult patient of the home clinic."""
    patient = make_patient(practitioner)
    give_consent(patient, practitioner)
    return patient


def make_signed_visit(
    patient: Patient,
    by: User,
    *,
    findings: list[dict[str, Any]] | None = None,
    day: datetime.date | None = None,
    category: str = "cat2",
) -> Visit:
    visit = visit_start(patient=patient, by=by, date=day or datetime.date(2026, 11, 1))
    visit = visit_confirm_screening(visit=visit, by=by)
    draft = VisitDraft(
        complaint="Low back pain", pain=6, findings=list(findings or CAT2_FINDINGS), category=category
    )
    visit = visit_save_draft(visit=visit, by=by, draft=draft)
    return visit_sign(visit=visit, by=by)


@pytest.fixture
def signed_visit(patient: Patient, practitioner: User) -> Visit:
    return make_signed_visit(patient, practitioner)


@pytest.fixture
def draft_visit(patient: Patient, practitioner: User) -> Visit:
    """Today's draft, with the screening confirmed: nothing stops blocking."""
    visit = visit_start(patient=patient, by=practitioner)
    return visit_confirm_screening(visit=visit, by=practitioner)
