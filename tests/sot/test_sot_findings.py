"""Findings: validation messages, derived results, repeats, the JSON form and mirroring."""

from __future__ import annotations

from typing import Any

import pytest

from sotclinic.sot import Finding, KnowledgeBase, mirror_findings, parse_findings


def parse(*raw: dict[str, Any]) -> tuple[Finding, ...]:
    return parse_findings(list(raw))


def test_reference_example_parses() -> None:
    findings = parse(
        {"indicator": "leg_length_prone", "side": "left", "value": 6},
        {"indicator": "arm_fossa", "side": "left", "result": "positive"},
        {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
        {"indicator": "heel_tension", "result": "negative"},
    )
    assert findings == (
        Finding("leg_length_prone", side="left", value=6.0),
        Finding("arm_fossa", result="positive", side="left"),
        Finding("pelvic_sway", result="positive", value=1.8),
        Finding("heel_tension", result="negative"),
    )
    assert [f.to_dict() for f in findings] == [
        {"indicator": "leg_length_prone", "side": "left", "value": 6},
        {"indicator": "arm_fossa", "result": "positive", "side": "left"},
        {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
        {"indicator": "heel_tension", "result": "negative"},
    ]


def test_fibre_and_cmrt_fields() -> None:
    findings = parse(
        {"indicator": "occipital_fibre", "line": 2, "area": 6, "side": "right", "level": "T8"},
        {"indicator": "trapezius_fibre", "area": 3, "side": "left", "level": "C7"},
        {"indicator": "cmrt", "level": "T8", "organ": " liver "},
    )
    assert findings[0] == Finding("occipital_fibre", side="right", level="T8", line=2, area=6)
    assert findings[1] == Finding("trapezius_fibre", side="left", level="C7", area=3)
    assert findings[2].to_dict() == {"indicator": "cmrt", "level": "T8", "organ": "liver"}


def test_null_means_not_given() -> None:
    (finding,) = parse({"indicator": "arm_fossa", "result": None, "side": None, "value": None})
    assert finding == Finding("arm_fossa")
    assert finding.to_dict() == {"indicator": "arm_fossa"}


def test_measurement_result_is_derived_from_the_threshold() -> None:
    above, at, below = (parse({"indicator": "pelvic_sway", "value": v})[0] for v in (1.3, 1.2, 0.4))
    assert (above.result, at.result, below.result) == ("positive", "negative", "negative")
    assert above.to_dict() == {"indicator": "pelvic_sway", "result": "positive", "value": 1.3}


def test_explicit_result_wins_over_the_threshold() -> None:
    (finding,) = parse({"indicator": "pelvic_sway", "result": "positive", "value": 1.0})
    assert finding.result == "positive"


def test_test_without_result_stays_undecided() -> None:
    (finding,) = parse({"indicator": "slr", "side": "left", "value": 40})
    assert finding.result is None


def test_even_leg_check() -> None:
    (finding,) = parse({"indicator": "leg_length_prone", "side": "even"})
    assert finding == Finding("leg_length_prone", side="even")
    (finding,) = parse({"indicator": "leg_length_supine", "side": "even", "value": 0})
    assert finding.value == 0


def test_later_repeat_wins() -> None:
    findings = parse(
        {"indicator": "arm_fossa", "result": "positive", "side": "left"},
        {"indicator": "heel_tension", "result": "positive"},
        {"indicator": "arm_fossa", "result": "negative"},
    )
    assert findings == (Finding("heel_tension", result="positive"), Finding("arm_fossa", result="negative"))


def test_fibres_and_cmrt_may_repeat() -> None:
    findings = parse(
        {"indicator": "occipital_fibre", "line": 2, "area": 6, "side": "right"},
        {"indicator": "occipital_fibre", "line": 2, "area": 6, "side": "left"},
        {"indicator": "occipital_fibre", "line": 1, "area": 6, "side": "left"},
        {"indicator": "cmrt", "level": "T4", "organ": "gall bladder"},
        {"indicator": "cmrt", "level": "T4", "organ": "liver"},
        {"indicator": "cmrt", "level": "T5", "organ": "stomach"},
        {"indicator": "occipital_fibre", "line": 2, "area": 6, "side": "right"},  # the same as the first
    )
    assert [f.to_dict() for f in findings] == [
        {"indicator": "occipital_fibre", "side": "left", "line": 2, "area": 6},
        {"indicator": "occipital_fibre", "side": "left", "line": 1, "area": 6},
        {"indicator": "cmrt", "level": "T4", "organ": "gall bladder"},
        {"indicator": "cmrt", "level": "T4", "organ": "liver"},
        {"indicator": "cmrt", "level": "T5", "organ": "stomach"},
        {"indicator": "occipital_fibre", "side": "right", "line": 2, "area": 6},
    ]


def test_accepts_findings_and_tuples(kb: KnowledgeBase) -> None:
    assert parse_findings(({"indicator": "compaction", "result": "positive"},), kb) == (
        Finding("compaction", result="positive"),
    )
    assert parse_findings([], kb) == ()


def test_mirror_findings() -> None:
    findings = parse(
        {"indicator": "leg_length_prone", "side": "left", "value": 3},
        {"indicator": "leg_length_supine", "side": "even"},
        {"indicator": "leg_pain", "result": "positive", "side": "bilateral"},
        {"indicator": "arm_fossa", "result": "positive", "side": "right"},
        {"indicator": "pelvis_locked", "result": "positive"},
    )
    assert [f.side for f in mirror_findings(findings)] == ["right", "even", "bilateral", "left", None]
    assert mirror_findings(mirror_findings(findings)) == findings


BAD = [
    (
        {"indicator": "arm_fossa", "side": "up"},
        "finding 1 (arm_fossa): side 'up' is not allowed (allowed: left, right, bilateral)",
    ),
    (
        {"indicator": "scalene_tender", "side": "bilateral"},
        "finding 1 (scalene_tender): side 'bilateral' is not allowed (allowed: left, right)",
    ),
    (
        {"indicator": "arm_fossa", "side": "even"},
        "finding 1 (arm_fossa): side 'even' is not allowed (allowed: left, right, bilateral)",
    ),
    (
        {"indicator": "leg_length_prone", "side": "bilateral"},
        "finding 1 (leg_length_prone): side 'bilateral' is not allowed (allowed: left, right, even)",
    ),
    (
        {"indicator": "arm_fossa", "side": 1},
        "finding 1 (arm_fossa): side 1 is not allowed (allowed: left, right, bilateral)",
    ),
    (
        {"indicator": "pelvis_locked", "side": "left"},
        "finding 1 (pelvis_locked): side is not recorded for this indicator",
    ),
    ({"indicator": "pelvic_sway", "value": 99}, "finding 1 (pelvic_sway): value 99 is outside 0–10 cm"),
    ({"indicator": "pelvic_sway", "value": -0.5}, "finding 1 (pelvic_sway): value -0.5 is outside 0–10 cm"),
    ({"indicator": "slr", "value": 150}, "finding 1 (slr): value 150 is outside 0–120 degrees"),
    (
        {"indicator": "leg_length_prone", "side": "left", "value": 51},
        "finding 1 (leg_length_prone): value 51 is outside 0–50 mm",
    ),
    (
        {"indicator": "leg_length_prone", "side": "even", "value": 6},
        "finding 1 (leg_length_prone): side 'even' cannot have a value of 6 mm",
    ),
    ({"indicator": "pelvic_sway", "value": "1.8"}, "finding 1 (pelvic_sway): value '1.8' is not a number"),
    ({"indicator": "pelvic_sway", "value": True}, "finding 1 (pelvic_sway): value True is not a number"),
    (
        {"indicator": "pelvic_sway", "value": float("nan")},
        "finding 1 (pelvic_sway): value nan is not a number",
    ),
    (
        {"indicator": "pelvic_sway", "value": float("inf")},
        "finding 1 (pelvic_sway): value inf is not a number",
    ),
    (
        {"indicator": "arm_fossa", "value": 3},
        "finding 1 (arm_fossa): value is not recorded for this indicator",
    ),
    (
        {"indicator": "arm_fossa", "result": "yes"},
        "finding 1 (arm_fossa): result 'yes' must be positive or negative",
    ),
    (
        {"indicator": "arm_fossa", "result": "Positive"},
        "finding 1 (arm_fossa): result 'Positive' must be positive or negative",
    ),
    (
        {"indicator": "arm_fossa", "result": True},
        "finding 1 (arm_fossa): result True must be positive or negative",
    ),
    (
        {"indicator": "leg_length_prone", "result": "positive"},
        "finding 1 (leg_length_prone): result is not recorded for this indicator",
    ),
    (
        {"indicator": "cmrt", "result": "positive"},
        "finding 1 (cmrt): result is not recorded for this indicator",
    ),
    (
        {"indicator": "cmrt", "level": "T13"},
        "finding 1 (cmrt): level 'T13' is not a vertebral level (C1–C7, T1–T12, L1–L5, S)",
    ),
    (
        {"indicator": "cmrt", "level": "t8"},
        "finding 1 (cmrt): level 't8' is not a vertebral level (C1–C7, T1–T12, L1–L5, S)",
    ),
    (
        {"indicator": "cmrt", "level": 8},
        "finding 1 (cmrt): level 8 is not a vertebral level (C1–C7, T1–T12, L1–L5, S)",
    ),
    (
        {"indicator": "arm_fossa", "level": "L5"},
        "finding 1 (arm_fossa): level is not recorded for this indicator",
    ),
    ({"indicator": "occipital_fibre", "line": 4}, "finding 1 (occipital_fibre): line 4 is not 1–3"),
    ({"indicator": "occipital_fibre", "line": 0}, "finding 1 (occipital_fibre): line 0 is not 1–3"),
    ({"indicator": "occipital_fibre", "line": "2"}, "finding 1 (occipital_fibre): line '2' is not 1–3"),
    ({"indicator": "occipital_fibre", "area": 8}, "finding 1 (occipital_fibre): area 8 is not 1–7"),
    ({"indicator": "occipital_fibre", "area": 2.5}, "finding 1 (occipital_fibre): area 2.5 is not 1–7"),
    (
        {"indicator": "trapezius_fibre", "line": 1},
        "finding 1 (trapezius_fibre): line is not recorded for this indicator",
    ),
    ({"indicator": "arm_fossa", "area": 1}, "finding 1 (arm_fossa): area is not recorded for this indicator"),
    (
        {"indicator": "arm_fossa", "organ": "liver"},
        "finding 1 (arm_fossa): organ is not recorded for this indicator",
    ),
    ({"indicator": "cmrt", "organ": "  "}, "finding 1 (cmrt): organ must be a non-empty string"),
    ({"indicator": "cmrt", "organ": "x" * 101}, "finding 1 (cmrt): organ is longer than 100 characters"),
    ({"indicator": "arm_fossa", "sidee": "left"}, "finding 1 (arm_fossa): unknown field 'sidee'"),
    ({"indicator": "foo"}, "finding 1 (foo): unknown indicator 'foo'"),
    ({"indicator": 3}, "finding 1: indicator must be a string, got a number"),
    ({"side": "left"}, 'finding 1: "indicator" is missing'),
]


@pytest.mark.parametrize(("raw", "message"), BAD, ids=[m.split(": ", 1)[1] for _, m in BAD])
def test_invalid_finding(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_findings([raw])
    assert str(caught.value) == message


def test_error_names_the_position() -> None:
    with pytest.raises(ValueError) as caught:
        parse(
            {"indicator": "heel_tension", "result": "positive"},
            {"indicator": "pelvic_sway", "value": 99},
        )
    assert str(caught.value) == "finding 2 (pelvic_sway): value 99 is outside 0–10 cm"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("arm_fossa", "findings must be a list of objects, got a string"),
        ({"indicator": "arm_fossa"}, "findings must be a list of objects, got an object"),
        (None, "findings must be a list of objects, got null"),
        (["arm_fossa"], 'finding 1: expected an object with an "indicator" key, got a string'),
        ([[1]], 'finding 1: expected an object with an "indicator" key, got a list'),
    ],
)
def test_invalid_findings_list(raw: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_findings(raw)
    assert str(caught.value) == message
