"""Outcome-measure instruments as data: one versioned TOML file per instrument in ``sotclinic/data/measures/``.

Pure Python (stdlib ``tomllib`` only, no Django).  ``load_instruments()`` reads every ``<code>.toml`` file,
validates it and returns frozen :class:`Instrument` objects; ``instrument(code)`` is the cached lookup the
scoring engine uses.  A malformed file raises :class:`MeasuresDataError` naming the file, the entry and the
reason.

File format (see any file in ``sotclinic/data/measures/`` for a worked example)::

    code = "odi"                      # the instrument code (= the file name without .toml)
    name = "Oswestry Disability Index 2.1a"
    version = "2.1a"                  # the instrument version a score was produced with
    rules_version = "2026.1"          # the version of the scoring rules in this file; bump on any change
    source = "Fairbank & Pynsent 2000"  # where the scoring rules come from
    direction = "higher_worse"        # or "higher_better": for every score of the instrument
    primary = "percent"               # the score that change() compares (default "total")
    ship_text = false                 # true only where we wrote the wording ourselves (nprs, pgic, psfs)
    instructions = "..."              # only with ship_text = true
    reversed = ["q4"]                 # items scored max + min - answer
    notes = ["..."]

    [licence]  holder = "...", terms = "..."
    [loinc]    panel = "...", score = "...", note = "..."        # only codes the reference gives
    [missing]  rule = "none" | "exclude" | "zero", min_answered = 8, description = "...", source = "..."
    [responses.default]               # response sets; items without `responses` use "default"
    options = [{ value = 0, label = "...", points = 0 }, ...]    # points default to value
    # or a numeric scale:  min = 0, max = 10, step = 1, min_label = "...", max_label = "..."
    items = [{ code = "q1", label = "Section 1 — pain intensity", responses = "default", text = "..." }, ...]
    [[scores]]                        # in computation order; output order is total, percent, subscales
    code = "total", label = "...", method = "sum" | "mean" | "percent" | "prorated_sum" | "mean_of_scores"
    items = ["q1", ...]               # default: all items;  components = [...] for mean_of_scores
    max_missing = 1                   # per-score limit, on top of [missing]
    min = 0, max = 50                 # the declared range, checked against the items on load
    [bands]  score = "percent", source = "...", levels = [{ code, label, upto | below }, ...]
    [[mcid]] score = "percent", points = 10, percent = 30, context = "...", default = true, source, note
    mcid_note = "not found"           # required when there is no [[mcid]]: why there is none
    [risk]   rules = [{ level = "high", score = "psychosocial", at_least = 4 }, ...], otherwise = "low"
    [responder]  score = "total", at_most = 2, source = "..."
    [recovered]  score = "total", at_most = 2, source = "..."
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from sotclinic import datafile
from sotclinic.datafile import (
    At,
    as_table,
    as_tables,
    check_keys,
    get_bool,
    get_code,
    get_int,
    get_number,
    get_optional_number,
    get_str,
    get_strs,
    get_text,
)

__all__ = [
    "DATA_DIR",
    "DIRECTIONS",
    "METHODS",
    "MISSING_RULES",
    "Band",
    "Bands",
    "Instrument",
    "Item",
    "Licence",
    "Mcid",
    "MeasuresDataError",
    "MissingRule",
    "Option",
    "ResponseSet",
    "Risk",
    "RiskRule",
    "ScoreDef",
    "Threshold",
    "UnknownInstrumentError",
    "default_instruments",
    "instrument",
    "load_instrument",
    "load_instruments",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "measures"

Direction = Literal["higher_worse", "higher_better"]
DIRECTIONS: tuple[str, ...] = ("higher_worse", "higher_better")
#: sum: Σ points of the answered items; mean: Σ / answered; percent: Σ(p − min) / Σ(max − min) × 100 over
#: the answered items; prorated_sum: Σ × items / answered; mean_of_scores: the mean of other scores
METHODS: tuple[str, ...] = ("sum", "mean", "percent", "prorated_sum", "mean_of_scores")
#: none: every item must be answered; exclude: blanks are left out; zero: blanks count 0
MISSING_RULES: tuple[str, ...] = ("none", "exclude", "zero")
#: the named score columns; every other score is a subscale
NAMED_SCORES: tuple[str, ...] = ("total", "percent")
RESERVED_COLUMNS: frozenset[str] = frozenset({"risk", "error", "answered", "band"})

_ITEM = re.compile(r"^q[1-9][0-9]*$")


class MeasuresDataError(ValueError):
    """An instrument file is malformed.  The message names the file, the entry and the reason."""


class UnknownInstrumentError(ValueError):
    """No instrument has this code."""


# --------------------------------------------------------------------------------------------------------
# the dataclasses


@dataclass(frozen=True)
class Option:
    """One response option: the recorded ``value``, our short ``label``, and the ``points`` it scores."""

    value: int
    label: str
    points: int


@dataclass(frozen=True)
class ResponseSet:
    """The answers an item accepts: listed ``options``, or every ``min + k × step`` up to ``max``."""

    code: str
    options: tuple[Option, ...]
    min: int
    max: int
    step: int
    min_label: str
    max_label: str

    @property
    def values(self) -> tuple[int, ...]:
        if self.options:
            return tuple(o.value for o in self.options)
        return tuple(range(self.min, self.max + 1, self.step))

    def points(self) -> dict[int, int]:
        """Allowed answer -> points (before any reversal)."""
        if self.options:
            return {o.value: o.points for o in self.options}
        return {v: v for v in range(self.min, self.max + 1, self.step)}

    def describe(self) -> str:
        """The allowed answers in a few words, for error messages: "0, 1, 2" or "0–100 in steps of 10"."""
        if self.options:
            return ", ".join(str(o.value) for o in self.options)
        if self.step == 1:
            return f"whole numbers {self.min}–{self.max}"
        return f"{self.min}–{self.max} in steps of {self.step}"


@dataclass(frozen=True)
class Item:
    code: str
    #: a short neutral label we wrote ("Section 1 — pain intensity"), never licensed item text
    label: str
    #: our own item wording; only for instruments with ship_text = true
    text: str | None
    responses: ResponseSet
    reversed: bool

    def points(self) -> dict[int, int]:
        """Allowed answer -> points, reversal applied (x -> min + max - x over the points)."""
        table = self.responses.points()
        if not self.reversed:
            return table
        lo, hi = min(table.values()), max(table.values())
        return {value: lo + hi - p for value, p in table.items()}


@dataclass(frozen=True)
class ScoreDef:
    code: str
    label: str
    method: str
    #: the items it is computed over (empty for mean_of_scores)
    items: tuple[str, ...]
    #: the scores it averages (mean_of_scores only)
    components: tuple[str, ...]
    #: at most this many of its items may be missing (None = only the instrument's [missing] rule)
    max_missing: int | None
    min: float
    max: float
    #: True when the value is a decimal (mean, percent, prorated); False for sums of whole points
    decimal: bool


@dataclass(frozen=True)
class MissingRule:
    rule: str
    #: the whole questionnaire is scored only when at least this many items are answered
    min_answered: int
    description: str
    source: str


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    #: the value belongs to this band when value < below, or value <= upto (the last band has neither)
    below: float | None
    upto: float | None

    def holds(self, value: float | Fraction) -> bool:
        if self.below is not None:
            return value < self.below
        if self.upto is not None:
            return value <= self.upto
        return True


@dataclass(frozen=True)
class Bands:
    score: str
    levels: tuple[Band, ...]
    source: str

    def band_of(self, value: float | Fraction) -> Band:
        for band in self.levels:
            if band.holds(value):
                return band
        return self.levels[-1]


@dataclass(frozen=True)
class Mcid:
    score: str
    #: the minimal clinically important change in score points
    points: float
    #: alternatively a change of at least this percentage of the baseline (None = points only)
    percent: float | None
    #: the situation it applies to ("acute", "subacute_chronic", ...); "" when only one is published
    context: str
    default: bool
    source: str
    note: str


@dataclass(frozen=True)
class RiskRule:
    level: str
    score: str
    at_least: float


@dataclass(frozen=True)
class Risk:
    rules: tuple[RiskRule, ...]
    otherwise: str
    #: every level, lowest risk first
    levels: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Threshold:
    """A cut-off on one score: responder (PGIC 1 or 2) or recovered (RMDQ <= 2)."""

    score: str
    at_most: float
    source: str


@dataclass(frozen=True)
class Licence:
    holder: str
    terms: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    rules_version: str
    source: str
    direction: Direction
    ship_text: bool
    instructions: str | None
    #: item code -> Item, in the published order q1 … qN
    items: Mapping[str, Item]
    #: score code -> ScoreDef, in computation order
    scores: Mapping[str, ScoreDef]
    #: the score columns in output order: total, percent, subscales, then risk when defined
    columns: tuple[str, ...]
    primary: str
    missing: MissingRule
    bands: Bands | None
    mcids: tuple[Mcid, ...]
    #: why there is no MCID ("not found", "stratification tool, no MCID"), or "" when there are some
    mcid_note: str
    risk: Risk | None
    responder: Threshold | None
    recovered: Threshold | None
    loinc: Mapping[str, str]
    licence: Licence
    notes: tuple[str, ...]
    file: str

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(self.items)

    @property
    def subscales(self) -> tuple[str, ...]:
        return tuple(code for code in self.scores if code not in NAMED_SCORES)

    def mcid_for(self, score: str, context: str | None = None) -> Mcid | None:
        """The MCID of ``score`` for ``context`` (or the default one); None when none is published."""
        found = [m for m in self.mcids if m.score == score]
        if context is not None:
            for m in found:
                if m.context == context:
                    return m
            known = ", ".join(m.context for m in found if m.context) or "none"
            raise ValueError(f"{self.code}: no MCID for {score!r} in context {context!r} (known: {known})")
        for m in found:
            if m.default or len(found) == 1:
                return m
        return None


# --------------------------------------------------------------------------------------------------------
# validation helpers


class _At(At):
    """Where a value comes from: file name + entry; its errors are MeasuresDataError."""

    __slots__ = ()
    error_class = MeasuresDataError


def _g(value: float) -> str:
    return f"{value:g}"


def read_toml(path: Path, src: str) -> dict[str, Any]:
    """Read and parse a TOML file; MeasuresDataError naming ``src`` when it cannot."""
    return datafile.read_toml(path, _At(src), allow_bom=True)


def parse_toml(data: bytes, src: str) -> dict[str, Any]:
    """Parse TOML (a leading byte-order mark is skipped); MeasuresDataError naming ``src`` when it cannot."""
    return datafile.parse_toml(data, _At(src), allow_bom=True)


# --------------------------------------------------------------------------------------------------------
# one instrument


_TOP_KEYS = {
    "code",
    "name",
    "version",
    "rules_version",
    "source",
    "direction",
    "primary",
    "ship_text",
    "instructions",
    "reversed",
    "notes",
    "licence",
    "loinc",
    "missing",
    "responses",
    "items",
    "scores",
    "bands",
    "mcid",
    "mcid_note",
    "risk",
    "responder",
    "recovered",
}


def _response_set(code: str, raw: object, at: _At) -> ResponseSet:
    at = at.sub(f"responses {code!r}")
    table = as_table(raw, f"[responses.{code}]", at)
    check_keys(table, {"options", "min", "max", "step", "min_label", "max_label"}, at)
    if "options" in table:
        for key in ("min", "max", "step"):
            if key in table:
                raise at.error(f"give either 'options' or min/max/step, not both ({key!r})")
        options: list[Option] = []
        for i, raw_opt in enumerate(as_tables(table["options"], "options", at), 1):
            oat = at.sub(f"option {i}")
            check_keys(raw_opt, {"value", "label", "points"}, oat)
            value = get_int(raw_opt, "value", oat)
            options.append(
                Option(
                    value=value,
                    label=get_text(raw_opt, "label", oat),
                    points=get_int(raw_opt, "points", oat, value),
                )
            )
        if len(options) < 2:
            raise at.error("needs at least two options")
        values = [o.value for o in options]
        if values != sorted(set(values)):
            raise at.error("option values must be distinct and ascending")
        return ResponseSet(
            code=code,
            options=tuple(options),
            min=values[0],
            max=values[-1],
            step=0,
            min_label=get_str(table, "min_label", at, ""),
            max_label=get_str(table, "max_label", at, ""),
        )
    lo, hi, step = get_int(table, "min", at), get_int(table, "max", at), get_int(table, "step", at, 1)
    if not lo < hi:
        raise at.error(f"min {lo} must be less than max {hi}")
    if step < 1 or (hi - lo) % step:
        raise at.error(f"step {step} must be at least 1 and divide max - min ({hi - lo})")
    return ResponseSet(
        code=code,
        options=(),
        min=lo,
        max=hi,
        step=step,
        min_label=get_str(table, "min_label", at, ""),
        max_label=get_str(table, "max_label", at, ""),
    )


def _score_range(
    method: str, items: tuple[Item, ...], components: tuple[ScoreDef, ...]
) -> tuple[float, float]:
    if method == "mean_of_scores":
        return min(c.min for c in components), max(c.max for c in components)
    if method == "percent":
        return 0, 100
    lows = [min(item.points().values()) for item in items]
    highs = [max(item.points().values()) for item in items]
    if method in ("sum", "prorated_sum"):
        return sum(lows), sum(highs)
    return min(lows), max(highs)  # mean


def _score_def(
    raw: dict[str, Any],
    items: Mapping[str, Item],
    earlier: Mapping[str, ScoreDef],
    missing: MissingRule,
    at: _At,
) -> ScoreDef:
    code = get_code(raw, "code", at)
    at = _At(at.src, f"score {code!r}")
    check_keys(raw, {"code", "label", "method", "items", "components", "max_missing", "min", "max"}, at)
    if code in RESERVED_COLUMNS:
        raise at.error(f"{code!r} is reserved for another output column")
    if code in earlier:
        raise at.error("duplicate score code")
    method = get_str(raw, "method", at)
    if method not in METHODS:
        raise at.error(f"method {method!r} is not one of {', '.join(METHODS)}")
    components: tuple[ScoreDef, ...] = ()
    score_items: tuple[str, ...] = ()
    if method == "mean_of_scores":
        if "items" in raw or "max_missing" in raw:
            raise at.error("mean_of_scores takes 'components', not 'items' or 'max_missing'")
        names = get_strs(raw, "components", at, ())
        if len(names) < 2:
            raise at.error("mean_of_scores needs at least two components")
        for name in names:
            if name not in earlier:
                raise at.error(f"component {name!r} is not a score defined before this one")
        components = tuple(earlier[name] for name in names)
    else:
        if "components" in raw:
            raise at.error("'components' is only for mean_of_scores")
        score_items = get_strs(raw, "items", at, ()) if "items" in raw else tuple(items)
        if not score_items:
            raise at.error("'items' must not be empty")
        for item in score_items:
            if item not in items:
                raise at.error(f"item {item!r} is not an item of this instrument")
        if len(set(score_items)) != len(score_items):
            raise at.error("an item is listed twice")
        if method in ("mean", "percent", "prorated_sum") and missing.rule == "zero":
            raise at.error(f"method {method!r} cannot be combined with the missing rule 'zero'")
    max_missing: int | None = None
    if "max_missing" in raw:
        max_missing = get_int(raw, "max_missing", at)
        if not 0 <= max_missing < len(score_items):
            raise at.error(f"max_missing {max_missing} must be between 0 and {len(score_items) - 1}")
        if missing.rule == "none":
            raise at.error("max_missing needs the missing rule 'exclude' or 'zero'")
    lo, hi = get_number(raw, "min", at), get_number(raw, "max", at)
    want_lo, want_hi = _score_range(method, tuple(items[i] for i in score_items), components)
    if (lo, hi) != (want_lo, want_hi):
        raise at.error(
            f"declared range {_g(lo)}–{_g(hi)} differs from the items' range {_g(want_lo)}–{_g(want_hi)}"
        )
    return ScoreDef(
        code=code,
        label=get_text(raw, "label", at),
        method=method,
        items=score_items,
        components=tuple(c.code for c in components),
        max_missing=max_missing,
        min=lo,
        max=hi,
        decimal=method != "sum",
    )


def _missing(raw: object, n_items: int, at: _At) -> MissingRule:
    at = at.sub("missing")
    table = as_table(raw, "[missing]", at)
    check_keys(table, {"rule", "min_answered", "description", "source"}, at)
    rule = get_str(table, "rule", at)
    if rule not in MISSING_RULES:
        raise at.error(f"rule {rule!r} is not one of {', '.join(MISSING_RULES)}")
    if rule == "none":
        if "min_answered" in table:
            raise at.error("rule 'none' needs every item: leave out 'min_answered'")
        min_answered = n_items
    else:
        min_answered = get_int(table, "min_answered", at, 1)
        if not 1 <= min_answered <= n_items:
            raise at.error(f"min_answered {min_answered} must be between 1 and {n_items}")
    return MissingRule(
        rule=rule,
        min_answered=min_answered,
        description=get_text(table, "description", at),
        source=get_str(table, "source", at, ""),
    )


def _bands(raw: object, scores: Mapping[str, ScoreDef], at: _At) -> Bands:
    at = at.sub("bands")
    table = as_table(raw, "[bands]", at)
    check_keys(table, {"score", "source", "levels"}, at)
    score = get_str(table, "score", at)
    if score not in scores:
        raise at.error(f"score {score!r} is not a score of this instrument")
    levels: list[Band] = []
    previous = -math.inf
    seen: set[str] = set()
    raw_levels = as_tables(table.get("levels", []), "levels", at)
    if len(raw_levels) < 2:
        raise at.error("needs at least two levels")
    for i, raw_band in enumerate(raw_levels, 1):
        bat = at.sub(f"level {i}")
        code = get_code(raw_band, "code", bat)
        bat = at.sub(f"level {code!r}")
        check_keys(raw_band, {"code", "label", "upto", "below"}, bat)
        if code in seen:
            raise bat.error("duplicate band code")
        seen.add(code)
        below, upto = get_optional_number(raw_band, "below", bat), get_optional_number(raw_band, "upto", bat)
        last = i == len(raw_levels)
        if below is not None and upto is not None:
            raise bat.error("give 'upto' or 'below', not both")
        bound = below if below is not None else upto
        if last and bound is not None:
            raise bat.error("the last band takes the rest of the range: leave out 'upto' and 'below'")
        if not last:
            if bound is None:
                raise bat.error("needs 'upto' (value <= upto) or 'below' (value < below)")
            if not previous < bound:
                raise bat.error("bounds must ascend")
            if not scores[score].min <= bound <= scores[score].max:
                raise bat.error(f"bound {_g(bound)} is outside the score's range")
            previous = bound
        levels.append(Band(code=code, label=get_text(raw_band, "label", bat), below=below, upto=upto))
    return Bands(score=score, levels=tuple(levels), source=get_text(table, "source", at))


def _threshold(raw: object, name: str, scores: Mapping[str, ScoreDef], at: _At) -> Threshold:
    at = at.sub(name)
    table = as_table(raw, f"[{name}]", at)
    check_keys(table, {"score", "at_most", "source"}, at)
    score = get_str(table, "score", at, "total")
    if score not in scores:
        raise at.error(f"score {score!r} is not a score of this instrument")
    return Threshold(
        score=score, at_most=get_number(table, "at_most", at), source=get_text(table, "source", at)
    )


def _instrument(doc: dict[str, Any], src: str, expected_code: str) -> Instrument:
    top = _At(src)
    check_keys(doc, _TOP_KEYS, top)
    code = get_code(doc, "code", top)
    if code != expected_code:
        raise top.error(f"code {code!r} differs from the file name (expected {expected_code!r})")
    direction = get_str(doc, "direction", top)
    if direction not in DIRECTIONS:
        raise top.error(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    ship_text = get_bool(doc, "ship_text", top)

    # licence ---------------------------------------------------------------------------------------------
    lat = top.sub("licence")
    ltable = as_table(doc.get("licence"), "[licence]", lat)
    check_keys(ltable, {"holder", "terms"}, lat)
    licence = Licence(holder=get_text(ltable, "holder", lat), terms=get_text(ltable, "terms", lat))

    loinc_at = top.sub("loinc")
    loinc_raw = as_table(doc.get("loinc", {}), "[loinc]", loinc_at)
    check_keys(loinc_raw, {"panel", "score", "note"}, loinc_at)
    loinc = {key: get_text(loinc_raw, key, loinc_at) for key in loinc_raw}

    # responses and items ---------------------------------------------------------------------------------
    rat = top.sub("responses")
    sets = {
        name: _response_set(name, raw, top)
        for name, raw in as_table(doc.get("responses"), "[responses]", rat).items()
    }
    if not sets:
        raise rat.error("needs at least one response set")
    reversed_codes = get_strs(doc, "reversed", top, ())
    raw_items = as_tables(doc.get("items"), "items", top)
    if not raw_items:
        raise top.error("needs at least one item")
    items: dict[str, Item] = {}
    for i, raw in enumerate(raw_items, 1):
        iat = top.sub(f"item {i}")
        item_code = get_str(raw, "code", iat)
        if item_code != f"q{i}":
            raise iat.error(f"code {item_code!r} out of order: items are q1 … qN in the published order")
        iat = top.sub(f"item {item_code!r}")
        check_keys(raw, {"code", "label", "text", "responses"}, iat)
        set_name = get_str(raw, "responses", iat, "default")
        if set_name not in sets:
            raise iat.error(f"response set {set_name!r} is not defined under [responses]")
        text: str | None = None
        if "text" in raw:
            if not ship_text:
                raise iat.error("item text is shipped only for instruments with ship_text = true")
            text = get_text(raw, "text", iat)
        elif ship_text:
            raise iat.error("'text' is required: this instrument ships our own wording")
        items[item_code] = Item(
            code=item_code,
            label=get_text(raw, "label", iat),
            text=text,
            responses=sets[set_name],
            reversed=item_code in reversed_codes,
        )
    for item_code in reversed_codes:
        if item_code not in items:
            raise top.error(f"reversed item {item_code!r} is not an item of this instrument")
    instructions: str | None = None
    if "instructions" in doc:
        if not ship_text:
            raise top.error("instructions are shipped only for instruments with ship_text = true")
        instructions = get_text(doc, "instructions", top)

    # the missing rule and the scores ---------------------------------------------------------------------
    missing = _missing(doc.get("missing"), len(items), top)
    scores: dict[str, ScoreDef] = {}
    for i, raw in enumerate(as_tables(doc.get("scores"), "scores", top), 1):
        sdef = _score_def(raw, items, scores, missing, top.sub(f"score {i}"))
        scores[sdef.code] = sdef
    if not scores:
        raise top.error("needs at least one score")
    primary = get_str(doc, "primary", top, "total")
    if primary not in scores:
        raise top.error(f"primary score {primary!r} is not a score of this instrument")

    bands = _bands(doc["bands"], scores, top) if "bands" in doc else None

    mcids: list[Mcid] = []
    for i, raw in enumerate(as_tables(doc.get("mcid", []), "mcid", top), 1):
        mat = top.sub(f"mcid {i}")
        check_keys(raw, {"score", "points", "percent", "context", "default", "source", "note"}, mat)
        score = get_str(raw, "score", mat, primary)
        if score not in scores:
            raise mat.error(f"score {score!r} is not a score of this instrument")
        points = get_number(raw, "points", mat)
        percent = get_optional_number(raw, "percent", mat)
        if points <= 0 or (percent is not None and not 0 < percent <= 100):
            raise mat.error("points must be positive and percent between 0 and 100")
        mcids.append(
            Mcid(
                score=score,
                points=points,
                percent=percent,
                context=get_str(raw, "context", mat, ""),
                default=get_bool(raw, "default", mat, False),
                source=get_text(raw, "source", mat),
                note=get_str(raw, "note", mat, ""),
            )
        )
    for score in scores:
        same = [m for m in mcids if m.score == score]
        if len(same) > 1:
            contexts = [m.context for m in same]
            if "" in contexts or len(set(contexts)) != len(contexts):
                raise top.sub("mcid").error(f"several MCIDs for {score!r} need distinct, non-empty contexts")
            if sum(m.default for m in same) != 1:
                raise top.sub("mcid").error(f"exactly one of the MCIDs for {score!r} must be the default")
    mcid_note = get_str(doc, "mcid_note", top, "")
    if not mcids and not mcid_note.strip():
        raise top.error("no [[mcid]]: give 'mcid_note' saying why (e.g. \"not found\")")

    risk: Risk | None = None
    if "risk" in doc:
        kat = top.sub("risk")
        ktable = as_table(doc["risk"], "[risk]", kat)
        check_keys(ktable, {"rules", "otherwise", "source"}, kat)
        rules: list[RiskRule] = []
        for i, raw in enumerate(as_tables(ktable.get("rules", []), "rules", kat), 1):
            rr_at = kat.sub(f"rule {i}")
            check_keys(raw, {"level", "score", "at_least"}, rr_at)
            score = get_str(raw, "score", rr_at)
            if score not in scores:
                raise rr_at.error(f"score {score!r} is not a score of this instrument")
            rules.append(
                RiskRule(
                    level=get_code(raw, "level", rr_at),
                    score=score,
                    at_least=get_number(raw, "at_least", rr_at),
                )
            )
        if not rules:
            raise kat.error("needs at least one rule")
        otherwise = get_code(ktable, "otherwise", kat)
        levels = (otherwise, *reversed([r.level for r in rules]))
        if len(set(levels)) != len(levels):
            raise kat.error("risk levels must be distinct")
        risk = Risk(
            rules=tuple(rules), otherwise=otherwise, levels=levels, source=get_text(ktable, "source", kat)
        )

    named = [c for c in NAMED_SCORES if c in scores]
    columns = (*named, *(c for c in scores if c not in NAMED_SCORES), *(("risk",) if risk else ()))

    return Instrument(
        code=code,
        name=get_text(doc, "name", top),
        version=get_text(doc, "version", top),
        rules_version=get_text(doc, "rules_version", top),
        source=get_text(doc, "source", top),
        direction="higher_worse" if direction == "higher_worse" else "higher_better",
        ship_text=ship_text,
        instructions=instructions,
        items=items,
        scores=scores,
        columns=columns,
        primary=primary,
        missing=missing,
        bands=bands,
        mcids=tuple(mcids),
        mcid_note=mcid_note,
        risk=risk,
        responder=_threshold(doc["responder"], "responder", scores, top) if "responder" in doc else None,
        recovered=_threshold(doc["recovered"], "recovered", scores, top) if "recovered" in doc else None,
        loinc=loinc,
        licence=licence,
        notes=get_strs(doc, "notes", top, ()),
        file=src,
    )


# --------------------------------------------------------------------------------------------------------
# loading


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one instrument file (its name must be ``<code>.toml``)."""
    path = Path(path)
    return _instrument(read_toml(path, path.name), path.name, path.stem)


def load_instruments(data_dir: str | Path | None = None) -> dict[str, Instrument]:
    """Read and validate every ``*.toml`` file in ``data_dir`` (default ``sotclinic/data/measures``).

    Returns code -> Instrument in file-name order.  Raises MeasuresDataError naming the file, entry and reason.
    """
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise MeasuresDataError(f"{directory}: no instrument files (*.toml)")
    return {inst.code: inst for inst in map(load_instrument, paths)}


@functools.lru_cache(maxsize=1)
def default_instruments() -> Mapping[str, Instrument]:
    """The built-in instruments, validated once per process (cached)."""
    return load_instruments()


def instrument(code: str) -> Instrument:
    """The built-in instrument ``code``; UnknownInstrumentError naming the known codes otherwise."""
    instruments = default_instruments()
    try:
        return instruments[code]
    except (KeyError, TypeError):
        raise UnknownInstrumentError(
            f"unknown instrument {code!r} (known: {', '.join(sorted(instruments))})"
        ) from None
