"""One outcome measure over time, as a standalone inline SVG string (baseline vs latest against the MCID).

The function is pure: it takes the scores as ``(date, value)`` pairs plus what is known about the measure
(range, direction, MCID and its source, optional severity bands) and returns text.  It imports nothing
from Django or the rest of sotclinic.

What is drawn
    x is the date of each response, proportional to time; y is the score within ``[lower, upper]``.  Which
    way is worse is written on the y axis ("worse ↑" or "worse ↓").  Every response is a marker with its
    value; the first response (the baseline) is a dashed horizontal reference line, and when an MCID is
    known a band of ±MCID around the baseline is shaded (light grey, hatched, with dashed edges) so a
    reader sees at a glance whether the latest marker is outside it.  Severity bands, when given, are
    labelled stripes on the right edge.  Responses given on the same day are spread a few units apart so
    that each one stays visible.

Print and accessibility
    Black and grey only, every font at least 9 units, no meaning carried by colour.  ``<title>`` and
    ``<desc>`` come first and say in words what the chart shows (measure, number of time points,
    baseline and latest value with dates, the change and whether it is beyond the MCID).

Safety
    Free text (title, unit, MCID source, band labels) is XML-escaped and characters XML 1.0 cannot carry
    are dropped.  Presentation attributes only: no scripts, no ``style`` attributes, no ids, no external
    references, so it works under a strict Content-Security-Policy and several charts can share one page.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["progress_svg"]

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#111111"
MUTED = "#444444"
GRID = "#d9d9d9"
AXIS = "#333333"
MCID_FILL = "#ededed"
MCID_HATCH = "#b3b3b3"
MCID_EDGE = "#777777"
STRIPE_FILLS = ("#f2f2f2", "#dadada")
STRIPE_EDGE = "#8c8c8c"

MIN_WIDTH = 320
MIN_HEIGHT = 160
MIN_FONT = 9.0
CHAR_W = 0.6  # average glyph width as a fraction of the font size (DejaVu Sans is wide; err on the safe side)

# vertical layout (viewBox units; the viewBox is width x height)
TITLE_Y = 17.0
HEADER_LINE = 14.5
BOTTOM_SPACE = 38.0  # below the plot: date labels, then the legend
INNER_PAD = 26.0  # markers keep this far from the left and right edges of the plot
SAME_DAY_GAP = 9.0  # responses on the same day are spread this far apart
HATCH_STEP = 6.0
MARKER_R = 4.0

# Characters allowed by XML 1.0; everything else is removed before escaping.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- small helpers ---------------------------------------------------------------------------------------


def _clean(value: object) -> str:
    return _XML_INVALID.sub("", str(value))


def _esc(value: object) -> str:
    return escape(_clean(value))


def _attr(value: object) -> str:
    return quoteattr(_clean(value))


def _num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never "-0"."""
    rounded = round(value, 2)
    if rounded == 0:
        return "0"
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


def _fmt(value: float) -> str:
    """A score for people: whole numbers without decimals, else up to two, a real minus sign."""
    text = f"{value:.4g}" if abs(value) >= 1e6 else _num(value)
    return text.replace("-", "\u2212")


def _el(tag: str, attrs: Mapping[str, object], body: str | None = None) -> str:
    parts = " ".join(f"{key}={_attr(val)}" for key, val in attrs.items())
    opening = f"<{tag} {parts}" if parts else f"<{tag}"
    if body is None:
        return opening + "/>"
    return f"{opening}>{body}</{tag}>"


def _text(x: float, y: float, content: str, **attrs: object) -> str:
    base: dict[str, object] = {"x": _num(x), "y": _num(y), "fill": INK, "font-size": "10"}
    base.update({key.rstrip("_").replace("_", "-"): val for key, val in attrs.items()})
    return _el("text", base, _esc(content))


def _line(x1: float, y1: float, x2: float, y2: float, **attrs: object) -> str:
    base: dict[str, object] = {"x1": _num(x1), "y1": _num(y1), "x2": _num(x2), "y2": _num(y2)}
    base.update({key.rstrip("_").replace("_", "-"): val for key, val in attrs.items()})
    return _el("line", base)


def _text_w(text: str, size: float) -> float:
    return len(text) * size * CHAR_W


def _fit(text: str, width: float, size: float, char_w: float = CHAR_W) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` at ``size`` (the full text is in <desc>)."""
    chars = max(1, int(width // (size * char_w)))
    if len(text) <= chars:
        return text
    return text[: max(0, chars - 1)].rstrip() + "…"


def _points_word(amount: float) -> str:
    return f"{_fmt(amount)} point" + ("" if _fmt(amount) == "1" else "s")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- validation -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Band:
    low: float
    high: float
    label: str


def _finite(name: str, value: object) -> float:
    if not _is_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError(f"{name} {value!r} must be a finite number")
    return float(value)  # type: ignore[arg-type]


def _size(name: str, value: object, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} {value!r} must be a whole number of at least {minimum}")
    return value


def _parse_points(
    points: Sequence[tuple[datetime.date, float]], lower: float, upper: float
) -> list[tuple[datetime.date, float]]:
    if isinstance(points, str | bytes) or not isinstance(points, Sequence):
        raise ValueError(f"points must be a sequence of (date, value) pairs, not {type(points).__name__}")
    parsed: list[tuple[datetime.date, float]] = []
    for index, item in enumerate(points):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValueError(f"point {index + 1} must be a (date, value) pair, not {item!r}")
        day, value = item
        if not isinstance(day, datetime.date):
            raise ValueError(f"point {index + 1} has date {day!r}; expected a datetime.date")
        if isinstance(day, datetime.datetime):
            day = day.date()
        if not _is_number(value) or not math.isfinite(value):
            raise ValueError(f"value {value!r} on {day.isoformat()} must be a finite number")
        if not lower <= value <= upper:
            raise ValueError(
                f"value {_fmt(value)} on {day.isoformat()} is outside the range {_fmt(lower)}–{_fmt(upper)}"
            )
        parsed.append((day, float(value)))
    # the baseline is the earliest response; responses on the same day keep their given order
    return sorted(parsed, key=lambda p: p[0])


def _parse_bands(bands: Sequence[tuple[float, float, str]], lower: float, upper: float) -> list[_Band]:
    if isinstance(bands, str | bytes) or not isinstance(bands, Sequence):
        raise ValueError(f"bands must be a sequence of (low, high, label), not {type(bands).__name__}")
    parsed: list[_Band] = []
    for index, item in enumerate(bands):
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise ValueError(f"band {index + 1} must be (low, high, label), not {item!r}")
        low = _finite(f"band {index + 1} low", item[0])
        high = _finite(f"band {index + 1} high", item[1])
        if not lower <= low < high <= upper:
            raise ValueError(
                f"band {index + 1} {_fmt(low)}–{_fmt(high)} must be a non-empty range "
                f"within {_fmt(lower)}–{_fmt(upper)}"
            )
        parsed.append(_Band(low, high, _clean(item[2]).strip()))
    return sorted(parsed, key=lambda b: b.low)


# --- words ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    delta: float  # latest - baseline, in score units
    direction: str  # "better" | "worse" | "no change"
    mcid_status: str  # "beyond" | "reaches" | "not-beyond" | "none"


def _change(baseline: float, latest: float, higher_is_worse: bool, mcid: float | None) -> _Change:
    delta = latest - baseline
    direction = "worse" if (delta > 0) == higher_is_worse else "better"
    if _fmt(abs(delta)) == "0":
        direction = "no change"
    if mcid is None:
        status = "none"
    elif math.isclose(abs(delta), mcid, rel_tol=1e-9, abs_tol=1e-9):
        status = "reaches"
    else:
        status = "beyond" if abs(delta) > mcid else "not-beyond"
    return _Change(delta, direction, status)


def _mcid_words(mcid: float, source: str) -> str:
    return f"the MCID of {_fmt(mcid)}" + (f" ({source})" if source else "")


def _change_words(change: _Change, mcid: float | None, source: str) -> str:
    amount = "no change" if change.direction == "no change" else f"{_points_word(abs(change.delta))} "
    if change.direction != "no change":
        amount += change.direction
    if mcid is None:
        return f"{amount}; no MCID available for this measure"
    verb = {"beyond": "beyond", "reaches": "reaches", "not-beyond": "not beyond"}[change.mcid_status]
    return f"{amount}; {verb} {_mcid_words(mcid, source)}"


def _short_verdict(change: _Change) -> str:
    amount = "No change" if change.direction == "no change" else f"{_points_word(abs(change.delta))} "
    if change.direction != "no change":
        amount += change.direction
    tail = {"beyond": " · beyond MCID", "reaches": " · reaches MCID", "not-beyond": " · not beyond MCID"}
    return amount + tail.get(change.mcid_status, "")


def _band_of(value: float, bands: Sequence[_Band]) -> str | None:
    for band in bands:
        if band.low <= value <= band.high:
            return band.label or None
    return None


def _description(
    title: str,
    pts: Sequence[tuple[datetime.date, float]],
    change: _Change | None,
    mcid: float | None,
    source: str,
    bands: Sequence[_Band],
) -> str:
    if not pts:
        return f"{title}: no responses yet."
    n = len(pts)
    (first_day, first), (last_day, last) = pts[0], pts[-1]
    words = [f"{title}: {n} time point{'' if n == 1 else 's'}."]
    if change is None:
        words.append(f"Baseline {_fmt(first)} ({first_day.isoformat()}). Only a baseline so far.")
        if mcid is not None:
            words.append(f"A change of {_points_word(mcid)} would reach {_mcid_words(mcid, source)}.")
    else:
        words.append(
            f"Baseline {_fmt(first)} ({first_day.isoformat()}), latest {_fmt(last)} ({last_day.isoformat()}): "
            f"{_change_words(change, mcid, source)}."
        )
    first_band = _band_of(first, bands)
    if first_band:
        words.append(f"Baseline band: {first_band}.")
    last_band = _band_of(last, bands)
    if change is not None and last_band:
        words.append(f"Latest band: {last_band}.")
    return " ".join(words)


# --- geometry -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    left: float
    top: float
    right: float
    bottom: float
    lower: float
    upper: float

    def y(self, value: float) -> float:
        share = (value - self.lower) / (self.upper - self.lower)
        y = self.bottom - share * (self.bottom - self.top)
        return min(self.bottom, max(self.top, y))


def _nice_ticks(lower: float, upper: float, plot_h: float) -> list[float]:
    span = upper - lower
    wanted = max(2, int(plot_h // 30))
    raw = span / wanted
    if not raw > 0:  # a range too narrow for floating point: just its two ends
        return [lower, upper]
    magnitude = 10.0 ** math.floor(math.log10(raw))
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10)]
    if lower.is_integer() and upper.is_integer() and span >= 2:
        steps = [c for c in steps if c.is_integer()]  # whole-number scales get whole-number ticks
    step = min(steps, key=lambda c: abs(math.log(c / raw)))
    ticks = [lower]
    k = math.ceil(lower / step)
    min_gap = span * 16 / plot_h  # keep labels at least 16 units apart
    for _ in range(2 * wanted + 4):
        value = round(k * step, 10)
        k += 1
        if value > upper:
            break
        if value - lower >= min_gap and upper - value >= min_gap:
            ticks.append(value)
    ticks.append(upper)
    return ticks


def _x_positions(days: Sequence[datetime.date], x0: float, x1: float) -> list[float]:
    """x of each response, proportional to its date, spread apart when several share a day."""
    n = len(days)
    centre = (x0 + x1) / 2
    if n == 1:
        return [centre]
    gap = min(SAME_DAY_GAP, (x1 - x0) / (n - 1))
    first, last = days[0].toordinal(), days[-1].toordinal()
    if first == last:
        return [centre + (i - (n - 1) / 2) * gap for i in range(n)]
    xs = [x0 + (d.toordinal() - first) / (last - first) * (x1 - x0) for d in days]
    for i in range(1, n):
        xs[i] = max(xs[i], xs[i - 1] + gap)
    xs[-1] = min(xs[-1], x1)
    for i in range(n - 2, -1, -1):
        xs[i] = min(xs[i], xs[i + 1] - gap)
    return [min(x1, max(x0, x)) for x in xs]


def _priority_order(n: int) -> list[int]:
    """Latest first, then the baseline, then the rest in time order: who keeps a label when space is short."""
    if n == 1:
        return [0]
    return [n - 1, 0, *range(1, n - 1)]


def _hatch(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float, float, float]]:
    """Diagonal hatch lines (rising to the right) clipped to the rectangle, computed rather than clipped."""
    lines: list[tuple[float, float, float, float]] = []
    k = x0 + y0 + HATCH_STEP / 2
    while k < x1 + y1:
        ax = max(x0, k - y1)
        bx = min(x1, k - y0)
        if bx - ax > 0.5:
            lines.append((ax, k - ax, bx, k - bx))
        k += HATCH_STEP
    return lines


# --- drawing --------------------------------------------------------------------------------------------


def _details(days: Sequence[datetime.date], values: Sequence[float], bands: Sequence[_Band]) -> str:
    n = len(days)
    details = f"{n} time point{'' if n == 1 else 's'} · baseline {_fmt(values[0])} on {days[0].isoformat()}"
    if n > 1:
        details += f" · latest {_fmt(values[-1])} on {days[-1].isoformat()}"
    first_band = _band_of(values[0], bands)
    if first_band:
        details += f" · baseline band: {first_band}"
    return details


def _header(title: str, verdict: str, details: str, width: int) -> tuple[str, float]:
    """Title (and the verdict on the right when both fit), the verdict on its own line otherwise, then the
    details line; returns the SVG and the y where the plot may start."""
    out: list[str] = []
    title_attrs: dict[str, object] = {"class_": "chart-title", "font_size": "13", "font_weight": "bold"}
    verdict_attrs: dict[str, object] = {"class_": "verdict", "font_size": "10.5", "font_weight": "bold"}
    y = TITLE_Y
    side_by_side = not verdict or _text_w(title, 13) + 16 + _text_w(verdict, 10.5) <= width - 16
    if side_by_side:
        out.append(_text(8, y, _fit(title, width - 16, 13), **title_attrs))
        if verdict:
            out.append(_text(width - 8, y, verdict, text_anchor="end", **verdict_attrs))
    else:
        out.append(_text(8, y, _fit(title, width - 16, 13), **title_attrs))
        y += HEADER_LINE
        out.append(_text(8, y, _fit(verdict, width - 16, 10.5), **verdict_attrs))
    y += HEADER_LINE
    out.append(_text(8, y, _fit(details, width - 16, 9.5), class_="details", font_size="9.5", fill=MUTED))
    return _el("g", {"class": "header"}, "".join(out)), y + 14


def _root(width: int, height: int, title_el: str, desc: str, body: str, data: Mapping[str, object]) -> str:
    attrs: dict[str, object] = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {width} {height}",
        "width": str(width),
        "height": str(height),
        "role": "img",
        "class": "outcome-progress",
        "font-family": FONT,
        **data,
    }
    background = _el(
        "rect", {"x": "0", "y": "0", "width": str(width), "height": str(height), "fill": "#ffffff"}
    )
    inner = _el("title", {}, _esc(title_el)) + _el("desc", {}, _esc(desc)) + background + body
    return _el("svg", attrs, inner)


def _empty_svg(title: str, width: int, data: Mapping[str, object]) -> str:
    height = 64
    body = _text(
        10, 22, _fit(title, width - 20, 13), class_="chart-title", font_size="13", font_weight="bold"
    )
    body += _el(
        "rect",
        {
            "x": "10",
            "y": "32",
            "width": str(width - 20),
            "height": "24",
            "fill": "#ffffff",
            "stroke": MCID_EDGE,
            "stroke-width": "1",
            "stroke-dasharray": "4 3",
        },
    )
    body += _text(
        width / 2,
        48,
        "No responses yet",
        class_="message",
        font_size="11",
        font_style="italic",
        text_anchor="middle",
    )
    return _root(width, height, f"{title}: no responses yet", f"{title}: no responses yet.", body, data)


def _y_axis(frame: _Frame, ticks: Sequence[float]) -> str:
    out: list[str] = []
    shown: set[str] = set()
    for value in ticks:
        y = frame.y(value)
        if frame.lower < value < frame.upper:
            out.append(_line(frame.left, y, frame.right, y, stroke=GRID, stroke_width="0.7"))
        out.append(_line(frame.left - 4, y, frame.left, y, stroke=AXIS, stroke_width="1"))
        label = _fmt(value)
        if label in shown:  # a scale too fine for two decimals: label each value once
            continue
        shown.add(label)
        out.append(
            _text(frame.left - 6, y + 3.2, label, class_="tick", font_size="9", text_anchor="end", fill=MUTED)
        )
    return _el("g", {"class": "y-axis"}, "".join(out))


def _direction_labels(frame: _Frame, higher_is_worse: bool, unit: str, gutter: float) -> str:
    top_word, bottom_word = ("worse ↑", "better ↓") if higher_is_worse else ("better ↑", "worse ↓")
    worse = {"font_weight": "bold", "fill": INK}
    better = {"font_weight": "normal", "fill": MUTED}
    out = [
        _text(
            6,
            frame.top + 9,
            top_word,
            class_="direction direction-top",
            font_size="9.5",
            **(worse if higher_is_worse else better),
        ),
        _text(
            6,
            frame.bottom,
            bottom_word,
            class_="direction direction-bottom",
            font_size="9.5",
            **(better if higher_is_worse else worse),
        ),
    ]
    if unit:
        mid = (frame.top + frame.bottom) / 2
        room = frame.bottom - frame.top - 2 * 11
        if room > 20:
            x = 6 + gutter / 2
            out.append(
                _text(
                    x,
                    mid,
                    _fit(unit, room, 9, char_w=0.55),  # lower-case, regular weight: narrower
                    class_="unit",
                    font_size="9",
                    text_anchor="middle",
                    fill=MUTED,
                    transform=f"rotate(-90 {_num(x)} {_num(mid)})",
                )
            )
    return _el("g", {"class": "direction-labels"}, "".join(out))


def _severity_bands(frame: _Frame, bands: Sequence[_Band], label_room: float) -> str:
    out: list[str] = []
    x = frame.right + 4
    for index, band in enumerate(bands):
        y_top, y_bottom = frame.y(band.high), frame.y(band.low)
        parts = [
            _el(
                "rect",
                {
                    "x": _num(x),
                    "y": _num(y_top),
                    "width": "8",
                    "height": _num(y_bottom - y_top),
                    "fill": STRIPE_FILLS[index % 2],
                    "stroke": STRIPE_EDGE,
                    "stroke-width": "0.6",
                },
            )
        ]
        if band.label and y_bottom - y_top >= 9:
            parts.append(
                _text(
                    x + 12,
                    (y_top + y_bottom) / 2 + 3.2,
                    _fit(band.label, label_room, 9),
                    font_size="9",
                    fill=MUTED,
                )
            )
        attrs = {"class": "severity-band", "data-low": _num(band.low), "data-high": _num(band.high)}
        out.append(
            _el(
                "g",
                attrs,
                _el("title", {}, _esc(f"{band.label} ({_fmt(band.low)}–{_fmt(band.high)})")) + "".join(parts),
            )
        )
    return _el("g", {"class": "severity-bands"}, "".join(out))


def _mcid_band(frame: _Frame, baseline: float, mcid: float) -> str:
    y_top = frame.y(baseline + mcid)
    y_bottom = frame.y(baseline - mcid)
    parts = [
        _el(
            "rect",
            {
                "class": "mcid-fill",
                "x": _num(frame.left),
                "y": _num(y_top),
                "width": _num(frame.right - frame.left),
                "height": _num(y_bottom - y_top),
                "fill": MCID_FILL,
            },
        )
    ]
    hatch = "".join(
        _line(ax, ay, bx, by, stroke=MCID_HATCH, stroke_width="0.6")
        for ax, ay, bx, by in _hatch(frame.left, y_top, frame.right, y_bottom)
    )
    parts.append(_el("g", {"class": "mcid-hatch"}, hatch))
    for y in (y_top, y_bottom):
        parts.append(
            _line(
                frame.left,
                y,
                frame.right,
                y,
                class_="mcid-edge",
                stroke=MCID_EDGE,
                stroke_width="0.9",
                stroke_dasharray="2 2",
            )
        )
    attrs = {
        "class": "mcid-band",
        "data-baseline": _num(baseline),
        "data-mcid": _num(mcid),
        "data-y-top": _num(y_top),
        "data-y-bottom": _num(y_bottom),
    }
    return _el("g", attrs, "".join(parts))


def _value_labels(
    frame: _Frame, xs: Sequence[float], ys: Sequence[float], values: Sequence[float]
) -> list[tuple[int, float, float, str]]:
    """(index, x, baseline y, text) for each value label that fits without overlapping another one."""
    n = len(xs)
    placed: list[tuple[float, float, float, float]] = []  # x from, x to, y from, y to
    out: list[tuple[int, float, float, str]] = []
    for i in _priority_order(n):
        text = _fmt(values[i])
        w = _text_w(text, 10) + 2
        neighbours = [ys[j] for j in (i - 1, i + 1) if 0 <= j < n]
        # a peak (smaller y) gets its label above, a dip below: the line then runs away from the label
        above = not neighbours or ys[i] <= sum(neighbours) / len(neighbours)
        if above and ys[i] - 8 - 9 < frame.top:
            above = False
        if not above and ys[i] + 17 > frame.bottom:
            above = True
        baseline = ys[i] - 8 if above else ys[i] + 16
        box = (xs[i] - w / 2, xs[i] + w / 2, baseline - 9, baseline + 2)
        if any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in placed):
            continue
        placed.append(box)
        out.append((i, xs[i], baseline, text))
    return sorted(out)


def _x_axis(frame: _Frame, days: Sequence[datetime.date], xs: Sequence[float]) -> str:
    out = [_line(frame.left, frame.bottom, frame.right, frame.bottom, stroke=AXIS, stroke_width="1.2")]
    groups: dict[datetime.date, list[float]] = {}
    for day, x in zip(days, xs, strict=True):
        groups.setdefault(day, []).append(x)
        out.append(_line(x, frame.bottom, x, frame.bottom + 4, stroke=AXIS, stroke_width="1"))
    ordered = list(groups.items())
    label_w = _text_w("2026-01-01", 9) + 8
    shown: list[float] = []
    for i in _priority_order(len(ordered)):
        day, group = ordered[i]
        x = sum(group) / len(group)
        if any(abs(x - other) < label_w for other in shown):
            continue
        shown.append(x)
        out.append(
            _text(
                x,
                frame.bottom + 14,
                day.isoformat(),
                class_="date",
                font_size="9",
                text_anchor="middle",
                fill=MUTED,
            )
        )
    return _el("g", {"class": "x-axis"}, "".join(out))


def _legend(frame: _Frame, y: float, width: int, baseline: float, mcid: float | None, source: str) -> str:
    x = frame.left
    items: list[str] = []
    items.append(_line(x, y - 3.5, x + 22, y - 3.5, stroke=INK, stroke_width="1.2", stroke_dasharray="5 3"))
    text = f"baseline {_fmt(baseline)}"
    items.append(_text(x + 27, y, text, font_size="9", fill=INK))
    x += 27 + _text_w(text, 9) + 16
    if mcid is None:
        items.append(_text(x, y, "no MCID available", class_="mcid-label", font_size="9", fill=MUTED))
    else:
        swatch = _el(
            "rect",
            {
                "x": _num(x),
                "y": _num(y - 9),
                "width": "22",
                "height": "10",
                "fill": MCID_FILL,
                "stroke": MCID_EDGE,
                "stroke-width": "0.9",
                "stroke-dasharray": "2 2",
            },
        )
        hatch = "".join(
            _line(ax, ay, bx, by, stroke=MCID_HATCH, stroke_width="0.6")
            for ax, ay, bx, by in _hatch(x, y - 9, x + 22, y + 1)
        )
        label = f"MCID ±{_fmt(mcid)}" + (f" ({source})" if source else "") + " around baseline"
        items += [swatch, hatch]
        items.append(
            _text(x + 27, y, _fit(label, width - x - 27 - 6, 9), class_="mcid-label", font_size="9", fill=INK)
        )
    return _el("g", {"class": "legend"}, "".join(items))


def progress_svg(
    points: Sequence[tuple[datetime.date, float]],
    *,
    title: str,
    unit: str = "",
    lower: float,
    upper: float,
    higher_is_worse: bool,
    mcid: float | None,
    mcid_source: str = "",
    width: int = 560,
    height: int = 220,
    bands: Sequence[tuple[float, float, str]] = (),
) -> str:
    """Return an inline SVG line chart of one measure's scores over time, baseline vs latest vs the MCID.

    ``points`` are ``(date, score)`` pairs in any order (the earliest is the baseline); ``lower``/``upper``
    the range of the scale; ``mcid`` the minimal clinically important difference in score units (None when
    none is established) and ``mcid_source`` where it comes from; ``bands`` optional severity bands
    ``(low, high, label)``.  Raises ValueError for a score outside the range or not finite, a range with
    ``lower >= upper``, an MCID that is not a positive number, a bad band, or a size below 320 x 160.
    """
    low = _finite("lower", lower)
    high = _finite("upper", upper)
    if low >= high:
        raise ValueError(f"lower {_fmt(low)} must be below upper {_fmt(high)}")
    if not math.isfinite(high - low):
        raise ValueError(f"the range {lower!r}–{upper!r} is too wide to draw")
    if mcid is not None:
        mcid = _finite("mcid", mcid)
        if mcid <= 0:
            raise ValueError(f"mcid {_fmt(mcid)} must be a positive number (or None when there is none)")
    width = _size("width", width, MIN_WIDTH)
    height = _size("height", height, MIN_HEIGHT)
    pts = _parse_points(points, low, high)
    severity = _parse_bands(bands, low, high)
    title = _clean(title).strip() or "Outcome measure"
    unit = _clean(unit).strip()
    source = _clean(mcid_source).strip()

    data: dict[str, object] = {
        "data-points": str(len(pts)),
        "data-lower": _num(low),
        "data-upper": _num(high),
        "data-higher-is-worse": "true" if higher_is_worse else "false",
    }
    if not pts:
        return _empty_svg(title, width, data)

    change = _change(pts[0][1], pts[-1][1], higher_is_worse, mcid) if len(pts) > 1 else None
    if change is not None:
        data["data-change"] = _num(change.delta)
        data["data-direction"] = change.direction
        data["data-mcid-status"] = change.mcid_status
    desc = _description(title, pts, change, mcid, source, severity)

    days = [d for d, _ in pts]
    values = [v for _, v in pts]
    baseline = values[0]
    verdict = _short_verdict(change) if change is not None else ""
    header, plot_top = _header(title, verdict, _details(days, values, severity), width)

    # horizontal layout: direction gutter | tick labels | plot | severity stripes and their labels
    ticks_probe = _nice_ticks(low, high, height - plot_top - BOTTOM_SPACE)
    tick_w = max(_text_w(_fmt(t), 9) for t in ticks_probe)
    gutter = _text_w("better ↓", 9.5)
    left = 6 + gutter + 6 + tick_w + 8
    label_room = min(96.0, max((_text_w(b.label, 9) for b in severity), default=0.0))
    right = width - (18 + label_room + 6 if severity else 14)
    if right - left < 2 * INNER_PAD + 40:
        raise ValueError(f"width {width} leaves no room for the plot with these labels")
    frame = _Frame(left, plot_top, right, height - BOTTOM_SPACE, low, high)
    ticks = _nice_ticks(low, high, frame.bottom - frame.top)

    xs = _x_positions(days, frame.left + INNER_PAD, frame.right - INNER_PAD)
    ys = [frame.y(v) for v in values]

    body: list[str] = []
    body.append(header)
    n = len(pts)
    if severity:
        body.append(_severity_bands(frame, severity, label_room))
    body.append(_y_axis(frame, ticks))
    if mcid is not None:
        body.append(_mcid_band(frame, baseline, mcid))
    body.append(
        _line(
            frame.left,
            ys[0],
            frame.right,
            ys[0],
            class_="baseline",
            stroke=INK,
            stroke_width="1.2",
            stroke_dasharray="5 3",
        )
    )
    body.append(
        _el(
            "rect",
            {
                "class": "plot-area",
                "x": _num(frame.left),
                "y": _num(frame.top),
                "width": _num(frame.right - frame.left),
                "height": _num(frame.bottom - frame.top),
                "fill": "none",
                "stroke": AXIS,
                "stroke-width": "0.8",
            },
        )
    )
    body.append(_x_axis(frame, days, xs))
    body.append(_direction_labels(frame, higher_is_worse, unit, gutter))
    if n > 1:
        body.append(
            _el(
                "polyline",
                {
                    "class": "trend",
                    "points": " ".join(f"{_num(x)},{_num(y)}" for x, y in zip(xs, ys, strict=True)),
                    "fill": "none",
                    "stroke": INK,
                    "stroke-width": "1.6",
                    "stroke-linejoin": "round",
                },
            )
        )
    markers = []
    for i, (day, value) in enumerate(pts):
        role = "baseline" if i == 0 else ("latest" if i == n - 1 else "follow-up")
        markers.append(
            _el(
                "circle",
                {
                    "class": f"marker {role}",
                    "cx": _num(xs[i]),
                    "cy": _num(ys[i]),
                    "r": _num(MARKER_R),
                    "fill": INK,
                    "stroke": "#ffffff",
                    "stroke-width": "1.2",
                    "data-date": day.isoformat(),
                    "data-value": _num(value),
                },
                _el("title", {}, _esc(f"{day.isoformat()}: {_fmt(value)}")),
            )
        )
    body.append(_el("g", {"class": "markers"}, "".join(markers)))
    labels = [
        _text(
            x,
            y,
            text,
            class_="value-label",
            font_size="10",
            font_weight="bold",
            text_anchor="middle",
            stroke="#ffffff",
            stroke_width="3",
            stroke_linejoin="round",
            paint_order="stroke",
            data_index=str(i),
        )
        for i, x, y, text in _value_labels(frame, xs, ys, values)
    ]
    body.append(_el("g", {"class": "value-labels"}, "".join(labels)))
    if n == 1:
        # the message sits in the half of the plot away from the point
        upper_half = ys[0] < (frame.top + frame.bottom) / 2
        y = frame.bottom - 10 if upper_half else frame.top + 18
        body.append(
            _text(
                (frame.left + frame.right) / 2,
                y,
                "Only a baseline so far",
                class_="message",
                font_size="11",
                font_style="italic",
                text_anchor="middle",
                stroke="#ffffff",
                stroke_width="3",
                stroke_linejoin="round",
                paint_order="stroke",
            )
        )
    body.append(_legend(frame, height - 7, width, baseline, mcid, source))

    title_el = f"{title}: " + (
        f"{_short_verdict(change).replace(' · ', ' since baseline, ', 1)}"
        if change
        else "only a baseline so far"
    )
    return _root(width, height, title_el, desc, "".join(body), data)
