from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Complaint, Patient
from sotclinic.patients.selectors import parse_search_date, patient_search
from tests.conftest import make_patient

VALID = {
    "given_names": "Maja",
    "family_name": "Lindqvist",
    "date_of_birth": "1984-02-29",
    "sex": "female",
    "phone": "07700 900123",
    "email": "maja@example.org",
    "address": "1 High Street",
}


@pytest.mark.django_db
def test_front_desk_registers_a_patient_and_it_is_audited(desk_client: Client, front_desk: User) -> None:
    response = desk_client.post(reverse("patients:new"), VALID)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", kwargs={"patient_id": patient.pk})
    assert patient.clinic_id == front_desk.clinic_id
    assert patient.date_of_birth == datetime.date(1984, 2, 29)
    event = AuditEvent.objects.get(action=Action.PATIENT_CREATE)
    assert (event.actor, event.patient, event.actor_role) == (front_desk, patient, "front_desk")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("family_name", "", "Family name: This field is required."),
        ("given_names", "   ", "Given names: This field is required."),
        ("date_of_birth", "2999-01-01", "Date of birth: Date of birth cannot be in the future."),
        ("date_of_birth", "1850-01-01", "Date of birth: Date of birth must be after 1900."),
        ("date_of_birth", "31/02/1980", "Date of birth: Enter a valid date."),
        ("email", "not-an-email", "Email: Enter a valid email address."),
        ("sex", "robot", "Sex: Select a valid choice. robot is not one of the available choices."),
        ("family_name", "x" * 101, "Family name: Ensure this value has at most 100 characters (it has 101)."),
    ],
)
@pytest.mark.django_db
def test_bad_registration_input_gives_a_clear_message_and_saves_nothing(
    desk_client: Client, field: str, value: str, message: str
) -> None:
    response = desk_client.post(reverse("patients:new"), {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exists()  # only the login is recorded


@pytest.mark.django_db
def test_editing_demographics_records_which_fields_changed(
    desk_client: Client, front_desk: User, patient: Patient
) -> None:
    response = desk_client.post(
        reverse("patients:edit", kwargs={"patient_id": patient.pk}),
        {**VALID, "family_name": "Smith-Jones", "given_names": "Jo", "date_of_birth": "1980-03-07"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.family_name == "Smith-Jones"
    assert patient.family_key == "smith-jones"
    event = AuditEvent.objects.get(action=Action.PATIENT_UPDATE)
    assert "family_name" in event.detail["fields"]


@pytest.mark.django_db
def test_a_bad_edit_changes_nothing(desk_client: Client, patient: Patient) -> None:
    response = desk_client.post(
        reverse("patients:edit", kwargs={"patient_id": patient.pk}),
        {**VALID, "family_name": "Changed", "date_of_birth": "3000-01-01"},
    )
    assert response.status_code == 400
    patient.refresh_from_db()
    assert patient.family_name == "Smith"
    assert not AuditEvent.objects.filter(action=Action.PATIENT_UPDATE).exists()


@pytest.mark.django_db
def test_search_by_name_prefix_and_date_of_birth(practitioner: User, outsider: User) -> None:
    maja = make_patient(practitioner, family="Lindqvist", given="Maja", dob="1984-02-29")
    tom = make_patient(practitioner, family="Lindley", given="Tom", dob="1990-05-01")
    make_patient(outsider, family="Lindqvist", given="Other", dob="1984-02-29")
    assert list(patient_search(user=practitioner, query="lind")) == [tom, maja]
    assert list(patient_search(user=practitioner, query="LINDQ")) == [maja]
    assert list(patient_search(user=practitioner, query="maja lind")) == [maja]
    assert list(patient_search(user=practitioner, query="Lindqvist, Maja")) == [maja]
    assert list(patient_search(user=practitioner, query="1984-02-29")) == [maja]
    assert list(patient_search(user=practitioner, query="29/02/1984")) == [maja]
    assert list(patient_search(user=practitioner, query="zzz")) == []


def test_search_dates() -> None:
    assert parse_search_date("07/03/1980") == datetime.date(1980, 3, 7)
    assert parse_search_date("1980-3-7") == datetime.date(1980, 3, 7)
    assert parse_search_date("31/02/1980") is None
    assert parse_search_date("smith") is None


@pytest.mark.django_db
def test_search_page_and_live_results(prac_client: Client, practitioner: User) -> None:
    make_patient(practitioner, family="Lindqvist", given="Maja")
    page = prac_client.get(reverse("patients:list"), {"q": "lindq"})
    assert "Lindqvist, Maja" in page.content.decode()
    partial = prac_client.get(reverse("patients:list"), {"q": "nobody"}, headers={"HX-Request": "true"})
    assert partial.content.decode().strip().startswith('<p class="empty">')
    assert "No patient matches" in partial.content.decode()


@pytest.mark.django_db
def test_presenting_complaint_is_recorded(prac_client: Client, patient: Patient) -> None:
    url = reverse("patients:complaint_new", kwargs={"patient_id": patient.pk})
    response = prac_client.post(
        url, {"code": "low_back", "description": "Worse sitting", "onset": "2026-01-10"}
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.code, complaint.description) == ("low_back", "Worse sitting")
    chart = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Low back pain" in chart and "Worse sitting" in chart


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "gout"}, "Complaint: Select a valid choice."),
        ({"code": "neck", "onset": "2999-01-01"}, "Began: The complaint cannot begin in the future."),
        ({"code": "neck", "description": "x" * 301}, "at most 300 characters"),
    ],
)
@pytest.mark.django_db
def test_bad_complaint_is_refused(
    prac_client: Client, patient: Patient, data: dict[str, str], message: str
) -> None:
    response = prac_client.post(reverse("patients:complaint_new", kwargs={"patient_id": patient.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_chart_shows_who_opened_it(prac_client: Client, practitioner: User, patient: Patient) -> None:
    url = reverse("patients:chart", kwargs={"patient_id": patient.pk})
    prac_client.get(url)
    page = prac_client.get(url).content.decode()
    assert "Who opened this chart" in page
    assert page.count("Opened chart") == 2
    assert (
        AuditEvent.objects.filter(action=Action.CHART_VIEW, actor=practitioner, patient=patient).count() == 2
    )


@pytest.mark.django_db
def test_search_handles_accents_and_wildcard_characters(practitioner: User) -> None:
    ole = make_patient(practitioner, family="Ødegård", given="Ole")
    make_patient(practitioner, family="Odell", given="Ann")
    percent = make_patient(practitioner, family="100%", given="Test")
    assert list(patient_search(user=practitioner, query="ødeg")) == [ole]
    assert list(patient_search(user=practitioner, query="ØDEGÅRD ole")) == [ole]
    assert list(patient_search(user=practitioner, query="%")) == []
    assert list(patient_search(user=practitioner, query="_")) == []
    assert list(patient_search(user=practitioner, query="100%")) == [percent]


@pytest.mark.django_db
def test_a_family_name_of_several_words_is_found_typed_whole(practitioner: User) -> None:
    berg = make_patient(practitioner, family="van der Berg", given="Anna")
    assert list(patient_search(user=practitioner, query="van der berg")) == [berg]
    assert list(patient_search(user=practitioner, query="anna berg")) == []  # "berg" begins no name key
    assert list(patient_search(user=practitioner, query="anna van")) == [berg]
