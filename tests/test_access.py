"""Every URL that shows or changes patient data, tried by every persona: the one access helper decides."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sotclinic.audit.models import AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit
from tests.conftest import client_for


def patient_urls(patient: Patient) -> list[tuple[str, str]]:
    pid = {"patient_id": patient.pk}
    return [
        ("get", reverse("patients:chart", kwargs=pid)),
        ("get", reverse("patients:edit", kwargs=pid)),
        ("post", reverse("patients:edit", kwargs=pid)),
        ("post", reverse("patients:complaint_new", kwargs=pid)),
        ("post", reverse("patients:visit_new", kwargs=pid)),
    ]


def visit_urls(visit: Visit) -> list[tuple[str, str]]:
    vid = {"visit_id": visit.pk}
    return [
        ("get", reverse("visits:detail", kwargs=vid)),
        ("post", reverse("visits:autosave", kwargs=vid)),
        ("post", reverse("visits:carry_forward", kwargs=vid)),
        ("post", reverse("visits:sign", kwargs=vid)),
        ("post", reverse("visits:amend", kwargs=vid)),
        ("get", f"/api/visits/{visit.pk}"),
    ]


def call(client: Client, method: str, url: str) -> Any:
    return getattr(client, method)(url, {"family_name": "X", "reason": "x", "text": "y", "code": "neck"})


@pytest.mark.django_db
def test_outsider_gets_404_on_every_url_of_another_clinic(
    outsider: User, patient: Patient, signed_visit: Visit, draft_visit: Visit
) -> None:
    client = client_for(outsider)
    before = Visit.objects.get(pk=signed_visit.pk)
    for method, url in patient_urls(patient) + visit_urls(signed_visit) + visit_urls(draft_visit):
        response = call(client, method, url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert patient.family_name not in response.content.decode(), (method, url)
    client_api = client_for(outsider)
    response = client_api.patch(
        f"/api/visits/{draft_visit.pk}", data={"plan": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Visit.objects.get(pk=signed_visit.pk).content_hash == before.content_hash
    assert not AuditEvent.objects.filter(actor=outsider).exclude(action__startswith="auth.").exists()


@pytest.mark.django_db
def test_front_desk_cannot_open_clinical_notes(
    front_desk: User, patient: Patient, signed_visit: Visit
) -> None:
    client = client_for(front_desk)
    for method, url in visit_urls(signed_visit):
        response = call(client, method, url)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "Low back pain" not in response.content.decode()
    response = client.post(reverse("patients:visit_new", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 403
    assert Visit.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_front_desk_chart_shows_visit_dates_but_no_clinical_content(
    front_desk: User, patient: Patient, signed_visit: Visit
) -> None:
    response = client_for(front_desk).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "01 Nov 2026" in page
    assert "Category II" not in page
    assert "Latest findings" not in page
    assert reverse("visits:detail", kwargs={"visit_id": signed_visit.pk}) not in page


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(patient: Patient, signed_visit: Visit) -> None:
    client = Client()
    for method, url in patient_urls(patient) + visit_urls(signed_visit)[:-1]:
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/login/")
    assert client.get(f"/api/visits/{signed_visit.pk}").status_code == 401


@pytest.mark.django_db
def test_a_guessed_or_malformed_id_is_404(prac_client: Client) -> None:
    assert prac_client.get("/patients/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert prac_client.get("/patients/12345/").status_code == 404
    assert prac_client.get("/api/visits/not-a-uuid").status_code == 404


@pytest.mark.django_db
def test_a_user_without_a_clinic_sees_nothing(db: Any, patient: Patient) -> None:
    loner = User.objects.create_user(username="loner", password="x" * 12)
    client = client_for(loner)
    assert client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).status_code == 404
    assert client.get(reverse("patients:list")).status_code == 404


@pytest.mark.django_db
def test_pages_with_patient_data_are_not_cached(prac_client: Client, patient: Patient) -> None:
    response = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    assert response["Cache-Control"] == "no-store"
