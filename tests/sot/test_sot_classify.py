"""The classifier: the five worked examples of the reference, exactly, and every branch of the rule."""

from __future__ import annotations

from typing import Any

import pytest

from sotclinic.sot import Assessment, CategoryEvidence, Finding, KnowledgeBase, classify, protocol

CAT1_ALL_MISSING = ["pelvis_locked", "heel_tension", "first_rib_mobile"]
CAT2_ALL_MISSING = [
    "pelvic_sway",
    "arm_fossa",
    "first_rib_tender",
    "inguinal_tender",
    "knee_sensitivity",
    "scalene_tender",
]
CAT3_ALL_MISSING = ["antalgic_posture", "leg_pain", "slr", "piriformis_tender"]

EXAMPLE_1 = [
    {"indicator": "pelvis_locked", "result": "positive"},
    {"indicator": "heel_tension", "result": "positive", "side": "left"},
    {"indicator": "leg_length_prone", "side": "left", "value": 5},
]
EXAMPLE_2 = [
    {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
    {"indicator": "arm_fossa", "result": "positive", "side": "right"},
    {"indicator": "first_rib_tender", "result": "positive", "side": "right"},
    {"indicator": "leg_length_supine", "side": "right"},
]
EXAMPLE_3 = [
    {"indicator": "antalgic_posture", "result": "positive"},
    {"indicator": "leg_pain", "result": "positive", "side": "left"},
    {"indicator": "slr", "result": "positive", "side": "left", "value": 40},
    {"indicator": "arm_fossa", "result": "negative"},
]
EXAMPLE_4 = [
    {"indicator": "pelvis_locked", "result": "positive"},
    {"indicator": "pelvic_sway", "result": "positive"},
]
EXAMPLE_5 = [
    {"indicator": "heel_tension", "result": "positive"},
    {"indicator": "arm_fossa", "result": "positive", "side": "left"},
]


def evidence(a: Assessment) -> dict[str, dict[str, list[str]]]:
    return {cat: ev.to_dict() for cat, ev in a.evidence.items()}


def blocks(a: Assessment) -> list[tuple[str, str, int]]:
    plan = protocol(a)
    assert plan is not None
    return [(b.landmark, b.side, b.angle_deg) for b in plan.blocks]


def test_example_1_category_one() -> None:
    a = classify(EXAMPLE_1)
    assert (a.category, a.reason, a.conflicting) == ("cat1", None, ())
    assert a.scores == {"cat1": 4, "cat2": -2, "cat3": 0}
    assert a.sides == {"short_leg": "left", "involved_side": None, "pain_side": None}
    assert evidence(a) == {
        "cat1": {"for": ["pelvis_locked", "heel_tension"], "against": [], "missing": ["first_rib_mobile"]},
        "cat2": {"for": [], "against": ["pelvis_locked"], "missing": CAT2_ALL_MISSING},
        "cat3": {"for": [], "against": [], "missing": CAT3_ALL_MISSING},
    }
    assert a.missing_primary == ()
    assert a.discrepancies == ()
    assert a.knowledge_version == "2026.1"
    plan = protocol(a)
    assert plan is not None
    assert (plan.category, plan.position, plan.verified, plan.missing) == ("cat1", "prone", False, None)
    assert blocks(a) == [("trochanter", "left", 20), ("asis", "right", 0)]
    assert plan.blocks[0].order == 1 and "slightly towards the head" in plan.blocks[0].orientation
    assert plan.duration_s == 300
    assert plan.recheck == ("heel_tension", "dollar_sign", "crest_sign", "leg_length_prone")


def test_example_2_category_two() -> None:
    a = classify(EXAMPLE_2)
    assert (a.category, a.reason) == ("cat2", None)
    assert a.scores == {"cat1": -2, "cat2": 5, "cat3": 0}
    assert a.sides == {"short_leg": "right", "involved_side": "right", "pain_side": None}
    assert evidence(a) == {
        "cat1": {"for": [], "against": ["pelvic_sway"], "missing": CAT1_ALL_MISSING},
        "cat2": {
            "for": ["pelvic_sway", "arm_fossa", "first_rib_tender"],
            "against": [],
            "missing": ["inguinal_tender", "knee_sensitivity", "scalene_tender"],
        },
        "cat3": {"for": [], "against": [], "missing": CAT3_ALL_MISSING},
    }
    plan = protocol(a)
    assert plan is not None
    assert (plan.position, plan.duration_s, plan.missing) == ("supine", 120, None)
    assert blocks(a) == [("trochanter", "right", 45), ("ilium", "left", 0)]
    assert plan.recheck == (
        "arm_fossa",
        "knee_sensitivity",
        "inguinal_tender",
        "scalene_tender",
        "first_rib_tender",
        "leg_length_supine",
    )


def test_example_3_category_three_without_leg_check() -> None:
    a = classify(EXAMPLE_3)
    assert (a.category, a.reason) == ("cat3", None)
    assert a.scores == {"cat1": 0, "cat2": 0, "cat3": 5}
    assert a.sides == {"short_leg": None, "involved_side": None, "pain_side": "left"}
    assert evidence(a) == {
        "cat1": {"for": [], "against": [], "missing": CAT1_ALL_MISSING},
        "cat2": {"for": [], "against": [], "missing": [c for c in CAT2_ALL_MISSING if c != "arm_fossa"]},
        "cat3": {
            "for": ["antalgic_posture", "leg_pain", "slr"],
            "against": [],
            "missing": ["piriformis_tender"],
        },
    }
    plan = protocol(a)
    assert plan is not None
    assert (plan.category, plan.position, plan.missing, plan.blocks) == (
        "cat3",
        "prone",
        "leg_length_prone",
        (),
    )
    assert plan.to_dict()["missing"] == "leg_length_prone"
    assert plan.recheck == ("slr", "leg_pain", "antalgic_posture")


def test_example_4_insufficient() -> None:
    a = classify(EXAMPLE_4)
    assert (a.category, a.reason, a.conflicting) == (None, "insufficient", ())
    assert a.scores == {"cat1": 0, "cat2": 0, "cat3": 0}
    assert a.missing_primary == ("heel_tension", "arm_fossa", "antalgic_posture", "leg_pain")
    assert evidence(a) == {
        "cat1": {
            "for": ["pelvis_locked"],
            "against": ["pelvic_sway"],
            "missing": ["heel_tension", "first_rib_mobile"],
        },
        "cat2": {"for": ["pelvic_sway"], "against": ["pelvis_locked"], "missing": CAT2_ALL_MISSING[1:]},
        "cat3": {"for": [], "against": [], "missing": CAT3_ALL_MISSING},
    }
    assert protocol(a) is None


def test_example_5_conflicting() -> None:
    a = classify(EXAMPLE_5)
    assert (a.category, a.reason, a.conflicting) == (None, "conflicting", ("cat1", "cat2"))
    assert a.supported == ("cat1", "cat2")
    assert a.scores == {"cat1": 2, "cat2": 2, "cat3": 0}
    assert a.sides == {"short_leg": None, "involved_side": "left", "pain_side": None}
    assert a.missing_primary == ()
    assert protocol(a) is None


def test_assessment_to_dict() -> None:
    data = classify(EXAMPLE_5).to_dict()
    assert data == {
        "category": None,
        "reason": "conflicting",
        "conflicting": ["cat1", "cat2"],
        "supported": ["cat1", "cat2"],
        "scores": {"cat1": 2, "cat2": 2, "cat3": 0},
        "sides": {"short_leg": None, "involved_side": "left", "pain_side": None},
        "evidence": {
            "cat1": {
                "for": ["heel_tension"],
                "against": [],
                "missing": ["pelvis_locked", "first_rib_mobile"],
            },
            "cat2": {
                "for": ["arm_fossa"],
                "against": [],
                "missing": CAT2_ALL_MISSING[:1] + CAT2_ALL_MISSING[2:],
            },
            "cat3": {"for": [], "against": [], "missing": CAT3_ALL_MISSING},
        },
        "missing_primary": [],
        "discrepancies": [],
        "leg_checks": {"leg_length_prone": None, "leg_length_supine": None},
        "knowledge_version": "2026.1",
    }


def test_empty_findings_are_insufficient() -> None:
    a = classify([])
    assert (a.category, a.reason) == (None, "insufficient")
    assert a.scores == {"cat1": 0, "cat2": 0, "cat3": 0}
    assert a.missing_primary == (
        "pelvis_locked",
        "pelvic_sway",
        "heel_tension",
        "arm_fossa",
        "antalgic_posture",
        "leg_pain",
    )
    assert a.evidence["cat2"] == CategoryEvidence((), (), tuple(CAT2_ALL_MISSING))


def test_supporting_indicators_alone_never_support() -> None:
    # score 3 for cat2 but no primary positive -> not supported
    a = classify(
        [
            {"indicator": "first_rib_tender", "result": "positive", "side": "left"},
            {"indicator": "inguinal_tender", "result": "positive", "side": "left"},
            {"indicator": "knee_sensitivity", "result": "positive", "side": "left"},
        ]
    )
    assert a.scores["cat2"] == 3
    assert (a.category, a.reason) == (None, "insufficient")
    assert a.missing_primary == (
        "pelvis_locked",
        "pelvic_sway",
        "heel_tension",
        "arm_fossa",
        "antalgic_posture",
        "leg_pain",
    )


def test_primary_with_score_below_two_is_not_supported() -> None:
    # arm_fossa (+2) and pelvis_locked (-2 for cat2, +2 cat1) -> cat2 score 0, cat1 supported alone
    a = classify(
        [
            {"indicator": "arm_fossa", "result": "positive"},
            {"indicator": "pelvis_locked", "result": "positive"},
        ]
    )
    assert a.scores == {"cat1": 2, "cat2": 0, "cat3": 0}
    assert a.category == "cat1"


def test_two_supported_with_a_clear_lead() -> None:
    a = classify(
        [
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "antalgic_posture", "result": "positive"},
            {"indicator": "leg_pain", "result": "positive", "side": "right"},
        ]
    )
    assert a.scores == {"cat1": 2, "cat2": 0, "cat3": 4}
    assert a.supported == ("cat1", "cat3")
    assert (a.category, a.reason, a.conflicting) == ("cat3", None, ())


def test_three_supported_names_only_those_within_the_lead() -> None:
    a = classify(
        [
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "first_rib_mobile", "result": "positive"},
            {"indicator": "arm_fossa", "result": "positive"},
            {"indicator": "first_rib_tender", "result": "positive"},
            {"indicator": "inguinal_tender", "result": "positive"},
            {"indicator": "antalgic_posture", "result": "positive"},
            {"indicator": "leg_pain", "result": "positive"},
        ]
    )
    assert a.scores == {"cat1": 3, "cat2": 4, "cat3": 4}
    assert a.supported == ("cat1", "cat2", "cat3")
    assert (a.category, a.reason, a.conflicting) == (None, "conflicting", ("cat1", "cat2", "cat3"))
    a = classify(
        [
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "arm_fossa", "result": "positive"},
            {"indicator": "first_rib_tender", "result": "positive"},
            {"indicator": "inguinal_tender", "result": "positive"},
            {"indicator": "antalgic_posture", "result": "positive"},
            {"indicator": "leg_pain", "result": "positive"},
            {"indicator": "slr", "result": "positive"},
        ]
    )
    assert a.scores == {"cat1": 2, "cat2": 4, "cat3": 5}
    assert a.conflicting == ("cat2", "cat3")


def test_threshold_measurement_without_result() -> None:
    below = classify(
        [{"indicator": "pelvic_sway", "value": 1.0}, {"indicator": "arm_fossa", "result": "positive"}]
    )
    assert below.scores["cat2"] == 2 and below.evidence["cat2"].for_ == ("arm_fossa",)
    assert "pelvic_sway" not in below.missing_primary and "pelvic_sway" not in below.evidence["cat2"].missing
    above = classify(
        [{"indicator": "pelvic_sway", "value": 1.5}, {"indicator": "arm_fossa", "result": "positive"}]
    )
    assert above.scores == {"cat1": -2, "cat2": 4, "cat3": 0}


def test_undecided_test_counts_as_not_examined() -> None:
    a = classify([{"indicator": "arm_fossa", "side": "left"}])
    assert a.scores["cat2"] == 0
    assert "arm_fossa" in a.missing_primary and "arm_fossa" in a.evidence["cat2"].missing
    assert a.sides["involved_side"] is None


def test_recorded_only_signs_add_nothing() -> None:
    a = classify(
        [
            {"indicator": "dollar_sign", "result": "positive", "side": "left"},
            {"indicator": "crest_sign", "result": "positive", "side": "left"},
            {"indicator": "compaction", "result": "positive"},
            {"indicator": "occipital_fibre", "line": 2, "area": 6, "side": "left", "level": "T8"},
            {"indicator": "cmrt", "level": "T8", "organ": "liver"},
        ]
    )
    assert a.scores == {"cat1": 0, "cat2": 0, "cat3": 0}
    assert a.reason == "insufficient"


def test_short_leg_rule() -> None:
    def short(*raw: dict[str, Any]) -> str | None:
        return classify(list(raw)).sides["short_leg"]

    assert (
        short(
            {"indicator": "leg_length_prone", "side": "left"},
            {"indicator": "leg_length_supine", "side": "right"},
        )
        == "left"
    )
    assert short({"indicator": "leg_length_supine", "side": "right"}) == "right"
    assert short({"indicator": "leg_length_prone", "side": "even"}) is None
    # an even prone check gives no side, so the supine check is used
    assert (
        short(
            {"indicator": "leg_length_prone", "side": "even"},
            {"indicator": "leg_length_supine", "side": "right"},
        )
        == "right"
    )
    assert short({"indicator": "leg_length_prone", "value": 4}) is None
    a = classify([{"indicator": "leg_length_prone", "side": "even"}])
    assert a.leg_checks == {"leg_length_prone": "even", "leg_length_supine": None}


def test_involved_side_rule() -> None:
    def involved(*raw: dict[str, Any]) -> str | None:
        return classify(list(raw)).sides["involved_side"]

    assert involved({"indicator": "inguinal_tender", "result": "positive", "side": "left"}) == "left"
    assert (
        involved(
            {"indicator": "first_rib_tender", "result": "positive", "side": "right"},
            {"indicator": "inguinal_tender", "result": "positive", "side": "left"},
        )
        == "right"
    )
    assert (
        involved(
            {"indicator": "arm_fossa", "result": "negative", "side": "right"},
            {"indicator": "first_rib_tender", "result": "positive"},
            {"indicator": "inguinal_tender", "result": "positive", "side": "left"},
        )
        == "left"
    )
    assert involved({"indicator": "arm_fossa", "result": "positive", "side": "bilateral"}) == "bilateral"


def test_pain_side_rule() -> None:
    def pain(*raw: dict[str, Any]) -> str | None:
        return classify(list(raw)).sides["pain_side"]

    assert pain({"indicator": "slr", "result": "positive", "side": "right"}) == "right"
    assert (
        pain(
            {"indicator": "slr", "result": "positive", "side": "right"},
            {"indicator": "leg_pain", "result": "positive", "side": "left"},
        )
        == "left"
    )
    assert pain({"indicator": "leg_pain", "result": "negative", "side": "left"}) is None


def test_arm_fossa_side_differs_from_short_leg() -> None:
    a = classify(
        [
            {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
            {"indicator": "arm_fossa", "result": "positive", "side": "left"},
            {"indicator": "leg_length_supine", "side": "right"},
        ]
    )
    assert a.category == "cat2"
    assert a.discrepancies == (
        "Category II: the involved side (left, from the arm-fossa test) differs from the short-leg "
        "side (right); "
        "the protocol keeps the short-leg rule.",
    )
    plan = protocol(a)
    assert plan is not None
    assert plan.blocks[0].side == "right"  # the short-leg rule is kept
    assert a.discrepancies[0] in plan.notes


def test_threshold_discrepancy() -> None:
    a = classify([{"indicator": "pelvic_sway", "result": "positive", "value": 0.8}])
    assert a.discrepancies == (
        "Increased lateral pelvic sway: recorded positive, but 0.8 cm is not above the 1.2 cm threshold; "
        "the recorded result is used.",
    )
    assert a.scores["cat2"] == 2


def test_later_repeat_wins_in_classify() -> None:
    a = classify(
        [
            {"indicator": "arm_fossa", "result": "positive", "side": "left"},
            {"indicator": "arm_fossa", "result": "negative"},
        ]
    )
    assert a.scores["cat2"] == 0


def test_accepts_finding_objects_and_ignores_unknown_codes(kb: KnowledgeBase) -> None:
    a = classify([Finding("heel_tension", "positive"), Finding("no_such_indicator", "positive")], kb)
    assert a.category == "cat1"
    mixed = classify(
        [Finding("heel_tension", "positive"), {"indicator": "pelvis_locked", "result": "positive"}], kb
    )
    assert mixed.scores["cat1"] == 4


def test_invalid_mapping_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"^finding 2 \(arm_fossa\): side 'up' is not allowed"):
        classify(
            [{"indicator": "heel_tension", "result": "positive"}, {"indicator": "arm_fossa", "side": "up"}]
        )
