"""The health questions: asked in plain language, stored with their date, raising flags for the practitioner."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.patients.models import FlagStatus, Intake, Patient, RedFlag
from sotclinic.safety import questions_for


def url(patient: Patient) -> str:
    return reverse("patients:intake", kwargs={"patient_id": patient.pk})


def all_no() -> dict[str, str]:
    return {f"q.{q.code}": "no" for q in questions_for("patient") if q.answer == "yes_no"}


@pytest.mark.django_db
def test_the_questions_are_plain_and_age_is_not_asked(desk_client: Client, patient: Patient) -> None:
    page = desk_client.get(url(patient)).content.decode()
    assert "Have you had any new difficulty passing urine, or a change in how it flows?" in page
    assert 'name="q.age"' not in page  # filled from the date of birth
    assert "Practitioner's findings" not in page  # clinician findings are for practitioners


@pytest.mark.django_db
def test_front_desk_records_answers_and_a_flag_waits_for_the_practitioner(
    desk_client: Client, prac_client: Client, patient: Patient
) -> None:
    response = desk_client.post(url(patient), {**all_no(), "q.night_pain": "yes"})
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.answers["night_pain"] is True and intake.answers["age"] == patient.age_on(
        intake.answered_at.date()
    )
    flag = RedFlag.objects.get()
    assert (flag.code, flag.urgency, flag.status) == ("night_pain", "urgent", FlagStatus.OPEN)
    assert flag.because == {"night_pain": True}
    assert AuditEvent.objects.filter(action=Action.INTAKE_RECORD, patient=patient).count() == 1
    # answering again does not raise the same open flag twice
    desk_client.post(url(patient), {**all_no(), "q.night_pain": "yes"})
    assert RedFlag.objects.count() == 1 and Intake.objects.count() == 2
    chart = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Open safety flags" in chart and flag.name in chart


@pytest.mark.django_db
def test_practitioner_findings_raise_flags_too(prac_client: Client, patient: Patient) -> None:
    prac_client.post(url(patient), {**all_no(), "q.motor_grade": "2"})
    assert set(RedFlag.objects.values_list("code", flat=True)) >= {"major_motor_loss"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"q.fever": "maybe"}, "Answer yes or no."),
        ({"q.morning_stiffness_minutes": "lots"}, "Give a number, not &#x27;lots&#x27;."),
        ({"q.morning_stiffness_minutes": "12.5"}, "Give a whole number."),
        ({"q.morning_stiffness_minutes": "99999"}, "morning_stiffness_minutes"),
    ],
)
@pytest.mark.django_db
def test_bad_answers_are_named_and_nothing_is_stored(
    desk_client: Client, patient: Patient, data: dict[str, str], message: str
) -> None:
    response = desk_client.post(url(patient), {**all_no(), **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Intake.objects.exists() and not RedFlag.objects.exists()


@pytest.mark.django_db
def test_updating_the_answers_at_a_visit_confirms_the_screening(
    prac_client: Client, patient: Patient, practitioner: object
) -> None:
    from sotclinic.visits.services import visit_start

    visit = visit_start(patient=patient, by=practitioner)  # type: ignore[arg-type]
    response = prac_client.post(url(patient), {**all_no(), "visit": str(visit.pk)})
    assert response["Location"].endswith(f"/visits/{visit.pk}/#safety")
    visit.refresh_from_db()
    assert visit.screening_confirmed_at is not None
    assert Intake.objects.get().visit == visit


@pytest.mark.django_db
def test_outsiders_cannot_answer_for_another_clinics_patient(
    outsider_client: Client, patient: Patient
) -> None:
    assert outsider_client.post(url(patient), all_no()).status_code == 404
    assert not Intake.objects.exists()


@pytest.mark.django_db
def test_an_empty_screening_is_refused(desk_client: Client, patient: Patient) -> None:
    response = desk_client.post(url(patient), {})
    assert response.status_code == 400
    assert "Answer the questions before saving: none was answered." in response.content.decode()
    assert not Intake.objects.exists()
