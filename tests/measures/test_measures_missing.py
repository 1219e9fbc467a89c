"""Each instrument's missing-item rule at its edge: exactly at the threshold, and one answer short of it."""

from __future__ import annotations

import pytest

from sotclinic.measures import ScoringError, score


def qs(values: list[int | None]) -> dict[str, int | None]:
    return {f"q{i}": v for i, v in enumerate(values, 1)}


def blanks(n_items: int, missing: list[int], fill: int = 1) -> dict[str, int | None]:
    """n_items answers of ``fill``, with the (1-based) items in ``missing`` left blank."""
    return qs([None if i in missing else fill for i in range(1, n_items + 1)])


# ---- thresholds stated as "scored when at least N answered" --------------------------------------------


@pytest.mark.parametrize(
    ("code", "n_items", "min_answered"),
    [
        ("odi", 10, 8),  # Fairbank & Pynsent 2000: each missing section removes 5 from the denominator
        ("ndi", 10, 8),  # Vernon: sum × 10 / answered, at least 8
        ("rmdq", 24, 22),  # at least 22 answered, missing counted 0
        ("pgq", 25, 20),  # Stuge: blanks are not applicable, at least 20 answered
        ("jfls8", 8, 6),  # at least 6 answered (DC/TMD manual, to be confirmed)
        ("psfs", 5, 3),  # at least 3 activities rated
    ],
)
def test_scored_at_the_threshold_and_refused_one_below(code: str, n_items: int, min_answered: int) -> None:
    at_threshold = blanks(n_items, list(range(min_answered + 1, n_items + 1)))
    s = score(code, at_threshold)
    assert s.answered == min_answered

    one_below = blanks(n_items, list(range(min_answered, n_items + 1)))
    with pytest.raises(ScoringError) as exc:
        score(code, one_below)
    assert str(exc.value) == (
        f"too many missing answers: {min_answered - 1} of {n_items} items answered, at least {min_answered} needed"
    )


def test_missing_answers_may_also_be_absent_keys() -> None:
    assert score("odi", {f"q{i}": 1 for i in range(1, 9)}).percent == 20.0  # 8 / (5 × 8) × 100
    assert score("odi", {f"q{i}": 1 for i in range(1, 9)}) == score("odi", {**blanks(10, [9, 10])})


def test_rmdq_missing_counts_zero_at_the_threshold() -> None:
    s = score("rmdq", blanks(24, [23, 24]))  # 22 ticked, 2 blank
    assert (s.total, s.answered) == (22, 22)


def test_ndi_at_the_threshold_prorates() -> None:
    s = score("ndi", blanks(10, [9, 10], fill=3))  # 24 over 8 answered: 24 × 10 / 8 = 30
    assert (s.total, s.percent) == (30.0, 60.0)


# ---- JFLS-20: per subscale, at most one missing in mastication and mobility, two in communication ---------


@pytest.mark.parametrize(
    ("missing", "error"),
    [
        ([1], None),
        ([1, 2], "mastication: 2 of 6 items missing, at most 1 allowed"),
        ([7], None),
        ([7, 8], "mobility: 2 of 4 items missing, at most 1 allowed"),
        ([11, 12], None),
        ([11, 12, 20], "communication: 3 of 10 items missing, at most 2 allowed"),
        ([6, 10, 19, 20], None),  # every subscale at its limit
    ],
)
def test_jfls20_subscale_limits(missing: list[int], error: str | None) -> None:
    answers = blanks(20, missing, fill=2)
    if error is None:
        s = score("jfls20", answers)
        assert s.total == 2.0 and s.answered == 20 - len(missing)
    else:
        with pytest.raises(ScoringError) as exc:
            score("jfls20", answers)
        assert str(exc.value) == error


# ---- no missing answer allowed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "n_items", "fill"),
    [
        ("nprs", 1, 3),
        ("bq_back", 7, 3),
        ("bq_neck", 7, 3),
        ("hit6", 6, 8),
        ("pss10", 10, 2),
        ("pgic", 1, 4),
        ("startback", 9, 1),
        ("ibs_sss", 5, 50),
    ],
)
def test_every_item_required(code: str, n_items: int, fill: int) -> None:
    assert score(code, blanks(n_items, [], fill=fill)).answered == n_items
    with pytest.raises(ScoringError) as exc:
        score(code, blanks(n_items, [n_items], fill=fill))
    assert str(exc.value) == f"missing answer q{n_items} (every item must be answered)"


def test_every_missing_item_is_named() -> None:
    with pytest.raises(ScoringError) as exc:
        score("bq_back", {"q1": 1, "q3": 2, "q4": 3, "q5": 4, "q6": None})
    assert str(exc.value) == "missing answers q2, q6, q7 (every item must be answered)"
    assert exc.value.problems == ("missing answers q2, q6, q7 (every item must be answered)",)


# ---- answers that are not allowed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers", "message"),
    [
        ("nprs", {"q1": 11}, "q1: 11 is out of range (0–10)"),
        ("nprs", {"q1": -1}, "q1: -1 is out of range (0–10)"),
        ("nprs", {"q1": 2.5}, "q1: 2.5 is not an allowed answer (allowed: whole numbers 0–10)"),
        ("nprs", {"q1": float("nan")}, "q1: nan is out of range (0–10)"),
        ("nprs", {"q1": True}, "q1: True is not a number"),
        ("nprs", {"q1": "3"}, "q1: '3' is not a number"),
        ("odi", {"q11": 1}, "unknown item 'q11' (odi has q1–q10)"),
        ("nprs", {"Q1": 1}, "unknown item 'Q1' (nprs has q1)"),
        ("rmdq", {"q1": 2}, "q1: 2 is not an allowed answer (allowed: 0, 1)"),
        ("pgic", {"q1": 0}, "q1: 0 is not an allowed answer (allowed: 1, 2, 3, 4, 5, 6, 7)"),
        ("startback", {"q9": 5}, "q9: 5 is not an allowed answer (allowed: 0, 1, 2, 3, 4)"),
    ],
)
def test_refused_answers(code: str, answers: dict[str, object], message: str) -> None:
    with pytest.raises(ScoringError) as exc:
        score(code, answers)  # type: ignore[arg-type]
    assert str(exc.value) == message
    assert isinstance(exc.value, ValueError)


def test_every_bad_answer_is_named() -> None:
    with pytest.raises(ScoringError) as exc:
        score("odi", {**blanks(10, []), "q2": 6, "q7": -1})
    assert exc.value.problems == (
        "q2: 6 is not an allowed answer (allowed: 0, 1, 2, 3, 4, 5)",
        "q7: -1 is not an allowed answer (allowed: 0, 1, 2, 3, 4, 5)",
    )


def test_whole_number_floats_are_accepted() -> None:
    assert score("odi", {f"q{i}": 2.0 for i in range(1, 11)}).total == 20


def test_unknown_instrument() -> None:
    from sotclinic.measures import UnknownInstrumentError

    with pytest.raises(UnknownInstrumentError, match=r"^unknown instrument 'oswestry' \(known: bq_back, "):
        score("oswestry", {})
