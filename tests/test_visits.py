from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Amendment, Visit, VisitStatus
from sotclinic.visits.services import note_hash
from tests.conftest import client_for, make_signed_visit

CAT2_POST = {
    "pelvic_sway.value": "1.8",
    "arm_fossa.result": "positive",
    "arm_fossa.side": "right",
    "first_rib_tender.result": "positive",
    "first_rib_tender.side": "right",
    "leg_length_supine.side": "right",
    "leg_length_supine.value": "5",
}


def autosave(client: Client, visit: Visit, data: dict[str, Any]) -> Any:
    return client.post(
        reverse("visits:autosave", kwargs={"visit_id": visit.pk}), data, headers={"HX-Request": "true"}
    )


@pytest.mark.django_db
def test_new_visit_from_the_chart_opens_a_draft_and_reuses_it(prac_client: Client, patient: Patient) -> None:
    url = reverse("patients:visit_new", kwargs={"patient_id": patient.pk})
    first = prac_client.post(url)
    second = prac_client.post(url)
    visit = Visit.objects.get()
    assert first["Location"] == second["Location"] == reverse("visits:detail", kwargs={"visit_id": visit.pk})
    page = prac_client.get(first["Location"]).content.decode()
    assert "SOT examination" in page
    for group in (
        "Leg checks",
        "Category I indicators",
        "Category II indicators",
        "Category III indicators",
        "Fibres and CMRT",
    ):
        assert group in page
    assert AuditEvent.objects.filter(action=Action.VISIT_CREATE).count() == 1


@pytest.mark.django_db
def test_autosave_updates_the_assessment_and_protocol_live(prac_client: Client, draft_visit: Visit) -> None:
    response = autosave(prac_client, draft_visit, {**CAT2_POST, "pain": "6", "complaint": "Low back"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'Findings support <strong class="cat-cat2">Category II</strong>' in html
    assert "preview of the suggestion" in html
    assert "Default — confirm against your SOT training." in html
    assert 'data-landmark="trochanter"' in html and 'data-side="right"' in html
    assert "Saved" in html
    draft_visit.refresh_from_db()
    assert draft_visit.suggested_category == "cat2"
    assert draft_visit.assessment["scores"] == {"cat1": -2, "cat2": 5, "cat3": 0}
    assert draft_visit.knowledge_version == "2026.1"
    assert draft_visit.pain == 6
    assert draft_visit.revision == 1


@pytest.mark.django_db
def test_too_few_findings_say_what_is_missing(prac_client: Client, draft_visit: Visit) -> None:
    html = autosave(prac_client, draft_visit, {"heel_tension.result": "negative"}).content.decode()
    assert "No category suggested yet: too few findings." in html


@pytest.mark.django_db
def test_conflicting_findings_are_named(prac_client: Client, draft_visit: Visit) -> None:
    html = autosave(
        prac_client,
        draft_visit,
        {"heel_tension.result": "positive", "arm_fossa.result": "positive", "arm_fossa.side": "left"},
    ).content.decode()
    assert "findings conflict between Category I and Category II" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pain": "11"}, "Pain must be a whole number from 0 to 10."),
        ({"pain": "seven"}, "Pain must be a whole number from 0 to 10."),
        (
            {"pelvic_sway.value": "abc"},
            "Increased lateral pelvic sway: value must be a number, not &#x27;abc&#x27;.",
        ),
        ({"pelvic_sway.value": "99"}, "pelvic_sway"),
        ({"arm_fossa.result": "maybe"}, "arm_fossa"),
        ({"pelvis_locked.side": "left", "pelvis_locked.result": "positive"}, "pelvis_locked"),
        (
            {"occipital_fibre.line": "9", "occipital_fibre.area": "1", "occipital_fibre.side": "left"},
            "Occipital fibre 1: line 9 is not 1–3.",
        ),
        ({"category": "cat7"}, "Unknown category"),
        ({"variant": "underwater"}, "Unknown protocol variant"),
        ({"complaint": "x" * 301}, "Complaint must be at most 300 characters."),
    ],
)
@pytest.mark.django_db
def test_bad_visit_input_is_named_and_nothing_is_saved(
    prac_client: Client, draft_visit: Visit, data: dict[str, str], message: str
) -> None:
    response = autosave(prac_client, draft_visit, {**CAT2_POST, "plan": "should not be saved", **data})
    html = response.content.decode()
    assert "Not saved" in html
    assert message in html
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 0
    assert draft_visit.findings == [] and draft_visit.plan == ""
    assert not AuditEvent.objects.filter(action=Action.VISIT_SAVE).exists()


@pytest.mark.django_db
def test_override_needs_a_reason_and_both_are_stored(prac_client: Client, draft_visit: Visit) -> None:
    html = autosave(prac_client, draft_visit, {**CAT2_POST, "category": "cat1"}).content.decode()
    assert "Give a reason for choosing cat1 when the findings suggest cat2." in html
    draft_visit.refresh_from_db()
    assert draft_visit.category == ""
    autosave(
        prac_client,
        draft_visit,
        {**CAT2_POST, "category": "cat1", "override_reason": "Locked pelvis standing"},
    )
    draft_visit.refresh_from_db()
    assert (draft_visit.suggested_category, draft_visit.category) == ("cat2", "cat1")
    assert draft_visit.override_reason == "Locked pelvis standing"
    assert draft_visit.protocol["category"] == "cat1"


@pytest.mark.django_db
def test_confirming_shows_the_blocking_and_recheck_fields_prefilled(
    prac_client: Client, draft_visit: Visit
) -> None:
    html = autosave(
        prac_client, draft_visit, {**CAT2_POST, "category": "cat2", "treatment_key": "old"}
    ).content.decode()
    assert 'id="treatment" hx-swap-oob="outerHTML"' in html
    assert 'name="blocking.performed"' in html
    assert '<option value="trochanter" selected>' in html
    assert 'name="recheck.arm_fossa"' in html and 'name="recheck.leg_length_supine"' in html
    assert 'name="blocking.minutes" class="short" inputmode="decimal" value="2"' in html


def full_visit(**extra: str) -> dict[str, str]:
    return {
        **CAT2_POST,
        "pain": "5",
        "category": "cat2",
        "blocking.performed": "1",
        "blocking.position": "supine",
        "blocking.minutes": "2.5",
        "blocking.1.landmark": "trochanter",
        "blocking.1.side": "right",
        "blocking.1.angle_deg": "45",
        "blocking.2.landmark": "ilium",
        "blocking.2.side": "left",
        "blocking.2.angle_deg": "0",
        "recheck.arm_fossa": "cleared",
        "recheck.first_rib_tender": "not_cleared",
        "plan": "Review in a week.",
        **extra,
    }


@pytest.mark.django_db
def test_sign_a_complete_visit(prac_client: Client, practitioner: User, draft_visit: Visit) -> None:
    response = prac_client.post(reverse("visits:sign", kwargs={"visit_id": draft_visit.pk}), full_visit())
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", kwargs={"patient_id": draft_visit.patient_id})
    visit = Visit.objects.get(pk=draft_visit.pk)
    assert visit.status == VisitStatus.SIGNED
    assert visit.signed_by == practitioner
    assert visit.blocking == {
        "performed": True,
        "position": "supine",
        "blocks": [
            {"landmark": "trochanter", "side": "right", "angle_deg": 45},
            {"landmark": "ilium", "side": "left", "angle_deg": 0},
        ],
        "duration_s": 150,
        "notes": "",
    }
    assert visit.recheck == {"arm_fossa": "cleared", "first_rib_tender": "not_cleared"}
    assert visit.content_hash == note_hash(visit)
    chart = prac_client.get(response["Location"]).content.decode()
    assert "Category II" in chart and "Signed" in chart
    note = prac_client.get(reverse("visits:detail", kwargs={"visit_id": visit.pk})).content.decode()
    assert "locked" in note and "right greater trochanter, 45°" in note
    assert AuditEvent.objects.filter(action=Action.VISIT_SIGN, patient=visit.patient).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"category": "", "blocking.performed": ""},
            "Confirm the suggested category, or override it with a reason, before",
        ),
        ({"category": ""}, "Confirm a category before recording blocking."),
        ({"blocking.1.landmark": "knee"}, "Block 1: unknown landmark &#x27;knee&#x27;."),
        ({"blocking.1.side": "up"}, "Block 1: side must be left or right"),
        ({"blocking.minutes": "600"}, "Blocking duration must be between 1 second and 60 minutes."),
        ({"blocking.minutes": "soon"}, "Blocking duration must be a number"),
        ({"blocking.1.angle_deg": "120"}, "Block 1: angle must be 0–90 degrees."),
        ({"recheck.arm_fossa": "better"}, "Re-check of arm_fossa must be cleared or not cleared."),
        ({"recheck.nonsense": "cleared"}, "Unknown indicator &#x27;nonsense&#x27; in the re-check."),
        ({"category": "none", "blocking.performed": "1"}, "Confirm a category before recording blocking."),
    ],
)
@pytest.mark.django_db
def test_signing_refuses_bad_or_incomplete_notes(
    prac_client: Client, draft_visit: Visit, data: dict[str, str], message: str
) -> None:
    response = prac_client.post(
        reverse("visits:sign", kwargs={"visit_id": draft_visit.pk}), full_visit(**data)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    visit = Visit.objects.get(pk=draft_visit.pk)
    assert visit.status == VisitStatus.DRAFT
    assert not AuditEvent.objects.filter(action=Action.VISIT_SIGN).exists()


@pytest.mark.django_db
def test_a_signed_note_resists_every_way_of_editing_it(
    prac_client: Client, practitioner: User, signed_visit: Visit
) -> None:
    before = Visit.objects.get(pk=signed_visit.pk)
    vid = {"visit_id": signed_visit.pk}
    # the page's autosave, the sign form again, carry forward
    assert autosave(prac_client, signed_visit, {"plan": "changed"}).status_code == 409
    assert prac_client.post(reverse("visits:sign", kwargs=vid), full_visit(plan="changed")).status_code == 409
    assert prac_client.post(reverse("visits:carry_forward", kwargs=vid)).status_code == 409
    # the API
    response = prac_client.patch(
        f"/api/visits/{signed_visit.pk}", data={"plan": "changed"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "signed and locked" in response.json()["detail"]
    # the admin, even for a superuser
    admin = User.objects.create_superuser("root", "root@example.org", "x" * 12, clinic=practitioner.clinic)
    admin_client = client_for(admin)  # a superuser, past the second factor
    change_url = reverse("admin:visits_visit_change", args=[signed_visit.pk])
    assert "Change visit" not in admin_client.get(change_url).content.decode()
    admin_client.post(change_url, {"plan": "changed", "status": "draft"})
    assert admin_client.get(reverse("admin:visits_visit_delete", args=[signed_visit.pk])).status_code == 403
    # and the database itself, for code that goes round the services
    with pytest.raises(DatabaseError), transaction.atomic():
        Visit.objects.filter(pk=signed_visit.pk).update(plan="changed")
    after = Visit.objects.get(pk=signed_visit.pk)
    assert after.plan == before.plan and after.content_hash == before.content_hash == note_hash(after)
    assert after.status == VisitStatus.SIGNED


@pytest.mark.django_db
def test_amendments_are_dated_signed_and_shown_with_the_note(
    prac_client: Client, practitioner: User, signed_visit: Visit
) -> None:
    url = reverse("visits:amend", kwargs={"visit_id": signed_visit.pk})
    response = prac_client.post(url, {"reason": "Wrong pain score", "text": "Pain was 5/10, not 6/10."})
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.author, amendment.reason) == (practitioner, "Wrong pain score")
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": signed_visit.pk})).content.decode()
    assert "Pain was 5/10, not 6/10." in page and "reason: Wrong pain score" in page
    with pytest.raises(DatabaseError), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).update(text="rewritten")
    assert AuditEvent.objects.filter(action=Action.VISIT_AMEND).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "text": "x"}, "Reason for the amendment: This field is required."),
        ({"reason": "x", "text": ""}, "Correction: This field is required."),
        ({"reason": "x" * 301, "text": "y"}, "at most 300 characters"),
    ],
)
@pytest.mark.django_db
def test_bad_amendments_are_refused(
    prac_client: Client, signed_visit: Visit, data: dict[str, str], message: str
) -> None:
    response = prac_client.post(reverse("visits:amend", kwargs={"visit_id": signed_visit.pk}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Amendment.objects.exists()


@pytest.mark.django_db
def test_a_draft_cannot_be_amended(prac_client: Client, draft_visit: Visit) -> None:
    response = prac_client.post(
        reverse("visits:amend", kwargs={"visit_id": draft_visit.pk}), {"reason": "x", "text": "y"}
    )
    assert response.status_code == 400
    assert "amendments are for signed notes" in response.content.decode()


@pytest.mark.django_db
def test_carry_forward_copies_the_last_signed_findings(
    prac_client: Client, practitioner: User, patient: Patient
) -> None:
    make_signed_visit(patient, practitioner, day=datetime.date(2026, 10, 1))
    last = make_signed_visit(
        patient,
        practitioner,
        day=datetime.date(2026, 11, 1),
        findings=[
            {"indicator": "pelvis_locked", "result": "positive"},
            {"indicator": "heel_tension", "result": "positive", "side": "left"},
            {"indicator": "leg_length_prone", "side": "left", "value": 5},
        ],
        category="cat1",
    )
    prac_client.post(reverse("patients:visit_new", kwargs={"patient_id": patient.pk}))
    today = Visit.objects.get(status=VisitStatus.DRAFT)
    response = prac_client.post(reverse("visits:carry_forward", kwargs={"visit_id": today.pk}))
    assert response.status_code == 302
    today.refresh_from_db()
    assert today.findings == last.findings
    assert today.suggested_category == "cat1"
    event = AuditEvent.objects.get(action=Action.VISIT_CARRY_FORWARD)
    assert event.detail["from_visit"] == str(last.pk)


@pytest.mark.django_db
def test_carry_forward_without_an_earlier_visit_says_so(prac_client: Client, draft_visit: Visit) -> None:
    response = prac_client.post(
        reverse("visits:carry_forward", kwargs={"visit_id": draft_visit.pk}), follow=True
    )
    assert "There is no earlier signed visit to carry forward." in response.content.decode()


@pytest.mark.django_db
def test_a_stale_window_cannot_overwrite_a_newer_draft(prac_client: Client, draft_visit: Visit) -> None:
    autosave(prac_client, draft_visit, {**CAT2_POST, "revision": "0", "plan": "first window"})
    html = autosave(prac_client, draft_visit, {"revision": "0", "plan": "second window"}).content.decode()
    assert "changed in another window" in html
    draft_visit.refresh_from_db()
    assert draft_visit.plan == "first window"


@pytest.mark.django_db
def test_leaving_a_half_filled_visit_loses_nothing(prac_client: Client, patient: Patient) -> None:
    prac_client.post(reverse("patients:visit_new", kwargs={"patient_id": patient.pk}))
    visit = Visit.objects.get()
    autosave(
        prac_client, visit, {"pain": "4", "heel_tension.result": "positive", "heel_tension.side": "left"}
    )
    chart = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Unsigned drafts" in chart
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": visit.pk})).content.decode()
    assert 'name="pain" inputmode="numeric" class="short" value="4"' in page
    assert 'name="heel_tension.result" value="positive" checked' in page


@pytest.mark.django_db
def test_api_reads_and_patches_a_draft(prac_client: Client, draft_visit: Visit) -> None:
    response = prac_client.patch(
        f"/api/visits/{draft_visit.pk}",
        data={
            "findings": [
                {"indicator": "pelvis_locked", "result": "positive"},
                {"indicator": "heel_tension", "result": "positive", "side": "left"},
            ],
            "pain": 3,
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assessment"]["category"] == "cat1" and body["pain"] == 3
    bad = prac_client.patch(
        f"/api/visits/{draft_visit.pk}",
        data={"findings": [{"indicator": "nope"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "nope" in str(bad.json()["detail"])
    assert prac_client.get(f"/api/visits/{draft_visit.pk}").json()["pain"] == 3


@pytest.mark.django_db
def test_every_visit_page_read_is_audited(
    prac_client: Client, practitioner: User, signed_visit: Visit
) -> None:
    prac_client.get(reverse("visits:detail", kwargs={"visit_id": signed_visit.pk}))
    prac_client.get(f"/api/visits/{signed_visit.pk}")
    events = AuditEvent.objects.filter(
        action=Action.VISIT_VIEW, patient=signed_visit.patient, actor=practitioner
    )
    assert events.count() == 2
    assert {e.detail.get("via") for e in events} == {None, "api"}


@pytest.mark.django_db
def test_pregnancy_variant_needs_the_week_and_carries_its_notes(
    prac_client: Client, draft_visit: Visit
) -> None:
    url = reverse("visits:sign", kwargs={"visit_id": draft_visit.pk})
    response = prac_client.post(url, full_visit(variant="pregnancy"))
    assert response.status_code == 400
    assert "Record the week of pregnancy: the pregnancy protocol needs it." in response.content.decode()
    bad = prac_client.post(url, full_visit(variant="pregnancy", pregnancy_week="50"))
    assert "Week of pregnancy must be a whole number from 1 to 42." in bad.content.decode()
    assert Visit.objects.get(pk=draft_visit.pk).status == VisitStatus.DRAFT
    assert prac_client.post(url, full_visit(variant="pregnancy", pregnancy_week="28")).status_code == 302
    visit = Visit.objects.get(pk=draft_visit.pk)
    assert (visit.variant, visit.pregnancy_week, visit.protocol["variant"]) == ("pregnancy", 28, "pregnancy")
    assert "pregnancy_week" in visit.protocol["requires"]
    note = prac_client.get(reverse("visits:detail", kwargs={"visit_id": visit.pk})).content.decode()
    assert "week 28 of pregnancy" in note


@pytest.mark.django_db
def test_a_prone_protocol_without_a_prone_leg_check_names_it_instead_of_placing_blocks(
    prac_client: Client, draft_visit: Visit
) -> None:
    data = {
        "antalgic_posture.result": "positive",
        "leg_pain.result": "positive",
        "leg_pain.side": "left",
        "slr.result": "positive",
        "slr.side": "left",
        "slr.value": "40",
        "leg_length_supine.side": "right",
        "category": "cat3",
        "treatment_key": "",
    }
    html = autosave(prac_client, draft_visit, data).content.decode()
    assert "Blocks not placed: record the prone leg check first." in html
    assert "Record the prone leg check to place the blocks." in html
    draft_visit.refresh_from_db()
    assert draft_visit.protocol["missing"] == "leg_length_prone" and draft_visit.protocol["blocks"] == []


@pytest.mark.django_db
def test_searching_patients_is_audited_without_the_query(prac_client: Client, practitioner: User) -> None:
    prac_client.get(reverse("patients:list"), {"q": "smith"})
    event = AuditEvent.objects.get(action=Action.PATIENT_SEARCH)
    assert event.actor == practitioner and event.detail == {"results": 0}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"subjective": "a\x00b"},
            "In the patient&#x27;s words contains a NUL character, which cannot be stored.",
        ),
        ({"plan": "x" * 5001}, "Plan must be at most 5000 characters."),
        (
            {"occipital_fibre.organ": "liv\x00er", "occipital_fibre.level": "T8"},
            "A finding contains a NUL character",
        ),
    ],
)
@pytest.mark.django_db
def test_text_that_cannot_be_stored_is_named_and_nothing_is_saved(
    prac_client: Client, draft_visit: Visit, data: dict[str, str], message: str
) -> None:
    html = autosave(prac_client, draft_visit, {**CAT2_POST, **data}).content.decode()
    assert "Not saved" in html and message in html
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 0


@pytest.mark.django_db
def test_the_api_refuses_what_the_page_refuses(prac_client: Client, draft_visit: Visit) -> None:
    url = f"/api/visits/{draft_visit.pk}"
    too_long = prac_client.patch(url, data={"plan": "x" * 5001}, content_type="application/json")
    assert too_long.status_code == 422
    surrogate = prac_client.patch(url, '{"subjective": "a\\ud800b"}', content_type="application/json")
    assert surrogate.status_code == 422
    assert "unicode" in str(surrogate.json()["detail"])
    assert prac_client.patch(url, b"\x00", content_type="application/json").status_code == 400
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 0
