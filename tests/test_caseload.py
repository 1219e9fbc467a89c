"""Caseloads and break the glass (issue 5, section 2): a practitioner outside a patient's caseload opens the record
only by breaking the glass, with a reason; the access expires and the administrator reviews it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.access import OUTSIDE_CASELOAD
from sotclinic.clinic.models import BreakGlassGrant, CaseloadMember, Clinic, Role, User
from sotclinic.patients.models import Patient, RedFlag
from sotclinic.safety import default_rules
from sotclinic.visits.adverse import adverse_event_report
from sotclinic.visits.models import AdverseEvent, Visit
from sotclinic.visits.services import VisitDraft, visit_confirm_screening, visit_save_draft, visit_start
from tests.attack.attack_support import raise_flag
from tests.conftest import client_for, give_consent, make_patient, make_signed_visit, make_user

pytestmark = pytest.mark.django_db

REASON = "Covering for Dr Prac while they are away today"
ADVERSE_TEXT = "Dizzy on standing after the visit"
DRAFT_PLAN = "Draft plan: heel lift on the left"


@dataclass
class Record:
    patient: Patient
    visit: Visit
    draft: Visit
    flag: RedFlag
    event: AdverseEvent


@pytest.fixture
def record(practitioner: User) -> Record:
    """A patient registered by `practitioner` (so in their caseload only), with a signed visit, a draft, an open red
    flag and an adverse event."""
    patient = make_patient(practitioner, family="Marchbanks", given="Imogen")
    patient.phone = "07700 900123"
    patient.save()
    give_consent(patient, practitioner)
    visit = make_signed_visit(patient, practitioner)
    draft = visit_confirm_screening(visit=visit_start(patient=patient, by=practitioner), by=practitioner)
    draft = visit_save_draft(
        visit=draft, by=practitioner, draft=VisitDraft(complaint="Neck", plan=DRAFT_PLAN)
    )
    flag = raise_flag(patient, next(iter(default_rules().flags)))
    event = adverse_event_report(
        patient=patient,
        visit=visit,
        by=practitioner,
        description=ADVERSE_TEXT,
        began_at=timezone.now() - datetime.timedelta(hours=3),
        severity="major",
    )
    return Record(patient, visit, draft, flag, event)


@pytest.fixture
def caseloads(clinic: Clinic) -> Clinic:
    clinic.caseloads_enabled = True
    clinic.save()
    return clinic


def reading_urls(r: Record) -> dict[str, str]:
    """Every page that shows something of the patient to a practitioner (GET)."""
    pid = {"patient_id": r.patient.pk}
    return {
        "chart": reverse("patients:chart", kwargs=pid),
        "demographics": reverse("patients:edit", kwargs=pid),
        "screening": reverse("patients:intake", kwargs=pid),
        "consent": reverse("patients:consent", kwargs=pid),
        "adverse event form": reverse("patients:adverse_new", kwargs=pid),
        "red flag": reverse("patients:flag", kwargs={**pid, "flag_id": r.flag.pk}),
        "referral letter": reverse("patients:referral_letter", kwargs={**pid, "flag_id": r.flag.pk}),
        "signed visit": reverse("visits:detail", kwargs={"visit_id": r.visit.pk}),
        "draft visit": reverse("visits:detail", kwargs={"visit_id": r.draft.pk}),
    }


def clinical_texts(r: Record) -> list[str]:
    """What a refusal may never show: anything of the record beyond the patient's name."""
    return [
        "07 Mar 1980",
        "1980-03-07",
        "07/03/1980",
        "900123",
        "Low back pain",
        ADVERSE_TEXT,
        DRAFT_PLAN,
        r.flag.name,
    ]


def break_glass(client: Client, patient: Patient, reason: str = REASON, **extra: str) -> Any:
    url = reverse("patients:break_glass", kwargs={"patient_id": patient.pk})
    return client.post(url, {"reason": reason, **extra})


# --- caseloads off: nothing changes ---------------------------------------------------------------------------


def test_with_caseloads_off_every_practitioner_opens_every_patient(
    record: Record, practitioner2: User
) -> None:
    client = client_for(practitioner2)
    for name, url in reading_urls(record).items():
        assert client.get(url).status_code == 200, name
    assert client.get(f"/api/visits/{record.visit.pk}").status_code == 200
    assert ADVERSE_TEXT in client.get(reverse("adverse_register")).content.decode()
    listing = client.get(reverse("patients:list")).content.decode()
    assert "Marchbanks" in listing and "not in your caseload" not in listing and "900123" in listing
    response = break_glass(client, record.patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", kwargs={"patient_id": record.patient.pk})
    assert "no glass to break" in client.get(response["Location"]).content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(detail__has_key="break_glass").exists()


# --- caseloads on: outside the caseload -----------------------------------------------------------------------


def test_outside_the_caseload_every_page_is_the_break_glass_page_and_shows_nothing_of_the_record(
    caseloads: Clinic, record: Record, practitioner: User, practitioner2: User
) -> None:
    client = client_for(practitioner2)
    for name, url in reading_urls(record).items():
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 403, name
        assert "Not in your caseload" in page and "Break the glass and open the record" in page, name
        assert "Imogen Marchbanks" in page, name  # whose record it is: the name only
        assert practitioner.display_name in page, name  # whose caseload it is in
        assert "60 minutes" in page, name  # how long access will last
        assert f'name="next" value="{url}"' in page, name  # and back to this page once the glass is broken
        for text in clinical_texts(record):
            assert text not in page, (name, text)
    # writes are refused the same way, and change nothing
    autosave = reverse("visits:autosave", kwargs={"visit_id": record.draft.pk})
    assert client.post(autosave, {"plan": "Overwritten"}).status_code == 403
    follow_up = reverse("adverse_follow_up", kwargs={"event_id": record.event.pk})
    assert client.post(follow_up, {"notes": "Settled"}).status_code == 403
    record.draft.refresh_from_db()
    record.event.refresh_from_db()
    assert record.draft.plan == DRAFT_PLAN and record.event.followed_up_at is None
    # nothing was opened: the trail has no row of this practitioner about this patient
    assert not AuditEvent.objects.filter(actor=practitioner2, patient=record.patient).exists()


def test_the_api_answers_403_json_with_no_patient_data(
    caseloads: Clinic, record: Record, practitioner2: User
) -> None:
    client = client_for(practitioner2)
    response = client.get(f"/api/visits/{record.visit.pk}")
    assert response.status_code == 403
    assert response.json() == {"detail": OUTSIDE_CASELOAD}
    body = response.content.decode()
    assert "Marchbanks" not in body and str(record.patient.pk) not in body
    patch = client.patch(f"/api/visits/{record.draft.pk}", {"plan": "x"}, content_type="application/json")
    assert patch.status_code == 403 and "Marchbanks" not in patch.content.decode()


def test_inside_the_caseload_everything_opens(caseloads: Clinic, record: Record, practitioner: User) -> None:
    client = client_for(practitioner)
    for name, url in reading_urls(record).items():
        assert client.get(url).status_code == 200, name
    assert client.get(f"/api/visits/{record.visit.pk}").status_code == 200
    assert ADVERSE_TEXT in client.get(reverse("adverse_register")).content.decode()
    assert not AuditEvent.objects.filter(detail__has_key="break_glass").exists()


def test_the_adverse_event_register_lists_only_the_caseload_and_open_grants(
    caseloads: Clinic, record: Record, practitioner2: User
) -> None:
    client = client_for(practitioner2)
    assert ADVERSE_TEXT not in client.get(reverse("adverse_register")).content.decode()
    break_glass(client, record.patient)
    assert ADVERSE_TEXT in client.get(reverse("adverse_register")).content.decode()


def test_the_patient_search_lists_everyone_marking_who_is_outside_the_caseload(
    caseloads: Clinic, record: Record, practitioner: User, practitioner2: User
) -> None:
    make_patient(practitioner2, family="Ashdown", given="Piers")
    page = client_for(practitioner2).get(reverse("patients:list"), {"q": "Marchbanks"}).content.decode()
    assert "Marchbanks, Imogen" in page and "07 Mar 1980" in page
    assert "not in your caseload" in page and "900123" not in page  # name and date of birth only
    page = client_for(practitioner2).get(reverse("patients:list")).content.decode()
    assert page.count("not in your caseload") == 1 and "Ashdown" in page
    theirs = client_for(practitioner).get(reverse("patients:list"), {"q": "Marchbanks"}).content.decode()
    assert "Marchbanks, Imogen" in theirs and "not in your caseload" not in theirs and "900123" in theirs


# --- breaking the glass ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give a reason for opening this record."),
        ("     ", "Give a reason for opening this record."),
        ("need it", "The reason is too short: say why you need this record (at least 10 characters)."),
        ("x" * 501, "The reason is too long: at most 500 characters (it has 501)."),
        ("Emergency\x00 cover today", "The reason contains a NUL character, which cannot be stored."),
    ],
)
def test_a_missing_short_or_long_reason_is_refused_clearly_and_nothing_is_saved(
    caseloads: Clinic, record: Record, practitioner2: User, reason: str, message: str
) -> None:
    client = client_for(practitioner2)
    response = break_glass(client, record.patient, reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "Imogen Marchbanks" in page
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.BREAK_GLASS).exists()
    assert client.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk})).status_code == 403


def test_breaking_the_glass_opens_the_record_until_it_expires_and_every_read_says_so(
    caseloads: Clinic, record: Record, practitioner2: User
) -> None:
    client = client_for(practitioner2)
    visit_url = reverse("visits:detail", kwargs={"visit_id": record.visit.pk})
    before = timezone.now()
    response = break_glass(client, record.patient, f"  {REASON}  ", next=visit_url)
    assert response.status_code == 302 and response["Location"] == visit_url  # on to the page they wanted
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.patient, grant.reason) == (practitioner2, record.patient, REASON)
    assert (
        before + datetime.timedelta(minutes=59)
        < grant.expires_at
        <= timezone.now() + datetime.timedelta(minutes=60)
    )
    event = AuditEvent.objects.get(action=Action.BREAK_GLASS)
    assert (event.actor, event.patient, event.object_id) == (practitioner2, record.patient, str(grant.pk))
    assert event.detail["reason"] == REASON and event.detail["minutes"] == 60

    page = client.get(visit_url)
    assert page.status_code == 200 and "You broke the glass" in page.content.decode()
    chart = client.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk})).content.decode()
    assert "You opened this record by breaking the glass" in chart and "broke the glass</span>" in chart
    assert client.get(f"/api/visits/{record.visit.pk}").status_code == 200
    reads = AuditEvent.objects.filter(actor=practitioner2, action__in=[Action.VISIT_VIEW, Action.CHART_VIEW])
    assert reads.count() == 3
    assert {e.detail.get("break_glass") for e in reads} == {str(grant.pk)}
    # the practitioner's own page: which records they opened this way, and how long is left
    listing = client.get(reverse("patients:list")).content.decode()
    assert "Records you opened by breaking the glass" in listing and "Imogen Marchbanks" in listing
    assert "minutes left" in listing and REASON in listing

    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = client.get(visit_url)
    assert expired.status_code == 403 and "Not in your caseload" in expired.content.decode()
    assert client.get(f"/api/visits/{record.visit.pk}").status_code == 403
    assert "Records you opened" not in client.get(reverse("patients:list")).content.decode()
    # and the glass can be broken again
    assert break_glass(client, record.patient).status_code == 302
    assert BreakGlassGrant.objects.count() == 2
    assert client.get(visit_url).status_code == 200


def test_access_lasts_the_clinics_break_glass_time(
    caseloads: Clinic, record: Record, practitioner2: User
) -> None:
    caseloads.break_glass_minutes = 15
    caseloads.save()
    client = client_for(practitioner2)
    page = client.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk})).content.decode()
    assert "15 minutes" in page
    break_glass(client, record.patient)
    grant = BreakGlassGrant.objects.get()
    assert grant.expires_at - grant.created_at == datetime.timedelta(minutes=15)


def test_another_practitioners_grant_does_not_open_the_record_for_me(
    caseloads: Clinic, clinic: Clinic, record: Record, practitioner2: User
) -> None:
    colleague = make_user(clinic, "prac3", Role.PRACTITIONER)
    assert break_glass(client_for(colleague), record.patient).status_code == 302
    assert (
        client_for(colleague).get(reverse("visits:detail", kwargs={"visit_id": record.visit.pk})).status_code
        == 200
    )
    mine = client_for(practitioner2)
    assert mine.get(reverse("visits:detail", kwargs={"visit_id": record.visit.pk})).status_code == 403
    assert mine.get(f"/api/visits/{record.visit.pk}").status_code == 403


def test_another_clinics_patient_is_404_never_a_break_glass_page(
    caseloads: Clinic, other_clinic: Clinic, record: Record, outsider: User, practitioner2: User
) -> None:
    other_clinic.caseloads_enabled = True
    other_clinic.save()
    client = client_for(outsider)
    for url in [*reading_urls(record).values(), f"/api/visits/{record.visit.pk}"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert (
            "Marchbanks" not in response.content.decode()
            and "Break the glass" not in response.content.decode()
        )
    assert break_glass(client, record.patient).status_code == 404
    assert not BreakGlassGrant.objects.exists()
    theirs = make_patient(outsider, family="Elsewhere")
    assert client_for(practitioner2).get(f"/patients/{theirs.pk}/").status_code == 404
    assert break_glass(client_for(practitioner2), theirs).status_code == 404


def test_the_front_desk_keeps_clinic_wide_demographics_and_cannot_break_the_glass(
    caseloads: Clinic, record: Record, front_desk: User
) -> None:
    client = client_for(front_desk)
    pid = {"patient_id": record.patient.pk}
    for name in ("patients:chart", "patients:edit", "patients:consent", "patients:intake"):
        assert client.get(reverse(name, kwargs=pid)).status_code == 200, name
    assert "not in your caseload" not in client.get(reverse("patients:list")).content.decode()
    assert break_glass(client, record.patient).status_code == 403
    assert client.get(reverse("visits:detail", kwargs={"visit_id": record.visit.pk})).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_administrators_and_researchers_cannot_break_the_glass(
    caseloads: Clinic, record: Record, administrator: User, researcher: User
) -> None:
    for user in (administrator, researcher):
        response = break_glass(client_for(user), record.patient)
        assert response.status_code == 403 and "Marchbanks" not in response.content.decode()
    assert not BreakGlassGrant.objects.exists()


# --- who looks after a patient --------------------------------------------------------------------------------


def test_registering_a_patient_puts_them_in_the_practitioners_caseload_not_the_front_desks(
    practitioner: User, front_desk: User
) -> None:
    by_practitioner = make_patient(practitioner, family="Alpha")
    by_desk = make_patient(front_desk, family="Beta")
    assert list(
        CaseloadMember.objects.filter(patient=by_practitioner).values_list("practitioner", flat=True)
    ) == [practitioner.pk]
    assert not CaseloadMember.objects.filter(patient=by_desk).exists()
    created = AuditEvent.objects.get(action=Action.PATIENT_CREATE, patient=by_practitioner)
    assert created.detail == {"caseload_added": str(practitioner.pk)}


def practitioners_url(patient: Patient) -> str:
    return reverse("patients:practitioners", kwargs={"patient_id": patient.pk})


def test_the_front_desk_adds_and_removes_practitioners_for_a_patient(
    caseloads: Clinic, record: Record, front_desk: User, practitioner: User, practitioner2: User
) -> None:
    desk = client_for(front_desk)
    chart = desk.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk})).content.decode()
    assert "Practitioners for this patient" in chart and practitioner2.display_name in chart
    response = desk.post(
        practitioners_url(record.patient), {"action": "add", "practitioner": practitioner2.pk}
    )
    assert response.status_code == 302
    assert (
        f"{practitioner2.display_name} now looks after this patient."
        in desk.get(response["Location"]).content.decode()
    )
    event = AuditEvent.objects.get(action=Action.CASELOAD_ADD)
    assert (event.actor, event.patient, event.detail) == (
        front_desk,
        record.patient,
        {"practitioner": str(practitioner2.pk)},
    )
    visit_url = reverse("visits:detail", kwargs={"visit_id": record.visit.pk})
    assert client_for(practitioner2).get(visit_url).status_code == 200
    # adding again changes nothing
    desk.post(practitioners_url(record.patient), {"action": "add", "practitioner": practitioner2.pk})
    assert CaseloadMember.objects.filter(patient=record.patient, practitioner=practitioner2).count() == 1
    assert AuditEvent.objects.filter(action=Action.CASELOAD_ADD).count() == 1

    desk.post(practitioners_url(record.patient), {"action": "remove", "practitioner": practitioner2.pk})
    assert AuditEvent.objects.filter(action=Action.CASELOAD_REMOVE).count() == 1
    assert client_for(practitioner2).get(visit_url).status_code == 403
    # someone who has left the clinic can still be taken off the list
    practitioner.is_active = False
    practitioner.save()
    chart = desk.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk})).content.decode()
    assert practitioner.display_name in chart
    response = desk.post(
        practitioners_url(record.patient), {"action": "remove", "practitioner": practitioner.pk}
    )
    assert (
        f"{practitioner.display_name} no longer looks after this patient."
        in desk.get(response["Location"]).content.decode()
    )
    assert not CaseloadMember.objects.filter(patient=record.patient).exists()


def test_only_the_clinics_practitioners_can_be_added_with_a_clear_message(
    caseloads: Clinic, record: Record, front_desk: User, outsider: User, administrator: User
) -> None:
    desk = client_for(front_desk)
    before = CaseloadMember.objects.count()
    for chosen in (outsider.pk, administrator.pk, front_desk.pk, "not-an-id", ""):
        response = desk.post(practitioners_url(record.patient), {"action": "add", "practitioner": chosen})
        assert response.status_code == 302
        assert (
            "Choose one of the clinic&#x27;s practitioners."
            in desk.get(response["Location"]).content.decode()
        )
    response = desk.post(practitioners_url(record.patient), {"practitioner": outsider.pk})
    assert (
        "Choose a practitioner to add, or one to remove." in desk.get(response["Location"]).content.decode()
    )
    assert CaseloadMember.objects.count() == before
    assert not AuditEvent.objects.filter(action=Action.CASELOAD_ADD).exists()


def test_a_practitioner_outside_the_caseload_cannot_add_themselves_but_one_inside_can_add_a_colleague(
    caseloads: Clinic, record: Record, practitioner: User, practitioner2: User
) -> None:
    outside = client_for(practitioner2)
    response = outside.post(
        practitioners_url(record.patient), {"action": "add", "practitioner": practitioner2.pk}
    )
    assert response.status_code == 403 and "Not in your caseload" in response.content.decode()
    assert not CaseloadMember.objects.filter(practitioner=practitioner2).exists()
    inside = client_for(practitioner)
    inside.post(practitioners_url(record.patient), {"action": "add", "practitioner": practitioner2.pk})
    assert CaseloadMember.objects.filter(practitioner=practitioner2, patient=record.patient).exists()
    # taking yourself off sends you back to the list: the chart is now behind the glass
    response = inside.post(
        practitioners_url(record.patient), {"action": "remove", "practitioner": practitioner.pk}
    )
    assert response["Location"] == reverse("patients:list")
    assert inside.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk})).status_code == 403


# --- the administrator ----------------------------------------------------------------------------------------


def test_the_administrator_turns_caseloads_on_and_sets_the_break_glass_time(
    clinic: Clinic, administrator_client: Client
) -> None:
    page = administrator_client.get("/clinic/staff/").content.decode()
    assert 'name="caseloads_enabled"' in page and 'name="break_glass_minutes"' in page
    response = administrator_client.post(
        "/clinic/settings/",
        {"session_idle_minutes": "30", "caseloads_enabled": "on", "break_glass_minutes": "4"},
    )
    assert response.status_code == 302
    assert (
        "Break-the-glass access: a whole number of minutes from 5 to 1440."
        in administrator_client.get("/clinic/staff/").content.decode()
    )
    clinic.refresh_from_db()
    assert not clinic.caseloads_enabled and clinic.break_glass_minutes == 60
    administrator_client.post(
        "/clinic/settings/",
        {"session_idle_minutes": "30", "caseloads_enabled": "on", "break_glass_minutes": "20"},
    )
    clinic.refresh_from_db()
    assert clinic.caseloads_enabled and clinic.break_glass_minutes == 20
    event = AuditEvent.objects.get(action=Action.CLINIC_SETTINGS)
    assert event.detail == {
        "session_idle_minutes": {"from": 30, "to": 30},
        "caseloads_enabled": {"from": False, "to": True},
        "break_glass_minutes": {"from": 60, "to": 20},
    }
    page = administrator_client.get("/clinic/staff/").content.decode()
    assert 'name="caseloads_enabled" id="id_caseloads_enabled" checked' in page


def test_the_administrator_sees_each_access_by_patient_id_and_reviews_it(
    caseloads: Clinic, record: Record, practitioner2: User, administrator: User, administrator_client: Client
) -> None:
    assert "to review" not in administrator_client.get("/clinic/staff/").content.decode()
    break_glass(client_for(practitioner2), record.patient)
    grant = BreakGlassGrant.objects.get()
    home = administrator_client.get("/", follow=True).content.decode()
    assert "1 break-the-glass access to review" in home

    page = administrator_client.get("/clinic/break-glass/").content.decode()
    assert "1 to review" in page
    assert practitioner2.display_name in page and REASON in page
    assert str(record.patient.pk)[:8] in page
    assert "Marchbanks" not in page and "Imogen" not in page  # administrators have no patient data
    assert "Mark reviewed" in page

    review = reverse("clinic:break_glass_review", kwargs={"grant_id": grant.pk})
    too_long = administrator_client.post(review, {"note": "n" * 501})
    assert too_long.status_code == 302
    assert "The note is too long" in administrator_client.get(too_long["Location"]).content.decode()
    grant.refresh_from_db()
    assert grant.reviewed_at is None

    response = administrator_client.post(review, {"note": "Checked with Dr Prac: agreed cover."})
    assert response.status_code == 302 and response["Location"] == "/clinic/break-glass/"
    grant.refresh_from_db()
    assert grant.reviewed_by == administrator and grant.reviewed_at is not None
    assert grant.review_note == "Checked with Dr Prac: agreed cover."
    event = AuditEvent.objects.get(action=Action.BREAK_GLASS_REVIEW)
    assert (event.actor, event.object_id) == (administrator, str(grant.pk))
    page = administrator_client.get("/clinic/break-glass/").content.decode()
    assert "0 to review" in page and "Checked with Dr Prac: agreed cover." in page
    assert "to review" not in administrator_client.get("/clinic/staff/").content.decode()
    again = administrator_client.post(review, {"note": "twice"})
    assert "This access was already reviewed." in administrator_client.get(again["Location"]).content.decode()
    assert AuditEvent.objects.filter(action=Action.BREAK_GLASS_REVIEW).count() == 1


def test_a_reason_with_markup_is_shown_as_text_to_the_administrator(
    caseloads: Clinic, record: Record, practitioner2: User, administrator_client: Client
) -> None:
    break_glass(client_for(practitioner2), record.patient, '<script>alert("glass")</script> emergency cover')
    page = administrator_client.get("/clinic/break-glass/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;glass&quot;)&lt;/script&gt; emergency cover" in page


def test_unreviewed_accesses_come_first(
    caseloads: Clinic, record: Record, practitioner2: User, administrator: User, administrator_client: Client
) -> None:
    client = client_for(practitioner2)
    break_glass(client, record.patient, "First reason, reviewed later")
    BreakGlassGrant.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    break_glass(client, record.patient, "Second reason, not reviewed")
    first = BreakGlassGrant.objects.get(reason__startswith="First")
    administrator_client.post(reverse("clinic:break_glass_review", kwargs={"grant_id": first.pk}))
    BreakGlassGrant.objects.filter(pk=first.pk).update(
        created_at=timezone.now() + datetime.timedelta(hours=1)
    )
    page = administrator_client.get("/clinic/break-glass/").content.decode()
    assert page.index("Second reason") < page.index("First reason")


def test_only_the_clinics_administrator_sees_and_reviews_its_accesses(
    caseloads: Clinic, other_clinic: Clinic, record: Record, practitioner2: User, front_desk: User
) -> None:
    break_glass(client_for(practitioner2), record.patient)
    grant = BreakGlassGrant.objects.get()
    review = reverse("clinic:break_glass_review", kwargs={"grant_id": grant.pk})
    for user in (practitioner2, front_desk):
        assert client_for(user).get("/clinic/break-glass/").status_code == 403
        assert client_for(user).post(review).status_code == 403
    elsewhere = client_for(make_user(other_clinic, "admin2", Role.ADMINISTRATOR))
    assert elsewhere.post(review).status_code == 404
    assert REASON not in elsewhere.get("/clinic/break-glass/").content.decode()
    grant.refresh_from_db()
    assert grant.reviewed_at is None


# --- CSRF -----------------------------------------------------------------------------------------------------


def test_breaking_the_glass_changing_practitioners_and_reviewing_need_the_csrf_token(
    caseloads: Clinic, record: Record, practitioner2: User, front_desk: User, administrator: User
) -> None:
    prac = client_for(practitioner2)
    prac.handler.enforce_csrf_checks = True
    page = prac.get(reverse("patients:chart", kwargs={"patient_id": record.patient.pk}))
    assert break_glass(prac, record.patient).status_code == 403
    assert not BreakGlassGrant.objects.exists()
    token = str(page.context["csrf_token"])
    assert break_glass(prac, record.patient, csrfmiddlewaretoken=token).status_code == 302
    grant = BreakGlassGrant.objects.get()

    desk = client_for(front_desk)
    desk.handler.enforce_csrf_checks = True
    forged = desk.post(practitioners_url(record.patient), {"action": "add", "practitioner": practitioner2.pk})
    assert forged.status_code == 403
    assert not CaseloadMember.objects.filter(practitioner=practitioner2).exists()

    admin = client_for(administrator)
    admin.handler.enforce_csrf_checks = True
    review = reverse("clinic:break_glass_review", kwargs={"grant_id": grant.pk})
    assert admin.post(review, {"note": "forged"}).status_code == 403
    grant.refresh_from_db()
    assert grant.reviewed_at is None


# --- the demo -------------------------------------------------------------------------------------------------


def test_the_demo_keeps_caseloads_off_with_each_practitioner_looking_after_their_patients() -> None:
    from sotclinic.clinic.demo import seed_demo

    seed_demo(patients=6)
    clinic = Clinic.objects.get(slug="demo")
    assert not clinic.caseloads_enabled
    hart, okafor = User.objects.get(username="dr.hart"), User.objects.get(username="dr.okafor")
    for patient in Patient.objects.filter(clinic=clinic):
        seen_by = set(patient.visits.values_list("practitioner", flat=True))
        looked_after = set(patient.caseload.values_list("practitioner", flat=True))
        assert seen_by <= looked_after, patient
    assert CaseloadMember.objects.filter(practitioner=hart).exists()
    assert CaseloadMember.objects.filter(practitioner=okafor).exists()
    shared = [p for p in Patient.objects.filter(clinic=clinic) if p.caseload.count() == 2]
    assert shared, "some patients are looked after by both practitioners"
