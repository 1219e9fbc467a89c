"""The scoring engine: one function, driven entirely by the instrument data.

``score("odi", {"q1": 3, "q2": None, ...})`` validates the answers against the instrument (unknown item codes,
answers that are not one of the allowed values, too many missing answers by the instrument's own rule) and
returns a frozen :class:`Score`; anything wrong raises :class:`ScoringError` with a message naming the items.

No instrument needs a named function: reversed items (pss10), non-linear values (hit6), the STarT Back q9 point
(an option's ``points``), its risk groups (ordered ``[risk]`` rules) and the JFLS-20 total (``mean_of_scores``)
are all data.

Precision: every score is computed exactly in integers (sums, then one division), so a ``float`` in a Score is
the correctly rounded value of the exact result, with full precision; a sum of whole points is an ``int``.
Rounding for display (half-even to 2 decimals) happens only when writing CSV (see ``format_value``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sotclinic.measures.instruments import Instrument, instrument

__all__ = ["Score", "ScoringError", "format_value", "score"]


class ScoringError(ValueError):
    """The answers cannot be scored.  ``problems`` lists each reason; the message joins them with '; '."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Score:
    instrument: str
    #: the total score (None when the instrument has none, e.g. pgq, whose main score is ``percent``)
    total: float | None
    #: the percentage score where the instrument defines one (odi, ndi, pgq)
    percent: float | None
    #: subscale code -> value (None only when every item of the subscale was left out as not applicable)
    subscales: Mapping[str, float | None]
    #: the risk group (startback: low / medium / high)
    risk: str | None
    #: the band code of the instrument's banded score, and its label
    band: str | None
    band_label: str | None
    #: PGIC: True for a responder (much or very much improved)
    responder: bool | None
    #: how many items were answered, of how many
    answered: int
    items: int
    instrument_version: str
    rules_version: str
    #: the score columns in output order (total, percent, subscales, risk), as in the instrument
    columns: tuple[str, ...] = field(default=(), repr=False)

    def value(self, code: str) -> float | None:
        """The value of score ``code`` ("total", "percent" or a subscale code)."""
        if code == "total":
            return self.total
        if code == "percent":
            return self.percent
        try:
            return self.subscales[code]
        except KeyError:
            raise KeyError(f"{self.instrument} has no score {code!r}") from None

    def column_values(self) -> dict[str, float | str | None]:
        """Score column -> value, in the output order of ``sotclinic score``."""
        return {c: (self.risk if c == "risk" else self.value(c)) for c in self.columns}

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            **self.column_values(),
            "band": self.band,
            "responder": self.responder,
            "answered": self.answered,
            "items": self.items,
            "instrument_version": self.instrument_version,
            "rules_version": self.rules_version,
        }


def format_value(value: float | str | None, decimal: bool) -> str:
    """A score as CSV text: "" for None, whole points as integers, decimal scores half-even to 2 decimals.

    ``repr`` of a correctly rounded float gives the exact decimal whenever the exact score has one (0.125,
    35.5), so the half-even rule applies to the exact value, not to its binary approximation.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not decimal:
        return str(int(value))
    return str(Decimal(repr(float(value))).quantize(_CENT, ROUND_HALF_EVEN))


_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------------------
# the compiled plan of an instrument


@dataclass(frozen=True)
class _ScorePlan:
    code: str
    method: str
    #: item positions (in q1 … qN order)
    idx: tuple[int, ...]
    #: per position in ``idx``: the lowest points and the span (max − min) of the item
    lows: tuple[int, ...]
    spans: tuple[int, ...]
    max_missing: int | None
    components: tuple[str, ...]
    decimal: bool


@dataclass(frozen=True)
class Plan:
    """An instrument compiled for fast scoring; ``plan_for(inst)`` builds and caches one per instrument."""

    inst: Instrument
    codes: tuple[str, ...]
    index: Mapping[str, int]
    #: per item: allowed answer -> points (reversal applied)
    tables: tuple[Mapping[int, int], ...]
    scores: tuple[_ScorePlan, ...]


_PLANS: dict[int, Plan] = {}


def plan_for(inst: Instrument) -> Plan:
    plan = _PLANS.get(id(inst))
    if plan is not None and plan.inst is inst:
        return plan
    codes = inst.item_codes
    index = {c: i for i, c in enumerate(codes)}
    tables = tuple(inst.items[c].points() for c in codes)
    splans = []
    for sdef in inst.scores.values():
        idx = tuple(index[c] for c in sdef.items)
        lows = tuple(min(tables[i].values()) for i in idx)
        spans = tuple(max(tables[i].values()) - lo for i, lo in zip(idx, lows, strict=True))
        splans.append(
            _ScorePlan(
                code=sdef.code,
                method=sdef.method,
                idx=idx,
                lows=lows,
                spans=spans,
                max_missing=sdef.max_missing,
                components=sdef.components,
                decimal=sdef.decimal,
            )
        )
    plan = Plan(inst=inst, codes=codes, index=index, tables=tables, scores=tuple(splans))
    _PLANS[id(inst)] = plan  # the plan holds the instrument, so its id is never reused while cached
    return plan


# --------------------------------------------------------------------------------------------------------
# scoring


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _value_problem(inst: Instrument, code: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{code}: {_shown(value)} is not a number"
    responses = inst.items[code].responses
    if not responses.options and not responses.min <= value <= responses.max:
        return f"{code}: {_shown(value)} is out of range ({responses.min}–{responses.max})"
    return f"{code}: {_shown(value)} is not an allowed answer (allowed: {responses.describe()})"


def score(code: str | Instrument, answers: Mapping[str, float | int | None]) -> Score:
    """Score ``answers`` (item code -> answer value, None or absent = missing) for instrument ``code``.

    ``code`` is an instrument code (the built-in data) or an :class:`Instrument` (e.g. from a test data dir).
    Raises UnknownInstrumentError for an unknown code and ScoringError when the answers cannot be scored.
    """
    inst = code if isinstance(code, Instrument) else instrument(code)
    plan = plan_for(inst)
    values: list[object] = [None] * len(plan.codes)
    unknown: list[str] = []
    for key, value in answers.items():
        pos = plan.index.get(key) if isinstance(key, str) else None
        if pos is None:
            unknown.append(repr(key))
        else:
            values[pos] = value
    if unknown:
        have = f"{plan.codes[0]}–{plan.codes[-1]}" if len(plan.codes) > 1 else plan.codes[0]
        raise ScoringError([f"unknown item {', '.join(unknown)} ({inst.code} has {have})"])
    return score_values(plan, values)


def score_values(plan: Plan, values: list[object]) -> Score:
    """Score answers given by position (q1 … qN); the engine behind score() and ``sotclinic score``."""
    inst = plan.inst
    tables = plan.tables
    points: list[int | None] = [None] * len(values)
    problems: list[str] = []
    answered = 0
    for pos, value in enumerate(values):
        if value is None:
            continue
        p = tables[pos].get(value) if not isinstance(value, bool) else None  # type: ignore[call-overload]
        if p is None:
            problems.append(_value_problem(inst, plan.codes[pos], value))
            continue
        points[pos] = p
        answered += 1
    if problems:
        raise ScoringError(problems)

    rule = inst.missing
    n = len(values)
    if answered < n:
        if rule.rule == "none":
            missing = [plan.codes[i] for i, p in enumerate(points) if p is None]
            noun = "answer" if len(missing) == 1 else "answers"
            raise ScoringError([f"missing {noun} {', '.join(missing)} (every item must be answered)"])
        if answered < rule.min_answered:
            raise ScoringError(
                [
                    f"too many missing answers: {answered} of {n} items answered, at least {rule.min_answered} needed"
                ]
            )

    exact: dict[str, tuple[int, int] | None] = {}
    for sp in plan.scores:
        if sp.method == "mean_of_scores":
            parts = [exact[c] for c in sp.components]
            if any(p is None for p in parts):
                exact[sp.code] = None
                continue
            mean = sum((Fraction(*p) for p in parts if p is not None), Fraction(0)) / len(parts)
            exact[sp.code] = (mean.numerator, mean.denominator)
            continue
        total = 0
        low = 0
        span = 0
        count = 0
        for i, lo, sp_span in zip(sp.idx, sp.lows, sp.spans, strict=True):
            p = points[i]
            if p is not None:
                total += p
                low += lo
                span += sp_span
                count += 1
        if sp.max_missing is not None and len(sp.idx) - count > sp.max_missing:
            missing_here = len(sp.idx) - count
            raise ScoringError(
                [
                    f"{sp.code}: {missing_here} of {len(sp.idx)} items missing, at most {sp.max_missing} allowed"
                ]
            )
        if sp.method == "sum":
            exact[sp.code] = (total, 1)
        elif count == 0:
            exact[sp.code] = None  # every item left out as not applicable: no value
        elif sp.method == "mean":
            exact[sp.code] = (total, count)
        elif sp.method == "percent":
            exact[sp.code] = ((total - low) * 100, span)
        else:  # prorated_sum
            exact[sp.code] = (total * len(sp.idx), count)

    results: dict[str, float | None] = {}
    for sp in plan.scores:
        pair = exact[sp.code]
        if pair is None:
            results[sp.code] = None
        elif sp.decimal:
            results[sp.code] = pair[0] / pair[1]  # int / int: the correctly rounded float of the exact value
        else:
            results[sp.code] = pair[0]

    band = band_label = None
    if inst.bands is not None:
        banded = results[inst.bands.score]
        if banded is not None:
            found = inst.bands.band_of(banded)
            band, band_label = found.code, found.label
    risk: str | None = None
    if inst.risk is not None:
        risk = inst.risk.otherwise
        for rr in inst.risk.rules:
            value = results[rr.score]
            if value is not None and value >= rr.at_least:
                risk = rr.level
                break
    responder: bool | None = None
    if inst.responder is not None:
        value = results[inst.responder.score]
        responder = None if value is None else value <= inst.responder.at_most

    return Score(
        instrument=inst.code,
        total=results.get("total"),
        percent=results.get("percent"),
        subscales={c: v for c, v in results.items() if c not in ("total", "percent")},
        risk=risk,
        band=band,
        band_label=band_label,
        responder=responder,
        answered=answered,
        items=n,
        instrument_version=inst.version,
        rules_version=inst.rules_version,
        columns=inst.columns,
    )
