"""Every flag of the catalogue, driven from tables written here (not read from the data file), so a mistake in
red_flags.toml — a wrong urgency, a missing trigger, a flag raised by the wrong question — fails a test."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sotclinic.safety import RedFlagRules, evaluate

EMERGENCY = "emergency"
URGENT = "urgent"
CAUTION = "caution"

#: the catalogue, in order, with its urgency (measures reference, "Red flags")
URGENCY: dict[str, str] = {
    "ces": EMERGENCY,
    "cord": EMERGENCY,
    "infection": EMERGENCY,
    "mscc": EMERGENCY,
    "foot_drop": EMERGENCY,
    "cervical_artery": EMERGENCY,
    "major_motor_loss": URGENT,
    "cancer_history": URGENT,
    "weight_loss": URGENT,
    "age_onset": URGENT,
    "night_pain": URGENT,
    "no_improvement": URGENT,
    "fracture": URGENT,
    "inflammatory": URGENT,
    "immunosuppression": URGENT,
    "progressive_neuro": URGENT,
    "instability": URGENT,
    "internal_fixation": URGENT,
    "upper_cervical_malformation": URGENT,
    "anticoagulant": CAUTION,
    "osteoporosis": CAUTION,
    "hypermobility": CAUTION,
    "benign_tumour": CAUTION,
    "pregnancy": CAUTION,
    "radiculopathy": CAUTION,
}

EVERYTHING = ("blocking", "cranial", "cervical", "thoracic", "lumbar", "pelvis")
SPINE = ("blocking", "cervical", "thoracic", "lumbar", "pelvis")
CONTRAINDICATES: dict[str, tuple[str, ...]] = {
    **{code: EVERYTHING for code, urgency in URGENCY.items() if urgency == EMERGENCY},
    **{code: SPINE for code, urgency in URGENCY.items() if urgency == URGENT},
    "upper_cervical_malformation": ("cranial", "cervical"),
    **{code: () for code, urgency in URGENCY.items() if urgency == CAUTION},
}

#: answers that raise nothing: every patient question...
NEUTRAL_INTAKE: dict[str, Any] = {
    "age": 35,
    "first_episode": False,
    "new_spinal_pain": False,
    "pain_severe_worsening": False,
    "night_pain": False,
    "morning_stiffness_minutes": 0,
    "stiffness_eases_with_exercise": False,
    "head_neck_pain_unusual": False,
    "thunderclap_headache": False,
    "dizziness": False,
    "brainstem_symptoms": False,
    "neck_trauma_recent": False,
    "major_trauma": False,
    "minor_trauma": False,
    "bladder_change": False,
    "saddle_numbness": False,
    "bowel_control_change": False,
    "sexual_function_change": False,
    "leg_pain_both": False,
    "legs_weaker_both": False,
    "walking_difficulty_new": False,
    "limb_weakness": False,
    "radicular_pain_new": False,
    "foot_slapping": False,
    "numbness_weakness_worsening": False,
    "fever": False,
    "systemically_unwell": False,
    "recent_bacterial_infection": False,
    "iv_drug_use": False,
    "cancer_past": False,
    "weight_loss": False,
    "chemotherapy": False,
    "steroids_long_term": False,
    "immune_condition": False,
    "osteoporosis": False,
    "anticoagulants": False,
    "bleeding_disorder": False,
    "hypermobility": False,
    "spinal_implant": False,
    "pregnant": False,
    "pregnancy_week": None,
}
#: ...and every clinician finding
NEUTRAL_FINDINGS: dict[str, Any] = {
    "cancer_suspected": False,
    "gait_disturbance": False,
    "multilevel_weakness": False,
    "foot_drop_acute": False,
    "motor_grade": 5,
    "deficit_worsening": False,
    "ptosis_small_pupil": False,
    "fracture_seen": False,
    "demineralisation_severe": False,
    "weeks_no_improvement": 0,
    "instability_signs": False,
    "upper_cervical_anomaly": False,
    "stability_uncertain": False,
    "benign_bone_tumour": False,
    "radiculopathy_changing": False,
}

Y = True
#: (flag, the answers that should raise it, every flag they raise); answers go to intake or findings by code
TRIGGERS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("ces", {"bladder_change": Y}, {"ces"}),
    ("ces", {"saddle_numbness": Y}, {"ces"}),
    ("ces", {"bowel_control_change": Y}, {"ces"}),
    ("ces", {"sexual_function_change": Y}, {"ces"}),
    ("ces", {"leg_pain_both": Y}, {"ces"}),
    ("ces", {"legs_weaker_both": Y}, {"ces"}),
    ("cord", {"walking_difficulty_new": Y}, {"cord"}),
    ("cord", {"gait_disturbance": Y}, {"cord"}),
    ("cord", {"multilevel_weakness": Y}, {"cord"}),
    ("infection", {"fever": Y}, {"infection"}),
    ("infection", {"systemically_unwell": Y}, {"infection"}),
    ("infection", {"iv_drug_use": Y}, {"infection"}),
    ("infection", {"recent_bacterial_infection": Y}, {"infection"}),
    ("mscc", {"cancer_past": Y, "pain_severe_worsening": Y}, {"mscc"}),
    ("mscc", {"cancer_past": Y, "radicular_pain_new": Y}, {"mscc"}),
    ("mscc", {"cancer_past": Y, "limb_weakness": Y}, {"mscc"}),
    ("mscc", {"cancer_suspected": Y, "pain_severe_worsening": Y}, {"mscc"}),
    ("mscc", {"cancer_suspected": Y, "walking_difficulty_new": Y}, {"mscc", "cord"}),
    ("mscc", {"cancer_suspected": Y, "bladder_change": Y}, {"mscc", "ces"}),
    ("mscc", {"cancer_past": Y, "bowel_control_change": Y}, {"mscc", "ces"}),
    ("foot_drop", {"foot_drop_acute": Y}, {"foot_drop"}),
    ("foot_drop", {"foot_slapping": Y}, {"foot_drop"}),
    ("foot_drop", {"motor_grade": 3, "deficit_worsening": Y}, {"foot_drop", "progressive_neuro"}),
    (
        "foot_drop",
        {"motor_grade": 1, "deficit_worsening": Y},
        {"foot_drop", "major_motor_loss", "progressive_neuro"},
    ),
    ("cervical_artery", {"head_neck_pain_unusual": Y}, {"cervical_artery"}),
    ("cervical_artery", {"thunderclap_headache": Y}, {"cervical_artery"}),
    ("cervical_artery", {"ptosis_small_pupil": Y}, {"cervical_artery"}),
    ("cervical_artery", {"dizziness": Y, "brainstem_symptoms": Y}, {"cervical_artery"}),
    ("cervical_artery", {"neck_trauma_recent": Y}, {"cervical_artery"}),
    ("major_motor_loss", {"motor_grade": 2}, {"major_motor_loss"}),
    ("major_motor_loss", {"motor_grade": 0}, {"major_motor_loss"}),
    ("cancer_history", {"cancer_past": Y, "new_spinal_pain": Y}, {"cancer_history"}),
    ("weight_loss", {"weight_loss": Y}, {"weight_loss"}),
    ("age_onset", {"first_episode": Y, "age": 19}, {"age_onset"}),
    ("age_onset", {"first_episode": Y, "age": 56}, {"age_onset"}),
    ("night_pain", {"night_pain": Y}, {"night_pain"}),
    ("no_improvement", {"weeks_no_improvement": 4}, {"no_improvement"}),
    ("no_improvement", {"weeks_no_improvement": 6}, {"no_improvement"}),
    ("fracture", {"major_trauma": Y}, {"fracture"}),
    ("fracture", {"fracture_seen": Y}, {"fracture"}),
    ("fracture", {"minor_trauma": Y, "osteoporosis": Y}, {"fracture", "osteoporosis"}),
    ("fracture", {"minor_trauma": Y, "demineralisation_severe": Y}, {"fracture", "osteoporosis"}),
    ("fracture", {"minor_trauma": Y, "steroids_long_term": Y}, {"fracture", "immunosuppression"}),
    ("fracture", {"osteoporosis": Y, "pain_severe_worsening": Y}, {"fracture", "osteoporosis"}),
    (
        "inflammatory",
        {"morning_stiffness_minutes": 31, "stiffness_eases_with_exercise": Y, "age": 44},
        {"inflammatory"},
    ),
    ("immunosuppression", {"chemotherapy": Y}, {"immunosuppression"}),
    ("immunosuppression", {"steroids_long_term": Y}, {"immunosuppression"}),
    ("immunosuppression", {"immune_condition": Y}, {"immunosuppression"}),
    ("progressive_neuro", {"deficit_worsening": Y}, {"progressive_neuro"}),
    ("progressive_neuro", {"numbness_weakness_worsening": Y}, {"progressive_neuro"}),
    ("instability", {"instability_signs": Y}, {"instability"}),
    ("internal_fixation", {"spinal_implant": Y}, {"internal_fixation"}),
    ("upper_cervical_malformation", {"upper_cervical_anomaly": Y}, {"upper_cervical_malformation"}),
    ("anticoagulant", {"anticoagulants": Y}, {"anticoagulant"}),
    ("anticoagulant", {"bleeding_disorder": Y}, {"anticoagulant"}),
    ("osteoporosis", {"osteoporosis": Y}, {"osteoporosis"}),
    ("osteoporosis", {"demineralisation_severe": Y}, {"osteoporosis"}),
    ("hypermobility", {"hypermobility": Y}, {"hypermobility"}),
    ("hypermobility", {"stability_uncertain": Y}, {"hypermobility"}),
    ("benign_tumour", {"benign_bone_tumour": Y}, {"benign_tumour"}),
    ("pregnancy", {"pregnant": Y}, {"pregnancy"}),
    ("pregnancy", {"pregnant": Y, "pregnancy_week": 20}, {"pregnancy"}),
    ("pregnancy", {"pregnancy_week": 12}, {"pregnancy"}),
    ("radiculopathy", {"radiculopathy_changing": Y}, {"radiculopathy"}),
]

#: combinations that must NOT raise the flag: half of a combination is not enough
NOT_ENOUGH: list[tuple[dict[str, Any], str]] = [
    ({"cancer_past": Y}, "mscc"),
    ({"cancer_suspected": Y}, "mscc"),
    ({"limb_weakness": Y}, "mscc"),
    ({"pain_severe_worsening": Y}, "mscc"),
    ({"radicular_pain_new": Y}, "mscc"),
    ({"cancer_past": Y}, "cancer_history"),
    ({"new_spinal_pain": Y}, "cancer_history"),
    ({"cancer_suspected": Y, "new_spinal_pain": Y}, "cancer_history"),
    ({"dizziness": Y}, "cervical_artery"),
    ({"brainstem_symptoms": Y}, "cervical_artery"),
    ({"minor_trauma": Y}, "fracture"),
    ({"steroids_long_term": Y}, "fracture"),
    ({"motor_grade": 3}, "foot_drop"),
    ({"motor_grade": 4, "deficit_worsening": Y}, "foot_drop"),
    ({"first_episode": Y}, "age_onset"),
    ({"age": 70}, "age_onset"),
    ({"morning_stiffness_minutes": 90, "age": 30}, "inflammatory"),
    ({"stiffness_eases_with_exercise": Y, "age": 30}, "inflammatory"),
    ({"morning_stiffness_minutes": 90, "stiffness_eases_with_exercise": Y, "age": 45}, "inflammatory"),
    ({"chemotherapy": Y}, "infection"),
    ({"immune_condition": Y}, "infection"),
]


def split(answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    intake = {k: v for k, v in answers.items() if k in NEUTRAL_INTAKE}
    findings = {k: v for k, v in answers.items() if k in NEUTRAL_FINDINGS}
    assert len(intake) + len(findings) == len(answers), f"unknown codes in the test table: {answers}"
    return intake, findings


def _id(row: tuple[str, dict[str, Any], set[str]]) -> str:
    return f"{row[0]}-" + "+".join(f"{k}={v}" for k, v in row[1].items())


# ---- the catalogue ------------------------------------------------------------------------------------


def test_catalogue_codes_and_order(rules: RedFlagRules) -> None:
    assert list(rules.flags) == list(URGENCY)
    assert rules.version == "2026.1"


@pytest.mark.parametrize("code", list(URGENCY))
def test_flag_urgency_contraindications_and_texts(rules: RedFlagRules, code: str) -> None:
    flag = rules.flags[code]
    assert flag.urgency == URGENCY[code]
    assert flag.contraindicates == CONTRAINDICATES[code]
    assert flag.name.strip() and flag.why.strip() and flag.action.strip() and flag.source.strip()
    if flag.urgency == CAUTION:
        assert flag.modification
    else:
        assert flag.modification is None


def test_pregnancy_modification_names_the_pillow_and_the_week(rules: RedFlagRules) -> None:
    assert rules.flags["pregnancy"].modification == (
        "Prone blocking only with a pregnancy pillow, or the supine alternative; record the week."
    )


def test_every_question_is_in_the_tables(rules: RedFlagRules) -> None:
    assert [q.code for q in rules.questions_for("patient")] == list(NEUTRAL_INTAKE)
    assert [q.code for q in rules.questions_for("clinician")] == list(NEUTRAL_FINDINGS)


def test_every_flag_and_every_question_has_a_trigger_row() -> None:
    assert {flag for flag, _, _ in TRIGGERS} == set(URGENCY)
    used = {code for _, answers, _ in TRIGGERS for code in answers}
    assert used == set(NEUTRAL_INTAKE) | set(NEUTRAL_FINDINGS)


def test_neutral_answers_raise_nothing(rules: RedFlagRules) -> None:
    screening = evaluate(NEUTRAL_INTAKE, NEUTRAL_FINDINGS, rules=rules)
    assert screening.raised == ()
    assert screening.highest is None
    assert not screening.blocks_treatment
    assert screening.contraindicated == frozenset()
    assert screening.unanswered == ()  # pregnancy_week is asked only when pregnant


# ---- each flag from its own questions ------------------------------------------------------------------


@pytest.mark.parametrize(("flag", "answers", "expected"), TRIGGERS, ids=[_id(r) for r in TRIGGERS])
def test_trigger_raises_the_flag(
    rules: RedFlagRules, flag: str, answers: dict[str, Any], expected: set[str]
) -> None:
    intake, findings = split(answers)
    screening = evaluate({**NEUTRAL_INTAKE, **intake}, {**NEUTRAL_FINDINGS, **findings}, rules=rules)
    assert set(screening.codes) == expected
    raised = {f.code: f for f in screening.raised}[flag]
    assert raised.urgency == URGENCY[flag]
    assert raised.contraindicates == CONTRAINDICATES[flag]
    assert dict(raised.because) == answers
    assert screening.highest == min((URGENCY[c] for c in expected), key=list(URGENCY.values()).index)
    assert screening.blocks_treatment == any(URGENCY[c] != CAUTION for c in expected)
    assert screening.contraindicated == frozenset(t for c in expected for t in CONTRAINDICATES[c])
    # only the trigger answered, everything else unanswered: the same flags
    assert set(evaluate(intake, findings, rules=rules).codes) == expected


@pytest.mark.parametrize(("answers", "flag"), NOT_ENOUGH, ids=[f"{f}-{'+'.join(a)}" for a, f in NOT_ENOUGH])
def test_part_of_a_combination_is_not_enough(answers: dict[str, Any], flag: str) -> None:
    intake, findings = split(answers)
    assert flag not in evaluate({**NEUTRAL_INTAKE, **intake}, {**NEUTRAL_FINDINGS, **findings}).codes


# ---- nothing else stops it -----------------------------------------------------------------------------

YES_NO = [code for code, value in {**NEUTRAL_INTAKE, **NEUTRAL_FINDINGS}.items() if value is False]
#: the number questions and their ranges
NUMBERS = {
    "age": (0, 130),
    "morning_stiffness_minutes": (0, 1440),
    "pregnancy_week": (1, 45),
    "motor_grade": (0, 5),
    "weeks_no_improvement": (0, 520),
}


@st.composite
def background(draw: st.DrawFn) -> dict[str, Any]:
    """Every question answered: any set of yes answers (the rest no), any numbers or unanswered."""
    yes = draw(st.sets(st.sampled_from(YES_NO)))
    numbers = {code: draw(st.one_of(st.none(), st.integers(lo, hi))) for code, (lo, hi) in NUMBERS.items()}
    return {**{code: code in yes for code in YES_NO}, **numbers}


def test_number_table_is_complete(rules: RedFlagRules) -> None:
    numbers = {c: (q.min, q.max) for c, q in rules.questions.items() if q.answer == "number"}
    assert numbers == NUMBERS
    assert len(YES_NO) + len(NUMBERS) == len(rules.questions)


@settings(max_examples=250, deadline=None)
@given(row=st.sampled_from(TRIGGERS), others=background())
def test_no_other_answer_stops_a_trigger(
    row: tuple[str, dict[str, Any], set[str]], others: dict[str, Any]
) -> None:
    """Any answers to every other question, then a trigger row's answers: its flags are still raised."""
    flag, answers, expected = row
    intake, findings = split({**others, **answers})
    screening = evaluate(intake, findings)
    assert expected <= set(screening.codes)
    assert screening.highest is not None
    assert list(URGENCY.values()).index(screening.highest) <= list(URGENCY.values()).index(URGENCY[flag])
