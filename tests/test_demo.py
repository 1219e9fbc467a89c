from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from sotclinic.audit.models import AuditEvent
from sotclinic.clinic.demo import DEMO_PASSWORD
from sotclinic.clinic.models import Clinic, Role, User
from sotclinic.patients.models import Complaint, Patient
from sotclinic.visits.models import Amendment, Visit, VisitStatus


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Clinic, User, Patient, Complaint, Visit, Amendment, AuditEvent)
    }


@pytest.mark.django_db
def test_demo_clinic_is_realistic_and_loading_it_twice_changes_nothing() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo clinic created." in out.getvalue()
    for login in ("dr.hart", "dr.okafor", "desk", "admin", "research", DEMO_PASSWORD, "two-factor"):
        assert login in out.getvalue()
    first = counts()
    assert first["Patient"] == 30
    assert User.objects.filter(role=Role.PRACTITIONER).count() == 2
    assert User.objects.filter(role=Role.FRONT_DESK).count() == 1
    assert User.objects.filter(role=Role.ADMINISTRATOR).count() == 1
    assert User.objects.filter(role=Role.RESEARCHER).count() == 1
    signed = Visit.objects.filter(status=VisitStatus.SIGNED)
    assert {v.category for v in signed} == {"cat1", "cat2", "cat3"}
    assert signed.count() >= 60
    assert all(v.content_hash and v.knowledge_version == "2026.1" for v in signed)
    assert Visit.objects.filter(status=VisitStatus.DRAFT).exists()
    assert Amendment.objects.exists()
    assert signed.filter(variant="pregnancy", pregnancy_week__isnull=False).exists()

    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "Demo clinic already there; nothing changed." in again.getvalue()
    assert counts() == first


@pytest.mark.django_db
def test_demo_logins_work() -> None:
    call_command("seed_demo", stdout=StringIO(), patients=3)

    def log_in(username: str) -> tuple[str, str]:
        response = Client().post("/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)
        return response.redirect_chain[-1][0], response.content.decode()

    # The front desk needs only the password.
    where, page = log_in("desk")
    assert where == "/patients/"
    assert "Riverside SOT Chiropractic (demo)" in page
    assert "3 in this clinic" in page
    # Practitioners and the administrator set up two-factor login first: the page shows the secret key.
    for username in ("dr.hart", "admin"):
        where, page = log_in(username)
        assert where.startswith("/account/mfa/enrol/")
        assert 'id="mfa-secret"' in page
    # The researcher lands on the research page, which shows no patient.
    where, page = log_in("research")
    assert where == "/"
    assert "de-identified exports only" in page
