"""Red-flag rules: the screening questions and the flags they raise, read from one versioned TOML file.

Pure Python (stdlib ``tomllib`` only, no Django).  ``load_rules()`` reads ``sotclinic/data/safety/red_flags.toml``
(or the file given), validates every entry and returns one frozen :class:`RedFlagRules`.  Any mistake raises
:class:`RedFlagRulesError` naming the file, the entry and the reason, e.g.
``red_flags.toml: flag 'mscc': when, all_of item 2, any_of item 1: unknown question 'pain_sever'``.

File format::

    version = "2026.1"

    [[questions]]                    # display order (forms render them in this order)
    code = "bladder_change"          # stable code: lowercase letters, digits, '_'
    who = "patient"                  # patient (intake form) or clinician (a finding at the visit)
    answer = "yes_no"                # yes_no (true / false) or number
    text = "Have you had ...?"       # patient-facing for patient questions, clinician-facing otherwise

    [[questions]]
    code = "age"
    who = "patient"
    answer = "number"
    unit = "years"                   # number questions: unit, min and max (inclusive) are required
    min = 0
    max = 130
    integer = true                   # optional (default false): only whole numbers
    filled_from = "date_of_birth"    # optional: the form computes it (see ``age_years``) instead of asking
    text = "How old are you?"

    [[questions]]
    code = "pregnancy_week"
    ...
    ask_if = "pregnant"              # optional: a follow-up, asked (and listed as unanswered) only when it holds

    [[flags]]                        # catalogue order
    code = "ces"
    name = "Suspected cauda equina syndrome"
    urgency = "emergency"            # emergency | urgent | caution
    why = "..."                      # what it may mean
    action = "..."                   # what to do
    modification = "..."             # caution flags only (required there): the change to make and record
    contraindicates = ["all"]        # emergency: ["all"]; urgent: at least one term; caution: none
    source = "BASS 2018 ..."
    when.any_of = ["bladder_change", "saddle_numbness", { question = "age", op = ">", value = 55 }]

Condition grammar (``when`` and ``ask_if``; no ``eval``, no negation)::

    condition = "code"                                   # a yes_no question answered yes
              | { question = "code" }                    # the same, as a table
              | { question = "code", op = OP, value = N } # a number question: answer OP N; OP is <, <=, > or >=
              | { any_of = [condition, ...] }            # at least one holds (non-empty list)
              | { all_of = [condition, ...] }            # every one holds (non-empty list)

An unanswered question makes its comparison false.  Because there is no negation and a yes_no question can
only be tested for "yes", answering another question "yes" can never lower a screening: flags are only added.

Contraindication vocabulary (:data:`CONTRAINDICATION_TERMS`): the procedure ``blocking`` and the regions
``cranial``, ``cervical``, ``thoracic``, ``lumbar``, ``pelvis``.  ``all`` stands alone and means every term;
the loaded :class:`RedFlag` holds the expanded terms.  A flag that rules out the pelvis must also rule out
blocking (the blocks act on the pelvis).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, cast

from sotclinic.datafile import (
    CODE,
    At,
    as_tables,
    check_keys,
    get_bool,
    get_code,
    get_number,
    get_str,
    get_text,
    read_toml,
    type_name,
)

__all__ = [
    "ALL",
    "ANSWER_TYPES",
    "CONTRAINDICATION_TERMS",
    "DATA_FILE",
    "FILLED_FROM",
    "OPS",
    "URGENCIES",
    "WHO",
    "AllOf",
    "Answer",
    "AnyOf",
    "Comparison",
    "Condition",
    "Question",
    "RedFlag",
    "RedFlagRules",
    "RedFlagRulesError",
    "Urgency",
    "Who",
    "condition_questions",
    "default_rules",
    "load_rules",
]

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "safety" / "red_flags.toml"

Urgency: TypeAlias = Literal["emergency", "urgent", "caution"]
Who: TypeAlias = Literal["patient", "clinician"]
#: a validated answer: True / False for yes_no questions, an int or float for number questions
Answer: TypeAlias = bool | int | float

#: most urgent first; the gate stops treatment for the first two
URGENCIES: tuple[Urgency, ...] = ("emergency", "urgent", "caution")
WHO: tuple[Who, ...] = ("patient", "clinician")
ANSWER_TYPES: tuple[str, ...] = ("yes_no", "number")
#: what a flag may rule out: one procedure, then the regions from the head down
CONTRAINDICATION_TERMS: tuple[str, ...] = ("blocking", "cranial", "cervical", "thoracic", "lumbar", "pelvis")
#: the shorthand for every term (it must stand alone)
ALL = "all"
FILLED_FROM: tuple[str, ...] = ("date_of_birth",)
OPS: Mapping[str, Callable[[float, float], bool]] = MappingProxyType(
    {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
)

_VERSION = re.compile(r"^\S+$")


class RedFlagRulesError(ValueError):
    """The red-flag file is malformed.  The message names the file, the entry and the reason."""


# --------------------------------------------------------------------------------------------------------
# the dataclasses


@dataclass(frozen=True)
class Comparison:
    """One test of one answer.  ``op is None``: a yes_no question answered yes."""

    question: str
    op: str | None = None
    value: int | float | None = None


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


Condition: TypeAlias = Comparison | AnyOf | AllOf


@dataclass(frozen=True)
class Question:
    code: str
    who: Who
    #: "yes_no" or "number"
    answer: str
    #: patient-facing (who = "patient") or clinician-facing (who = "clinician") text
    text: str
    #: number questions: unit and inclusive range; None for yes_no
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    integer: bool = False
    #: the form computes the answer from this field (only "date_of_birth") instead of asking
    filled_from: str | None = None
    #: a follow-up: asked, and listed as unanswered, only when this holds
    ask_if: Condition | None = None
    #: flag codes whose condition names this question, in catalogue order
    raises: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedFlag:
    code: str
    name: str
    urgency: Urgency
    why: str
    action: str
    #: caution flags: the change to make and record; None for emergency and urgent flags
    modification: str | None
    #: terms of CONTRAINDICATION_TERMS ruled out ("all" expanded), in vocabulary order
    contraindicates: tuple[str, ...]
    source: str
    when: Condition
    #: question codes the condition names, in the order it names them
    questions: tuple[str, ...]


@dataclass(frozen=True)
class RedFlagRules:
    version: str
    #: code -> Question, in display order
    questions: Mapping[str, Question]
    #: code -> RedFlag, in catalogue order
    flags: Mapping[str, RedFlag]
    #: where the rules came from ("red_flags.toml" for the built-in file)
    source: str = field(default="red_flags.toml", compare=False)

    def questions_for(self, who: str) -> tuple[Question, ...]:
        """The questions ``who`` ("patient" or "clinician") answers, in display order."""
        if who not in WHO:
            raise ValueError(f"who {who!r} must be patient or clinician")
        return tuple(q for q in self.questions.values() if q.who == who)


def condition_questions(condition: Condition) -> tuple[str, ...]:
    """The question codes a condition names, in order, each once."""
    if isinstance(condition, Comparison):
        return (condition.question,)
    seen: dict[str, None] = {}
    for sub in condition.conditions:
        seen.update(dict.fromkeys(condition_questions(sub)))
    return tuple(seen)


# --------------------------------------------------------------------------------------------------------
# validation helpers


class _Entry(At):
    """Where a value comes from: file + entry; its errors are RedFlagRulesError."""

    __slots__ = ()
    error_class = RedFlagRulesError


def _num(value: float) -> str:
    """A number for a message: 6 not 6.0."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _choice(table: Mapping[str, Any], key: str, choices: tuple[str, ...], at: _Entry) -> str:
    value = get_str(table, key, at)
    if value not in choices:
        allowed = choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + f" or {choices[-1]}"
        raise at.error(f"{key} {value!r} must be {allowed}")
    return value


# --------------------------------------------------------------------------------------------------------
# entries

_QUESTION_KEYS = {"code", "who", "answer", "text", "unit", "min", "max", "integer", "filled_from", "ask_if"}
_NUMBER_ONLY = ("unit", "min", "max", "integer", "filled_from")
_FLAG_KEYS = {"code", "name", "urgency", "why", "action", "modification", "contraindicates", "source", "when"}


def _question(raw: Mapping[str, Any], at: _Entry) -> Question:
    """A question without ``ask_if`` and ``raises`` (they need the other entries)."""
    check_keys(raw, _QUESTION_KEYS, at)
    code = get_code(raw, "code", at)
    who = cast(Who, _choice(raw, "who", WHO, at))
    answer = _choice(raw, "answer", ANSWER_TYPES, at)
    text = get_text(raw, "text", at)
    if answer == "yes_no":
        for key in _NUMBER_ONLY:
            if key in raw:
                raise at.error(f"{key!r} is only for number questions")
        return Question(code=code, who=who, answer=answer, text=text)
    unit = get_text(raw, "unit", at)
    lo = get_number(raw, "min", at)
    hi = get_number(raw, "max", at)
    if lo >= hi:
        raise at.error(f"'min' ({_num(lo)}) must be less than 'max' ({_num(hi)})")
    integer = get_bool(raw, "integer", at, False)
    if integer and (lo != int(lo) or hi != int(hi)):
        raise at.error("'min' and 'max' of an integer question must be whole numbers")
    filled_from = None
    if "filled_from" in raw:
        filled_from = _choice(raw, "filled_from", FILLED_FROM, at)
    return Question(
        code=code,
        who=who,
        answer=answer,
        text=text,
        unit=unit,
        min=int(lo) if integer else lo,
        max=int(hi) if integer else hi,
        integer=integer,
        filled_from=filled_from,
    )


def _condition(raw: object, questions: Mapping[str, Question], at: _Entry, where: str) -> Condition:
    """Parse one condition; ``where`` says where it is inside the entry, for messages."""
    if isinstance(raw, str):
        raw = {"question": raw}
    if not isinstance(raw, dict):
        raise at.error(f"{where}: a condition is a question code or a table, got {type_name(raw)}")
    kinds = [k for k in ("question", "any_of", "all_of") if k in raw]
    if len(kinds) != 1:
        raise at.error(f"{where}: a condition needs exactly one of 'question', 'any_of' or 'all_of'")
    kind = kinds[0]
    if kind == "question":
        check_keys(raw, {"question", "op", "value"}, at, prefix=f"{where}: ")
        code = raw["question"]
        if not isinstance(code, str):
            raise at.error(f"{where}: 'question' must be a string, got {type_name(code)}")
        if code not in questions:
            raise at.error(f"{where}: unknown question {code!r}")
        question = questions[code]
        if question.answer == "yes_no":
            if "op" in raw or "value" in raw:
                raise at.error(
                    f"{where}: {code!r} is a yes_no question: name it alone (it holds when answered yes)"
                )
            return Comparison(code)
        if "op" not in raw or "value" not in raw:
            raise at.error(f"{where}: {code!r} is a number question: give 'op' and 'value'")
        op = raw["op"]
        if not isinstance(op, str) or op not in OPS:
            raise at.error(f"{where}: op {op!r} must be one of {', '.join(OPS)}")
        value = get_number(raw, "value", at, prefix=f"{where}: ")
        assert question.min is not None and question.max is not None
        if not question.min <= value <= question.max:
            raise at.error(
                f"{where}: value {_num(value)} is outside the answers to {code!r} "
                f"({_num(question.min)} to {_num(question.max)})"
            )
        return Comparison(code, op, value)
    check_keys(raw, {kind}, at, prefix=f"{where}: ")
    items = raw[kind]
    if not isinstance(items, list) or not items:
        raise at.error(f"{where}: {kind} must be a non-empty list of conditions")
    parts = tuple(
        _condition(item, questions, at, f"{where}, {kind} item {i}") for i, item in enumerate(items, 1)
    )
    return AnyOf(parts) if kind == "any_of" else AllOf(parts)


def _contraindicates(raw: Mapping[str, Any], urgency: str, at: _Entry) -> tuple[str, ...]:
    value = raw.get("contraindicates", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise at.error("'contraindicates' must be a list of strings")
    allowed = (ALL, *CONTRAINDICATION_TERMS)
    for term in value:
        if term not in allowed:
            raise at.error(f"contraindicates {term!r} is not one of {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise at.error("contraindicates names a term twice")
    if ALL in value and len(value) > 1:
        raise at.error("contraindicates 'all' must stand alone")
    if "pelvis" in value and "blocking" not in value:
        raise at.error("contraindicates 'pelvis' but not 'blocking' (the blocks act on the pelvis)")
    if urgency == "emergency" and value != [ALL]:
        raise at.error("an emergency flag must contraindicate 'all' (same day, do not treat)")
    if urgency == "urgent" and not value:
        raise at.error("an urgent flag must contraindicate at least one term")
    if urgency == "caution" and value:
        raise at.error(
            "a caution flag contraindicates nothing (treatment proceeds, modified): "
            "put the change in 'modification'"
        )
    terms = CONTRAINDICATION_TERMS if value == [ALL] else value
    return tuple(t for t in CONTRAINDICATION_TERMS if t in terms)


def _flag(raw: Mapping[str, Any], questions: Mapping[str, Question], at: _Entry) -> RedFlag:
    check_keys(raw, _FLAG_KEYS, at)
    code = get_code(raw, "code", at)
    urgency = cast(Urgency, _choice(raw, "urgency", URGENCIES, at))
    modification: str | None = None
    if urgency == "caution":
        modification = get_text(raw, "modification", at)
    elif "modification" in raw:
        raise at.error("'modification' is only for caution flags")
    contraindicates = _contraindicates(raw, urgency, at)
    if "when" not in raw:
        raise at.error("no question raises it: add 'when'")
    when = _condition(raw["when"], questions, at, "when")
    return RedFlag(
        code=code,
        name=get_text(raw, "name", at),
        urgency=urgency,
        why=get_text(raw, "why", at),
        action=get_text(raw, "action", at),
        modification=modification,
        contraindicates=contraindicates,
        source=get_text(raw, "source", at),
        when=when,
        questions=condition_questions(when),
    )


# --------------------------------------------------------------------------------------------------------
# loading


def _entry_name(kind: str, number: int, raw: Mapping[str, Any]) -> str:
    """``flag 'ces'`` once the entry has a valid code, ``flag 3`` before."""
    code = raw.get("code")
    if isinstance(code, str) and CODE.match(code):
        return f"{kind} {code!r}"
    return f"{kind} {number}"


def load_rules(path: str | Path | None = None) -> RedFlagRules:
    """Read and validate the red-flag file: the built-in ``red_flags.toml``, or ``path``.

    Raises RedFlagRulesError naming the file ("red_flags.toml" or ``path`` as given), the entry and the reason.
    """
    src = "red_flags.toml" if path is None else str(path)
    doc = read_toml(DATA_FILE if path is None else Path(path), _Entry(src))
    top = _Entry(src)
    check_keys(doc, {"version", "questions", "flags"}, top)
    version = get_str(doc, "version", top)
    if not _VERSION.match(version):
        raise top.error(f"version {version!r} must be a non-empty word such as '2026.1'")

    raw_questions = as_tables(doc.get("questions", []), "questions", top)
    questions: dict[str, Question] = {}
    for i, raw in enumerate(raw_questions, 1):
        at = _Entry(src, _entry_name("question", i, raw))
        question = _question(raw, at)
        if question.code in questions:
            raise at.error("duplicate question code")
        questions[question.code] = question
    for raw in raw_questions:
        code = raw["code"]
        if "ask_if" in raw:
            at = _Entry(src, f"question {code!r}")
            ask_if = _condition(raw["ask_if"], questions, at, "ask_if")
            if code in condition_questions(ask_if):
                raise at.error("ask_if names the question itself")
            questions[code] = replace(questions[code], ask_if=ask_if)

    raw_flags = as_tables(doc.get("flags", []), "flags", top)
    if not raw_flags:
        raise top.error("no flags")
    flags: dict[str, RedFlag] = {}
    for i, raw in enumerate(raw_flags, 1):
        at = _Entry(src, _entry_name("flag", i, raw))
        flag = _flag(raw, questions, at)
        if flag.code in flags:
            raise at.error("duplicate flag code")
        flags[flag.code] = flag

    for code, question in questions.items():
        raises = tuple(f.code for f in flags.values() if code in f.questions)
        if not raises:
            raise _Entry(src, f"question {code!r}").error("raises no flag: no flag's 'when' names it")
        questions[code] = replace(question, raises=raises)

    return RedFlagRules(
        version=version,
        questions=MappingProxyType(questions),
        flags=MappingProxyType(flags),
        source=src,
    )


@functools.lru_cache(maxsize=1)
def default_rules() -> RedFlagRules:
    """The built-in rules, loaded once per process."""
    return load_rules()
