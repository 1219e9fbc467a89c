"""change(): absolute and percentage change, direction-aware status against the MCID, and its sources."""

from __future__ import annotations

import dataclasses

import pytest

from sotclinic.measures import PERCENT_SOURCE, Score, change, score


def qs(*values: int | None) -> dict[str, int | None]:
    return {f"q{i}": v for i, v in enumerate(values, 1)}


def odi(total: int) -> Score:
    """An ODI with every section answered summing to ``total`` (percent = total × 2)."""
    answers = [5] * (total // 5) + ([total % 5] if total % 5 else [])
    return score("odi", qs(*answers, *[0] * (10 - len(answers))))


def test_odi_improved_beyond_the_mcid() -> None:
    # 32 % -> 12 %: 20 points better (MCID 10, Ostelo 2008); 20 / 32 = 62.5 % better: substantial (≥ 50 %)
    c = change("odi", odi(16), odi(6))
    assert (c.score, c.baseline, c.latest) == ("percent", 32, 12)
    assert (c.absolute, c.improvement) == (-20, 20)
    assert (c.percent, c.percent_improvement, c.percent_class) == (-62.5, 62.5, "substantial")
    assert c.status == "improved"
    assert (c.mcid_available, c.mcid, c.mcid_percent) == (True, 10, 30)
    assert c.mcid_source == "Ostelo 2008, Spine 33:90"
    assert c.percent_source == PERCENT_SOURCE
    assert "IMMPACT 2008" in c.percent_source
    assert (c.baseline_band, c.baseline_band_label) == ("moderate", "moderate disability (21–40%)")
    assert c.direction == "higher_worse"
    assert not c.rules_versions_differ


def test_exactly_the_mcid_is_improved() -> None:
    c = change("odi", odi(20), odi(15))  # 40 % -> 30 %: exactly 10 points
    assert (c.improvement, c.status) == (10, "improved")
    assert (c.percent_improvement, c.percent_class) == (25.0, "below_moderate")


def test_under_the_mcid_is_no_reliable_change() -> None:
    c = change("odi", odi(20), odi(16))  # 40 % -> 32 %: 8 points and 20 %, under 10 points and 30 %
    assert c.status == "no_reliable_change"


def test_the_percentage_alternative_counts() -> None:
    # NPRS 3 -> 2: 1 point (under 2) but 33 % of the baseline (≥ 30 %): "2 points or 30%" (Ostelo 2008)
    c = change("nprs", score("nprs", {"q1": 3}), score("nprs", {"q1": 2}))
    assert c.status == "improved"
    assert c.percent_class == "moderate"


def test_worse_beyond_the_mcid_in_points() -> None:
    two, three, four = (score("nprs", {"q1": v}) for v in (2, 3, 4))
    assert change("nprs", two, four).status == "worse"  # 2 points worse
    # 1 point worse (+50 %): the percentage alternative is for improvement only
    assert change("nprs", two, three).status == "no_reliable_change"
    assert change("nprs", two, three).percent_class == "below_moderate"


def test_percent_classes() -> None:
    ten = score("nprs", {"q1": 10})
    assert change("nprs", ten, score("nprs", {"q1": 5})).percent_class == "substantial"  # 50 %
    assert change("nprs", ten, score("nprs", {"q1": 7})).percent_class == "moderate"  # 30 %
    assert change("nprs", ten, score("nprs", {"q1": 8})).percent_class == "below_moderate"  # 20 %


def test_no_percentage_from_a_zero_baseline() -> None:
    c = change("nprs", score("nprs", {"q1": 0}), score("nprs", {"q1": 4}))
    assert (c.percent, c.percent_class, c.status) == (None, None, "worse")


def test_higher_is_better_psfs() -> None:
    # PSFS 3 -> 5: 2 points better, reaching the default threshold of 2 (the MDC, Abbott & Schmitt 2014)
    three, four, five = (score("psfs", qs(v, v, v)) for v in (3, 4, 5))
    c = change("psfs", three, five)
    assert (c.absolute, c.improvement, c.status, c.direction) == (2, 2, "improved", "higher_better")
    assert c.percent_improvement == pytest.approx(200 / 3)
    assert (c.mcid, c.mcid_context) == (2, "mdc")
    assert change("psfs", three, four).status == "no_reliable_change"  # 1 point
    assert change("psfs", three, four, context="small").status == "no_reliable_change"  # 1 < 1.3
    assert change("psfs", five, three).status == "worse"
    assert change("psfs", three, five, context="large").status == "no_reliable_change"  # 2 < 2.7


def test_mcid_not_found_goes_by_direction_only() -> None:
    low, high = score("pss10", qs(*[0] * 10)), score("pss10", qs(*[4] * 10))  # 16, 24
    c = change("pss10", high, low)
    assert (c.status, c.mcid_available, c.mcid, c.mcid_source) == ("improved", False, None, "not found")
    assert change("pss10", low, high).status == "worse"
    assert change("pss10", low, low).status == "no_reliable_change"


def test_stratification_tool_has_no_mcid() -> None:
    a = score("startback", qs(1, 1, 1, 1, 1, 1, 1, 1, 4))
    b = score("startback", qs(1, 1, 0, 0, 0, 0, 0, 0, 0))
    c = change("startback", a, b)
    assert (c.status, c.mcid_available, c.mcid_source) == ("improved", False, "stratification tool, no MCID")


def test_bournemouth_contexts() -> None:
    base = score("bq_back", qs(10, 10, 10, 10, 10, 10, 10))  # 70
    later = score("bq_back", qs(10, 10, 10, 10, 2, 2, 6))  # 50: 20 points better
    acute = change("bq_back", base, later)
    assert (acute.mcid, acute.mcid_context, acute.status) == (26, "acute", "no_reliable_change")
    chronic = change("bq_back", base, later, context="subacute_chronic")
    assert (chronic.mcid, chronic.status) == (18, "improved")
    with pytest.raises(ValueError, match="no MCID for 'total' in context 'chronic'"):
        change("bq_back", base, later, context="chronic")
    neck = change("bq_neck", score("bq_neck", qs(*[5] * 7)), score("bq_neck", qs(*[1] * 7)))
    assert (neck.mcid_available, neck.mcid_source) == (False, "not found for the English version")


def test_hit6_has_no_percentage_and_a_stricter_default() -> None:
    base = score("hit6", qs(13, 13, 11, 11, 10, 10))  # 68
    later = score("hit6", qs(11, 11, 11, 10, 10, 10))  # 63: 5 better
    c = change("hit6", base, later)
    assert (c.improvement, c.percent, c.percent_class) == (5, None, None)  # the scale starts at 36
    assert (c.mcid, c.status) == (6, "no_reliable_change")
    assert change("hit6", base, later, context="lower").status == "improved"  # 2.5
    assert c.baseline_band == "severe"


def test_pgq_subscales_have_their_own_mcid() -> None:
    base = score("pgq", qs(*[3] * 20, *[3] * 5))
    later = score("pgq", qs(*[2] * 20, *[1] * 5))
    assert change("pgq", base, later).mcid == 25  # the primary score: percent
    symptom = change("pgq", base, later, score="symptom")
    assert (symptom.score, symptom.mcid, symptom.improvement) == ("symptom", 20, pytest.approx(200 / 3))


def test_exact_arithmetic_at_the_mcid() -> None:
    # PGQ, 20 answered: 25 of 60 -> 41.67 %, then 10 of 60 -> 16.67 %: exactly 25 points, the MCID
    base = score("pgq", qs(*[2] * 5, *[1] * 15, *[None] * 5))  # 10 + 15 = 25 of 60
    later = score("pgq", qs(*[1] * 10, *[0] * 10, *[None] * 5))  # 10 of 60
    assert base.percent is not None and later.percent is not None
    assert base.percent - later.percent < 25  # in floating point the difference falls short …
    c = change("pgq", base, later)
    assert (c.improvement, c.status) == (25, "improved")  # … but the change is computed exactly


def test_stored_rounded_scores_compare_exactly() -> None:
    s = score("odi", qs(*[2] * 9, None))
    base, later = dataclasses.replace(s, percent=22.22), dataclasses.replace(s, percent=12.22)
    assert change("odi", base, later).improvement == 10


def test_rmdq_recovered() -> None:
    base = score("rmdq", qs(*[1] * 12, *[0] * 12))
    assert change("rmdq", base, score("rmdq", qs(*[1] * 2, *[0] * 22))).recovered is True  # ≤ 2 (Kamper 2010)
    assert change("rmdq", base, score("rmdq", qs(*[1] * 3, *[0] * 21))).recovered is False
    assert change("odi", odi(10), odi(5)).recovered is None


def test_pgic_rates_change_itself() -> None:
    a, b = score("pgic", {"q1": 4}), score("pgic", {"q1": 2})
    with pytest.raises(ValueError, match=r"pgic rates change itself: compare nothing, read Score.responder"):
        change("pgic", a, b)
    assert b.responder is True


def test_scores_of_another_instrument_are_refused() -> None:
    with pytest.raises(ValueError, match="the baseline score is a nprs score, not odi"):
        change("odi", score("nprs", {"q1": 1}), odi(3))


def test_unknown_score() -> None:
    with pytest.raises(ValueError, match=r"odi has no score 'activity' \(scores: total, percent\)"):
        change("odi", odi(3), odi(4), score="activity")


def test_a_missing_subscale_value() -> None:
    base = score("pgq", qs(*[1] * 20, *[None] * 5))
    with pytest.raises(ValueError, match="pgq: the baseline score has no symptom"):
        change("pgq", base, base, score="symptom")


def test_rules_versions_differ() -> None:
    a = odi(20)
    assert change("odi", a, dataclasses.replace(a, rules_version="2027.1")).rules_versions_differ
