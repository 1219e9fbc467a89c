"""evaluate(): boundaries, combinations, ordering, unanswered questions, answer validation and the public API."""

from __future__ import annotations

import datetime
import json
import math
import subprocess
import sys
from typing import Any

import pytest

from sotclinic.safety import (
    CONTRAINDICATION_TERMS,
    RedFlagRules,
    Screening,
    age_years,
    default_rules,
    evaluate,
    questions_for,
)

ALL_TERMS = frozenset(CONTRAINDICATION_TERMS)
SPINE = frozenset({"blocking", "cervical", "thoracic", "lumbar", "pelvis"})

PATIENT_QUESTIONS = [
    "age",
    "first_episode",
    "new_spinal_pain",
    "pain_severe_worsening",
    "night_pain",
    "morning_stiffness_minutes",
    "stiffness_eases_with_exercise",
    "head_neck_pain_unusual",
    "thunderclap_headache",
    "dizziness",
    "brainstem_symptoms",
    "neck_trauma_recent",
    "major_trauma",
    "minor_trauma",
    "bladder_change",
    "saddle_numbness",
    "bowel_control_change",
    "sexual_function_change",
    "leg_pain_both",
    "legs_weaker_both",
    "walking_difficulty_new",
    "limb_weakness",
    "radicular_pain_new",
    "foot_slapping",
    "numbness_weakness_worsening",
    "fever",
    "systemically_unwell",
    "recent_bacterial_infection",
    "iv_drug_use",
    "cancer_past",
    "weight_loss",
    "chemotherapy",
    "steroids_long_term",
    "immune_condition",
    "osteoporosis",
    "anticoagulants",
    "bleeding_disorder",
    "hypermobility",
    "spinal_implant",
    "pregnant",
    "pregnancy_week",
]


# ---- boundaries ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "raised"), [(0, True), (19, True), (20, False), (55, False), (56, True)])
def test_age_onset_boundaries(age: int, raised: bool) -> None:
    assert evaluate({"first_episode": True, "age": age}).codes == (("age_onset",) if raised else ())


@pytest.mark.parametrize("age", [19, 56])
def test_age_alone_or_a_repeat_episode_raises_nothing(age: int) -> None:
    assert evaluate({"age": age}).codes == ()
    assert evaluate({"first_episode": False, "age": age}).codes == ()


@pytest.mark.parametrize(("minutes", "raised"), [(0, False), (30, False), (31, True), (1440, True)])
def test_morning_stiffness_boundary(minutes: int, raised: bool) -> None:
    intake = {"morning_stiffness_minutes": minutes, "stiffness_eases_with_exercise": True, "age": 30}
    assert evaluate(intake).codes == (("inflammatory",) if raised else ())


@pytest.mark.parametrize(("age", "raised"), [(44, True), (45, False)])
def test_inflammatory_age_boundary(age: int, raised: bool) -> None:
    intake = {"morning_stiffness_minutes": 45, "stiffness_eases_with_exercise": True, "age": age}
    assert evaluate(intake).codes == (("inflammatory",) if raised else ())


@pytest.mark.parametrize(
    ("grade", "worsening", "codes"),
    [
        (5, False, ()),
        (3, False, ()),
        (2, False, ("major_motor_loss",)),
        (0, False, ("major_motor_loss",)),
        (4, True, ("progressive_neuro",)),
        (3, True, ("foot_drop", "progressive_neuro")),
        (2, True, ("foot_drop", "major_motor_loss", "progressive_neuro")),
    ],
)
def test_motor_grade_boundaries(grade: int, worsening: bool, codes: tuple[str, ...]) -> None:
    assert evaluate({}, {"motor_grade": grade, "deficit_worsening": worsening}).codes == codes


@pytest.mark.parametrize(("weeks", "raised"), [(0, False), (3, False), (4, True), (520, True)])
def test_no_improvement_boundary(weeks: int, raised: bool) -> None:
    assert evaluate({}, {"weeks_no_improvement": weeks}).codes == (("no_improvement",) if raised else ())


def test_pregnancy_week_range_ends() -> None:
    assert evaluate({"pregnancy_week": 1}).codes == ("pregnancy",)
    assert evaluate({"pregnancy_week": 45}).codes == ("pregnancy",)


# ---- nothing, and unanswered ---------------------------------------------------------------------------


def test_all_no_raises_nothing(rules: RedFlagRules) -> None:
    intake = {q.code: False for q in rules.questions_for("patient") if q.answer == "yes_no"}
    findings = {q.code: False for q in rules.questions_for("clinician") if q.answer == "yes_no"}
    screening = evaluate(intake, findings)
    assert screening == Screening(
        raised=(),
        highest=None,
        contraindicated=frozenset(),
        unanswered=("age", "morning_stiffness_minutes"),
        blocks_treatment=False,
        rules_version="2026.1",
    )


def test_nothing_answered_lists_every_patient_question_but_follow_ups() -> None:
    screening = evaluate({})
    assert screening.raised == ()
    assert list(screening.unanswered) == [q for q in PATIENT_QUESTIONS if q != "pregnancy_week"]


def test_follow_up_is_unanswered_only_when_asked() -> None:
    assert "pregnancy_week" in evaluate({"pregnant": True}).unanswered
    assert "pregnancy_week" not in evaluate({"pregnant": False}).unanswered
    assert "pregnancy_week" not in evaluate({"pregnant": True, "pregnancy_week": 20}).unanswered


def test_none_is_unanswered_and_clinician_findings_are_never_listed() -> None:
    screening = evaluate({"fever": None, "age": None}, {"motor_grade": None})
    assert screening.raised == ()
    assert screening.unanswered[0] == "age"
    assert "fever" in screening.unanswered
    assert "motor_grade" not in screening.unanswered


def test_findings_default_to_none() -> None:
    assert evaluate({"fever": True}) == evaluate({"fever": True}, None) == evaluate({"fever": True}, {})


# ---- combinations --------------------------------------------------------------------------------------


def test_emergency_and_caution_together() -> None:
    screening = evaluate({"pregnant": True, "pregnancy_week": 30, "saddle_numbness": True})
    assert screening.codes == ("ces", "pregnancy")
    assert screening.highest == "emergency"
    assert screening.blocks_treatment
    assert screening.contraindicated == ALL_TERMS
    assert screening.raised[1].modification == (
        "Prone blocking only with a pregnancy pillow, or the supine alternative; record the week."
    )
    assert screening.raised[1].because == (("pregnant", True), ("pregnancy_week", 30))


def test_urgent_and_caution_together() -> None:
    screening = evaluate({"weight_loss": True, "anticoagulants": True})
    assert screening.codes == ("weight_loss", "anticoagulant")
    assert screening.highest == "urgent"
    assert screening.blocks_treatment
    assert screening.contraindicated == SPINE


def test_caution_only_does_not_block() -> None:
    screening = evaluate({"anticoagulants": True, "hypermobility": True}, {"radiculopathy_changing": True})
    assert screening.codes == ("anticoagulant", "hypermobility", "radiculopathy")
    assert screening.highest == "caution"
    assert not screening.blocks_treatment
    assert screening.contraindicated == frozenset()


def test_contraindications_are_the_union() -> None:
    only_neck = evaluate({}, {"upper_cervical_anomaly": True})
    assert only_neck.contraindicated == {"cranial", "cervical"}
    both = evaluate({"spinal_implant": True}, {"upper_cervical_anomaly": True})
    assert both.codes == ("internal_fixation", "upper_cervical_malformation")
    assert both.contraindicated == SPINE | {"cranial"} == ALL_TERMS


def test_sorted_by_urgency_then_catalogue_order() -> None:
    screening = evaluate(
        {"night_pain": True, "fever": True, "bladder_change": True, "pregnant": True, "weight_loss": True},
        {"radiculopathy_changing": True, "instability_signs": True},
    )
    assert screening.codes == (
        "ces",
        "infection",
        "weight_loss",
        "night_pain",
        "instability",
        "pregnancy",
        "radiculopathy",
    )
    assert [f.urgency for f in screening.raised] == ["emergency"] * 2 + ["urgent"] * 3 + ["caution"] * 2


def test_many_flags_at_once() -> None:
    screening = evaluate(
        {
            "cancer_past": True,
            "new_spinal_pain": True,
            "limb_weakness": True,
            "chemotherapy": True,
            "fever": True,
        }
    )
    assert screening.codes == ("infection", "mscc", "cancer_history", "immunosuppression")
    assert screening.highest == "emergency"


# ---- because -------------------------------------------------------------------------------------------


def test_because_lists_every_answer_that_counted_in_condition_order() -> None:
    screening = evaluate(
        {"bladder_change": True, "limb_weakness": True, "cancer_past": True, "radicular_pain_new": False}
    )
    mscc = screening.raised[1]
    assert mscc.code == "mscc"
    assert mscc.because == (("cancer_past", True), ("limb_weakness", True), ("bladder_change", True))
    assert screening.raised[0].because == (("bladder_change", True),)


def test_because_keeps_the_numbers() -> None:
    screening = evaluate(
        {"morning_stiffness_minutes": 31, "stiffness_eases_with_exercise": True, "age": 44.0}
    )
    assert screening.raised[0].because == (
        ("morning_stiffness_minutes", 31),
        ("stiffness_eases_with_exercise", True),
        ("age", 44),
    )
    assert type(screening.raised[0].because[2][1]) is int


def test_because_for_a_combination_in_findings_and_intake() -> None:
    screening = evaluate({"minor_trauma": True}, {"demineralisation_severe": True})
    assert screening.codes == ("fracture", "osteoporosis")
    assert screening.raised[0].because == (("minor_trauma", True), ("demineralisation_severe", True))


# ---- the dictionary form -------------------------------------------------------------------------------


def test_to_dict_is_json_ready(rules: RedFlagRules) -> None:
    screening = evaluate({"pregnant": True}, {"upper_cervical_anomaly": True})
    flag = rules.flags["upper_cervical_malformation"]
    assert screening.to_dict() == {
        "rules_version": "2026.1",
        "highest": "urgent",
        "blocks_treatment": True,
        "contraindicated": ["cranial", "cervical"],
        "unanswered": [q for q in PATIENT_QUESTIONS if q != "pregnant"],
        "raised": [
            {
                "code": "upper_cervical_malformation",
                "name": "Upper-cervical malformation",
                "urgency": "urgent",
                "why": flag.why,
                "action": flag.action,
                "modification": None,
                "contraindicates": ["cranial", "cervical"],
                "source": "WHO 2005 chiropractic safety guideline (absolute contraindications)",
                "because": [{"question": "upper_cervical_anomaly", "answer": True}],
            },
            {
                "code": "pregnancy",
                "name": "Pregnancy",
                "urgency": "caution",
                "why": rules.flags["pregnancy"].why,
                "action": rules.flags["pregnancy"].action,
                "modification": rules.flags["pregnancy"].modification,
                "contraindicates": [],
                "source": "WHO 2005 chiropractic safety guideline (relative contraindications)",
                "because": [{"question": "pregnant", "answer": True}],
            },
        ],
    }
    assert json.loads(json.dumps(screening.to_dict())) == screening.to_dict()


def test_screening_is_frozen_and_hashable() -> None:
    screening = evaluate({"fever": True})
    with pytest.raises(AttributeError):
        screening.highest = None  # type: ignore[misc]
    assert hash(screening) == hash(evaluate({"fever": True}))


# ---- bad answers ---------------------------------------------------------------------------------------


BAD_ANSWERS: list[Any] = [
    pytest.param({"fevr": True}, None, "intake: unknown question 'fevr'", id="unknown-intake"),
    pytest.param({}, {"grade": 3}, "findings: unknown question 'grade'", id="unknown-finding"),
    pytest.param(
        {"motor_grade": 3},
        None,
        "intake: 'motor_grade' is a clinician finding: pass it in findings",
        id="wrong-side",
    ),
    pytest.param(
        {}, {"fever": True}, "findings: 'fever' is a patient question: pass it in intake", id="wrong-side-2"
    ),
    pytest.param(
        {"fever": "yes"},
        None,
        "intake 'fever': a yes_no answer must be true, false or None, got 'yes'",
        id="yes-string",
    ),
    pytest.param(
        {"fever": 1},
        None,
        "intake 'fever': a yes_no answer must be true, false or None, got int 1",
        id="yes-one",
    ),
    pytest.param(
        {"age": -1}, None, "intake 'age': the answer must be between 0 and 130, got -1", id="negative-age"
    ),
    pytest.param(
        {"age": 131}, None, "intake 'age': the answer must be between 0 and 130, got 131", id="age-131"
    ),
    pytest.param(
        {"age": 30.5}, None, "intake 'age': the answer must be a whole number, got 30.5", id="half-year"
    ),
    pytest.param(
        {"age": "30"}, None, "intake 'age': the answer must be a number or None, got '30'", id="age-string"
    ),
    pytest.param(
        {"age": True}, None, "intake 'age': the answer must be a number or None, got True", id="age-bool"
    ),
    pytest.param(
        {"age": math.nan}, None, "intake 'age': the answer must be a finite number, got nan", id="age-nan"
    ),
    pytest.param(
        {},
        {"motor_grade": 7},
        "findings 'motor_grade': the answer must be between 0 and 5, got 7",
        id="grade-7",
    ),
    pytest.param(
        {},
        {"motor_grade": -1},
        "findings 'motor_grade': the answer must be between 0 and 5, got -1",
        id="grade-neg",
    ),
    pytest.param(
        {"pregnancy_week": 0},
        None,
        "intake 'pregnancy_week': the answer must be between 1 and 45, got 0",
        id="week-0",
    ),
    pytest.param({3: True}, None, "intake: question codes must be strings, got 3", id="int-key"),
    pytest.param(
        ["fever"], None, "intake must be a mapping of question codes to answers, got list", id="not-a-mapping"
    ),
]


@pytest.mark.parametrize(("intake", "findings", "message"), BAD_ANSWERS)
def test_bad_answers_name_the_question_and_the_problem(intake: Any, findings: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        evaluate(intake, findings)
    assert str(caught.value) == message


def test_whole_floats_are_accepted_for_integer_questions() -> None:
    assert evaluate({"first_episode": True, "age": 56.0}).raised[0].because[1] == ("age", 56)


# ---- questions for forms -------------------------------------------------------------------------------


def test_questions_for_patient_in_display_order() -> None:
    assert [q.code for q in questions_for("patient")] == PATIENT_QUESTIONS
    assert all(q.who == "patient" and q.text.strip() for q in questions_for("patient"))


def test_questions_for_clinician() -> None:
    questions = questions_for("clinician")
    assert questions[0].code == "cancer_suspected"
    assert all(q.who == "clinician" for q in questions)
    grade = {q.code: q for q in questions}["motor_grade"]
    assert (grade.answer, grade.unit, grade.min, grade.max, grade.integer) == ("number", "grade", 0, 5, True)
    assert grade.raises == ("foot_drop", "major_motor_loss")


def test_question_details_for_forms(rules: RedFlagRules) -> None:
    age = rules.questions["age"]
    assert (age.answer, age.unit, age.min, age.max, age.filled_from) == (
        "number",
        "years",
        0,
        130,
        "date_of_birth",
    )
    assert age.raises == ("age_onset", "inflammatory")
    bladder = rules.questions["bladder_change"]
    assert bladder.text == "Have you had any new difficulty passing urine, or a change in how it flows?"
    assert (bladder.answer, bladder.unit, bladder.min, bladder.ask_if) == ("yes_no", None, None, None)
    assert bladder.raises == ("ces", "mscc")
    assert rules.questions["pregnancy_week"].ask_if is not None
    assert rules.questions["steroids_long_term"].raises == ("fracture", "immunosuppression")


def test_questions_for_rejects_an_unknown_audience() -> None:
    with pytest.raises(ValueError) as caught:
        questions_for("nurse")
    assert str(caught.value) == "who 'nurse' must be patient or clinician"


# ---- age from date of birth ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (datetime.date(1970, 6, 15), datetime.date(2026, 6, 14), 55),
        (datetime.date(1970, 6, 15), datetime.date(2026, 6, 15), 56),
        (datetime.date(2000, 2, 29), datetime.date(2026, 2, 28), 25),
        (datetime.date(2000, 2, 29), datetime.date(2026, 3, 1), 26),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1), 0),
    ],
)
def test_age_years(born: datetime.date, on: datetime.date, age: int) -> None:
    assert age_years(born, on) == age


def test_age_years_before_birth() -> None:
    with pytest.raises(ValueError) as caught:
        age_years(datetime.date(2020, 1, 2), datetime.date(2020, 1, 1))
    assert str(caught.value) == "date 2020-01-01 is before the date of birth 2020-01-02"


# ---- rules, caching, purity ----------------------------------------------------------------------------


def test_default_rules_are_cached() -> None:
    assert default_rules() is default_rules()


def test_explicit_rules_are_used(rules: RedFlagRules) -> None:
    assert evaluate({"fever": True}, rules=rules).rules_version == rules.version


def test_no_django_import() -> None:
    code = (
        "import sys, sotclinic.safety as s; s.evaluate({'fever': True}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); print(bad); sys.exit(bool(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
