"""Default protocols: every category and variant, placing blocks by side, naming what is missing."""

from __future__ import annotations

import pytest

from sotclinic.sot import BlockPlacement, Protocol, classify, protocol
from sotclinic.sot.protocol import DEFAULT_NOTE


def placed(plan: Protocol | None) -> list[tuple[str, str, int, int]]:
    assert plan is not None
    return [(b.landmark, b.side, b.angle_deg, b.order) for b in plan.blocks]


def get(category: str, **kwargs: object) -> Protocol:
    plan = protocol(category, **kwargs)  # type: ignore[arg-type]
    assert plan is not None
    return plan


def test_category_one_from_a_short_side() -> None:
    plan = get("cat1", sides={"short_leg": "right"})
    assert (plan.category, plan.position, plan.verified, plan.variant) == ("cat1", "prone", False, "standard")
    assert placed(plan) == [("trochanter", "right", 20, 1), ("asis", "left", 0, 2)]
    assert plan.short_side == "right"
    assert plan.duration_s == 300
    assert plan.breathing == "slow, deep breathing"
    assert plan.recheck == ("heel_tension", "dollar_sign", "crest_sign", "leg_length_prone")
    assert plan.stop_criteria == () and plan.adjuncts == ()
    assert plan.missing is None
    assert plan.notes[0] == DEFAULT_NOTE == "Default — confirm against your SOT training."
    assert plan.steps == (
        "Position the patient prone (face down).",
        "Block 1, right side: under the greater trochanter, placed first, pointing slightly towards the head "
        "(angle 20°).",
        "Block 2, left side: under the iliac crest / ASIS (angle 0°).",
        "Leave the blocks 300 s (until the indicators change; commonly about 5 minutes, from clinic "
        "descriptions); slow, deep breathing.",
        "Contact: the practitioner's contact as taught in your SOT training (not described in the public "
        "sources).",
        "Re-check: Heel (Achilles) tension, Dollar sign, Crest sign, Prone leg check.",
    )


def test_category_two() -> None:
    plan = get("cat2", sides={"short_leg": "left"})
    assert plan.position == "supine"
    assert placed(plan) == [("trochanter", "left", 45, 1), ("ilium", "right", 0, 2)]
    assert plan.duration_s == 120
    assert plan.adjuncts == ("sacroiliac trochanter belt",)
    assert "Check psoas balance before blocking." in plan.steps
    assert plan.recheck == (
        "arm_fossa",
        "knee_sensitivity",
        "inguinal_tender",
        "scalene_tender",
        "first_rib_tender",
        "leg_length_supine",
    )


def test_category_three() -> None:
    plan = get("cat3", sides={"short_leg": "left"})
    assert plan.position == "prone"
    assert placed(plan) == [("asis", "right", 45, 1), ("trochanter", "left", 45, 2)]
    assert "opposite buttock" in plan.blocks[0].orientation
    assert plan.duration_s == 360
    assert "Duration: about 5–7 minutes (300–420 s); the default is 360 s." in plan.notes
    assert plan.recheck == ("slr", "leg_pain", "antalgic_posture")
    assert plan.stop_criteria == (
        "leg symptoms spread further down the leg",
        "reflexes, sensation or strength decrease",
        "numbness or wasting increases while the pain falls",
        "organ symptoms appear",
    )
    assert len(plan.adjuncts) == 4 and plan.adjuncts[-1].startswith("sitting disc technique")
    assert any(step.startswith("Stop and refer (urgent flag) if: leg symptoms") for step in plan.steps)


@pytest.mark.parametrize(
    ("category", "needs"),
    [("cat1", "leg_length_prone"), ("cat2", "leg_length_supine"), ("cat3", "leg_length_prone")],
)
def test_missing_short_side_is_named_not_guessed(category: str, needs: str) -> None:
    for sides in (None, {}, {"short_leg": None}, {"short_leg": "bilateral"}):
        plan = get(category, sides=sides)
        assert plan.blocks == ()
        assert plan.missing == needs
        assert plan.short_side is None
        data = plan.to_dict()
        assert data["missing"] == needs and data["blocks"] == []
        assert any(f"({needs}) to find the short side" in step for step in plan.steps)


def test_even_leg_check_is_explained() -> None:
    a = classify(
        [
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "pelvis_locked", "result": "positive"},
            {"indicator": "leg_length_prone", "side": "even"},
        ]
    )
    plan = protocol(a)
    assert plan is not None
    assert plan.missing == "leg_length_prone" and plan.blocks == ()
    assert (
        "The prone leg check is recorded as even: there is no short side to place the blocks by. "
        "Re-check the legs; the default does not guess a side." in plan.notes
    )


def test_prone_protocols_use_the_prone_check_only() -> None:
    # Category I with only a supine leg check: the prone check is still missing
    a = classify(
        [
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "leg_length_supine", "side": "left"},
        ]
    )
    assert a.sides["short_leg"] == "left"
    plan = protocol(a)
    assert plan is not None and plan.missing == "leg_length_prone"
    # Category II takes the sides rule: prone first, then supine
    b = classify(
        [
            {"indicator": "arm_fossa", "result": "positive", "side": "right"},
            {"indicator": "leg_length_prone", "side": "even"},
            {"indicator": "leg_length_supine", "side": "right"},
        ]
    )
    assert placed(protocol(b))[0][:2] == ("trochanter", "right")


def test_explicit_sides_win_over_the_assessment() -> None:
    a = classify(
        [
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "leg_length_prone", "side": "left"},
        ]
    )
    assert placed(protocol(a))[0][1] == "left"
    assert placed(protocol(a, sides={"leg_length_prone": "right"}))[0][1] == "right"
    assert placed(protocol(a, sides={"short_leg": "right"}))[0][1] == "right"
    # a leg-check key beats short_leg
    assert placed(protocol("cat1", sides={"short_leg": "right", "leg_length_prone": "left"}))[0][1] == "left"


def test_assessment_without_category_has_no_protocol() -> None:
    assert protocol(classify([])) is None


def test_pregnancy_variant_prone() -> None:
    plan = get("cat1", sides={"short_leg": "left"}, variant="pregnancy")
    assert plan.variant == "pregnancy"
    assert plan.position == "prone"
    assert plan.requires == ("pregnancy_week",)
    assert plan.equipment == ("pregnancy pillow",)
    assert plan.steps[:2] == (
        "Record the week of pregnancy.",
        "Position the patient prone (face down) on a pregnancy pillow.",
    )
    assert any("only with a pregnancy pillow" in note and "supine alternative" in note for note in plan.notes)
    assert placed(plan) == placed(get("cat1", sides={"short_leg": "left"}))
    data = plan.to_dict()
    assert data["requires"] == ["pregnancy_week"] and data["equipment"] == ["pregnancy pillow"]


def test_pregnancy_variant_supine() -> None:
    plan = get("cat2", sides={"short_leg": "left"}, variant="pregnancy")
    assert plan.requires == ("pregnancy_week",)
    assert plan.equipment == ()
    assert not any("pregnancy pillow" in note for note in plan.notes)
    assert plan.steps[:2] == ("Record the week of pregnancy.", "Position the patient supine (face up).")


def test_every_category_and_variant_builds() -> None:
    for category in ("cat1", "cat2", "cat3"):
        for variant in ("standard", "pregnancy"):
            for side in ("left", "right"):
                plan = get(category, sides={"short_leg": side}, variant=variant)
                assert plan.verified is False
                assert len(plan.blocks) == 2
                assert {b.side for b in plan.blocks} == {"left", "right"}
                assert all(b.landmark in ("trochanter", "asis", "ilium") for b in plan.blocks)
                assert all(0 <= b.angle_deg <= 90 for b in plan.blocks)
                assert [b.order for b in plan.blocks] == [1, 2]
                assert plan.steps[-1].startswith("Re-check: ")


def test_to_dict_contract_keys() -> None:
    data = get("cat2", sides={"short_leg": "right"}).to_dict()
    assert {k: data[k] for k in ("category", "position", "verified", "duration_s", "recheck")} == {
        "category": "cat2",
        "position": "supine",
        "verified": False,
        "duration_s": 120,
        "recheck": [
            "arm_fossa",
            "knee_sensitivity",
            "inguinal_tender",
            "scalene_tender",
            "first_rib_tender",
            "leg_length_supine",
        ],
    }
    assert [{k: b[k] for k in ("landmark", "side", "angle_deg")} for b in data["blocks"]] == [
        {"landmark": "trochanter", "side": "right", "angle_deg": 45},
        {"landmark": "ilium", "side": "left", "angle_deg": 0},
    ]
    assert (
        data["blocks"][0]
        == BlockPlacement("trochanter", "right", 45, data["blocks"][0]["orientation"], 1).to_dict()
    )
    assert data["missing"] is None


def test_unknown_category_and_variant() -> None:
    with pytest.raises(ValueError) as caught:
        protocol("cat4")
    assert str(caught.value) == "unknown category 'cat4' (known: cat1, cat2, cat3)"
    with pytest.raises(ValueError) as caught:
        protocol("cat1", variant="paediatric")
    assert str(caught.value) == "unknown protocol variant 'paediatric' (known: standard, pregnancy)"
