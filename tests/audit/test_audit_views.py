"""The audit trail page and its CSV export: who may open them, what they show, the filters."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.audit.services import audit_record
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from tests.conftest import client_for, make_patient

pytestmark = pytest.mark.usefixtures("audit_urls")


@pytest.fixture
def trail(practitioner: User, front_desk: User, patient: Patient, outsider: User) -> Patient:
    other = make_patient(practitioner, family="Other", given="Pat")
    audit_record(actor=practitioner, action=Action.CHART_VIEW, patient=patient, obj=patient)
    audit_record(actor=front_desk, action=Action.PATIENT_VIEW, patient=other, obj=other)
    audit_record(actor=outsider, action=Action.PATIENT_SEARCH, detail={"results": 0})
    return other


def rows_of(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_practitioner_sees_the_clinics_trail_only(
    trail: Patient, prac_client: Client, practitioner: User
) -> None:
    response = prac_client.get("/audit/")
    assert response.status_code == 200
    page = response.context["page"]
    home_rows = AuditEvent.objects.filter(clinic=practitioner.clinic).count()
    assert page.paginator.count == home_rows
    assert all(event.clinic_id == practitioner.clinic_id for event in page)
    assert b"outsider" not in response.content
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "desk"}, {("desk", "patient.view")}),
        ({"action": "chart.view"}, {("prac", "chart.view")}),
        ({"action": "chart.view", "actor": "desk"}, set()),
    ],
)
def test_filters(
    trail: Patient, prac_client: Client, query: dict[str, str], expected: set[tuple[str, str]]
) -> None:
    page = prac_client.get("/audit/", query).context["page"]
    assert {(event.actor.username, event.action) for event in page} == expected


def test_filter_by_patient(trail: Patient, prac_client: Client) -> None:
    page = prac_client.get("/audit/", {"patient": str(trail.pk)}).context["page"]
    assert {event.action for event in page} == {"patient.create", "patient.view"}


def test_filter_by_dates(trail: Patient, prac_client: Client) -> None:
    today = timezone.localdate()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert prac_client.get("/audit/", {"since": today.isoformat()}).context["page"].paginator.count > 0
    assert prac_client.get("/audit/", {"until": yesterday}).context["page"].paginator.count == 0
    response = prac_client.get("/audit/", {"since": today.isoformat(), "until": yesterday})
    assert response.context["form"].errors == {"until": ["The end date is before the start date."]}
    assert response.context["page"].paginator.count == 0


def test_bad_filter_is_named(trail: Patient, prac_client: Client) -> None:
    response = prac_client.get("/audit/", {"patient": "not-a-uuid"})
    assert response.context["form"].errors == {"patient": ["Enter a valid UUID."]}


def test_paging(practitioner: User, prac_client: Client) -> None:
    for _ in range(55):
        audit_record(actor=practitioner, action=Action.PATIENT_SEARCH)
    first = prac_client.get("/audit/", {"action": "patient.search"})
    # Row 1 of the chain is the practitioner's login (auth.login); the searches are rows 2 to 56.
    assert [event.seq for event in first.context["page"]][:2] == [56, 55]
    second = prac_client.get("/audit/", {"action": "patient.search", "page": 2})
    assert [event.seq for event in second.context["page"]] == [6, 5, 4, 3, 2]
    assert b"action=patient.search&amp;page=1" in second.content


def test_export_streams_the_filtered_trail(trail: Patient, prac_client: Client, practitioner: User) -> None:
    response = prac_client.get("/audit/export.csv", {"actor": "prac"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    assert response["Cache-Control"] == "no-store"
    rows = rows_of(response)
    expected = AuditEvent.objects.filter(clinic=practitioner.clinic, actor=practitioner).count()
    assert len(rows) == expected
    assert {row["clinic"] for row in rows} == {"home"}
    assert [int(row["seq"]) for row in rows] == sorted(int(row["seq"]) for row in rows)


def test_export_of_a_bad_filter_is_refused(trail: Patient, prac_client: Client) -> None:
    assert prac_client.get("/audit/export.csv", {"since": "soon"}).status_code == 400


def test_front_desk_is_refused(trail: Patient, desk_client: Client) -> None:
    assert desk_client.get("/audit/").status_code == 403
    assert desk_client.get("/audit/export.csv").status_code == 403


def test_outsider_sees_only_their_own_clinic(trail: Patient, outsider_client: Client) -> None:
    rows = rows_of(outsider_client.get("/audit/export.csv"))
    assert sorted((row["clinic"], row["action"]) for row in rows) == [
        ("outsider", "auth.login"),
        ("outsider", "patient.search"),
    ]


def test_signed_out_is_sent_to_login(trail: Patient, client: Client) -> None:
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_only_get(trail: Patient, prac_client: Client) -> None:
    assert prac_client.post("/audit/").status_code == 405


def test_user_without_a_clinic_gets_404(db: Any) -> None:
    staff = User.objects.create(username="root", is_staff=True)
    assert client_for(staff).get("/audit/").status_code == 404


def test_export_asks_for_the_password_again_after_five_minutes(trail: Patient, prac_client: Client) -> None:
    from sotclinic.clinic.authn import AUTH_AT

    session = prac_client.session
    session[AUTH_AT] = session[AUTH_AT] - 6 * 60
    session.save()
    response = prac_client.get("/audit/export.csv", {"actor": "prac"})
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=%2Faudit%2Fexport.csv%3Factor%3Dprac"
    assert prac_client.get("/audit/").status_code == 200  # searching needs no re-authentication


def test_an_administrator_reviews_the_trail_without_patient_names(
    trail: Patient, administrator_client: Client, researcher_client: Client
) -> None:
    page = administrator_client.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(trail.pk) in html and trail.family_name not in html
    assert researcher_client.get("/audit/").status_code == 403
