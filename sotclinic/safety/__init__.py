"""Red-flag screening before blocking or adjusting, as data plus pure functions (no Django import anywhere).

The rules live in ``sotclinic/data/safety/red_flags.toml`` (``version = "2026.1"``): screening *questions*
(stable codes, plain text, an answer type, who answers them) and *flags* (code, name, urgency, why, action,
modification, contraindications, source, and the condition on the answers that raises them).  The format and
the condition grammar are documented in :mod:`sotclinic.safety.rules`.  The app prompts, records and gates;
it does not diagnose.

API
---
``evaluate(intake, findings=None, *, rules=None) -> Screening``
    ``intake`` maps *patient* question codes, ``findings`` maps *clinician* question codes, to answers:
    ``True`` / ``False`` for ``yes_no`` questions, an ``int`` / ``float`` in the question's range for ``number``
    questions, ``None`` (or absent) for unanswered.  An unknown code, a code passed on the wrong side, or an
    answer of the wrong type or out of range raises ``ValueError`` naming the question and the problem, e.g.
    ``intake 'fever': a yes_no answer must be true, false or None, got 'yes'``.

``Screening`` (frozen)
    ``raised``: ``RaisedFlag`` tuple, emergency first, then urgent, then caution, catalogue order within each;
    ``highest``: ``"emergency" | "urgent" | "caution" | None``;
    ``blocks_treatment``: True when an emergency or urgent flag is raised (the gate: no blocking until the
    practitioner records a decision);
    ``contraindicated``: frozenset of terms ruled out by the raised flags;
    ``unanswered``: patient question codes without an answer (follow-ups only when asked), display order;
    ``rules_version``; ``codes`` (the raised flag codes); ``to_dict()`` (JSON-ready).

``RaisedFlag`` (frozen)
    ``code, name, urgency, why, action, modification`` (caution flags only), ``contraindicates``, ``source``,
    ``because``: the ``(question code, answer)`` pairs that raised it; ``to_dict()``.

``questions_for(who, *, rules=None) -> tuple[Question, ...]``
    The ``"patient"`` (intake form) or ``"clinician"`` (visit findings) questions in display order.  A
    ``Question`` has ``code, who, answer ("yes_no" | "number"), text, unit, min, max, integer, filled_from``
    (``"date_of_birth"``: compute it with ``age_years(date_of_birth, on)`` instead of asking), ``ask_if``
    (a follow-up: ask only when it holds) and ``raises`` (the flag codes it can raise).

``load_rules(path=None) -> RedFlagRules`` / ``default_rules()`` (cached)
    Read and validate the file; ``RedFlagRulesError`` (a ``ValueError``) names the file, entry and reason.
    ``RedFlagRules`` has ``version``, ``questions`` and ``flags`` (code -> entry, in order) and
    ``questions_for(who)``.

Vocabularies
    ``URGENCIES = ("emergency", "urgent", "caution")``;
    ``CONTRAINDICATION_TERMS = ("blocking", "cranial", "cervical", "thoracic", "lumbar", "pelvis")`` (the data
    may say ``"all"``, expanded on load).  Emergency flags rule out everything; urgent flags rule out a region
    (the spinal ones: blocking and the whole spine, since the screening does not know the complaint's region);
    caution flags rule out nothing and carry a ``modification`` to record instead.

Example::

    from sotclinic.safety import evaluate
    screening = evaluate({"age": 61, "first_episode": True, "pregnant": False}, {"motor_grade": 4})
    screening.codes             # ("age_onset",)
    screening.blocks_treatment  # True
    screening.raised[0].because # (("first_episode", True), ("age", 61))
"""

from sotclinic.safety.rules import (
    CONTRAINDICATION_TERMS,
    URGENCIES,
    WHO,
    AllOf,
    Answer,
    AnyOf,
    Comparison,
    Condition,
    Question,
    RedFlag,
    RedFlagRules,
    RedFlagRulesError,
    Urgency,
    default_rules,
    load_rules,
)
from sotclinic.safety.screening import RaisedFlag, Screening, age_years, evaluate, questions_for

__all__ = [
    "CONTRAINDICATION_TERMS",
    "URGENCIES",
    "WHO",
    "AllOf",
    "Answer",
    "AnyOf",
    "Comparison",
    "Condition",
    "Question",
    "RaisedFlag",
    "RedFlag",
    "RedFlagRules",
    "RedFlagRulesError",
    "Screening",
    "Urgency",
    "age_years",
    "default_rules",
    "evaluate",
    "load_rules",
    "questions_for",
]
