"""Evaluate the red-flag rules on a patient's answers and the clinician's findings (pure, deterministic)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sotclinic.safety.rules import (
    CONTRAINDICATION_TERMS,
    OPS,
    URGENCIES,
    Answer,
    AnyOf,
    Comparison,
    Condition,
    Question,
    RedFlag,
    RedFlagRules,
    Urgency,
    default_rules,
)

__all__ = ["RaisedFlag", "Screening", "age_years", "evaluate", "questions_for"]

#: the urgencies that stop treatment until the practitioner records a decision
BLOCKING_URGENCIES: frozenset[str] = frozenset({"emergency", "urgent"})
_RANK = {u: i for i, u in enumerate(URGENCIES)}


@dataclass(frozen=True)
class RaisedFlag:
    code: str
    name: str
    urgency: Urgency
    why: str
    action: str
    #: caution flags: the change to make and record; None otherwise
    modification: str | None
    #: the terms it rules out, in vocabulary order (empty for caution flags)
    contraindicates: tuple[str, ...]
    source: str
    #: (question code, answer) pairs that made its condition hold, in the order the condition names them
    because: tuple[tuple[str, Answer], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "urgency": self.urgency,
            "why": self.why,
            "action": self.action,
            "modification": self.modification,
            "contraindicates": list(self.contraindicates),
            "source": self.source,
            "because": [{"question": q, "answer": a} for q, a in self.because],
        }


@dataclass(frozen=True)
class Screening:
    #: most urgent first, then catalogue order
    raised: tuple[RaisedFlag, ...]
    highest: Urgency | None
    #: every term a raised flag rules out
    contraindicated: frozenset[str]
    #: patient questions with no answer (follow-ups only when their ask_if holds), in display order
    unanswered: tuple[str, ...]
    #: True when an emergency or urgent flag is raised: no treatment until a decision is recorded
    blocks_treatment: bool
    rules_version: str

    @property
    def codes(self) -> tuple[str, ...]:
        """The raised flag codes, in order."""
        return tuple(f.code for f in self.raised)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists, not tuples or sets; contraindications in vocabulary order)."""
        return {
            "rules_version": self.rules_version,
            "highest": self.highest,
            "blocks_treatment": self.blocks_treatment,
            "contraindicated": [t for t in CONTRAINDICATION_TERMS if t in self.contraindicated],
            "unanswered": list(self.unanswered),
            "raised": [f.to_dict() for f in self.raised],
        }


# --------------------------------------------------------------------------------------------------------
# answers


def _show(value: object) -> str:
    if isinstance(value, str | bool) or value is None:
        return repr(value)
    return f"{type(value).__name__} {value!r}"


def _answer(question: Question, value: object, where: str) -> Answer | None:
    """Validate one answer; None means unanswered."""
    at = f"{where} {question.code!r}"
    if value is None:
        return None
    if question.answer == "yes_no":
        if not isinstance(value, bool):
            raise ValueError(f"{at}: a yes_no answer must be true, false or None, got {_show(value)}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{at}: the answer must be a number or None, got {_show(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{at}: the answer must be a finite number, got {value!r}")
    assert question.min is not None and question.max is not None
    if question.integer:
        if value != int(value):
            raise ValueError(f"{at}: the answer must be a whole number, got {value!r}")
        value = int(value)
    if not question.min <= value <= question.max:
        raise ValueError(f"{at}: the answer must be between {question.min} and {question.max}, got {value!r}")
    return value


def _answers(raw: Mapping[str, Any] | None, who: str, rules: RedFlagRules, out: dict[str, Answer]) -> None:
    if raw is None:
        return
    where = "intake" if who == "patient" else "findings"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a mapping of question codes to answers, got {type(raw).__name__}")
    for code, value in raw.items():
        if not isinstance(code, str):
            raise ValueError(f"{where}: question codes must be strings, got {code!r}")
        question = rules.questions.get(code)
        if question is None:
            raise ValueError(f"{where}: unknown question {code!r}")
        if question.who != who:
            if who == "patient":
                raise ValueError(f"intake: {code!r} is a clinician finding: pass it in findings")
            raise ValueError(f"findings: {code!r} is a patient question: pass it in intake")
        answer = _answer(question, value, where)
        if answer is not None:
            out[code] = answer


# --------------------------------------------------------------------------------------------------------
# conditions


def holds(condition: Condition, answers: Mapping[str, Answer]) -> tuple[bool, tuple[tuple[str, Answer], ...]]:
    """Whether ``condition`` holds for validated ``answers``, and the (question, answer) pairs that made it."""
    if isinstance(condition, Comparison):
        answer = answers.get(condition.question)
        if answer is None:
            return False, ()
        if condition.op is None:
            hit = answer is True
        else:
            assert condition.value is not None
            hit = OPS[condition.op](answer, condition.value)
        return hit, ((condition.question, answer),) if hit else ()
    results = [holds(sub, answers) for sub in condition.conditions]
    hits = [ok for ok, _ in results]
    if not (any(hits) if isinstance(condition, AnyOf) else all(hits)):
        return False, ()
    because: dict[str, Answer] = {}
    for ok, pairs in results:
        if ok:
            because.update((q, a) for q, a in pairs if q not in because)
    return True, tuple(because.items())


def _raised(flag: RedFlag, because: tuple[tuple[str, Answer], ...]) -> RaisedFlag:
    return RaisedFlag(
        code=flag.code,
        name=flag.name,
        urgency=flag.urgency,
        why=flag.why,
        action=flag.action,
        modification=flag.modification,
        contraindicates=flag.contraindicates,
        source=flag.source,
        because=because,
    )


# --------------------------------------------------------------------------------------------------------
# the API


def evaluate(
    intake: Mapping[str, Any],
    findings: Mapping[str, Any] | None = None,
    *,
    rules: RedFlagRules | None = None,
) -> Screening:
    """Screen a patient: ``intake`` maps patient question codes, ``findings`` clinician question codes, to
    answers (True / False for yes_no, a number for number questions, None or absent for unanswered).

    Raises ValueError naming the question and the problem for an unknown code, a question passed on the wrong
    side (a clinician finding in ``intake`` or the reverse), or an answer of the wrong type or out of range.
    """
    rules = rules or default_rules()
    answers: dict[str, Answer] = {}
    _answers(intake, "patient", rules, answers)
    _answers(findings, "clinician", rules, answers)

    raised: list[RaisedFlag] = []
    for flag in rules.flags.values():
        hit, because = holds(flag.when, answers)
        if hit:
            raised.append(_raised(flag, because))
    raised.sort(key=lambda f: _RANK[f.urgency])  # stable: catalogue order within an urgency

    unanswered = tuple(
        q.code
        for q in rules.questions.values()
        if q.who == "patient" and q.code not in answers and (q.ask_if is None or holds(q.ask_if, answers)[0])
    )
    return Screening(
        raised=tuple(raised),
        highest=raised[0].urgency if raised else None,
        contraindicated=frozenset(t for f in raised for t in f.contraindicates),
        unanswered=unanswered,
        blocks_treatment=any(f.urgency in BLOCKING_URGENCIES for f in raised),
        rules_version=rules.version,
    )


def questions_for(who: str, *, rules: RedFlagRules | None = None) -> tuple[Question, ...]:
    """The questions ``who`` ("patient" or "clinician") answers, in display order, for forms to render."""
    return (rules or default_rules()).questions_for(who)


def age_years(date_of_birth: datetime.date, on: datetime.date) -> int:
    """Age in whole years on a date (the answer to the ``age`` question, which has filled_from = date_of_birth)."""
    if on < date_of_birth:
        raise ValueError(f"date {on.isoformat()} is before the date of birth {date_of_birth.isoformat()}")
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday
