"""Questionnaires: assigned by complaint, due on schedule, answered once through an expiring link, scored as
published, charted against the MCID; the clinic table counts patients lost to follow-up."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sotclinic.clinic.models import User
from sotclinic.outcomes.models import Assignment, PortalLink, Response
from sotclinic.outcomes.services import assign, due_for, link_create, link_submit
from sotclinic.patients.models import Patient
from sotclinic.patients.services import complaint_add


def token_from(text: str) -> str:
    match = re.search(r"/q/([^/\s]+)/", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def back_pain_patient(patient: Patient, practitioner: User) -> Patient:
    complaint_add(patient=patient, by=practitioner, code="low_back")
    patient.email = "jo@example.org"
    patient.save()
    return patient


@pytest.mark.django_db
def test_defaults_follow_the_complaint(prac_client: Client, back_pain_patient: Patient) -> None:
    prac_client.post(reverse("outcomes:assign_defaults", kwargs={"patient_id": back_pain_patient.pk}))
    codes = set(Assignment.objects.values_list("instrument", flat=True))
    assert codes == {"odi", "nprs", "psfs", "pgic"}
    due = {d.instrument: d for d in due_for(back_pain_patient)}
    assert set(due) == {"odi", "nprs", "psfs"}  # the PGIC waits for a follow-up
    assert due["odi"].offerable is False  # licensed: the clinic's own form, total only
    assert due["nprs"].offerable and due["psfs"].offerable


@pytest.mark.django_db
def test_an_emailed_link_works_once_and_scores_exactly(
    prac_client: Client, back_pain_patient: Patient, practitioner: User
) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["nprs", "psfs", "odi"])
    prac_client.post(
        reverse("outcomes:link", kwargs={"patient_id": back_pain_patient.pk}), {"purpose": "link"}
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jo@example.org"]
    token = token_from(mail.outbox[0].body)
    client = Client()  # the patient: no login
    page = client.get(f"/q/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Numeric Pain Rating Scale" in html and "Patient-Specific Functional Scale" in html
    assert "Oswestry" not in html  # licensed text is never shown
    assert back_pain_patient.family_name not in html and "1980" not in html
    answers = {"nprs.q1": "6", "psfs.q1": "4", "psfs.q2": "5", "psfs.q3": "6", "activity.q1": "lifting"}
    done = client.post(f"/q/{token}/", {**answers, "action": "finish"})
    assert "Your answers have been sent to the clinic" in done.content.decode()
    nprs = Response.objects.get(instrument="nprs")
    psfs = Response.objects.get(instrument="psfs")
    assert (nprs.total, nprs.timepoint, nprs.source) == (6, "baseline", "link")
    assert psfs.total == 5  # mean of 4, 5, 6 (Stratford 1995)
    assert psfs.notes == {"activity.q1": "lifting"}
    again = client.get(f"/q/{token}/")
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert client.post(f"/q/{token}/", {**answers, "action": "finish"}).status_code == 410
    assert Response.objects.count() == 2


@pytest.mark.django_db
def test_expired_and_forged_links_are_refused_politely(
    back_pain_patient: Patient, practitioner: User
) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["nprs"])
    link, token = link_create(patient=back_pain_patient, by=practitioner)
    PortalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client = Client()
    expired = client.get(f"/q/{token}/")
    assert expired.status_code == 410 and "This link has expired." in expired.content.decode()
    assert back_pain_patient.given_names not in expired.content.decode()
    forged = client.get(f"/q/{token[:-3]}abc/")
    assert forged.status_code == 410 and "This link is not valid." in forged.content.decode()
    assert client.get("/q/nonsense/").status_code == 410


@pytest.mark.django_db
def test_partial_answers_survive_leaving_and_coming_back(
    back_pain_patient: Patient, practitioner: User
) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["nprs", "pgic"])
    link, token = link_create(patient=back_pain_patient, by=practitioner)
    client = Client()
    client.post(f"/q/{token}/", {"nprs.q1": "7", "action": "save"})
    page = client.get(f"/q/{token}/").content.decode()
    assert 'name="nprs.q1" value="7" checked' in page
    incomplete = client.post(f"/q/{token}/", {"action": "finish"})
    assert incomplete.status_code == 400
    assert "Numeric Pain Rating Scale" in incomplete.content.decode()
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_bad_answer_is_named_and_nothing_is_stored(back_pain_patient: Patient, practitioner: User) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["nprs"])
    link, _ = link_create(patient=back_pain_patient, by=practitioner)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="nprs"):
        link_submit(link=link, raw={"nprs": {"q1": "11"}})
    with pytest.raises(ValidationError, match="must be a number"):
        link_submit(link=link, raw={"nprs": {"q1": "lots"}})
    assert not Response.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


@pytest.mark.django_db
def test_follow_ups_fall_due_by_days_or_visits(back_pain_patient: Patient, practitioner: User) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["nprs", "pgic"])
    link, _ = link_create(patient=back_pain_patient, by=practitioner)
    link_submit(link=link, raw={"nprs": {"q1": 6}})
    today = timezone.localdate()
    assert due_for(back_pain_patient, today) == []
    later = {d.instrument: d for d in due_for(back_pain_patient, today + datetime.timedelta(days=30))}
    assert set(later) == {"nprs", "pgic"} and later["nprs"].timepoint == "follow_up"
    overdue = due_for(back_pain_patient, today + datetime.timedelta(days=38))
    assert all(d.overdue for d in overdue)


@pytest.mark.django_db
def test_licensed_instruments_take_the_total_from_the_clinics_form(
    prac_client: Client, back_pain_patient: Patient, practitioner: User
) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["odi"])
    url = reverse("outcomes:total", kwargs={"patient_id": back_pain_patient.pk})
    bad = prac_client.post(url, {"instrument": "odi", "total": "140"}, follow=True)
    assert "the total must be between 0 and 100" in bad.content.decode()
    prac_client.post(url, {"instrument": "odi", "total": "46"})
    response = Response.objects.get()
    assert (response.total, response.source, response.answers) == (46, "total_only", {})


@pytest.mark.django_db
def test_front_desk_sees_who_is_due_and_sends_links(
    desk_client: Client, back_pain_patient: Patient, practitioner: User
) -> None:
    assign(patient=back_pain_patient, by=practitioner, codes=["nprs"])
    page = desk_client.get(reverse("outcomes:due")).content.decode()
    assert "Smith, Jo" in page and "Numeric Pain Rating Scale" in page
    kiosk = desk_client.post(
        reverse("outcomes:link", kwargs={"patient_id": back_pain_patient.pk}), {"purpose": "kiosk"}
    )
    assert kiosk.status_code == 302 and "/q/" in kiosk["Location"]
    assert desk_client.get(reverse("outcomes:report")).status_code == 403
    chart = desk_client.get(
        reverse("patients:chart", kwargs={"patient_id": back_pain_patient.pk})
    ).content.decode()
    assert "Due now" in chart and "improvement" not in chart


@pytest.mark.django_db
def test_outsiders_cannot_assign_or_send(outsider_client: Client, back_pain_patient: Patient) -> None:
    for name in ("assign_defaults", "link", "total", "discharge"):
        url = reverse(f"outcomes:{name}", kwargs={"patient_id": back_pain_patient.pk})
        assert (
            outsider_client.post(url, {"purpose": "link", "instrument": "nprs", "total": "1"}).status_code
            == 404
        )
    assert not Assignment.objects.exists() and not PortalLink.objects.exists()
    assert "Smith" not in outsider_client.get(reverse("outcomes:due")).content.decode()


def make_response(patient: Patient, code: str, total: float, days_ago: int, **score: Any) -> Response:
    return Response.objects.create(
        patient=patient,
        instrument=code,
        score={"total": total, **score},
        total=total,
        answered_at=timezone.now() - datetime.timedelta(days=days_ago),
        timepoint="baseline",
        source="link",
        instrument_version="x",
        rules_version="2026.1",
    )


@pytest.mark.django_db
def test_the_chart_shows_progress_against_the_mcid(prac_client: Client, back_pain_patient: Patient) -> None:
    for total, days in ((7, 60), (5, 30), (3, 1)):
        make_response(back_pain_patient, "nprs", total, days)
    chart = prac_client.get(
        reverse("patients:chart", kwargs={"patient_id": back_pain_patient.pk})
    ).content.decode()
    assert "Improved beyond the MCID" in chart
    assert "Ostelo 2008" in chart
    assert "<svg" in chart


@pytest.mark.django_db
def test_the_clinic_table_keeps_patients_lost_to_follow_up(
    prac_client: Client, back_pain_patient: Patient, practitioner: User
) -> None:
    from tests.conftest import make_patient

    other = make_patient(practitioner, family="Lost", given="Lee")
    complaint_add(patient=other, by=practitioner, code="low_back")
    make_response(back_pain_patient, "odi", 40, 60, percent=40)
    make_response(back_pain_patient, "odi", 20, 1, percent=20)
    make_response(other, "odi", 50, 60, percent=50)
    page = prac_client.get(reverse("outcomes:report")).content.decode()
    row = re.search(r"<tr><td>—</td><td>Low back pain</td>(.*?)</tr>", page)
    assert row, page
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert cells == ["Oswestry Disability Index 2.1a", "2", "1", "1", "0", "0", "1", "50%"]


@pytest.mark.django_db
def test_headache_gets_a_diary_unless_the_clinic_holds_hit6_text(
    patient: Patient, practitioner: User, settings: Any, tmp_path: Any
) -> None:
    from sotclinic.outcomes.services import default_codes_for

    complaint_add(patient=patient, by=practitioner, code="headache")
    assert "headache_days" in default_codes_for(patient) and "hit6" not in default_codes_for(patient)
    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path)
    (tmp_path / "hit6.toml").write_text(
        "not valid"
    )  # a clinic file that fails validation is not used silently
    with pytest.raises(ValueError):
        default_codes_for(patient)


@pytest.mark.django_db
def test_a_patient_reports_a_reaction_through_the_link(
    back_pain_patient: Patient, practitioner: User, signed_visit: Any
) -> None:
    from sotclinic.visits.models import AdverseEvent

    assign(patient=back_pain_patient, by=practitioner, codes=["nprs"])
    _, token = link_create(patient=back_pain_patient, by=practitioner)
    client = Client()
    page = client.get(f"/q/{token}/").content.decode()
    assert "Did you have any reaction or new problem after your last visit?" in page
    incomplete = client.post(f"/q/{token}/", {"nprs.q1": "5", "reaction": "yes", "action": "finish"})
    assert incomplete.status_code == 400
    assert "Please tell us what happened after your last visit." in incomplete.content.decode()
    assert not Response.objects.exists() and not AdverseEvent.objects.exists()
    began = timezone.localdate().isoformat()
    done = client.post(
        f"/q/{token}/",
        {
            "nprs.q1": "5",
            "reaction": "yes",
            "reaction.what": "Stiff and sore for two days",
            "reaction.began": began,
            "reaction.severity": "major",
            "reaction.duration": "2 days",
            "action": "finish",
        },
    )
    assert done.status_code == 200
    event = AdverseEvent.objects.get()
    assert (event.reported_via, event.severity, event.visit, event.reported_by) == (
        "patient_link",
        "major",
        signed_visit,
        None,
    )
    assert event.needs_follow_up
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_what_a_patient_does_on_the_link_is_in_the_audit_chain(
    back_pain_patient: Patient, practitioner: User
) -> None:
    from django.core.management import call_command

    from sotclinic.audit.models import AuditEvent

    assign(patient=back_pain_patient, by=practitioner, codes=["nprs"])
    _, token = link_create(patient=back_pain_patient, by=practitioner)
    client = Client()
    client.get(f"/q/{token}/")
    client.post(f"/q/{token}/", {"nprs.q1": "4", "action": "finish"})
    rows = AuditEvent.objects.filter(patient=back_pain_patient, actor_role="patient").order_by("seq")
    assert [(r.action, r.actor_id) for r in rows] == [("portal.view", None), ("portal.submit", None)]
    assert rows[1].detail == {"instruments": ["nprs"]}
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK")
