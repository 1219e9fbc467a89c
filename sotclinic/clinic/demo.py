"""A demo clinic with realistic SOT visit histories. Deterministic (seeded), and created only once."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sotclinic.clinic.caseloads import caseload_add
from sotclinic.clinic.models import Clinic, Role, User
from sotclinic.measures import score
from sotclinic.outcomes.models import Response
from sotclinic.outcomes.services import assign, default_codes_for, offerable, record_total
from sotclinic.patients.consent import DEFAULT_CONSENT_TEXT, consent_sign, consent_text_publish
from sotclinic.patients.flags import flag_decide, intake_record
from sotclinic.patients.models import ComplaintCode, Patient, Sex
from sotclinic.patients.services import complaint_add, patient_register
from sotclinic.safety import questions_for
from sotclinic.visits.adverse import adverse_event_follow_up, adverse_event_report
from sotclinic.visits.services import (
    VisitDraft,
    visit_amend,
    visit_confirm_screening,
    visit_save_draft,
    visit_sign,
    visit_start,
)

DEMO_SLUG = "demo"
DEMO_PASSWORD = "sot-demo-2026"  # noqa: S105 - a published demo login, printed on start-up


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    name: str


DEMO_STAFF = (
    ("dr.hart", Role.PRACTITIONER, "Dr", "Alex", "Hart"),
    ("dr.okafor", Role.PRACTITIONER, "Dr", "Ngozi", "Okafor"),
    ("desk", Role.FRONT_DESK, "", "Sam", "Reyes"),
    ("admin", Role.ADMINISTRATOR, "", "Priya", "Shah"),
    ("research", Role.RESEARCHER, "", "Tomás", "Lindgren"),
)

GIVEN_F = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Sofia",
    "Grace",
    "Lily",
    "Freya",
    "Emily",
    "Chloe",
    "Ella",
    "Maya",
    "Zara",
    "Hannah",
]
GIVEN_M = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Oscar",
    "Harry",
    "Jack",
    "Jacob",
    "Thomas",
    "Samuel",
    "Daniel",
    "Adam",
    "Ravi",
    "Mateo",
]
FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Lewis",
    "Moreno",
    "Nowak",
    "Silva",
    "Murphy",
    "Kowalski",
    "Chen",
    "Ahmed",
    "Fischer",
    "Novak",
]

COMPLAINTS = {
    ComplaintCode.LOW_BACK: "Low back pain, worse after sitting",
    ComplaintCode.NECK: "Stiff neck, worse at the desk",
    ComplaintCode.PREGNANCY: "Pelvic girdle pain in pregnancy",
    ComplaintCode.HEADACHE: "Headaches two or three times a week",
    ComplaintCode.TMJ: "Jaw clicks and aches when chewing",
    ComplaintCode.DIGESTIVE: "Bloating after meals",
    ComplaintCode.STRESS: "Feels tense; poor sleep",
    ComplaintCode.PELVIC: "Pain over the right sacroiliac joint",
}


def _side(rng: random.Random) -> str:
    return rng.choice(["left", "right"])


def demo_findings(category: str, rng: random.Random, *, side: str) -> list[dict[str, Any]]:
    """A plausible examination whose indicators support `category` (with some noise)."""
    other = "right" if side == "left" else "left"
    mm = rng.choice([3, 4, 5, 6, 8, 10])
    findings: list[dict[str, Any]]
    if category == "cat1":
        findings = [
            {"indicator": "leg_length_prone", "side": side, "value": mm},
            {"indicator": "pelvis_locked", "result": "positive"},
            {"indicator": "heel_tension", "result": "positive", "side": side},
            {"indicator": "pelvic_sway", "result": "negative", "value": round(rng.uniform(0.3, 1.0), 1)},
            {"indicator": "arm_fossa", "result": "negative"},
            {"indicator": "dollar_sign", "result": rng.choice(["positive", "negative"]), "side": side},
        ]
        if rng.random() < 0.5:
            findings.append({"indicator": "first_rib_mobile", "result": "positive", "side": other})
    elif category == "cat2":
        findings = [
            {"indicator": "leg_length_supine", "side": side, "value": mm},
            {"indicator": "leg_length_prone", "side": side, "value": mm},
            {"indicator": "pelvic_sway", "result": "positive", "value": round(rng.uniform(1.4, 2.8), 1)},
            {"indicator": "arm_fossa", "result": "positive", "side": side},
            {"indicator": "first_rib_tender", "result": "positive", "side": side},
            {"indicator": "inguinal_tender", "result": rng.choice(["positive", "negative"]), "side": side},
            {"indicator": "pelvis_locked", "result": "negative"},
        ]
        if rng.random() < 0.4:
            findings.append({"indicator": "scalene_tender", "result": "positive", "side": side})
    else:
        findings = [
            {"indicator": "leg_length_prone", "side": other, "value": mm},
            {"indicator": "antalgic_posture", "result": "positive", "side": other},
            {"indicator": "leg_pain", "result": "positive", "side": side},
            {
                "indicator": "slr",
                "result": "positive",
                "side": side,
                "value": rng.choice([35, 40, 45, 50, 60]),
            },
            {"indicator": "piriformis_tender", "result": rng.choice(["positive", "negative"]), "side": side},
            {"indicator": "arm_fossa", "result": "negative"},
        ]
    if rng.random() < 0.3:
        findings.append({"indicator": "occipital_fibre", "side": side, "line": 2, "area": 6, "level": "T8"})
    return findings


def _course(rng: random.Random, start: str, visits: int) -> list[str]:
    """SOT notes often show a patient move from Category III to II to I as things settle; some do not."""
    order = ["cat3", "cat2", "cat1"]
    course, current = [], start
    for _ in range(visits):
        course.append(current)
        if current != "cat1" and rng.random() < 0.3:
            current = order[order.index(current) + 1]
    return course


def _staff(clinic: Clinic) -> list[User]:
    staff = []
    for username, role, title, first, last in DEMO_STAFF:
        user = User(
            username=username, role=role, title=title, first_name=first, last_name=last, clinic=clinic
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        staff.append(user)
    return staff


def seed_demo(*, patients: int = 30, seed: int = 2026) -> tuple[bool, list[DemoLogin]]:
    """Create the demo clinic unless it exists. Returns (created, logins)."""
    logins = [DemoLogin(u, str(Role(r).label), f"{t} {f} {last}".strip()) for u, r, t, f, last in DEMO_STAFF]
    if Clinic.objects.filter(slug=DEMO_SLUG).exists():
        return False, logins
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        clinic = Clinic.objects.create(name="Riverside SOT Chiropractic (demo)", slug=DEMO_SLUG)
        practitioners = _staff(clinic)[:2]
        consent_text_publish(by=practitioners[0], title="Consent to SOT care", body=DEFAULT_CONSENT_TEXT)
        used: set[tuple[str, str]] = set()
        for index in range(patients):
            sex = rng.choice([Sex.FEMALE, Sex.MALE])
            given = rng.choice(GIVEN_F if sex == Sex.FEMALE else GIVEN_M)
            family = rng.choice(FAMILY)
            while (given, family) in used:
                family = rng.choice(FAMILY)
            used.add((given, family))
            age = rng.randint(19, 78)
            dob = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
            practitioner = practitioners[index % 2]
            patient = patient_register(
                by=practitioner,
                data={
                    "given_names": given,
                    "family_name": family,
                    "date_of_birth": dob,
                    "sex": sex,
                    "phone": f"07700 9{rng.randint(10000, 99999)}",
                    "email": f"{given.lower()}.{family.lower()}@example.org",
                },
            )
            pregnant = sex == Sex.FEMALE and 24 <= age <= 40 and rng.random() < 0.35
            code = (
                ComplaintCode.PREGNANCY
                if pregnant
                else rng.choice(
                    [ComplaintCode.LOW_BACK] * 4
                    + [
                        ComplaintCode.NECK,
                        ComplaintCode.HEADACHE,
                        ComplaintCode.TMJ,
                        ComplaintCode.DIGESTIVE,
                        ComplaintCode.STRESS,
                        ComplaintCode.PELVIC,
                    ]
                )
            )
            onset = today - datetime.timedelta(days=rng.randint(120, 700))
            complaint_add(
                patient=patient, by=practitioner, code=code, description=COMPLAINTS[code], onset=onset
            )
            consent_sign(patient=patient, by=practitioner, agreed=True, signed_name=patient.full_name)
            if index % 5 == 4:  # shared care: the other practitioner looks after this patient too
                caseload_add(
                    patient=patient, practitioner_id=practitioners[1 - index % 2].pk, by=practitioner
                )
            _screen(patient, practitioner, pregnant=pregnant, index=index)
            _history(patient, practitioner, rng, code=str(code), pregnant=pregnant, index=index)
    return True, logins


def _screen(patient: Patient, by: User, *, pregnant: bool, index: int) -> None:
    """Intake: everyone answers the screening questions; most answer no to all of them."""
    answers: dict[str, Any] = {
        q.code: False for q in questions_for("patient") if q.answer == "yes_no" and not q.ask_if
    }
    answers["morning_stiffness_minutes"] = 10
    if pregnant:
        answers["pregnant"] = True
        answers["pregnancy_week"] = 20
    if index % 9 == 4:
        answers["anticoagulants"] = True
    _, _, raised = intake_record(patient=patient, by=by, answers=answers)
    for flag in raised:  # caution flags: the practitioner records the modification at the first visit
        flag_decide(
            flag=flag, by=by, decision="proceed", reason=flag.modification or "Modified as described."
        )


def _history(
    patient: Patient, by: User, rng: random.Random, *, code: str, pregnant: bool, index: int
) -> None:
    today = timezone.localdate()
    count = rng.randint(2, 8)
    start = ["cat1", "cat2", "cat3"][index % 3]
    side = _side(rng)
    first_day = today - datetime.timedelta(days=7 * count + rng.randint(3, 60))
    pain = rng.randint(4, 8)
    improving = rng.random() < 0.6
    pains: list[int] = []
    days: list[datetime.date] = []
    for number, category in enumerate(_course(rng, start, count)):
        day = first_day + datetime.timedelta(days=7 * number + rng.randint(0, 3))
        pains.append(pain)
        days.append(day)
        visit = visit_start(patient=patient, by=by, date=day)
        visit = visit_confirm_screening(visit=visit, by=by)
        findings = demo_findings(category, rng, side=side)
        override = category == "cat2" and number > 0 and rng.random() < 0.1
        decided = "cat1" if override else category
        draft = VisitDraft(
            complaint=COMPLAINTS.get(code, "Follow-up"),  # type: ignore[call-overload]
            pain=pain,
            subjective="Follow-up visit." if number else "First visit. History taken; no red flags reported.",
            findings=findings,
            category=decided,
            override_reason="Locked pelvis on standing; treated as Category I today" if override else "",
            variant="pregnancy" if pregnant else "standard",
            pregnancy_week=min(40, 20 + number) if pregnant else None,
        )
        visit = visit_save_draft(visit=visit, by=by, draft=draft)
        proto = visit.protocol
        if proto.get("blocks"):
            draft.blocking = {
                "performed": True,
                "position": proto["position"],
                "blocks": [{k: b[k] for k in ("landmark", "side", "angle_deg")} for b in proto["blocks"]],
                "duration_s": proto["duration_s"],
                "notes": "",
            }
            draft.recheck = {
                c: ("cleared" if rng.random() < 0.75 else "not_cleared") for c in proto.get("recheck", [])
            }
        draft.plan = rng.choice(
            ["Review in one week.", "Continue weekly; home stretches reviewed.", "Review in 10 days."]
        )
        visit = visit_save_draft(visit=visit, by=by, draft=draft)
        signed_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 30)))
        visit_sign(visit=visit, by=by, at=signed_at)
        if number == 1 and index % 7 == 0:
            visit_amend(
                visit=visit,
                by=by,
                reason="Pain score transcribed wrongly",
                text=f"Pain at this visit was {max(pain - 1, 0)}/10, not {pain}/10.",
                at=signed_at + datetime.timedelta(days=1),
            )
        if number == 0 and index % 6 == 1:
            adverse_event_report(
                patient=patient,
                visit=visit,
                by=by,
                description="Aching over the sacrum the evening after blocking",
                began_at=signed_at + datetime.timedelta(hours=5),
                severity="mild",
                duration="1 day",
                action_taken="None needed",
                via="next_visit",
            )
        if improving:
            pain = max(1, pain - rng.choice([0, 0, 1, 1, 2]))  # most improve a little; few reach zero
        else:
            pain = min(10, max(0, pain + rng.choice([-1, 0, 0, 1])))
    _outcomes(patient, by, rng, pains=pains, days=days, lost=index % 5 == 2)
    if index == 5:
        # A reaction that needs following up, and a new red flag waiting for the practitioner's decision.
        last = patient.visits.order_by("-date").first()
        adverse_event_report(
            patient=patient,
            visit=last,
            by=by,
            description="Sharp leg pain and tingling for two days",
            began_at=timezone.now() - datetime.timedelta(hours=30),
            severity="major",
            duration="2 days, easing",
            action_taken="Phoned the patient; advised to see the GP if it does not settle",
        )
        intake_record(patient=patient, by=by, answers={"night_pain": True})
    if index == 11:
        last = patient.visits.order_by("-date").first()
        event = adverse_event_report(
            patient=patient,
            visit=last,
            by=by,
            description="Headache the day after cranial work",
            began_at=timezone.now() - datetime.timedelta(days=3),
            severity="moderate",
            duration="1 day",
        )
        adverse_event_follow_up(event=event, by=by, notes="Settled without treatment.")
    if index % 10 == 3:
        # A visit left half-filled today: the chart offers to resume it.
        visit = visit_start(patient=patient, by=by, date=today)
        visit_save_draft(
            visit=visit,
            by=by,
            draft=VisitDraft(
                complaint="Follow-up", pain=pain, findings=demo_findings("cat1", rng, side=side)[:2]
            ),
        )


def _outcomes(
    patient: Patient, by: User, rng: random.Random, *, pains: list[int], days: list[datetime.date], lost: bool
) -> None:
    """Questionnaires at baseline and about every third visit, following the pain reported at the visits.
    Some patients answer only the baseline (lost to follow-up), as happens in practice."""
    assign(patient=patient, by=by, codes=default_codes_for(patient), reason="default")
    moments = [0] if lost else sorted({0, *range(3, len(days), 3), len(days) - 1})
    baseline_scale = rng.uniform(4.0, 7.0)
    for order, index in enumerate(moments):
        when = timezone.make_aware(datetime.datetime.combine(days[index], datetime.time(9, 0)))
        for assignment in patient.assignments.filter(active=True):
            code = assignment.instrument
            if code == "pgic" and order == 0:
                continue
            if offerable(code, patient.clinic):
                answers = _demo_answers(code, pains[index], order, rng)
                result = score(code, answers)
                Response.objects.create(
                    patient=patient,
                    instrument=code,
                    answers=answers,
                    score=result.to_dict(),
                    total=result.total if result.total is not None else result.percent,
                    answered_at=when,
                    timepoint="baseline" if order == 0 else "follow_up",
                    source="link",
                    instrument_version=result.instrument_version,
                    rules_version=result.rules_version,
                )
            else:
                from sotclinic.measures import instrument

                main = instrument(code).scores[instrument(code).primary]
                value = round(min(main.max, max(main.min, pains[index] * baseline_scale * main.max / 70)))
                record_total(patient=patient, by=by, code=code, total=value, answered_at=when)


def _demo_answers(code: str, pain: int, order: int, rng: random.Random) -> dict[str, int | float | None]:
    if code == "nprs":
        return {"q1": pain}
    if code == "psfs":
        return {f"q{i}": max(0, min(10, 10 - pain + rng.choice([-1, 0, 1]))) for i in (1, 2, 3)}
    if code == "pgic":
        return {"q1": 2 if pain <= 3 else 3 if pain <= 5 else 4}
    if code == "headache_days":
        return {"q1": min(28, pain * 2 + rng.choice([0, 1, 2]))}
    raise ValueError(f"no demo answers for {code}")
