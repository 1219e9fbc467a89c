"""The safety gate: no path records blocking while a red flag is unresolved, without consent, or before the
screening is confirmed at the visit; a recorded decision lets the visit go on."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import FlagStatus, Patient, RedFlag
from sotclinic.safety import default_rules
from sotclinic.visits.models import Visit, VisitStatus
from sotclinic.visits.services import visit_start
from tests.conftest import client_for, make_patient
from tests.test_visits import autosave, full_visit

STOPPING = [flag for flag in default_rules().flags.values() if flag.urgency in ("emergency", "urgent")]


def raise_flag(patient: Patient, code: str) -> RedFlag:
    rule = default_rules().flags[code]
    return RedFlag.objects.create(
        patient=patient,
        code=rule.code,
        name=rule.name,
        urgency=rule.urgency,
        why=rule.why,
        action=rule.action,
        modification=rule.modification or "",
        contraindicates=sorted(rule.contraindicates),
        raised_at=timezone.now(),
        rules_version=default_rules().version,
    )


def sign(client: Client, visit: Visit, **extra: str) -> Any:
    return client.post(reverse("visits:sign", kwargs={"visit_id": visit.pk}), full_visit(**extra))


@pytest.mark.parametrize("code", [flag.code for flag in STOPPING])
@pytest.mark.django_db
def test_every_emergency_and_urgent_flag_stops_blocking_until_a_decision(
    prac_client: Client, draft_visit: Visit, code: str
) -> None:
    flag = raise_flag(draft_visit.patient, code)
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": draft_visit.pk})).content.decode()
    assert "Blocking is on hold" in page and flag.name in page
    assert 'name="blocking.performed"' not in page

    response = sign(prac_client, draft_visit)
    assert response.status_code == 400
    assert (
        f"Blocking cannot be recorded: {flag.get_urgency_display()}: {flag.name}."
        in response.content.decode()
    )
    draft_visit.refresh_from_db()
    assert draft_visit.status == VisitStatus.DRAFT and draft_visit.blocking == {}

    decision = (
        {"decision": "referred", "referred_to": "GP, Riverside Surgery", "referral_date": "2026-11-20"}
        if flag.urgency == "emergency"
        else {"decision": "proceed", "reason": "Imaging report of 2026-11-01 cleared the region."}
    )
    url = reverse("patients:flag", kwargs={"patient_id": draft_visit.patient_id, "flag_id": flag.pk})
    assert prac_client.post(url, decision).status_code == 302
    assert sign(prac_client, draft_visit).status_code == 302
    draft_visit.refresh_from_db()
    assert draft_visit.status == VisitStatus.SIGNED and draft_visit.blocking["performed"] is True


@pytest.mark.django_db
def test_no_path_records_blocking_past_an_open_flag(
    prac_client: Client, draft_visit: Visit, practitioner: User
) -> None:
    raise_flag(draft_visit.patient, "ces")
    # the page's autosave, a crafted POST to it
    html = autosave(prac_client, draft_visit, full_visit()).content.decode()
    assert "Not saved" in html and "Blocking cannot be recorded: Emergency" in html
    # the API refuses blocking outright
    response = prac_client.patch(
        f"/api/visits/{draft_visit.pk}",
        data={"blocking": {"performed": True}},
        content_type="application/json",
    )
    assert response.status_code == 422
    # the admin cannot change visits at all, even for a superuser
    admin = User.objects.create_superuser("root", "r@example.org", "x" * 12, clinic=practitioner.clinic)
    admin_client = client_for(admin)  # a superuser, past the second factor
    change = reverse("admin:visits_visit_change", args=[draft_visit.pk])
    admin_client.post(change, {"blocking": '{"performed": true}', "category": "cat2"})
    assert admin_client.get(reverse("admin:visits_visit_add")).status_code == 403
    draft_visit.refresh_from_db()
    assert draft_visit.blocking == {} and draft_visit.status == VisitStatus.DRAFT


@pytest.mark.django_db
def test_without_consent_blocking_waits_and_the_kiosk_records_it(
    prac_client: Client, practitioner: User
) -> None:
    patient = make_patient(practitioner, family="Nokes", given="Ben")
    from sotclinic.patients.consent import DEFAULT_CONSENT_TEXT, consent_text_publish
    from sotclinic.visits.services import visit_confirm_screening

    consent_text_publish(by=practitioner, title="Consent to care", body=DEFAULT_CONSENT_TEXT)
    visit = visit_confirm_screening(visit=visit_start(patient=patient, by=practitioner), by=practitioner)
    response = sign(prac_client, visit)
    assert "Blocking cannot be recorded: No current consent to SOT care." in response.content.decode()

    kiosk = prac_client.get(reverse("patients:consent", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Sacro-Occipital Technique" in kiosk
    assert (
        patient.family_name not in kiosk and "1980" not in kiosk
    )  # the kiosk shows nothing else of the chart
    assert 'class="topbar"' not in kiosk
    bad = prac_client.post(
        reverse("patients:consent", kwargs={"patient_id": patient.pk}), {"signed_name": "Ben"}
    )
    assert bad.status_code == 400
    assert "Tick the box to confirm you have read and agree to the consent." in bad.content.decode()
    good = prac_client.post(
        reverse("patients:consent", kwargs={"patient_id": patient.pk}),
        {"agreed": "on", "signed_name": "Ben Nokes"},
    )
    assert good.status_code == 302
    assert sign(prac_client, visit).status_code == 302
    assert AuditEvent.objects.filter(action=Action.CONSENT_SIGN, patient=patient).count() == 1


@pytest.mark.django_db
def test_a_new_consent_version_needs_a_new_signature(prac_client: Client, draft_visit: Visit) -> None:
    response = prac_client.post(reverse("consent_text"), {"title": "Consent to care", "body": "New wording."})
    assert response.status_code == 302
    assert "No current consent" in sign(prac_client, draft_visit).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"agreed": "on", "signed_name": "Tom Young"}, "The patient is 12: a parent or guardian must sign."),
        (
            {"agreed": "on", "signed_name": "Ann Young", "by_guardian": "on"},
            "Say how the guardian is related to the patient.",
        ),
        ({"agreed": "on", "signed_name": "   "}, "Type your full name to sign."),
    ],
)
@pytest.mark.django_db
def test_a_minor_needs_a_guardian(
    prac_client: Client, practitioner: User, data: dict[str, str], message: str
) -> None:
    from sotclinic.patients.consent import DEFAULT_CONSENT_TEXT, consent_text_publish
    from sotclinic.patients.models import Consent

    consent_text_publish(by=practitioner, title="Consent", body=DEFAULT_CONSENT_TEXT)
    dob = (timezone.localdate() - datetime.timedelta(days=12 * 365 + 30)).isoformat()
    child = make_patient(practitioner, family="Young", given="Tom", dob=dob)
    response = prac_client.post(reverse("patients:consent", kwargs={"patient_id": child.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Consent.objects.exists()
    ok = {"agreed": "on", "signed_name": "Ann Young", "by_guardian": "on", "guardian_relationship": "mother"}
    assert (
        prac_client.post(reverse("patients:consent", kwargs={"patient_id": child.pk}), ok).status_code == 302
    )


@pytest.mark.django_db
def test_blocking_waits_for_the_screening_to_be_confirmed_at_this_visit(
    prac_client: Client, patient: Patient, practitioner: User
) -> None:
    visit = visit_start(patient=patient, by=practitioner)
    assert "Screening not confirmed for this visit" in sign(prac_client, visit).content.decode()
    prac_client.post(reverse("visits:screening", kwargs={"visit_id": visit.pk}))
    assert sign(prac_client, visit).status_code == 302


@pytest.mark.django_db
def test_a_caution_flag_lets_blocking_go_on_but_its_modification_must_be_recorded(
    prac_client: Client, draft_visit: Visit
) -> None:
    flag = raise_flag(draft_visit.patient, "anticoagulant")
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": draft_visit.pk})).content.decode()
    assert (
        "Caution: <strong>" in page and 'name="blocking.performed"' not in page
    )  # no protocol confirmed yet
    response = sign(prac_client, draft_visit)
    assert response.status_code == 400
    assert (
        f"Record the modification for the caution flag “{flag.name}” before signing."
        in response.content.decode()
    )
    url = reverse("patients:flag", kwargs={"patient_id": draft_visit.patient_id, "flag_id": flag.pk})
    prac_client.post(url, {"decision": "proceed", "reason": "Light pressure only; no sustained contacts."})
    assert sign(prac_client, draft_visit).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Decision: This field is required."),
        ({"decision": "referred"}, "Referred to (whom, where): Say to whom the patient was referred."),
        ({"decision": "referred", "referred_to": "GP"}, "Referral date: Give the date of the referral."),
        (
            {"decision": "referred", "referred_to": "GP", "referral_date": "2999-01-01"},
            "cannot be dated in the future",
        ),
        ({"decision": "proceed", "reason": " "}, "Give the reason it is safe to proceed."),
        ({"decision": "ignore"}, "Select a valid choice."),
    ],
)
@pytest.mark.django_db
def test_bad_flag_decisions_are_refused(
    prac_client: Client, patient: Patient, data: dict[str, str], message: str
) -> None:
    flag = raise_flag(patient, "ces")
    url = reverse("patients:flag", kwargs={"patient_id": patient.pk, "flag_id": flag.pk})
    response = prac_client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


@pytest.mark.django_db
def test_a_decision_is_signed_audited_and_final(
    prac_client: Client, patient: Patient, practitioner: User
) -> None:
    flag = raise_flag(patient, "fracture")
    url = reverse("patients:flag", kwargs={"patient_id": patient.pk, "flag_id": flag.pk})
    prac_client.post(
        url, {"decision": "referred", "referred_to": "Fracture clinic", "referral_date": "2026-11-20"}
    )
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by, flag.referred_to) == ("referred", practitioner, "Fracture clinic")
    assert AuditEvent.objects.filter(action=Action.FLAG_DECIDE, patient=patient).count() == 1
    again = prac_client.post(url, {"decision": "proceed", "reason": "changed my mind"})
    assert again.status_code == 400
    flag.refresh_from_db()
    assert flag.status == "referred"
    letter = prac_client.get(
        reverse("patients:referral_letter", kwargs={"patient_id": patient.pk, "flag_id": flag.pk})
    ).content.decode()
    assert "Dear colleague" in letter and flag.name in letter and patient.full_name in letter


@pytest.mark.django_db
def test_open_flags_show_at_the_top_of_the_chart(
    prac_client: Client, desk_client: Client, patient: Patient
) -> None:
    flag = raise_flag(patient, "ces")
    chart = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert chart.index("Open safety flags") < chart.index("Presenting complaints")
    assert flag.name in chart
    desk = desk_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "1 open safety flag" in desk and flag.name not in desk
    url = reverse("patients:flag", kwargs={"patient_id": patient.pk, "flag_id": flag.pk})
    assert desk_client.get(url).status_code == 403
