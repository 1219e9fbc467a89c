"""Indicators the knowledge base marks `multiple` (occipital fibres, trapezius fibres, CMRT) take several entries on
the visit page: each one is a finding of its own, kept in order everywhere the visit is shown."""

from __future__ import annotations

import datetime
import html as html_lib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.sot import default_kb
from sotclinic.visits.display import finding_rows
from sotclinic.visits.forms import MAX_ENTRIES, draft_from_post
from sotclinic.visits.models import Amendment, Visit, VisitStatus
from sotclinic.visits.services import visit_start
from tests.conftest import CAT2_FINDINGS, make_signed_visit

CAT2_POST = {
    "pelvic_sway.value": "1.8",
    "arm_fossa.result": "positive",
    "arm_fossa.side": "right",
    "first_rib_tender.result": "positive",
    "first_rib_tender.side": "right",
    "leg_length_supine.side": "right",
    "leg_length_supine.value": "5",
}

THREE_FIBRES = {
    "occipital_fibre.1.side": "left",
    "occipital_fibre.1.line": "2",
    "occipital_fibre.1.area": "6",
    "occipital_fibre.1.level": "t8",
    "occipital_fibre.2.side": "right",
    "occipital_fibre.2.line": "1",
    "occipital_fibre.2.area": "3",
    "occipital_fibre.2.level": "C2",
    "occipital_fibre.3.side": "bilateral",
    "occipital_fibre.3.line": "3",
    "occipital_fibre.3.area": "7",
    "occipital_fibre.3.level": "L4",
}
THREE_FIBRES_STORED = [
    {"indicator": "occipital_fibre", "side": "left", "level": "T8", "line": 2, "area": 6},
    {"indicator": "occipital_fibre", "side": "right", "level": "C2", "line": 1, "area": 3},
    {"indicator": "occipital_fibre", "side": "bilateral", "level": "L4", "line": 3, "area": 7},
]
TWO_CMRT = {
    "cmrt.1.level": "T5",
    "cmrt.1.organ": "stomach",
    "cmrt.2.level": "T8",
    "cmrt.2.organ": "liver",
}
TWO_CMRT_STORED = [
    {"indicator": "cmrt", "level": "T5", "organ": "stomach"},
    {"indicator": "cmrt", "level": "T8", "organ": "liver"},
]


def post(data: dict[str, str]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return query


def autosave(client: Client, visit: Visit, data: dict[str, Any]) -> Any:
    return client.post(
        reverse("visits:autosave", kwargs={"visit_id": visit.pk}), data, headers={"HX-Request": "true"}
    )


def of(findings: list[dict[str, Any]], *codes: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["indicator"] in codes]


# ---- the form ------------------------------------------------------------------------------------------


def test_the_multiple_indicators_come_from_the_knowledge_base() -> None:
    kb = default_kb()
    assert [c for c, i in kb.indicators.items() if i.multiple] == [
        "occipital_fibre",
        "trapezius_fibre",
        "cmrt",
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_form_reads_every_entry_in_order(count: int) -> None:
    data = {k: v for k, v in THREE_FIBRES.items() if int(k.split(".")[1]) <= count}
    draft = draft_from_post(post({**CAT2_POST, **data}), default_kb())
    assert of(draft.findings, "occipital_fibre") == THREE_FIBRES_STORED[:count]
    assert len(of(draft.findings, "arm_fossa")) == 1


def test_blank_entries_are_skipped_and_the_numbers_on_the_page_name_the_entries() -> None:
    data = {
        "occipital_fibre.1.side": "left",
        "occipital_fibre.2.side": "",
        "occipital_fibre.2.level": "",
        "occipital_fibre.3.level": "T13",
    }
    with pytest.raises(ValidationError) as caught:
        draft_from_post(post(data), default_kb())
    assert caught.value.message_dict["findings"] == [
        "Occipital fibre 3: level 'T13' is not a vertebral level (C1–C7, T1–T12, L1–L5, S)."
    ]
    draft = draft_from_post(post({**data, "occipital_fibre.3.level": "T12"}), default_kb())
    assert of(draft.findings, "occipital_fibre") == [
        {"indicator": "occipital_fibre", "side": "left"},
        {"indicator": "occipital_fibre", "level": "T12"},
    ]


def test_the_single_entry_names_still_work() -> None:
    """Other clients (and pages open from before) send `<code>.<part>`: that is one entry."""
    draft = draft_from_post(post({"cmrt.level": "T6", "cmrt.organ": "kidney"}), default_kb())
    assert draft.findings == [{"indicator": "cmrt", "level": "T6", "organ": "kidney"}]


def test_an_entry_number_beyond_the_limit_is_refused() -> None:
    data = {f"trapezius_fibre.{n}.area": str(1 + n % 7) for n in range(1, MAX_ENTRIES + 1)}
    data |= {f"trapezius_fibre.{n}.level": f"T{n}" for n in range(1, MAX_ENTRIES + 1)}
    draft = draft_from_post(post(data), default_kb())
    assert len(draft.findings) == MAX_ENTRIES
    with pytest.raises(ValidationError) as caught:
        draft_from_post(post({**data, "trapezius_fibre.13.level": "C3"}), default_kb())
    assert caught.value.message_dict["findings"] == ["Trapezius fibre: at most 12 entries (numbered 1–12)."]


# ---- saving --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1, 3])
def test_autosave_stores_every_entry_as_its_own_finding_in_order(
    prac_client: Client, draft_visit: Visit, count: int
) -> None:
    fibres = {k: v for k, v in THREE_FIBRES.items() if int(k.split(".")[1]) <= count}
    response = autosave(prac_client, draft_visit, {**CAT2_POST, **fibres, **TWO_CMRT})
    assert "Not saved" not in response.content.decode()
    draft_visit.refresh_from_db()
    assert (
        of(draft_visit.findings, "occipital_fibre", "cmrt") == THREE_FIBRES_STORED[:count] + TWO_CMRT_STORED
    )
    assert draft_visit.suggested_category == "cat2"  # fibres add no weight

    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": draft_visit.pk})).content.decode()
    for n in range(1, count + 1):
        assert f'id="row-occipital_fibre-{n}"' in page
        assert f'name="occipital_fibre.{n}.level"' in page
    assert f'id="row-occipital_fibre-{count + 1}"' not in page or count == 0
    assert 'name="cmrt.2.organ"' in page and 'value="liver"' in page


@pytest.mark.django_db
def test_a_visit_with_no_entries_shows_one_blank_entry_per_indicator(
    prac_client: Client, draft_visit: Visit
) -> None:
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": draft_visit.pk})).content.decode()
    for code in ("occipital_fibre", "trapezius_fibre", "cmrt"):
        assert f'id="row-{code}-1"' in page and f'id="row-{code}-2"' not in page
        assert f'data-add="{code}"' in page
    assert 'name="trapezius_fibre.1.area"' in page
    assert 'name="trapezius_fibre.1.line"' not in page  # the knowledge base records no line for it
    assert 'name="arm_fossa.side"' in page and 'id="row-arm_fossa"' in page  # others as before
    assert "Alt+N" in page


@pytest.mark.django_db
def test_the_live_panel_lists_every_entry(prac_client: Client, draft_visit: Visit) -> None:
    html = autosave(prac_client, draft_visit, {**CAT2_POST, **THREE_FIBRES, **TWO_CMRT}).content.decode()
    assert "Occipital fibre 1</strong>: left, line 2, area 6, T8" in html
    assert "Occipital fibre 3</strong>: bilateral, line 3, area 7, L4" in html
    assert "CMRT reflex 2</strong>: T8, liver" in html


@pytest.mark.django_db
def test_exact_duplicates_are_refused_naming_both_and_nothing_is_saved(
    prac_client: Client, draft_visit: Visit
) -> None:
    duplicate = {
        "occipital_fibre.4.side": "left",
        "occipital_fibre.4.line": "2",
        "occipital_fibre.4.area": "6",
        "occipital_fibre.4.level": "T8",
    }
    html = autosave(
        prac_client, draft_visit, {**CAT2_POST, **THREE_FIBRES, **duplicate, "plan": "not saved"}
    ).content.decode()
    assert "Not saved" in html
    assert (
        "Occipital fibre 4 is the same as Occipital fibre 1 (left, line 2, area 6, T8): remove one of them."
        in html_lib.unescape(html)
    )
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 0 and draft_visit.findings == [] and draft_visit.plan == ""
    assert not AuditEvent.objects.filter(action=Action.VISIT_SAVE).exists()


@pytest.mark.django_db
def test_entries_that_differ_in_one_field_are_different_findings(
    prac_client: Client, draft_visit: Visit
) -> None:
    data = {
        "cmrt.1.level": "T4",
        "cmrt.1.organ": "gall bladder",
        "cmrt.2.level": "T4",
        "cmrt.2.organ": "liver",
        "cmrt.3.level": "T8",
        "cmrt.3.organ": "liver",
    }
    autosave(prac_client, draft_visit, data)
    draft_visit.refresh_from_db()
    assert [(f["level"], f["organ"]) for f in draft_visit.findings] == [
        ("T4", "gall bladder"),
        ("T4", "liver"),
        ("T8", "liver"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"occipital_fibre.2.level": "T13"}, "Occipital fibre 2: level 'T13' is not a vertebral level"),
        ({"occipital_fibre.2.level": "X"}, "Occipital fibre 2: level 'X' is not a vertebral level"),
        ({"occipital_fibre.2.line": "4"}, "Occipital fibre 2: line 4 is not 1–3."),
        ({"occipital_fibre.2.line": "0"}, "Occipital fibre 2: line 0 is not 1–3."),
        ({"occipital_fibre.2.area": "8"}, "Occipital fibre 2: area 8 is not 1–7."),
        ({"occipital_fibre.2.area": "two"}, "Occipital fibre 2: area must be a number, not 'two'."),
        ({"occipital_fibre.2.area": "2.5"}, "Occipital fibre 2: area must be a whole number."),
        ({"occipital_fibre.2.side": "even"}, "Occipital fibre 2: side 'even' is not allowed"),
        (
            {"occipital_fibre.2.organ": "liver"},
            "Occipital fibre 2: organ is not recorded for this indicator.",
        ),
        ({"trapezius_fibre.2.line": "1"}, "Trapezius fibre 2: line is not recorded for this indicator."),
        ({"trapezius_fibre.2.area": "9"}, "Trapezius fibre 2: area 9 is not 1–7."),
        (
            {"cmrt.2.level": "T44", "cmrt.2.organ": "liver"},
            "CMRT reflex 2: level 'T44' is not a vertebral level",
        ),
        ({"cmrt.2.organ": "x" * 101}, "CMRT reflex 2: organ is longer than 100 characters."),
        ({"cmrt.2.side": "left"}, "CMRT reflex 2: side is not recorded for this indicator."),
        ({"cmrt.13.level": "T5"}, "CMRT reflex: at most 12 entries"),
    ],
)
def test_a_bad_value_names_its_entry_and_nothing_of_the_save_is_written(
    prac_client: Client, draft_visit: Visit, data: dict[str, str], message: str
) -> None:
    good = {
        "occipital_fibre.1.side": "left",
        "occipital_fibre.1.level": "T8",
        "trapezius_fibre.1.area": "2",
        "cmrt.1.level": "T5",
        "cmrt.1.organ": "stomach",
    }
    html = autosave(
        prac_client, draft_visit, {**CAT2_POST, **good, **data, "plan": "should not be saved"}
    ).content.decode()
    assert "Not saved" in html
    assert message in html_lib.unescape(html)
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 0 and draft_visit.findings == [] and draft_visit.plan == ""
    assert not AuditEvent.objects.filter(action=Action.VISIT_SAVE).exists()


@pytest.mark.django_db
def test_removing_an_entry_saves_the_shorter_list(prac_client: Client, draft_visit: Visit) -> None:
    autosave(prac_client, draft_visit, {**THREE_FIBRES, **TWO_CMRT})
    # the page removed entry 2 and renumbered entry 3 as 2
    renumbered = {k: v for k, v in THREE_FIBRES.items() if k.startswith("occipital_fibre.1.")}
    renumbered |= {
        k.replace(".3.", ".2."): v for k, v in THREE_FIBRES.items() if k.startswith("occipital_fibre.3.")
    }
    autosave(prac_client, draft_visit, {**renumbered, **TWO_CMRT, "revision": "1"})
    draft_visit.refresh_from_db()
    assert of(draft_visit.findings, "occipital_fibre") == [THREE_FIBRES_STORED[0], THREE_FIBRES_STORED[2]]
    # the last entry removed: none left
    autosave(prac_client, draft_visit, {"cmrt.1.level": "T5", "cmrt.1.organ": "stomach", "revision": "2"})
    draft_visit.refresh_from_db()
    assert draft_visit.findings == [TWO_CMRT_STORED[0]]


@pytest.mark.django_db
def test_signing_with_the_full_post_keeps_every_entry(prac_client: Client, draft_visit: Visit) -> None:
    data = {
        **CAT2_POST,
        **THREE_FIBRES,
        **TWO_CMRT,
        "category": "cat2",
        "plan": "Review in a week.",
    }
    response = prac_client.post(reverse("visits:sign", kwargs={"visit_id": draft_visit.pk}), data)
    assert response.status_code == 302
    visit = Visit.objects.get(pk=draft_visit.pk)
    assert visit.status == VisitStatus.SIGNED
    assert of(visit.findings, "occipital_fibre", "cmrt") == THREE_FIBRES_STORED + TWO_CMRT_STORED


@pytest.mark.django_db
def test_a_bad_entry_on_the_sign_post_signs_nothing(prac_client: Client, draft_visit: Visit) -> None:
    data = {**CAT2_POST, **THREE_FIBRES, "occipital_fibre.2.line": "5", "category": "cat2"}
    response = prac_client.post(reverse("visits:sign", kwargs={"visit_id": draft_visit.pk}), data)
    assert response.status_code == 400
    assert "Occipital fibre 2: line 5 is not 1–3." in response.content.decode()
    draft_visit.refresh_from_db()
    assert draft_visit.status == VisitStatus.DRAFT and draft_visit.revision == 0


# ---- shown and kept everywhere ---------------------------------------------------------------------------

SEVERAL = [*CAT2_FINDINGS, *THREE_FIBRES_STORED, {"indicator": "trapezius_fibre", "area": 2, "level": "T2"}]
SEVERAL += TWO_CMRT_STORED


@pytest.mark.django_db
def test_carry_forward_brings_every_entry(prac_client: Client, practitioner: User, patient: Patient) -> None:
    make_signed_visit(patient, practitioner, findings=SEVERAL)
    today = visit_start(patient=patient, by=practitioner, date=datetime.date(2026, 11, 20))
    response = prac_client.post(reverse("visits:carry_forward", kwargs={"visit_id": today.pk}))
    assert response.status_code == 302
    today.refresh_from_db()
    assert of(today.findings, "occipital_fibre", "trapezius_fibre", "cmrt") == of(
        SEVERAL, "occipital_fibre", "trapezius_fibre", "cmrt"
    )
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": today.pk})).content.decode()
    assert 'id="row-occipital_fibre-3"' in page and 'id="row-occipital_fibre-4"' not in page
    assert 'name="occipital_fibre.3.level" class="tiny level" value="L4"' in page
    assert 'id="row-cmrt-2"' in page and 'id="row-trapezius_fibre-1"' in page


@pytest.mark.django_db
def test_the_signed_note_the_chart_and_amendments_show_every_entry(
    prac_client: Client, practitioner: User, patient: Patient
) -> None:
    visit = make_signed_visit(patient, practitioner, findings=SEVERAL)
    note = prac_client.get(reverse("visits:detail", kwargs={"visit_id": visit.pk})).content.decode()
    for text in (
        "<dt>Occipital fibre 1</dt><dd>left, line 2, area 6, T8</dd>",
        "<dt>Occipital fibre 2</dt><dd>right, line 1, area 3, C2</dd>",
        "<dt>Occipital fibre 3</dt><dd>bilateral, line 3, area 7, L4</dd>",
        "<dt>Trapezius fibre</dt><dd>area 2, T2</dd>",  # a single entry is not numbered
        "<dt>CMRT reflex 1</dt><dd>T5, stomach</dd>",
        "<dt>CMRT reflex 2</dt><dd>T8, liver</dd>",
    ):
        assert text in note
    chart = prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "<dt>Occipital fibre 3</dt><dd>bilateral, line 3, area 7, L4</dd>" in chart
    assert "<dt>CMRT reflex 2</dt><dd>T8, liver</dd>" in chart

    response = prac_client.post(
        reverse("visits:amend", kwargs={"visit_id": visit.pk}),
        {"reason": "Level of fibre 2", "text": "Occipital fibre 2 indicated C3, not C2."},
    )
    assert response.status_code == 302 and Amendment.objects.filter(visit=visit).count() == 1
    visit.refresh_from_db()
    assert of(visit.findings, "occipital_fibre", "trapezius_fibre", "cmrt") == of(
        SEVERAL, "occipital_fibre", "trapezius_fibre", "cmrt"
    )
    note = prac_client.get(reverse("visits:detail", kwargs={"visit_id": visit.pk})).content.decode()
    assert "<dt>Occipital fibre 2</dt><dd>right, line 1, area 3, C2</dd>" in note
    assert "Occipital fibre 2 indicated C3, not C2." in note


def test_finding_rows_number_only_repeated_multiple_indicators() -> None:
    rows = finding_rows([*CAT2_FINDINGS, *TWO_CMRT_STORED, THREE_FIBRES_STORED[0]], default_kb())
    assert [r["name"] for r in rows if r["multiple"]] == ["CMRT reflex 1", "CMRT reflex 2", "Occipital fibre"]
    assert not any(r["multiple"] for r in rows[: len(CAT2_FINDINGS)])


@pytest.mark.django_db
def test_the_api_reads_and_writes_every_entry(prac_client: Client, draft_visit: Visit) -> None:
    url = f"/api/visits/{draft_visit.pk}"
    findings = [*CAT2_FINDINGS, *THREE_FIBRES_STORED, *TWO_CMRT_STORED]
    response = prac_client.patch(url, {"findings": findings}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert of(response.json()["findings"], "occipital_fibre", "cmrt") == THREE_FIBRES_STORED + TWO_CMRT_STORED
    read = prac_client.get(url).json()
    assert of(read["findings"], "occipital_fibre", "cmrt") == THREE_FIBRES_STORED + TWO_CMRT_STORED
    bad = [*findings, {"indicator": "cmrt", "level": "T13", "organ": "liver"}]
    response = prac_client.patch(url, {"findings": bad}, content_type="application/json")
    assert response.status_code == 422 and "level 'T13'" in str(response.json()["detail"])
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 1


@pytest.mark.django_db
def test_the_api_refuses_an_exact_repeat_of_an_entry(prac_client: Client, draft_visit: Visit) -> None:
    url = f"/api/visits/{draft_visit.pk}"
    findings = [*THREE_FIBRES_STORED, *TWO_CMRT_STORED, {**TWO_CMRT_STORED[0], "organ": " stomach "}]
    response = prac_client.patch(url, {"findings": findings}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"]["findings"] == [
        "finding 6 (cmrt) is the same as finding 4 (same side, level, line, area and organ): record it once"
    ]
    draft_visit.refresh_from_db()
    assert draft_visit.revision == 0 and draft_visit.findings == []
    # a non-multiple indicator given twice is a re-test, as before: the later one wins
    retest = [
        {"indicator": "arm_fossa", "result": "negative"},
        {"indicator": "arm_fossa", "result": "positive"},
    ]
    response = prac_client.patch(url, {"findings": retest}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["findings"] == [{"indicator": "arm_fossa", "result": "positive"}]


CLINIC_MULTIPLE = """
name = "clinic-m"

[[indicators]]
code = "cranial_fault"
name = "Cranial fault"
how = "A cranial fault found on palpation; record the level it relates to."
group = "fibres"
has_result = false
sides = ["left", "right"]
side_meaning = "side of the fault"
has_level = true
multiple = true
shortcut = "s"
"""


@pytest.fixture
def clinic_kb(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path = tmp_path / "clinic-m.toml"
    path.write_text(CLINIC_MULTIPLE)
    monkeypatch.setenv("SOTCLINIC_KB_OVERRIDE", str(path))
    default_kb.cache_clear()
    yield
    monkeypatch.delenv("SOTCLINIC_KB_OVERRIDE")
    default_kb.cache_clear()


@pytest.mark.django_db
def test_which_indicators_take_several_entries_is_read_from_the_knowledge_base(
    clinic_kb: None, prac_client: Client, draft_visit: Visit
) -> None:
    """A clinic's knowledge file may add a `multiple` indicator: the page takes several entries for it too."""
    page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": draft_visit.pk})).content.decode()
    assert 'id="row-cranial_fault-1"' in page and 'data-add="cranial_fault"' in page
    assert 'id="row-arm_fossa"' in page and 'data-add="arm_fossa"' not in page
    data = {
        "cranial_fault.1.side": "left",
        "cranial_fault.1.level": "C1",
        "cranial_fault.2.side": "right",
        "cranial_fault.2.level": "C1",
        "arm_fossa.result": "positive",
        "arm_fossa.side": "left",
    }
    html = autosave(prac_client, draft_visit, data).content.decode()
    assert "Not saved" not in html
    draft_visit.refresh_from_db()
    assert draft_visit.findings == [
        {"indicator": "arm_fossa", "result": "positive", "side": "left"},
        {"indicator": "cranial_fault", "side": "left", "level": "C1"},
        {"indicator": "cranial_fault", "side": "right", "level": "C1"},
    ]
