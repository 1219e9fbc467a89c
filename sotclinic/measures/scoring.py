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

import operator
from collections.abc import Callable, Mapping
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
    #: the points of those positions as a tuple, in one C call
    take: Callable[[list[int | None]], tuple[int | None, ...]]
    #: per position in ``idx``: the lowest points and the span (max − min) of the item
    lows: tuple[int, ...]
    spans: tuple[int, ...]
    low_total: int
    span_total: int
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
    #: per output column: is it a decimal score
    decimal: tuple[bool, ...]


_PLANS: dict[int, Plan] = {}


def _taker(idx: tuple[int, ...]) -> Callable[[list[int | None]], tuple[int | None, ...]]:
    if not idx:  # mean_of_scores: no items of its own
        return lambda points: ()
    if len(idx) == 1:
        single = idx[0]
        return lambda points: (points[single],)
    return operator.itemgetter(*idx)


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
                take=_taker(idx),
                lows=lows,
                spans=spans,
                low_total=sum(lows),
                span_total=sum(spans),
                max_missing=sdef.max_missing,
                components=sdef.components,
                decimal=sdef.decimal,
            )
        )
    decimal = tuple(c in inst.scores and inst.scores[c].decimal for c in inst.columns)
    plan = Plan(inst=inst, codes=codes, index=index, tables=tables, scores=tuple(splans), decimal=decimal)
    _PLANS[id(inst)] = plan  # the plan holds the instrument, so its id is never reused while cached
    return plan


# --------------------------------------------------------------------------------------------------------
# scoring

#: an exact score: (numerator, denominator), or None when it has no value
Exact = tuple[int, int] | None


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
    not_numbers: list[str] = []
    for key, value in answers.items():
        pos = plan.index.get(key) if isinstance(key, str) else None
        if pos is None:
            unknown.append(repr(key))
            continue
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            not_numbers.append(key)
        values[pos] = value
    if unknown:
        have = f"{plan.codes[0]}–{plan.codes[-1]}" if len(plan.codes) > 1 else plan.codes[0]
        raise ScoringError([f"unknown item {', '.join(unknown)} ({inst.code} has {have})"])
    if not_numbers:
        raise ScoringError(
            [_value_problem(inst, c, values[plan.index[c]]) for c in plan.codes if c in not_numbers]
        )
    return score_values(plan, values)


def exact_scores(plan: Plan, values: list[object]) -> tuple[dict[str, Exact], int]:
    """The exact value of every score, and how many items were answered; ScoringError when not scorable.

    ``values`` are the answers by position (q1 … qN): int, float or None (missing).
    """
    n = len(values)
    points: list[int | None] = [
        None if value is None else table.get(value)  # type: ignore[call-overload]
        for table, value in zip(plan.tables, values, strict=True)
    ]
    missing = values.count(None)
    answered = n - missing
    if points.count(None) != missing:
        raise ScoringError(
            [
                _value_problem(plan.inst, plan.codes[pos], value)
                for pos, (value, p) in enumerate(zip(values, points, strict=True))
                if p is None and value is not None
            ]
        )

    rule = plan.inst.missing
    if missing:
        if rule.rule == "none":
            absent = [plan.codes[i] for i, p in enumerate(points) if p is None]
            noun = "answer" if len(absent) == 1 else "answers"
            raise ScoringError([f"missing {noun} {', '.join(absent)} (every item must be answered)"])
        if answered < rule.min_answered:
            raise ScoringError(
                [
                    f"too many missing answers: {answered} of {n} items answered, at least {rule.min_answered} needed"
                ]
            )

    exact: dict[str, Exact] = {}
    for sp in plan.scores:
        if sp.method == "mean_of_scores":
            parts = [exact[c] for c in sp.components]
            if any(part is None for part in parts):
                exact[sp.code] = None
                continue
            mean = sum((Fraction(*part) for part in parts if part is not None), Fraction(0)) / len(parts)
            exact[sp.code] = (mean.numerator, mean.denominator)
            continue
        taken = sp.take(points)
        count = len(taken)
        if not missing:
            total = sum(taken)  # type: ignore[arg-type]
            low = sp.low_total
            span = sp.span_total
        else:
            total = low = span = count = 0
            for p, lo, sp_span in zip(taken, sp.lows, sp.spans, strict=True):
                if p is not None:
                    total += p
                    low += lo
                    span += sp_span
                    count += 1
            if sp.max_missing is not None and len(taken) - count > sp.max_missing:
                gone = len(taken) - count
                raise ScoringError(
                    [f"{sp.code}: {gone} of {len(taken)} items missing, at most {sp.max_missing} allowed"]
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
            exact[sp.code] = (total * len(taken), count)
    return exact, answered


def risk_of(inst: Instrument, exact: Mapping[str, Exact]) -> str | None:
    """The risk group by the instrument's ordered [risk] rules (startback), or None without rules."""
    if inst.risk is None:
        return None
    for rule in inst.risk.rules:
        value = exact[rule.score]
        if value is not None and Fraction(*value) >= Fraction(repr(rule.at_least)):
            return rule.level
    return inst.risk.otherwise


def format_exact(value: Exact, decimal: bool) -> str:
    """An exact score as CSV text: the same text as ``format_value`` of its float, computed in integers."""
    if value is None:
        return ""
    num, den = value
    if not decimal:
        return str(num // den)
    cents, rest = divmod(num * 100, den)
    if 2 * rest > den or (2 * rest == den and cents % 2):
        cents += 1
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def score_row(plan: Plan, values: list[object]) -> list[str]:
    """The score columns of ``sotclinic score`` as text (total, percent, subscales, risk); ScoringError."""
    exact, _ = exact_scores(plan, values)
    out: list[str] = []
    for column, decimal in zip(plan.inst.columns, plan.decimal, strict=True):
        if column == "risk":
            out.append(risk_of(plan.inst, exact) or "")
        else:
            out.append(format_exact(exact[column], decimal))
    return out


def score_values(plan: Plan, values: list[object]) -> Score:
    """Score answers given by position (q1 … qN); the engine behind score()."""
    inst = plan.inst
    exact, answered = exact_scores(plan, values)
    results: dict[str, float | None] = {}
    for sp in plan.scores:
        pair = exact[sp.code]
        if pair is None:
            results[sp.code] = None
        elif sp.decimal:
            results[sp.code] = pair[0] / pair[1]  # int / int: the correctly rounded float of the exact value
        else:
            results[sp.code] = pair[0] // pair[1]

    band = band_label = None
    if inst.bands is not None:
        banded = exact[inst.bands.score]
        if banded is not None:
            found = inst.bands.band_of(Fraction(*banded))
            band, band_label = found.code, found.label
    responder: bool | None = None
    if inst.responder is not None:
        value = results[inst.responder.score]
        responder = None if value is None else value <= inst.responder.at_most

    return Score(
        instrument=inst.code,
        total=results.get("total"),
        percent=results.get("percent"),
        subscales={c: v for c, v in results.items() if c not in ("total", "percent")},
        risk=risk_of(inst, exact),
        band=band,
        band_label=band_label,
        responder=responder,
        answered=answered,
        items=len(values),
        instrument_version=inst.version,
        rules_version=inst.rules_version,
        columns=inst.columns,
    )
