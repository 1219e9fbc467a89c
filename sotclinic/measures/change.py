"""Change between two scores of one instrument, against its MCID and as a percentage (IMMPACT 2008).

``change("odi", baseline, latest)`` compares the instrument's primary score (``score=`` picks another, e.g. a
PGQ subscale).  The status is direction-aware:

* with a published MCID: ``improved`` when the improvement reaches the MCID (or, where the MCID also gives a
  percentage, that percentage of the baseline), ``worse`` when the deterioration reaches the MCID in points,
  ``no_reliable_change`` otherwise;
* without one (``mcid_available=False``): ``improved`` / ``worse`` by direction alone, ``no_reliable_change``
  when the score is the same.

Arithmetic is exact: scores are turned back into fractions (their denominators are small), so 22.22 → 12.22
is a change of exactly 10 and meets an MCID of 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from sotclinic.measures.instruments import Instrument, instrument
from sotclinic.measures.scoring import Score

__all__ = ["PERCENT_CLASSES", "PERCENT_SOURCE", "Change", "Status", "change"]

Status = Literal["improved", "no_reliable_change", "worse"]
PercentClass = Literal["substantial", "moderate", "below_moderate"]

PERCENT_SOURCE = (
    "IMMPACT 2008 (Dworkin et al.): a reduction of at least 30% is moderate, at least 50% substantial"
)
#: (class, at least this percentage improvement), best first
PERCENT_CLASSES: tuple[tuple[PercentClass, int], ...] = (("substantial", 50), ("moderate", 30))


@dataclass(frozen=True)
class Change:
    instrument: str
    #: the score compared ("total", "percent" or a subscale)
    score: str
    direction: str
    baseline: float
    latest: float
    #: latest − baseline, signed as the scale runs
    absolute: float
    #: the same change, positive when the patient is better (direction-aware)
    improvement: float
    #: (latest − baseline) / baseline × 100; None when the baseline is 0 or the scale does not start at 0
    percent: float | None
    #: the percentage change, positive when better
    percent_improvement: float | None
    #: "substantial" (≥ 50% better), "moderate" (≥ 30%), "below_moderate", or None without a percentage
    percent_class: PercentClass | None
    percent_source: str
    status: Status
    mcid_available: bool
    mcid: float | None
    mcid_percent: float | None
    mcid_context: str | None
    #: where the MCID comes from, or why there is none ("not found", "stratification tool, no MCID")
    mcid_source: str
    mcid_note: str
    #: the baseline's band on the instrument's banded score (MCIDs depend on baseline severity, Wang 2011)
    baseline_band: str | None
    baseline_band_label: str | None
    #: RMDQ: the latest score is at or below the recovery cut-off (None when the instrument has none)
    recovered: bool | None
    recovered_source: str | None
    #: the two scores were produced by different scoring-rule versions
    rules_versions_differ: bool


def _exact(value: float) -> Fraction:
    """The exact score a float stands for: every score has a denominator of at most 720, and stored values
    at most 4 decimals, so the nearest fraction with a denominator up to 10,000 is the exact value."""
    return Fraction(value).limit_denominator(10_000)


def _as_float(value: Fraction) -> float | int:
    return value.numerator if value.denominator == 1 else float(value)


def change(
    code: str | Instrument,
    baseline: Score,
    latest: Score,
    *,
    score: str | None = None,
    context: str | None = None,
) -> Change:
    """Compare ``latest`` with ``baseline`` on the primary score of instrument ``code`` (or on ``score``).

    ``context`` picks one of several published MCIDs (bq_back: "acute" or "subacute_chronic"; psfs: "mdc",
    "small", "medium", "large"; hit6: "upper" or "lower"); without it the file's default applies.
    Raises ValueError for scores of another instrument, a missing value, or an instrument that rates change
    itself (pgic: use ``Score.responder``).
    """
    inst = code if isinstance(code, Instrument) else instrument(code)
    for name, s in (("baseline", baseline), ("latest", latest)):
        if s.instrument != inst.code:
            raise ValueError(f"the {name} score is a {s.instrument} score, not {inst.code}")
    if inst.responder is not None:
        raise ValueError(
            f"{inst.code} rates change itself: compare nothing, read Score.responder "
            f"(responder when {inst.responder.score} <= {inst.responder.at_most:g})"
        )
    which = score or inst.primary
    if which not in inst.scores:
        raise ValueError(f"{inst.code} has no score {which!r} (scores: {', '.join(inst.scores)})")
    b_value, l_value = baseline.value(which), latest.value(which)
    if b_value is None or l_value is None:
        raise ValueError(
            f"{inst.code}: the {'baseline' if b_value is None else 'latest'} score has no {which}"
        )

    b, l_ = _exact(b_value), _exact(l_value)
    absolute = l_ - b
    improvement = -absolute if inst.direction == "higher_worse" else absolute
    sdef = inst.scores[which]
    percent = percent_improvement = None
    percent_class: PercentClass | None = None
    if sdef.min == 0 and b != 0:
        percent = absolute / b * 100
        percent_improvement = improvement / b * 100
        percent_class = "below_moderate"
        for name, at_least in PERCENT_CLASSES:
            if percent_improvement >= at_least:
                percent_class = name
                break

    mcid = inst.mcid_for(which, context)
    status: Status
    if mcid is not None:
        points = Fraction(repr(mcid.points))
        by_percent = (
            mcid.percent is not None
            and percent_improvement is not None
            and percent_improvement >= Fraction(repr(mcid.percent))
        )
        if improvement >= points or by_percent:
            status = "improved"
        elif -improvement >= points:
            status = "worse"
        else:
            status = "no_reliable_change"
    else:
        status = "improved" if improvement > 0 else "worse" if improvement < 0 else "no_reliable_change"

    recovered: bool | None = None
    if inst.recovered is not None and inst.recovered.score == which:
        recovered = l_ <= Fraction(repr(inst.recovered.at_most))

    return Change(
        instrument=inst.code,
        score=which,
        direction=inst.direction,
        baseline=_as_float(b),
        latest=_as_float(l_),
        absolute=_as_float(absolute),
        improvement=_as_float(improvement),
        percent=None if percent is None else float(percent),
        percent_improvement=None if percent_improvement is None else float(percent_improvement),
        percent_class=percent_class,
        percent_source=PERCENT_SOURCE,
        status=status,
        mcid_available=mcid is not None,
        mcid=None if mcid is None else mcid.points,
        mcid_percent=None if mcid is None else mcid.percent,
        mcid_context=None if mcid is None else (mcid.context or None),
        mcid_source=mcid.source if mcid is not None else (inst.mcid_note or "not found"),
        mcid_note=mcid.note if mcid is not None else "",
        baseline_band=baseline.band,
        baseline_band_label=baseline.band_label,
        recovered=recovered,
        recovered_source=None if inst.recovered is None else inst.recovered.source,
        rules_versions_differ=baseline.rules_version != latest.rules_version,
    )
