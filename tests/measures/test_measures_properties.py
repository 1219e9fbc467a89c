"""Properties of the scoring engine for every instrument (Hypothesis).

* every score stays in its declared range;
* a worse answer to one item never gives a better score, risk group or band (direction-aware);
* the order of the answers in the mapping never matters;
* the CSV text of a score (exact integers) equals ``format_value`` of the Score's float.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sotclinic.measures import Instrument, ScoringError, default_instruments, format_value, score
from sotclinic.measures.scoring import exact_scores, format_exact, plan_for

INSTRUMENTS = default_instruments()
CODES = sorted(INSTRUMENTS)
PROPS = settings(max_examples=150, deadline=None)

Answers = dict[str, int | None]


@st.composite
def answered(draw: st.DrawFn, code: str | None = None) -> tuple[Instrument, Answers]:
    """An instrument and answers it can score: allowed values, blanks within its missing-item rule."""
    inst = INSTRUMENTS[code or draw(st.sampled_from(CODES))]
    answers: Answers = {c: draw(st.sampled_from(item.responses.values)) for c, item in inst.items.items()}
    may_blank = len(inst.items) - inst.missing.min_answered
    if may_blank:
        for c in draw(st.lists(st.sampled_from(inst.item_codes), max_size=may_blank, unique=True)):
            answers[c] = None
    try:
        score(inst, answers)
    except ScoringError:
        assume(False)  # a per-subscale limit (jfls20)
    return inst, answers


def values(s: Any, inst: Instrument) -> dict[str, float | None]:
    return {code: s.value(code) for code in inst.scores}


@PROPS
@given(answered())
def test_scores_stay_in_the_declared_range(case: tuple[Instrument, Answers]) -> None:
    inst, answers = case
    s = score(inst, answers)
    for code, sdef in inst.scores.items():
        value = s.value(code)
        if value is not None:
            assert sdef.min <= value <= sdef.max, (code, value)
    assert s.answered == sum(v is not None for v in answers.values())


@PROPS
@given(answered(), st.data())
def test_a_worse_answer_never_gives_a_better_score(
    case: tuple[Instrument, Answers], data: st.DataObject
) -> None:
    inst, answers = case
    item_code = data.draw(st.sampled_from([c for c, v in answers.items() if v is not None]))
    item = inst.items[item_code]
    points = item.points()  # reversal applied: the points an answer adds to the scores
    a, b = data.draw(st.lists(st.sampled_from(item.responses.values), min_size=2, max_size=2, unique=True))
    # the worse answer: more points on a higher-worse instrument, fewer on a higher-better one (psfs)
    higher_worse = inst.direction == "higher_worse"
    worse, better = (a, b) if (points[a] > points[b]) == higher_worse else (b, a)
    if points[a] == points[b]:
        worse, better = a, b  # equal points (startback q9 0–2): the scores must be equal
    w, g = score(inst, {**answers, item_code: worse}), score(inst, {**answers, item_code: better})

    def not_better(vw: float, vg: float) -> bool:
        return vw >= vg if higher_worse else vw <= vg

    for code in inst.scores:
        vw, vg = w.value(code), g.value(code)
        if vw is not None and vg is not None:
            assert not_better(vw, vg), (item_code, worse, better, code, vw, vg)
            if points[a] == points[b]:
                assert vw == vg
    if inst.risk is not None:
        assert inst.risk.levels.index(w.risk) >= inst.risk.levels.index(g.risk)  # type: ignore[arg-type]
    if inst.bands is not None and w.band and g.band:
        order = [band.code for band in inst.bands.levels]  # bands run with the score
        assert not_better(order.index(w.band), order.index(g.band))


@PROPS
@given(answered(), st.randoms(use_true_random=False))
def test_the_order_of_the_answers_never_matters(case: tuple[Instrument, Answers], rnd: Any) -> None:
    inst, answers = case
    items = list(answers.items())
    rnd.shuffle(items)
    assert score(inst, dict(items)) == score(inst, answers)
    assert score(inst, {k: v for k, v in items if v is not None}) == score(inst, answers)


@PROPS
@given(answered())
def test_csv_text_equals_the_rounded_float(case: tuple[Instrument, Answers]) -> None:
    inst, answers = case
    s = score(inst, answers)
    plan = plan_for(inst)
    exact, _ = exact_scores(plan, [answers[c] for c in plan.codes])
    for code, sdef in inst.scores.items():
        assert format_exact(exact[code], sdef.decimal) == format_value(s.value(code), sdef.decimal), code


def test_format_exact_rounds_half_to_even() -> None:
    assert [format_exact((n, 8), True) for n in (1, 3, 5, 7, 9)] == ["0.12", "0.38", "0.62", "0.88", "1.12"]
    assert [format_value(n / 8, True) for n in (1, 3, 5, 7, 9)] == ["0.12", "0.38", "0.62", "0.88", "1.12"]
    assert format_exact((1600, 45), True) == "35.56"
    assert format_exact((2, 3), True) == "0.67"
    assert format_exact((16, 1), False) == "16"
    assert format_exact(None, True) == format_value(None, True) == ""
