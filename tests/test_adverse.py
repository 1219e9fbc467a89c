from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import AdverseEvent, Visit
from sotclinic.visits.services import visit_start
from tests.test_visits import full_visit


def report(client: Client, patient: Patient, **data: str) -> object:
    began = (timezone.localtime() - datetime.timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")
    payload = {
        "description": "Sore low back the evening after blocking",
        "began_at": began,
        "severity": "mild",
        "duration": "1 day",
        "action_taken": "Advised rest and heat",
        "causality": "possible",
        **data,
    }
    return client.post(reverse("patients:adverse_new", kwargs={"patient_id": patient.pk}), payload)


@pytest.mark.django_db
def test_report_shows_definitions_and_a_mild_event_is_recorded(
    prac_client: Client, patient: Patient, signed_visit: Visit
) -> None:
    page = prac_client.get(
        reverse("patients:adverse_new", kwargs={"patient_id": patient.pk})
    ).content.decode()
    assert "Short-term and mild; function intact" in page and "Severe (major)" in page
    response = report(prac_client, patient, visit=str(signed_visit.pk))
    assert response.status_code == 302  # type: ignore[attr-defined]
    event = AdverseEvent.objects.get()
    assert (event.severity, event.visit, event.follow_up_due) == ("mild", signed_visit, None)
    assert AuditEvent.objects.filter(action=Action.ADVERSE_REPORT, patient=patient).count() == 1


@pytest.mark.django_db
def test_a_severe_event_prompts_follow_up_on_the_chart_and_in_the_register(
    prac_client: Client, patient: Patient
) -> None:
    report(prac_client, patient, severity="major", description="Severe leg pain and numbness next day")
    event = AdverseEvent.objects.get()
    assert event.needs_follow_up and event.follow_up_due == timezone.localdate() + datetime.timedelta(days=2)
    chart = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Severe (major)" in chart and "Follow up by" in chart
    register = prac_client.get(reverse("adverse_register")).content.decode()
    assert "1 severe event awaiting follow-up" in register
    assert "Severe (major) (1)" in register and "Mild (0)" in register
    only_mild = prac_client.get(reverse("adverse_register"), {"severity": "mild"}).content.decode()
    assert "Severe leg pain" not in only_mild
    prac_client.post(
        reverse("adverse_follow_up", kwargs={"event_id": event.pk}), {"notes": "Phoned: settling."}
    )
    event.refresh_from_db()
    assert event.followed_up_at is not None and not event.needs_follow_up
    assert "awaiting follow-up" not in prac_client.get(reverse("adverse_register")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": ""}, "What happened: This field is required."),
        ({"severity": "catastrophic"}, "Select a valid choice."),
        ({"began_at": "2999-01-01T10:00"}, "The event cannot begin in the future."),
        ({"began_at": "yesterday"}, "Enter a valid date/time."),
        ({"causality": "certain"}, "Select a valid choice."),
    ],
)
@pytest.mark.django_db
def test_bad_reports_are_refused(
    prac_client: Client, patient: Patient, data: dict[str, str], message: str
) -> None:
    response = report(prac_client, patient, **data)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.content.decode()  # type: ignore[attr-defined]
    assert not AdverseEvent.objects.exists()


@pytest.mark.django_db
def test_the_next_visit_asks_about_reactions_to_the_last(
    prac_client: Client, patient: Patient, practitioner: User, signed_visit: Visit
) -> None:
    visit = visit_start(patient=patient, by=practitioner)
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": visit.pk})).content.decode()
    assert "and no reaction to the last visit" in page
    assert "Report a reaction to the last visit" in page
    response = prac_client.post(
        reverse("visits:sign", kwargs={"visit_id": visit.pk}),
        full_visit(**{"blocking.performed": "", "category": "cat2"}),
    )
    assert "Ask about reactions to the last visit" in response.content.decode()
    prac_client.post(reverse("visits:screening", kwargs={"visit_id": visit.pk}))
    visit.refresh_from_db()
    assert visit.reaction_to_last == "none"
    assert (
        prac_client.post(reverse("visits:sign", kwargs={"visit_id": visit.pk}), full_visit()).status_code
        == 302
    )


@pytest.mark.django_db
def test_front_desk_and_outsiders_cannot_see_adverse_events(
    desk_client: Client, outsider_client: Client, prac_client: Client, patient: Patient
) -> None:
    report(prac_client, patient)
    event = AdverseEvent.objects.get()
    assert desk_client.get(reverse("adverse_register")).status_code == 403
    assert (
        desk_client.get(reverse("patients:adverse_new", kwargs={"patient_id": patient.pk})).status_code == 403
    )
    follow = reverse("adverse_follow_up", kwargs={"event_id": event.pk})
    assert outsider_client.post(follow, {"notes": "x"}).status_code == 404
    assert (
        outsider_client.get(reverse("patients:adverse_new", kwargs={"patient_id": patient.pk})).status_code
        == 404
    )
    assert "Sore low back" not in outsider_client.get(reverse("adverse_register")).content.decode()
