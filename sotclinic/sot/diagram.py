"""Draw an SOT blocking protocol on a pelvis diagram, as a standalone inline SVG string.

The function is pure: it takes the JSON form of a protocol (what ``sotclinic classify`` prints under
``"protocol"``) and returns text.  It imports nothing from the rest of ``sotclinic.sot`` on purpose.

Orientation of the drawing
    The pelvis is drawn as the practitioner sees it from above the table, standing at the foot of the
    table and looking towards the patient's head (the head is at the top of the image).  A prone patient is
    therefore seen from behind, so the patient's LEFT is on the LEFT of the image; a supine patient is seen
    from the front, so the patient's LEFT is on the RIGHT of the image.  Both sides are labelled in words on
    every drawing, and the root element carries ``data-patient-left="image-left"`` or ``"image-right"``.

Blocks
    Each block is a wedge (trapezoid, narrow end towards the midline) centred on its landmark.
    ``angle_deg`` 0 lies flat across the table; a positive angle turns the medial end of the block towards
    the patient's head by that many degrees (45 = oblique), mirrored between the two sides.

Everything that comes from the protocol dict is validated (landmark, side, position, numbers) or
XML-escaped (free text such as ``orientation``, ``category``, ``missing``); characters that XML 1.0
cannot carry are dropped.  The output uses presentation attributes only: no scripts, no ``style``
attributes, no ids, no external references, so it works under a strict Content-Security-Policy and
several diagrams can share one page.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard
from xml.sax.saxutils import escape, quoteattr

__all__ = ["LANDMARKS", "SIDES", "pelvis_svg"]

#: landmark code -> words used in the title, description and legend
LANDMARKS: dict[str, str] = {
    "trochanter": "greater trochanter",
    "asis": "iliac crest / ASIS",
    "ilium": "posterior ilium",
}
SIDES: tuple[str, ...] = ("left", "right")
POSITIONS: tuple[str, ...] = ("prone", "supine")

CATEGORY_LABELS: dict[str, str] = {"cat1": "Category I", "cat2": "Category II", "cat3": "Category III"}
MISSING_LABELS: dict[str, str] = {
    "leg_length_prone": "prone leg check",
    "leg_length_supine": "supine leg check",
}

# --- layout (viewBox units; the viewBox is always VB_W wide, the width argument only scales it) ---------
VB_W = 360
CX = 180.0  # centre line of the body
PELVIS_Y = 96.0  # local y = 0 of the anatomy (top of the iliac crests)
SCALE = 0.92  # local anatomy units -> viewBox units
ANATOMY_BOTTOM = PELVIS_Y + 232 * SCALE

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#111111"
BONE_FILL = "#f6f3ec"
BONE_STROKE = "#4d4d4d"
SACRUM_FILL = "#e6e0d2"
BLOCK_FILL = "#8a8a8a"
BLOCK_STROKE = "#000000"
MUTED = "#555555"

#: landmark -> (x, y) in local anatomy units on the image-RIGHT half (x > 0 is away from the midline)
LANDMARK_XY: dict[str, tuple[float, float]] = {
    "trochanter": (142.0, 118.0),
    "asis": (117.0, 57.0),
    "ilium": (74.0, 30.0),
}

# Wedge seen from above: long axis across the table, narrow end towards the midline (local x < 0 on the
# image-right side).  viewBox units, before rotation.
WEDGE: tuple[tuple[float, float], ...] = ((-25.0, -7.0), (25.0, -12.0), (25.0, 12.0), (-25.0, 7.0))

LEGEND_WRAP = 46  # characters per legend line at 11 px
LEGEND_MAX_LINES = 4  # per block; the full text is always in <desc>
LINE_H = 15.0

# Characters allowed by XML 1.0; everything else is removed before escaping.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _Block:
    order: int
    landmark: str
    side: str
    angle: float
    orientation: str


# --- small helpers ---------------------------------------------------------------------------------------


def _clean(value: object) -> str:
    """Text from the protocol, made safe to put inside XML (then it still has to be escaped)."""
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
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return text


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _angle_words(angle: float) -> str:
    if angle == 0:
        return "flat"
    return _num(angle).replace("-", "\u2212") + "°"


def _duration_words(value: object) -> str | None:
    """``duration_s`` in words, or None when it is absent or not a number (it is auxiliary information)."""

    def one(seconds: float) -> str:
        whole = int(round(seconds))
        minutes, secs = divmod(whole, 60)
        if minutes == 0:
            return f"{secs} s"
        return f"{minutes} min" if secs == 0 else f"{minutes} min {secs} s"

    if _is_number(value) and value > 0:
        return "about " + one(float(value))
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes)
        and len(value) == 2
        and all(_is_number(v) and v > 0 for v in value)
    ):
        low, high = float(value[0]), float(value[1])
        if low % 60 == 0 and high % 60 == 0:
            return f"about {int(low) // 60}–{int(high) // 60} min"
        return f"about {one(low)} – {one(high)}"
    return None


def _el(tag: str, attrs: Mapping[str, object], body: str | None = None) -> str:
    parts = " ".join(f"{key}={_attr(val)}" for key, val in attrs.items())
    opening = f"<{tag} {parts}" if parts else f"<{tag}"
    if body is None:
        return opening + "/>"
    return f"{opening}>{body}</{tag}>"


def _text(x: float, y: float, content: str, **attrs: object) -> str:
    base: dict[str, object] = {"x": _num(x), "y": _num(y), "fill": INK}
    base.update({key.rstrip("_").replace("_", "-"): val for key, val in attrs.items()})
    return _el("text", base, _esc(content))


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


# --- validation -----------------------------------------------------------------------------------------


def _parse_blocks(raw: object) -> list[_Block]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ValueError(f"protocol blocks must be a list, not {type(raw).__name__}")
    blocks: list[_Block] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValueError(f"block {index + 1} must be an object, not {type(item).__name__}")
        landmark = item.get("landmark")
        if not isinstance(landmark, str) or landmark not in LANDMARKS:
            raise ValueError(
                f"unknown landmark {landmark!r} in block {index + 1}; known: {', '.join(LANDMARKS)}"
            )
        side = item.get("side")
        if not isinstance(side, str) or side not in SIDES:
            raise ValueError(f"unknown side {side!r} in block {index + 1}; a block is placed left or right")
        angle = item.get("angle_deg")
        if not _is_number(angle) or not -180 <= angle <= 180:
            raise ValueError(f"angle_deg {angle!r} in block {index + 1} must be a number from -180 to 180")
        order = item.get("order", index + 1)
        if not isinstance(order, int) or isinstance(order, bool) or order < 0:
            raise ValueError(f"order {order!r} in block {index + 1} must be a whole number")
        orientation = item.get("orientation")
        blocks.append(
            _Block(
                order=order,
                landmark=landmark,
                side=side,
                angle=float(angle),
                orientation="" if orientation is None else _clean(orientation).strip(),
            )
        )
    return sorted(blocks, key=lambda b: b.order)


def _parse_position(raw: object) -> str:
    position = raw.strip().lower() if isinstance(raw, str) else raw
    if position not in POSITIONS:
        raise ValueError(f"unknown position {raw!r}; expected prone or supine")
    return str(position)


def _image_sign(side: str, position: str) -> int:
    """+1 when the patient's ``side`` is drawn on the right half of the image, -1 for the left half."""
    left_on_image_left = position == "prone"  # prone: seen from behind; supine: seen from the front
    if side == "left":
        return -1 if left_on_image_left else 1
    return 1 if left_on_image_left else -1


# --- drawing ---------------------------------------------------------------------------------------------

# Image-RIGHT hip bone, femur and details in local units (x away from the midline, y towards the feet).
# The left half is the same paths under scale(-1 1).
_HIP_BONE = (
    "M 27 30 C 42 9 70 -3 96 0 C 116 3 129 18 127 38 C 126 47 123 53 118 57 "
    "C 115 60 112 61 111 64 C 110 69 108 72 105 75 C 100 80 99 88 102 97 "
    "C 106 110 101 124 91 132 C 85 144 82 158 77 169 C 72 180 59 183 53 174 "
    "C 47 165 39 160 29 158 L 6 156 L 6 129 C 18 126 32 123 45 116 "
    "C 58 108 60 88 50 72 C 44 62 35 60 29 58 Z"
)
_OBTURATOR = "M 40 140 C 40 130 54 127 63 131 C 70 135 68 148 58 151 C 48 154 40 149 40 140 Z"
_FEMUR = (
    "M 103 97 C 113 101 121 100 127 95 L 133 90 C 141 93 145 104 144 115 "
    "C 143 126 139 134 137 144 L 133 232 L 109 232 L 112 153 C 108 151 103 148 104 142 "
    "C 105 137 110 136 109 130 C 105 124 100 121 97 119 Z"
)
_ACETABULAR_ROOF = "M 73.7 100.8 A 20 20 0 0 1 111.1 97.5"
_L5 = (
    "M -22 2 C -8 0 8 0 22 2 L 23 7 L 38 9 C 41 10 41 14 38 15 L 23 16 L 22 21 "
    "C 8 19 -8 19 -22 21 L -23 16 L -38 15 C -41 14 -41 10 -38 9 L -23 7 Z"
)
_SACRUM = (
    "M -31 28 C -11 23 11 23 31 28 C 31 51 28 72 19 99 C 15 110 9 118 5 124 "
    "L -5 124 C -9 118 -15 110 -19 99 C -28 72 -31 51 -31 28 Z"
)
_COCCYX = "M -5 125 L 5 125 L 3 139 L -3 139 Z"
_SACRAL_FORAMINA = ((12.0, 43.0, 3.2), (11.0, 61.0, 3.0), (9.5, 79.0, 2.6), (7.5, 95.0, 2.2))


def _anatomy() -> str:
    bone = {"fill": BONE_FILL, "stroke": BONE_STROKE, "stroke-width": "1.4", "stroke-linejoin": "round"}
    half: list[str] = [
        _el("path", {"class": "hip-bone ilium", "d": _HIP_BONE, **bone}),
        _el("path", {"class": "obturator", "d": _OBTURATOR, "fill": "#ffffff", **_only_stroke(bone)}),
        _el("path", {"class": "femur", "d": _FEMUR, **bone}),
        _el("path", {"class": "acetabulum", "d": _ACETABULAR_ROOF, "fill": "none", **_only_stroke(bone)}),
        _el("circle", {"class": "femoral-head", "cx": "93", "cy": "107", "r": "15.5", **bone}),
        _el("circle", {"class": "asis", "cx": "118", "cy": "57", "r": "3.2", "fill": "#222222"}),
    ]
    half_svg = "".join(half)
    parts = [
        _el("g", {"class": "half image-right"}, half_svg),
        _el("g", {"class": "half image-left", "transform": "scale(-1 1)"}, half_svg),
        _el("path", {"class": "l5", "d": _L5, **bone}),
        _el("path", {"class": "sacrum", "d": _SACRUM, **{**bone, "fill": SACRUM_FILL}}),
        _el("path", {"class": "coccyx", "d": _COCCYX, **{**bone, "fill": SACRUM_FILL}}),
    ]
    for fx, fy, r in _SACRAL_FORAMINA:
        for sx in (fx, -fx):
            parts.append(_el("circle", {"cx": _num(sx), "cy": _num(fy), "r": _num(r), "fill": BONE_STROKE}))
    labels = [
        _text(0, 70, "sacrum", font_size="8", text_anchor="middle", fill=MUTED),
        _text(0, 14, "L5", font_size="8", text_anchor="middle", fill=MUTED),
    ]
    # small landmark labels on both halves, placed where blocks rarely sit
    small: dict[str, object] = {
        "font_size": "7.5",
        "text_anchor": "middle",
        "fill": MUTED,
    }
    for sign in (1, -1):
        outward = "start" if sign > 0 else "end"
        labels.append(_text(sign * 125, 55, "ASIS", **{**small, "text_anchor": outward}))
        labels.append(_text(sign * 66, -6, "iliac crest", **small))
        labels.append(_text(sign * 160, 160, "greater", **small))
        labels.append(_text(sign * 160, 169, "trochanter", **small))
    body = "".join(parts) + "".join(labels)
    transform = f"translate({_num(CX)} {_num(PELVIS_Y)}) scale({_num(SCALE)})"
    return _el("g", {"class": "anatomy", "transform": transform}, body)


def _only_stroke(style: Mapping[str, str]) -> dict[str, str]:
    return {key: val for key, val in style.items() if key != "fill"}


def _block_xy(block: _Block, position: str) -> tuple[float, float, int]:
    sign = _image_sign(block.side, position)
    lx, ly = LANDMARK_XY[block.landmark]
    return CX + sign * lx * SCALE, PELVIS_Y + ly * SCALE, sign


def _block_svg(block: _Block, position: str) -> str:
    x, y, sign = _block_xy(block, position)
    # On the image-right half the medial (narrow) end is at local -x; rotating by +angle (clockwise on
    # screen) lifts it towards the head.  The image-left half is the exact mirror image.
    theta = math.radians(block.angle)
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    points = []
    for px, py in WEDGE:
        rx = px * cos_t - py * sin_t
        ry = px * sin_t + py * cos_t
        points.append(f"{_num(sign * rx)},{_num(ry)}")
    polygon = _el(
        "polygon",
        {
            "class": "wedge",
            "points": " ".join(points),
            "fill": BLOCK_FILL,
            "stroke": BLOCK_STROKE,
            "stroke-width": "2.5",
            "stroke-linejoin": "round",
        },
    )
    badge = _el(
        "circle",
        {
            "class": "badge",
            "cx": "0",
            "cy": "0",
            "r": "8.5",
            "fill": "#ffffff",
            "stroke": INK,
            "stroke-width": "1.6",
        },
    )
    number = _text(0, 3.6, str(block.order), font_size="10.5", font_weight="bold", text_anchor="middle")
    label = _block_sentence(block)
    attrs = {
        "class": f"block block-{block.landmark} side-{block.side}",
        "data-landmark": block.landmark,
        "data-side": block.side,
        "data-order": str(block.order),
        "data-angle": _num(block.angle),
        "transform": f"translate({_num(x)} {_num(y)})",
    }
    return _el("g", attrs, _el("title", {}, _esc(label)) + polygon + badge + number)


def _placement(block: _Block) -> str:
    """ "right greater trochanter, 45°, slid in obliquely from below" """
    text = f"{block.side} {LANDMARKS[block.landmark]}, {_angle_words(block.angle)}"
    if block.orientation:
        text += f", {block.orientation}"
    return text


def _legend_text(block: _Block) -> str:
    return f"{block.order} — {_placement(block)}"


def _block_sentence(block: _Block) -> str:
    return f"Block {block.order}: {_placement(block)}"


@dataclass(frozen=True)
class _Parsed:
    position: str | None  # None: no protocol
    blocks: list[_Block]
    missing: str | None
    category_label: str | None
    verified: bool
    duration: str | None


def _parse(protocol: Mapping[str, Any] | None) -> _Parsed:
    if protocol is None:
        return _Parsed(None, [], None, None, False, None)
    if not isinstance(protocol, Mapping):
        raise ValueError(f"protocol must be a mapping or None, not {type(protocol).__name__}")
    position = _parse_position(protocol.get("position"))
    raw_missing = protocol.get("missing")
    missing = None if raw_missing in (None, "") else _clean(raw_missing).strip() or None
    # the blocks are validated even when `missing` means they are not drawn: bad data never passes silently
    blocks = _parse_blocks(protocol.get("blocks"))
    raw_category = protocol.get("category")
    category_label = (
        None if raw_category is None else CATEGORY_LABELS.get(str(raw_category), _clean(raw_category))
    )
    return _Parsed(
        position=position,
        blocks=[] if missing else blocks,
        missing=missing,
        category_label=category_label,
        verified=protocol.get("verified") is True,
        duration=_duration_words(protocol.get("duration_s")),
    )


def _message_lines(p: _Parsed) -> list[str]:
    if p.position is None:
        return ["No category confirmed — no blocking protocol"]
    if p.missing:
        human = MISSING_LABELS.get(p.missing)
        return [f"Blocks not placed: record {p.missing} first"] + ([f"({human})"] if human else [])
    if not p.blocks:
        return ["No blocks in this protocol"]
    return []


def _description(p: _Parsed) -> str:
    messages = _message_lines(p)
    if p.position is None:
        return f"{messages[0]}. Pelvis seen from above the table, head at the top, no blocks drawn."
    parts = [f"{p.position.capitalize()}."]
    parts.extend(_block_sentence(block) + "." for block in p.blocks)
    if messages:
        parts.append(" ".join(messages) + ".")
    seen = "from behind" if p.position == "prone" else "from the front"
    half = "left" if _image_sign("left", p.position) < 0 else "right"
    parts.append(
        f"Pelvis seen from above the table, {seen}, standing at the foot of the table, head at the top; "
        f"the patient's left is on the {half} of the image."
    )
    if p.duration:
        parts.append(f"Duration {p.duration}.")
    if not p.verified:
        parts.append("Default protocol, not verified: confirm against your SOT training.")
    return " ".join(parts)


def _header(p: _Parsed) -> str:
    heading = "NO BLOCKING PROTOCOL" if p.position is None else p.position.upper()
    if p.category_label:
        heading += f" · {p.category_label}"
    out = [_text(CX, 24, heading, class_="heading", font_size="17", font_weight="bold", text_anchor="middle")]
    sub = []
    if p.position is not None and not p.verified:
        sub.append("Default — confirm against your SOT training")
    if p.duration:
        sub.append(p.duration)
    if sub:
        out.append(
            _text(
                CX,
                40,
                " · ".join(sub),
                font_size="9.5",
                font_style="italic",
                text_anchor="middle",
                fill=MUTED,
            )
        )
    bold = {"font_size": "10.5", "font_weight": "bold"}
    out.append(_text(CX, 60, "head ↑", class_="head", text_anchor="middle", **bold))
    if p.position is not None:
        left_on_left = _image_sign("left", p.position) < 0
        on_left = "← Patient's LEFT" if left_on_left else "← Patient's RIGHT"
        on_right = "Patient's RIGHT →" if left_on_left else "Patient's LEFT →"
        out.append(_text(10, 60, on_left, class_="side-label image-left", **bold))
        out.append(_text(VB_W - 10, 60, on_right, class_="side-label image-right", text_anchor="end", **bold))
    centre_line = {
        "class": "centre-line",
        "x1": _num(CX),
        "y1": "66",
        "x2": _num(CX),
        "y2": _num(ANATOMY_BOTTOM + 4),
        "stroke": "#b3b3b3",
        "stroke-width": "0.8",
        "stroke-dasharray": "4 3",
    }
    out.append(_el("line", centre_line))
    return "".join(out)


def _legend(blocks: Sequence[_Block], y: float) -> tuple[str, float]:
    items: list[str] = []
    for block in blocks:
        lines = _wrap(_legend_text(block), LEGEND_WRAP, LEGEND_MAX_LINES)
        y += LINE_H
        swatch = {
            "cx": "24",
            "cy": _num(y - 4),
            "r": "7.5",
            "fill": BLOCK_FILL,
            "stroke": BLOCK_STROKE,
            "stroke-width": "1.8",
        }
        tspans = "".join(
            _el("tspan", {"x": "38", "dy": "0" if i == 0 else _num(LINE_H - 2)}, _esc(line))
            for i, line in enumerate(lines)
        )
        parts = [
            _el("circle", swatch),
            _text(
                24,
                y - 0.5,
                str(block.order),
                font_size="9.5",
                font_weight="bold",
                text_anchor="middle",
                fill="#ffffff",
            ),
            _el("text", {"x": "38", "y": _num(y), "font-size": "11", "fill": INK}, tspans),
        ]
        attrs = {
            "class": "legend-item",
            "data-order": str(block.order),
            "data-landmark": block.landmark,
            "data-side": block.side,
        }
        items.append(_el("g", attrs, "".join(parts)))
        y += (len(lines) - 1) * (LINE_H - 2) + 3
    return (_el("g", {"class": "legend"}, "".join(items)) if items else ""), y


def _message_box(lines: Sequence[str], y: float) -> tuple[str, float]:
    if not lines:
        return "", y
    y += 8
    box_h = 14 + LINE_H * len(lines)
    frame = {
        "x": "16",
        "y": _num(y),
        "width": str(VB_W - 32),
        "height": _num(box_h),
        "rx": "4",
        "fill": "#ffffff",
        "stroke": INK,
        "stroke-width": "1.5",
        "stroke-dasharray": "5 3",
    }
    parts = [_el("rect", frame)]
    for i, line in enumerate(lines):
        weight = "bold" if i == 0 else "normal"
        parts.append(
            _text(CX, y + 18 + i * LINE_H, line, font_size="11.5", font_weight=weight, text_anchor="middle")
        )
    return _el("g", {"class": "message"}, "".join(parts)), y + box_h


def pelvis_svg(protocol: Mapping[str, Any] | None, *, title: str | None = None, width: int = 360) -> str:
    """Return an inline SVG drawing of ``protocol`` (the JSON dict form) on a pelvis seen from above.

    ``protocol`` None draws the pelvis with "No category confirmed — no blocking protocol"; a protocol with
    ``missing`` set draws it without blocks and asks for that finding.  Raises ValueError for an unknown
    landmark, side or position, a bad angle or order, or a width that is not a positive whole number.
    """
    if not isinstance(width, int) or isinstance(width, bool) or width <= 0:
        raise ValueError(f"width {width!r} must be a positive whole number")
    p = _parse(protocol)
    if title is None:
        title = (
            "SOT blocking protocol: none"
            if p.position is None
            else f"SOT blocking protocol: {p.category_label or 'no category'}, {p.position}"
        )

    body = [_header(p), _anatomy()]
    if p.position is not None and p.blocks:
        # drawn last-placed first, so block 1 lies on top where two overlap
        blocks_svg = "".join(_block_svg(b, p.position) for b in reversed(p.blocks))
        body.append(_el("g", {"class": "blocks"}, blocks_svg))

    y = ANATOMY_BOTTOM + 16
    if p.position is not None:
        seen = "the patient's back (prone)" if p.position == "prone" else "the patient's front (supine)"
        caption = f"Seen from the foot of the table, looking down at {seen}"
        body.append(_text(CX, y, caption, class_="view", font_size="8.5", text_anchor="middle", fill=MUTED))
        y += 10
    body.append(
        _el(
            "line",
            {
                "x1": "12",
                "y1": _num(y),
                "x2": str(VB_W - 12),
                "y2": _num(y),
                "stroke": "#999999",
                "stroke-width": "0.8",
            },
        )
    )
    y += 8
    legend, y = _legend(p.blocks, y)
    message, y = _message_box(_message_lines(p), y)
    body += [legend, message]

    vb_h = math.ceil(y + 14)
    if p.position is None:
        patient_left = "none"
    else:
        patient_left = "image-left" if _image_sign("left", p.position) < 0 else "image-right"
    root = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {VB_W} {vb_h}",
        "width": str(width),
        "height": str(max(1, round(width * vb_h / VB_W))),
        "role": "img",
        "class": "sot-pelvis",
        "data-position": p.position or "none",
        "data-patient-left": patient_left,
        "font-family": FONT,
    }
    background = _el("rect", {"x": "0", "y": "0", "width": str(VB_W), "height": str(vb_h), "fill": "#ffffff"})
    inner = (
        _el("title", {}, _esc(title)) + _el("desc", {}, _esc(_description(p))) + background + "".join(body)
    )
    return _el("svg", root, inner)
