"""Property tests of evaluate() (Hypothesis): monotonic in "yes" answers, order-free, self-consistent."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sotclinic.safety import URGENCIES, Screening, evaluate, load_rules

RULES = load_rules()
PATIENT = [q.code for q in RULES.questions_for("patient")]
CLINICIAN = [q.code for q in RULES.questions_for("clinician")]
YES_NO = [q.code for q in RULES.questions.values() if q.answer == "yes_no"]
PROPS = settings(max_examples=120, deadline=None)
RANK = {u: i for i, u in enumerate(URGENCIES)}  # 0 = emergency, the most urgent


def answer(code: str) -> st.SearchStrategy[Any]:
    """Any valid answer to ``code``, or None (unanswered)."""
    question = RULES.questions[code]
    if question.answer == "yes_no":
        return st.sampled_from([True, False, None])
    assert question.min is not None and question.max is not None
    lo, hi = int(question.min), int(question.max)
    return st.one_of(st.none(), st.sampled_from([lo, hi]), st.integers(lo, hi))


def answers(codes: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Answers to any subset of ``codes``."""
    return st.fixed_dictionaries({}, optional={code: answer(code) for code in codes})


def rank(screening: Screening) -> int:
    return len(URGENCIES) if screening.highest is None else RANK[screening.highest]


@PROPS
@given(intake=answers(PATIENT), findings=answers(CLINICIAN), extra=st.sampled_from(YES_NO))
def test_another_yes_never_lowers_the_screening(
    intake: dict[str, Any], findings: dict[str, Any], extra: str
) -> None:
    before = evaluate(intake, findings)
    if extra in PATIENT:
        intake = {**intake, extra: True}
    else:
        findings = {**findings, extra: True}
    after = evaluate(intake, findings)
    assert set(before.codes) <= set(after.codes)
    assert rank(after) <= rank(before)
    assert before.contraindicated <= after.contraindicated
    assert after.blocks_treatment or not before.blocks_treatment


@PROPS
@given(
    intake=answers(PATIENT),
    findings=answers(CLINICIAN),
    seed=st.randoms(use_true_random=False),
)
def test_order_of_answers_never_matters(intake: dict[str, Any], findings: dict[str, Any], seed: Any) -> None:
    items_i, items_f = list(intake.items()), list(findings.items())
    seed.shuffle(items_i)
    seed.shuffle(items_f)
    assert evaluate(dict(items_i), dict(items_f)) == evaluate(intake, findings)


@PROPS
@given(intake=answers(PATIENT), findings=answers(CLINICIAN))
def test_screening_is_consistent(intake: dict[str, Any], findings: dict[str, Any]) -> None:
    screening = evaluate(intake, findings)
    ranks = [RANK[f.urgency] for f in screening.raised]
    assert ranks == sorted(ranks)
    catalogue = list(RULES.flags)
    for a, b in zip(screening.raised, screening.raised[1:], strict=False):
        if a.urgency == b.urgency:
            assert catalogue.index(a.code) < catalogue.index(b.code)
    assert screening.highest == (screening.raised[0].urgency if screening.raised else None)
    assert screening.blocks_treatment == any(f.urgency in ("emergency", "urgent") for f in screening.raised)
    assert screening.contraindicated == frozenset(t for f in screening.raised for t in f.contraindicates)
    for flag in screening.raised:
        assert flag.because, flag.code
        for code, value in flag.because:
            assert value is not False
            assert (intake | findings)[code] == value
    for code in screening.unanswered:
        assert code in PATIENT and intake.get(code) is None
    assert json.loads(json.dumps(screening.to_dict())) == screening.to_dict()
    assert evaluate(intake, findings) == screening
