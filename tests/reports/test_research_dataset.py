"""The researcher's de-identified dataset (sotclinic/reports/deidentified.py): what is in each file, and that
nothing identifying is, whatever the clinic typed."""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid
import zipfile
from typing import Any

import pytest
from django.utils import timezone

from sotclinic.clinic.access import research_sources, research_sources_of_clinic
from sotclinic.clinic.models import Clinic, Role, User
from sotclinic.measures import score
from sotclinic.outcomes.models import Response
from sotclinic.outcomes.services import record_total
from sotclinic.patients.consent import (
    DEFAULT_CONSENT_TEXT,
    consent_sign,
    consent_text_publish,
    current_consent_text,
)
from sotclinic.patients.flags import flag_decide
from sotclinic.patients.models import Patient
from sotclinic.patients.services import complaint_add, patient_register
from sotclinic.reports.deidentified import (
    ADVERSE_COLUMNS,
    FILES,
    FINDING_COLUMNS,
    K_MIN,
    OUTCOME_COLUMNS,
    PATIENT_COLUMNS,
    VISIT_COLUMNS,
    age_band,
    kb_version,
    pseudonym,
    write_dataset,
)
from sotclinic.reports.services import research_key
from sotclinic.safety import default_rules
from sotclinic.visits.adverse import adverse_event_follow_up, adverse_event_report
from sotclinic.visits.models import Visit
from sotclinic.visits.services import (
    VisitDraft,
    visit_amend,
    visit_confirm_screening,
    visit_save_draft,
    visit_sign,
    visit_start,
)
from tests.attack.attack_support import raise_flag
from tests.conftest import CAT2_FINDINGS, give_consent

CAT1_FINDINGS: list[dict[str, Any]] = [
    {"indicator": "pelvis_locked", "result": "positive"},
    {"indicator": "heel_tension", "result": "positive", "side": "left"},
    {"indicator": "leg_length_prone", "side": "left", "value": 6},
]


def export(clinic: Clinic, *, k: int = 1) -> dict[str, Any]:
    """The ZIP of a clinic (small-cell suppression off unless k is given): name -> rows (dicts), plus the raw
    text of every member under "text" and the README under "README.txt"."""
    out = io.BytesIO()
    counts = write_dataset(
        out, sources=research_sources_of_clinic(clinic.pk), key=research_key(clinic.pk), k=k
    )
    out.seek(0)
    with zipfile.ZipFile(out) as archive:
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    result: dict[str, Any] = {"text": texts, "counts": counts, "README.txt": texts["README.txt"]}
    for name in FILES:
        reader = csv.reader(io.StringIO(texts[name]))
        header = next(reader)
        result[name] = {"header": header, "rows": [dict(zip(header, row, strict=True)) for row in reader]}
    return result


def sign_visit(
    patient: Patient,
    by: User,
    day: datetime.date,
    *,
    findings: list[dict[str, Any]] | None = None,
    category: str = "cat2",
    **text: Any,
) -> Visit:
    visit = visit_confirm_screening(visit=visit_start(patient=patient, by=by, date=day), by=by)
    draft = VisitDraft(findings=list(findings or CAT2_FINDINGS), category=category, pain=5, **text)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))  # signed at the visit
    return visit_sign(visit=visit_save_draft(visit=visit, by=by, draft=draft), by=by, at=at)


def register(by: User, *, family: str, dob: datetime.date, sex: str = "female", **more: Any) -> Patient:
    patient = patient_register(
        by=by, data={"family_name": family, "given_names": "Pat", "date_of_birth": dob, "sex": sex, **more}
    )
    if patient.age_on(timezone.localdate()) >= 18:
        give_consent(patient, by)
    else:
        if current_consent_text(patient.clinic) is None:
            consent_text_publish(by=by, title="Consent to care", body=DEFAULT_CONSENT_TEXT)
        consent_sign(
            patient=patient,
            by=by,
            agreed=True,
            signed_name="A Parent",
            by_guardian=True,
            guardian_relationship="Parent",
        )
    return patient


def pid_of(patient: Patient) -> str:
    return pseudonym(research_key(patient.clinic_id), patient.pk)


@pytest.fixture
def first_day() -> datetime.date:
    return datetime.date(2025, 6, 10)


def test_every_file_has_exactly_its_columns(
    practitioner: User, patient: Patient, first_day: datetime.date
) -> None:
    sign_visit(patient, practitioner, first_day)
    data = export(patient.clinic)
    assert set(data["text"]) == {*FILES, "README.txt"}
    assert data["patients.csv"]["header"] == [
        "pid",
        "sex",
        "age_band",
        "complaints",
        "category_at_presentation",
        "signed_visits",
        "pregnant_any_visit",
    ]
    assert data["visits.csv"]["header"] == list(VISIT_COLUMNS)
    assert data["findings.csv"]["header"] == list(FINDING_COLUMNS)
    assert data["outcomes.csv"]["header"] == list(OUTCOME_COLUMNS)
    assert data["adverse_events.csv"]["header"] == [
        "pid",
        "day",
        "severity",
        "causality",
        "reported_via",
        "followed_up",
    ]
    assert data["patients.csv"]["header"] == list(PATIENT_COLUMNS)
    assert data["adverse_events.csv"]["header"] == list(ADVERSE_COLUMNS)
    # every column of every file is described in the README's data dictionary
    for name, columns in FILES.items():
        assert name in data["README.txt"]
        for column in columns:
            assert re.search(rf"\b{column}\b", data["README.txt"]), (name, column)


def test_visits_are_numbered_and_counted_in_days_since_the_first_signed_visit(
    practitioner: User, first_day: datetime.date
) -> None:
    patient = register(practitioner, family="Daycount", dob=datetime.date(1970, 1, 1))
    complaint_add(patient=patient, by=practitioner, code="low_back")
    complaint_add(patient=patient, by=practitioner, code="neck")
    sign_visit(
        patient,
        practitioner,
        first_day + datetime.timedelta(days=14),
        findings=CAT1_FINDINGS,
        category="cat1",
    )
    sign_visit(patient, practitioner, first_day)  # signed later, but the earlier visit: day 0
    sign_visit(
        patient,
        practitioner,
        first_day + datetime.timedelta(days=45),
        category="cat1",
        override_reason="Prone leg check repeated",
    )
    visit_start(patient=patient, by=practitioner, date=first_day + datetime.timedelta(days=50))  # a draft
    data = export(patient.clinic)
    pid = pid_of(patient)
    visits = [v for v in data["visits.csv"]["rows"] if v["pid"] == pid]
    assert [(v["visit"], v["day"], v["category"], v["decision"]) for v in visits] == [
        ("1", "0", "cat2", "confirmed"),
        ("2", "14", "cat1", "confirmed"),
        ("3", "45", "cat1", "overridden"),
    ]
    assert {v["signed"] for v in visits} == {"y"}
    assert visits[0]["suggested_category"] == "cat2" and visits[0]["pain"] == "5"
    assert visits[0]["protocol"] == "cat2.standard.supine" and visits[0]["protocol_short_side"] == "right"
    assert visits[1]["protocol"] == "cat1.standard.prone" and visits[1]["protocol_short_side"] == "left"
    assert (
        visits[0]["kb_version"]
        == Visit.objects.get(patient=patient, date=first_day).knowledge_version
        == "2026.1"
    )
    (row,) = [p for p in data["patients.csv"]["rows"] if p["pid"] == pid]
    assert row == {
        "pid": pid,
        "sex": "female",
        "age_band": "55-59",
        "complaints": "low_back;neck",
        "category_at_presentation": "cat2",
        "signed_visits": "3",
        "pregnant_any_visit": "n",
    }
    findings = [f for f in data["findings.csv"]["rows"] if f["pid"] == pid and f["visit"] == "1"]
    assert [(f["indicator"], f["result"], f["side"], f["value"]) for f in findings] == [
        (f["indicator"], f.get("result", ""), f.get("side", ""), str(f.get("value", "")))
        for f in CAT2_FINDINGS
    ]
    assert data["counts"]["visits.csv"] == 3 and data["counts"]["findings.csv"] == 4 + 3 + 4


@pytest.mark.parametrize(
    ("dob", "band"),
    [
        (datetime.date(1935, 6, 11), "85-89"),  # 89 the day before the 90th birthday
        (datetime.date(1935, 6, 10), "90+"),  # 90 on the day of the first visit
        (datetime.date(1925, 1, 1), "90+"),  # 100: still one band
        (datetime.date(1990, 6, 10), "35-39"),  # 35 on the day
        (datetime.date(1990, 6, 11), "30-34"),  # 34
        (datetime.date(2025, 1, 1), "0-4"),
    ],
)
def test_age_bands_at_the_first_visit(
    practitioner: User, first_day: datetime.date, dob: datetime.date, band: str
) -> None:
    assert age_band(dob, first_day) == band
    patient = register(practitioner, family="Ageband", dob=dob)
    sign_visit(patient, practitioner, first_day)
    sign_visit(
        patient, practitioner, first_day + datetime.timedelta(days=800)
    )  # older by then: not what counts
    (row,) = export(patient.clinic)["patients.csv"]["rows"]
    assert row["age_band"] == band


def test_small_cells_hide_sex_and_age_band(practitioner: User, first_day: datetime.date) -> None:
    """K_MIN women in their forties with cat2 are shown; the one man (a cell of one) is not."""
    for i in range(K_MIN):
        sign_visit(
            register(practitioner, family=f"Cell{i}", dob=datetime.date(1980, 1, 1 + i)),
            practitioner,
            first_day,
        )
    lone = register(practitioner, family="Lone", dob=datetime.date(1980, 2, 1), sex="male")
    sign_visit(lone, practitioner, first_day)
    rows = {r["pid"]: r for r in export(lone.clinic, k=K_MIN)["patients.csv"]["rows"]}
    assert len(rows) == K_MIN + 1
    lone_row = rows.pop(pid_of(lone))
    assert (lone_row["sex"], lone_row["age_band"], lone_row["signed_visits"]) == (
        "suppressed",
        "suppressed",
        "1",
    )
    assert {(r["sex"], r["age_band"]) for r in rows.values()} == {("female", "45-49")}
    # the same data with k=1: nothing suppressed
    assert "suppressed" not in export(lone.clinic, k=1)["text"]["patients.csv"]


def test_pseudonyms_are_stable_per_clinic_and_differ_between_clinics(
    practitioner: User, outsider: User, first_day: datetime.date
) -> None:
    patient = register(practitioner, family="Stable", dob=datetime.date(1970, 1, 1))
    sign_visit(patient, practitioner, first_day)
    first = export(patient.clinic)["patients.csv"]["rows"]
    second = export(patient.clinic)["patients.csv"]["rows"]
    assert [r["pid"] for r in first] == [r["pid"] for r in second] == [pid_of(patient)]
    assert re.fullmatch(r"[0-9a-f]{16}", first[0]["pid"])
    # the same patient id under another clinic's key gives another pseudonym
    other_key = research_key(outsider.clinic_id)  # type: ignore[arg-type]
    assert other_key != research_key(patient.clinic_id)
    assert pseudonym(other_key, patient.pk) != first[0]["pid"]
    # and the other clinic's export holds its own patients only
    theirs = register(outsider, family="Theirs", dob=datetime.date(1960, 5, 5))
    sign_visit(theirs, outsider, first_day)
    mine = export(patient.clinic)
    assert [r["pid"] for r in mine["patients.csv"]["rows"]] == [pid_of(patient)]
    assert {r["pid"] for r in mine["visits.csv"]["rows"]} == {pid_of(patient)}
    other = export(theirs.clinic)
    assert [r["pid"] for r in other["patients.csv"]["rows"]] == [pid_of(theirs)]
    assert pid_of(patient) not in str(other["text"])


def test_drafts_and_patients_without_a_signed_visit_are_not_exported(
    practitioner: User, first_day: datetime.date
) -> None:
    only_draft = register(practitioner, family="Draftonly", dob=datetime.date(1970, 1, 1))
    draft = visit_start(patient=only_draft, by=practitioner, date=first_day)
    visit_save_draft(
        visit=draft, by=practitioner, draft=VisitDraft(findings=list(CAT2_FINDINGS), category="cat2")
    )
    record_total(patient=only_draft, by=practitioner, code="nprs", total=4)
    signed = register(practitioner, family="Signed", dob=datetime.date(1970, 1, 1))
    sign_visit(signed, practitioner, first_day)
    later_draft = visit_start(patient=signed, by=practitioner, date=first_day + datetime.timedelta(days=3))
    visit_save_draft(
        visit=later_draft, by=practitioner, draft=VisitDraft(findings=list(CAT1_FINDINGS), category="cat1")
    )
    data = export(signed.clinic)
    assert [r["pid"] for r in data["patients.csv"]["rows"]] == [pid_of(signed)]
    assert [(v["visit"], v["day"]) for v in data["visits.csv"]["rows"]] == [("1", "0")]
    assert data["outcomes.csv"]["rows"] == []
    assert data["counts"] == {
        "patients.csv": 1,
        "visits.csv": 1,
        "findings.csv": 4,
        "outcomes.csv": 0,
        "adverse_events.csv": 0,
    }


def test_outcomes_and_adverse_events_carry_scores_codes_and_days(
    practitioner: User, first_day: datetime.date
) -> None:
    patient = register(practitioner, family="Outcome", dob=datetime.date(1970, 1, 1))
    visit = sign_visit(patient, practitioner, first_day)
    at = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(12)))
    scored = score("odi", {f"q{i}": 2 for i in range(1, 11)})
    Response.objects.create(
        patient=patient,
        instrument="odi",
        answers={f"q{i}": 2 for i in range(1, 11)},
        score=scored.to_dict(),
        total=scored.percent,
        answered_at=at - datetime.timedelta(days=2),
        timepoint="baseline",
        source="kiosk",
        instrument_version=scored.instrument_version,
        rules_version=scored.rules_version,
    )
    record_total(
        patient=patient, by=practitioner, code="odi", total=12, answered_at=at + datetime.timedelta(days=30)
    )
    pgic = score("pgic", {"q1": 2})
    Response.objects.create(
        patient=patient,
        instrument="pgic",
        score=pgic.to_dict(),
        total=pgic.total,
        answered_at=at + datetime.timedelta(days=31),
        timepoint="follow_up",
        source="link",
        instrument_version=pgic.instrument_version,
        rules_version=pgic.rules_version,
    )
    event = adverse_event_report(
        patient=patient,
        visit=visit,
        by=practitioner,
        description="Stiff next morning",
        began_at=at + datetime.timedelta(days=1),
        severity="major",
        causality="probable",
    )
    adverse_event_follow_up(event=event, by=practitioner, notes="Settled")
    data = export(patient.clinic)
    outcomes = data["outcomes.csv"]["rows"]
    assert [(o["instrument"], o["day"], o["timepoint"], o["source"]) for o in outcomes] == [
        ("odi", "-2", "baseline", "kiosk"),
        ("odi", "30", "follow_up", "total_only"),
        ("pgic", "31", "follow_up", "link"),
    ]
    assert (outcomes[0]["total"], outcomes[0]["percent"], outcomes[0]["band"]) == ("20", "40", "moderate")
    assert (outcomes[0]["answered"], outcomes[0]["items"]) == ("10", "10")
    assert (outcomes[1]["percent"], outcomes[1]["band"]) == ("12", "minimal")  # band of the recorded total
    assert (outcomes[2]["total"], outcomes[2]["responder"]) == ("2", "y")
    assert outcomes[0]["instrument_version"] == scored.instrument_version
    assert data["adverse_events.csv"]["rows"] == [
        {
            "pid": pid_of(patient),
            "day": "1",
            "severity": "major",
            "causality": "probable",
            "reported_via": "clinic",
            "followed_up": "y",
        }
    ]


def test_the_readme_names_rules_versions_time_and_counts(practitioner: User, patient: Patient) -> None:
    sign_visit(patient, practitioner, datetime.date(2025, 1, 1))
    readme = export(patient.clinic, k=K_MIN)["README.txt"]
    assert f"fewer than k={K_MIN} patients" in readme
    assert "90+" in readme and "HMAC-SHA256" in readme
    assert "SOT knowledge base 2026.1" in readme
    assert re.search(r"odi +version 2\.1a", readme)
    assert re.search(r"visits\.csv +1 rows", readme) and re.search(r"findings\.csv +4 rows", readme)
    assert re.search(rf"Exported at {timezone.now():%Y-%m-%d} \d\d:\d\d UTC", readme)


# --- nothing identifying, whatever was typed ----------------------------------------------------------------------

MARKERS = {
    "family": "Quarrington",
    "given": "Evangelinette",
    "email": "evangelinette.q@example.net",
    "phone": "07700 900777",
    "address": "44 Wisteria Crescent",
    "complaint": "Twinge after the Ravensbourne marathon",
    "visit_complaint": "Marker complaint Holloway",
    "subjective": "Subjective marker: my neighbour Mrs Abernathy",
    "plan": "Plan marker: call husband Bartholomew",
    "override": "Override marker: Thistlewood",
    "amendment": "Amendment marker: Pendlebury",
    "blocking_notes": "Blocking marker Featherstonehaugh",
    "organ": "Organ marker Cholmondeley",
    "adverse": "Adverse marker: fainted at Marylebone",
    "follow_up": "Follow-up marker Wolstenholme",
    "flag_reason": "Flag marker Greatorex",
    "psfs": "PSFS marker: carrying Ptolemy",
    "staff": "Drstaffmarker",
}
NAMES = (
    "Quarrington",
    "Evangelinette",
    "Wisteria",
    "Ravensbourne",
    "Holloway",
    "Abernathy",
    "Bartholomew",
    "Thistlewood",
    "Pendlebury",
    "Featherstonehaugh",
    "Cholmondeley",
    "Marylebone",
    "Wolstenholme",
    "Greatorex",
    "Ptolemy",
    "900777",
)


def test_no_identifier_or_free_text_reaches_any_file(practitioner: User, first_day: datetime.date) -> None:
    practitioner.last_name = MARKERS["staff"]
    practitioner.save()
    dob = datetime.date(1958, 9, 17)
    patient = register(
        practitioner,
        family=MARKERS["family"],
        dob=dob,
        email=MARKERS["email"],
        phone=MARKERS["phone"],
        address=MARKERS["address"],
    )
    patient.given_names = MARKERS["given"]
    patient.save()
    complaint_add(
        patient=patient, by=practitioner, code="headache", description=MARKERS["complaint"], onset=dob
    )
    flag = raise_flag(patient, next(iter(default_rules().flags)))
    flag_decide(flag=flag, by=practitioner, decision="proceed", reason=MARKERS["flag_reason"])
    days = [first_day, first_day + datetime.timedelta(days=9), first_day + datetime.timedelta(days=23)]
    visits = [
        sign_visit(
            patient,
            practitioner,
            day,
            findings=[*CAT2_FINDINGS, {"indicator": "cmrt", "level": "T6", "organ": MARKERS["organ"]}],
            category="cat1",
            complaint=MARKERS["visit_complaint"],
            subjective=MARKERS["subjective"],
            plan=MARKERS["plan"],
            override_reason=MARKERS["override"],
            blocking={"performed": False, "notes": MARKERS["blocking_notes"]},
        )
        for day in days
    ]
    visit_amend(visit=visits[0], by=practitioner, reason="Correction", text=MARKERS["amendment"])
    event = adverse_event_report(
        patient=patient,
        visit=visits[0],
        by=practitioner,
        description=MARKERS["adverse"],
        began_at=timezone.make_aware(datetime.datetime.combine(days[0], datetime.time(18))),
        severity="major",
    )
    adverse_event_follow_up(event=event, by=practitioner, notes=MARKERS["follow_up"])
    psfs = score("psfs", {"q1": 4, "q2": 6, "q3": 5})
    Response.objects.create(
        patient=patient,
        instrument="psfs",
        answers={"q1": 4, "q2": 6, "q3": 5},
        notes={"q1": MARKERS["psfs"]},
        score=psfs.to_dict(),
        total=psfs.total,
        answered_at=timezone.make_aware(datetime.datetime.combine(days[1], datetime.time(9))),
        timepoint="baseline",
        source="link",
        instrument_version=psfs.instrument_version,
        rules_version=psfs.rules_version,
    )
    data = export(patient.clinic)
    assert data["counts"]["visits.csv"] == 3 and data["counts"]["outcomes.csv"] == 1
    assert data["counts"]["adverse_events.csv"] == 1
    everything = "\n".join(data["text"].values())
    folded = everything.casefold()
    for what, marker in MARKERS.items():
        assert marker.casefold() not in folded, what
    for name in NAMES:  # not even a part of a text: the names in it
        assert name.casefold() not in folded, name
    assert practitioner.username not in everything.split(",")
    # no date of birth, no calendar date of any visit, questionnaire or event, in any format
    dates = [dob, *days, event.began_at.date(), timezone.localdate()]
    for day in dates:
        for text in (
            day.isoformat(),
            day.strftime("%d/%m/%Y"),
            day.strftime("%Y%m%d"),
            day.strftime("%d %b %Y"),
        ):
            if day == timezone.localdate() and text == day.isoformat():
                continue  # the README's export time says when the file was made, not when anything happened
            assert text not in everything, text
    assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", everything.replace(f"{timezone.now():%Y-%m-%d}", ""))
    # no id of any row: patients, visits, staff, events, responses, the clinic
    ids = [
        patient.pk,
        patient.clinic_id,
        practitioner.pk,
        event.pk,
        *(v.pk for v in visits),
        *Response.objects.values_list("pk", flat=True),
    ]
    for row_id in ids:
        assert isinstance(row_id, uuid.UUID)
        assert str(row_id) not in everything and row_id.hex not in everything
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", everything)
    assert not re.search(r"[0-9a-f]{32}", everything)


def test_the_sources_refuse_every_role_but_researcher(
    practitioner: User, front_desk: User, administrator: User, researcher: User
) -> None:
    from django.core.exceptions import PermissionDenied

    for user in (practitioner, front_desk, administrator):
        with pytest.raises(PermissionDenied):
            research_sources(user)
    assert research_sources(researcher).clinic_id == researcher.clinic_id
    assert researcher.role == Role.RESEARCHER


def test_a_clinics_own_knowledge_file_shows_as_an_override_without_its_name() -> None:
    assert kb_version("2026.1") == "2026.1"
    assert kb_version("2026.1+dr-smith-weights.1a2b3c4d") == "2026.1+override.1a2b3c4d"
    assert kb_version("2026.1 Dr Smith's notes") == ""
