"""progress_svg: one outcome measure over time against the MCID (pure function, no database)."""

from __future__ import annotations

import datetime
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sotclinic.charts import progress_svg

SVG_NS = "http://www.w3.org/2000/svg"
NS = {"svg": SVG_NS}
D = datetime.date

ODI_POINTS = [(D(2026, 9, 1), 46.0), (D(2026, 10, 2), 34.0), (D(2026, 11, 20), 22.0)]
ODI: dict[str, Any] = {
    "title": "ODI",
    "unit": "% disability",
    "lower": 0,
    "upper": 100,
    "higher_is_worse": True,
    "mcid": 10,
    "mcid_source": "Ostelo 2008",
}
ODI_BANDS = [
    (0, 20, "minimal"),
    (21, 40, "moderate"),
    (41, 60, "severe"),
    (61, 80, "crippled"),
    (81, 100, "bed-bound"),
]
PSFS: dict[str, Any] = {
    "title": "PSFS",
    "lower": 0,
    "upper": 10,
    "higher_is_worse": False,
    "mcid": 2,
    "mcid_source": "Abbott & Schmitt 2014",
}


# --- helpers -------------------------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- our own output, parsed to check it is well formed


def tag(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


def has_class(el: ET.Element, name: str) -> bool:
    return name in el.get("class", "").split()


def find_all(root: ET.Element, name: str, cls: str) -> list[ET.Element]:
    return [el for el in root.iter(tag(name)) if has_class(el, cls)]


def find_one(root: ET.Element, name: str, cls: str) -> ET.Element:
    (el,) = find_all(root, name, cls)
    return el


def markers(root: ET.Element) -> list[ET.Element]:
    return find_all(root, "circle", "marker")


def xy(marker: ET.Element) -> tuple[float, float]:
    return float(marker.get("cx", "nan")), float(marker.get("cy", "nan"))


def plot_area(root: ET.Element) -> tuple[float, float, float, float]:
    """left, top, right, bottom of the plot area"""
    rect = find_one(root, "rect", "plot-area")
    x, y = float(rect.get("x", "nan")), float(rect.get("y", "nan"))
    return x, y, x + float(rect.get("width", "nan")), y + float(rect.get("height", "nan"))


def value_to_y(root: ET.Element, value: float, lower: float, upper: float) -> float:
    _, top, _, bottom = plot_area(root)
    return bottom - (value - lower) / (upper - lower) * (bottom - top)


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())


def texts(root: ET.Element) -> list[str]:
    return [text_of(el) for el in root.iter(tag("text"))]


def title_desc(root: ET.Element) -> tuple[str, str]:
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and desc is not None
    return title.text or "", desc.text or ""


def odi(points: Any = ODI_POINTS, **extra: Any) -> ET.Element:
    return parse(progress_svg(points, **{**ODI, **extra}))


# --- the document ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3])
def test_standalone_well_formed_svg(n: int) -> None:
    svg = progress_svg(ODI_POINTS[:n], **ODI)
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    root = parse(svg)
    assert root.tag == tag("svg")
    assert root.get("role") == "img"
    assert root.get("width") == "560"
    assert root.get("viewBox", "").startswith("0 0 560 ")
    assert [child.tag for child in root[:2]] == [tag("title"), tag("desc")]


@pytest.mark.parametrize("n", [0, 1, 3])
def test_safe_under_a_strict_content_security_policy(n: int) -> None:
    svg = progress_svg(ODI_POINTS[:n], bands=ODI_BANDS, **ODI)
    assert "url(" not in svg
    for el in parse(svg).iter():
        assert el.tag not in {tag("script"), tag("foreignObject"), tag("image"), tag("use"), tag("style")}
        for name in el.attrib:
            assert name not in {"style", "id"}  # several charts may share one page
            assert not name.lower().startswith("on"), name
            assert "href" not in name


@pytest.mark.parametrize("n", [0, 1, 3])
def test_readable_in_print_greys_only_and_no_tiny_text(n: int) -> None:
    root = parse(progress_svg(ODI_POINTS[:n], bands=ODI_BANDS, **ODI))
    for el in root.iter():
        for name in ("fill", "stroke"):
            colour = el.get(name)
            if colour in (None, "none"):
                continue
            assert colour is not None and re.fullmatch(r"#[0-9a-f]{6}", colour), colour
            assert colour[1:3] == colour[3:5] == colour[5:7], f"{name}={colour} is not a grey"
    sizes = [float(t.get("font-size", "0")) for t in root.iter(tag("text"))]
    assert sizes and min(sizes) >= 9


def test_width_and_height_lay_the_chart_out() -> None:
    root = odi(width=800, height=300)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("800", "300", "0 0 800 300")
    left, top, right, bottom = plot_area(root)
    assert right - left > 600 and bottom - top > 180


# --- markers: one per response, where they belong -----------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_one_marker_per_response(n: int) -> None:
    points = [(D(2026, 1, 1) + datetime.timedelta(days=9 * i), float(10 * i)) for i in range(n)]
    root = odi(points)
    found = markers(root)
    assert len(found) == n
    assert [float(m.get("data-value", "nan")) for m in found] == [v for _, v in points]
    assert root.get("data-points") == str(n)


def test_higher_value_is_drawn_higher() -> None:
    points = [(D(2026, 1, 1), 30.0), (D(2026, 1, 8), 80.0), (D(2026, 1, 15), 5.0), (D(2026, 1, 22), 55.5)]
    found = markers(odi(points))
    by_value = sorted(found, key=lambda m: float(m.get("data-value", "nan")))
    ys = [xy(m)[1] for m in by_value]
    assert ys == sorted(ys, reverse=True)  # higher value -> smaller y
    assert len(set(ys)) == len(ys)


def test_markers_sit_at_their_value() -> None:
    root = odi()
    for marker in markers(root):
        expected = value_to_y(root, float(marker.get("data-value", "nan")), 0, 100)
        assert xy(marker)[1] == pytest.approx(expected, abs=0.01)


def test_x_follows_the_date_proportionally_and_input_order_does_not_matter() -> None:
    points = [(D(2026, 3, 31), 20.0), (D(2026, 3, 1), 50.0), (D(2026, 3, 11), 40.0)]
    root = odi(points)
    found = markers(root)
    assert [m.get("data-date") for m in found] == ["2026-03-01", "2026-03-11", "2026-03-31"]
    xs = [xy(m)[0] for m in found]
    assert xs == sorted(xs) and len(set(xs)) == 3
    # 10 days of 30: a third of the way along
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(1 / 3, abs=0.01)
    # the earliest response is the baseline, whatever the input order
    assert "Baseline 50 (2026-03-01), latest 20 (2026-03-31)" in title_desc(root)[1]
    assert has_class(found[0], "baseline") and has_class(found[-1], "latest")


def test_trend_line_joins_the_markers_in_date_order() -> None:
    root = odi()
    line = find_one(root, "polyline", "trend")
    joined = [tuple(float(c) for c in pair.split(",")) for pair in line.get("points", "").split()]
    assert joined == [xy(m) for m in markers(root)]


def test_each_marker_has_its_value_label() -> None:
    root = odi()
    labels = find_all(root, "text", "value-label")
    assert [text_of(t) for t in labels] == ["46", "34", "22"]
    for label, marker in zip(labels, markers(root), strict=True):
        assert float(label.get("x", "nan")) == pytest.approx(xy(marker)[0])
        assert abs(float(label.get("y", "nan")) - xy(marker)[1]) < 20


def test_decimal_and_negative_values_are_labelled_readably() -> None:
    points = [(D(2026, 1, 1), -2.5), (D(2026, 2, 1), 3.333333)]
    root = parse(progress_svg(points, title="Shift", lower=-5, upper=5, higher_is_worse=True, mcid=None))
    assert [text_of(t) for t in find_all(root, "text", "value-label")] == ["\u22122.5", "3.33"]


# --- baseline and MCID band ------------------------------------------------------------------------------


def test_baseline_is_a_dashed_reference_line_at_the_first_value() -> None:
    root = odi()
    line = find_one(root, "line", "baseline")
    assert line.get("stroke-dasharray")
    y = value_to_y(root, 46, 0, 100)
    assert float(line.get("y1", "nan")) == pytest.approx(y, abs=0.01)
    assert float(line.get("y2", "nan")) == pytest.approx(y, abs=0.01)
    left, _, right, _ = plot_area(root)
    assert (float(line.get("x1", "nan")), float(line.get("x2", "nan"))) == (
        pytest.approx(left),
        pytest.approx(right),
    )


@pytest.mark.parametrize(
    ("points", "lower", "upper", "mcid"),
    [
        (ODI_POINTS, 0, 100, 10),
        ([(D(2026, 1, 1), 6.0), (D(2026, 2, 1), 3.0)], 0, 10, 2),
        ([(D(2026, 1, 1), 62.0), (D(2026, 2, 1), 55.0)], 36, 78, 6),
    ],
)
def test_mcid_band_is_centred_on_the_baseline_with_half_height_mcid(
    points: list[tuple[datetime.date, float]], lower: float, upper: float, mcid: float
) -> None:
    root = parse(progress_svg(points, title="M", lower=lower, upper=upper, higher_is_worse=True, mcid=mcid))
    band = find_one(root, "g", "mcid-band")
    fill = find_one(band, "rect", "mcid-fill")
    y_top = float(fill.get("y", "nan"))
    y_bottom = y_top + float(fill.get("height", "nan"))
    baseline = points[0][1]
    assert (y_top + y_bottom) / 2 == pytest.approx(value_to_y(root, baseline, lower, upper), abs=0.02)
    _, top, _, bottom = plot_area(root)
    units_per_px = (upper - lower) / (bottom - top)
    assert (y_bottom - y_top) / 2 * units_per_px == pytest.approx(mcid, abs=0.02)
    assert y_top == pytest.approx(value_to_y(root, baseline + mcid, lower, upper), abs=0.02)
    # prints in greyscale: a fill plus hatch lines and dashed edges, not colour alone
    assert len(find_all(band, "g", "mcid-hatch")[0]) > 3
    edges = find_all(band, "line", "mcid-edge")
    assert len(edges) == 2 and all(e.get("stroke-dasharray") for e in edges)


def test_hatch_lines_stay_inside_the_band() -> None:
    band = find_one(odi(), "g", "mcid-band")
    fill = find_one(band, "rect", "mcid-fill")
    x0, y0 = float(fill.get("x", "nan")), float(fill.get("y", "nan"))
    x1, y1 = x0 + float(fill.get("width", "nan")), y0 + float(fill.get("height", "nan"))
    for line in find_all(band, "g", "mcid-hatch")[0]:
        for xa, ya in (("x1", "y1"), ("x2", "y2")):
            assert x0 - 0.01 <= float(line.get(xa, "nan")) <= x1 + 0.01
            assert y0 - 0.01 <= float(line.get(ya, "nan")) <= y1 + 0.01


def test_mcid_band_is_clipped_to_the_scale() -> None:
    root = parse(
        progress_svg([(D(2026, 1, 1), 9.0)], title="NPRS", lower=0, upper=10, higher_is_worse=True, mcid=2)
    )
    fill = find_one(root, "rect", "mcid-fill")
    _, top, _, _ = plot_area(root)
    assert float(fill.get("y", "nan")) == pytest.approx(top)


def test_mcid_band_is_labelled_with_value_and_source() -> None:
    root = odi()
    label = find_one(root, "text", "mcid-label")
    assert text_of(label).startswith("MCID ±10 (Ostelo 2008)")


def test_without_an_mcid_there_is_no_band_and_the_chart_says_so() -> None:
    root = odi(mcid=None, mcid_source="")
    assert not find_all(root, "g", "mcid-band")
    assert text_of(find_one(root, "text", "mcid-label")) == "no MCID available"
    assert title_desc(root)[1] == (
        "ODI: 3 time points. Baseline 46 (2026-09-01), latest 22 (2026-11-20): 24 points better; "
        "no MCID available for this measure."
    )
    assert root.get("data-mcid-status") == "none"


# --- words: title, desc, direction ------------------------------------------------------------------------


def test_desc_states_the_result_in_words() -> None:
    root = odi()
    title, desc = title_desc(root)
    assert desc == (
        "ODI: 3 time points. Baseline 46 (2026-09-01), latest 22 (2026-11-20): 24 points better; "
        "beyond the MCID of 10 (Ostelo 2008)."
    )
    assert title == "ODI: 24 points better since baseline, beyond MCID"
    assert text_of(find_one(root, "text", "chart-title")) == "ODI"
    assert text_of(find_one(root, "text", "verdict")) == "24 points better · beyond MCID"
    details = text_of(find_one(root, "text", "details"))
    assert details == "3 time points · baseline 46 on 2026-09-01 · latest 22 on 2026-11-20"
    assert (root.get("data-direction"), root.get("data-mcid-status"), root.get("data-change")) == (
        "better",
        "beyond",
        "-24",
    )


@pytest.mark.parametrize(
    ("higher_is_worse", "first", "last", "expected", "direction", "status"),
    [
        # higher is worse (ODI, MCID 10): a fall is better
        (True, 46, 22, "24 points better; beyond the MCID of 10 (src)", "better", "beyond"),
        (True, 46, 40, "6 points better; not beyond the MCID of 10 (src)", "better", "not-beyond"),
        (True, 46, 50, "4 points worse; not beyond the MCID of 10 (src)", "worse", "not-beyond"),
        (True, 30, 45, "15 points worse; beyond the MCID of 10 (src)", "worse", "beyond"),
        (True, 46, 36, "10 points better; reaches the MCID of 10 (src)", "better", "reaches"),
        (True, 46, 46, "no change; not beyond the MCID of 10 (src)", "no change", "not-beyond"),
        # higher is better (PSFS-like, MCID 10 on a 0-100 scale): a rise is better
        (False, 22, 46, "24 points better; beyond the MCID of 10 (src)", "better", "beyond"),
        (False, 40, 46, "6 points better; not beyond the MCID of 10 (src)", "better", "not-beyond"),
        (False, 50, 46, "4 points worse; not beyond the MCID of 10 (src)", "worse", "not-beyond"),
        (False, 45, 30, "15 points worse; beyond the MCID of 10 (src)", "worse", "beyond"),
    ],
)
def test_change_words_are_direction_aware(
    higher_is_worse: bool, first: float, last: float, expected: str, direction: str, status: str
) -> None:
    points = [(D(2026, 1, 1), float(first)), (D(2026, 1, 20), 50.0), (D(2026, 2, 1), float(last))]
    root = parse(
        progress_svg(
            points, title="M", lower=0, upper=100, higher_is_worse=higher_is_worse, mcid=10, mcid_source="src"
        )
    )
    desc = title_desc(root)[1]
    assert desc.endswith(f"(2026-02-01): {expected}.")
    assert desc.startswith(f"M: 3 time points. Baseline {first} (2026-01-01), latest {last} (2026-02-01)")
    assert (root.get("data-direction"), root.get("data-mcid-status")) == (direction, status)


def test_decimal_change_and_singular_point() -> None:
    points = [(D(2026, 1, 1), 5.0), (D(2026, 2, 1), 4.0)]
    desc = title_desc(
        parse(progress_svg(points, title="NPRS", lower=0, upper=10, higher_is_worse=True, mcid=2))
    )[1]
    assert desc.endswith(": 1 point better; not beyond the MCID of 2.")
    points = [(D(2026, 1, 1), 3.33), (D(2026, 2, 1), 5.83)]
    desc = title_desc(parse(progress_svg(points, **PSFS)))[1]
    assert desc.endswith(": 2.5 points better; beyond the MCID of 2 (Abbott & Schmitt 2014).")


def test_floating_point_noise_does_not_hide_reaching_the_mcid() -> None:
    points = [(D(2026, 1, 1), 44.44), (D(2026, 2, 1), 34.44)]  # 44.44 - 34.44 is 10.000000000000004
    root = parse(progress_svg(points, **ODI))
    assert root.get("data-mcid-status") == "reaches"


@pytest.mark.parametrize(
    ("higher_is_worse", "top", "bottom"), [(True, "worse ↑", "better ↓"), (False, "better ↑", "worse ↓")]
)
def test_the_y_axis_says_which_way_is_worse(higher_is_worse: bool, top: str, bottom: str) -> None:
    root = odi(higher_is_worse=higher_is_worse)
    assert text_of(find_one(root, "text", "direction-top")) == top
    assert text_of(find_one(root, "text", "direction-bottom")) == bottom
    worse = next(el for el in find_all(root, "text", "direction") if "worse" in text_of(el))
    assert worse.get("font-weight") == "bold"
    assert root.get("data-higher-is-worse") == ("true" if higher_is_worse else "false")


def test_unit_labels_the_y_axis() -> None:
    assert text_of(find_one(odi(), "text", "unit")) == "% disability"
    assert not find_all(odi(unit=""), "text", "unit")


def test_y_axis_ticks_include_both_ends_of_the_scale() -> None:
    ticks = [text_of(t) for t in find_all(odi(), "text", "tick")]
    assert ticks[0] == "0" and ticks[-1] == "100"
    hit6 = parse(
        progress_svg(
            [(D(2026, 1, 1), 60.0)], title="HIT-6", lower=36, upper=78, higher_is_worse=True, mcid=None
        )
    )
    labels = [text_of(t) for t in find_all(hit6, "text", "tick")]
    assert labels[0] == "36" and labels[-1] == "78" and len(labels) >= 3


def test_whole_number_scales_get_whole_number_ticks() -> None:
    nprs = parse(
        progress_svg([(D(2026, 1, 1), 6.0)], title="NPRS", lower=0, upper=10, higher_is_worse=True, mcid=2)
    )
    labels = [text_of(t) for t in find_all(nprs, "text", "tick")]
    assert labels[0] == "0" and labels[-1] == "10"
    assert all(label.isdigit() for label in labels)


def test_a_range_too_fine_for_two_decimals_still_draws() -> None:
    root = parse(
        progress_svg(
            [(D(2026, 1, 1), 0.0)], title="x", lower=0, upper=5e-324, higher_is_worse=True, mcid=None
        )
    )
    assert len(markers(root)) == 1
    labels = [text_of(t) for t in find_all(root, "text", "tick")]
    assert len(labels) == len(set(labels))


def test_dates_are_labelled_on_the_x_axis() -> None:
    dates = [text_of(t) for t in find_all(odi(), "text", "date")]
    assert sorted(dates) == ["2026-09-01", "2026-10-02", "2026-11-20"]


# --- severity bands -----------------------------------------------------------------------------------------


def test_severity_bands_are_labelled_stripes_on_the_right() -> None:
    root = odi(bands=ODI_BANDS)
    stripes = find_all(root, "g", "severity-band")
    assert [(g.get("data-low"), g.get("data-high")) for g in stripes] == [
        ("0", "20"),
        ("21", "40"),
        ("41", "60"),
        ("61", "80"),
        ("81", "100"),
    ]
    _, _, right, _ = plot_area(root)
    for stripe in stripes:
        rect = stripe.find("svg:rect", NS)
        assert rect is not None and float(rect.get("x", "nan")) >= right
    words = {text_of(t) for g in stripes for t in g.findall("svg:text", NS)}
    assert words == {"minimal", "moderate", "severe", "crippled", "bed-bound"}
    desc = title_desc(root)[1]
    assert desc.endswith("Baseline band: severe. Latest band: moderate.")
    assert "baseline band: severe" in text_of(find_one(root, "text", "details"))


def test_no_bands_no_stripes() -> None:
    assert not find_all(odi(), "g", "severity-band")


# --- escaping ---------------------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script>" onload="alert(2)" &amp; ]]>'


def test_hostile_text_is_escaped_everywhere() -> None:
    svg = progress_svg(
        ODI_POINTS,
        title=HOSTILE,
        unit=HOSTILE,
        lower=0,
        upper=100,
        higher_is_worse=True,
        mcid=10,
        mcid_source=HOSTILE,
        bands=[(0, 50, HOSTILE), (51, 100, "high")],
        width=1400,
        height=400,
    )
    assert "<script" not in svg
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert not [name for el in root.iter() for name in el.attrib if name.lower().startswith("on")]
    title, desc = title_desc(root)
    assert title.startswith(HOSTILE + ":")  # shown as text, byte for byte
    assert desc.startswith(HOSTILE + ": 3 time points.")
    assert f"beyond the MCID of 10 ({HOSTILE})." in desc
    assert text_of(find_one(root, "text", "chart-title")) == HOSTILE
    assert HOSTILE in text_of(find_one(root, "text", "mcid-label"))


def test_characters_xml_cannot_carry_are_dropped() -> None:
    root = odi(title="O\x00D\x1bI\ufffe")
    assert title_desc(root)[1].startswith("ODI: 3 time points.")


# --- edge cases ---------------------------------------------------------------------------------------------


def test_no_responses_yet() -> None:
    svg = progress_svg([], **ODI)
    root = parse(svg)
    assert markers(root) == []
    assert "No responses yet" in texts(root)
    assert title_desc(root) == ("ODI: no responses yet", "ODI: no responses yet.")
    assert int(root.get("height", "0")) < 100  # a small placeholder, not an empty chart
    assert root.get("data-points") == "0"


def test_only_a_baseline_so_far() -> None:
    root = odi(ODI_POINTS[:1])
    (marker,) = markers(root)
    assert marker.get("data-value") == "46"
    assert "Only a baseline so far" in texts(root)
    assert not find_all(root, "polyline", "trend")
    title, desc = title_desc(root)
    assert title == "ODI: only a baseline so far"
    assert desc == (
        "ODI: 1 time point. Baseline 46 (2026-09-01). Only a baseline so far. "
        "A change of 10 points would reach the MCID of 10 (Ostelo 2008)."
    )
    assert root.get("data-change") is None
    left, top, right, bottom = plot_area(root)
    x, y = xy(marker)
    assert left < x < right and top <= y <= bottom
    assert find_all(root, "g", "mcid-band")  # the band shows how far the next score must move


def test_responses_on_the_same_day_stay_visible() -> None:
    day = D(2026, 4, 1)
    points = [(day, 20.0), (day, 30.0), (day, 30.0), (D(2026, 4, 2), 40.0), (D(2026, 4, 2), 41.0)]
    root = odi(points)
    found = markers(root)
    assert len(found) == 5
    xs = [xy(m)[0] for m in found]
    assert xs == sorted(xs) and len(set(xs)) == 5  # spread apart, still in time order
    left, top, right, bottom = plot_area(root)
    assert all(left < x < right for x in xs)
    assert sorted(text_of(t) for t in find_all(root, "text", "date")) == ["2026-04-01", "2026-04-02"]
    assert "Baseline 20 (2026-04-01), latest 41 (2026-04-02)" in title_desc(root)[1]


def test_all_responses_on_one_day() -> None:
    day = D(2026, 4, 1)
    root = odi([(day, 20.0), (day, 25.0), (day, 60.0)])
    xs = [xy(m)[0] for m in markers(root)]
    left, _, right, _ = plot_area(root)
    assert len(set(xs)) == 3 and all(left < x < right for x in xs)
    assert sum(xs) / 3 == pytest.approx((left + right) / 2, abs=0.5)  # centred


def test_datetimes_count_as_their_date() -> None:
    points = [(datetime.datetime(2026, 1, 1, 9, 30), 40.0), (datetime.datetime(2026, 1, 9, 18, 0), 20.0)]
    root = odi(points)
    assert [m.get("data-date") for m in markers(root)] == ["2026-01-01", "2026-01-09"]


def test_a_long_title_moves_the_verdict_to_its_own_line() -> None:
    root = odi(title="Oswestry Disability Index 2.1a — low back pain disability, clinic version")
    title_el = find_one(root, "text", "chart-title")
    verdict = find_one(root, "text", "verdict")
    assert float(verdict.get("y", "nan")) > float(title_el.get("y", "nan"))
    assert text_of(verdict) == "24 points better · beyond MCID"


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([(D(2026, 1, 1), 101.0)], r"value 101 on 2026-01-01 is outside the range 0–100"),
        ([(D(2026, 1, 1), 20.0), (D(2026, 2, 1), -0.5)], r"value \u22120.5 on 2026-02-01 is outside"),
        ([(D(2026, 1, 1), math.nan)], r"value nan on 2026-01-01 must be a finite number"),
        ([(D(2026, 1, 1), math.inf)], r"value inf on 2026-01-01 must be a finite number"),
        ([(D(2026, 1, 1), True)], r"value True"),
        ([(D(2026, 1, 1), "40")], r"value '40'"),
        ([("2026-01-01", 40.0)], r"expected a datetime.date"),
        ([(D(2026, 1, 1),)], r"point 1 must be a \(date, value\) pair"),
        ("odi", r"points must be a sequence"),
    ],
)
def test_bad_points(points: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        progress_svg(points, **ODI)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lower": 10, "upper": 10}, "lower 10 must be below upper 10"),
        ({"lower": 10, "upper": 0}, "lower 10 must be below upper 0"),
        ({"lower": math.nan}, "lower nan must be a finite number"),
        ({"upper": math.inf}, "upper inf must be a finite number"),
        ({"lower": -1e308, "upper": 1e308}, "too wide"),
        ({"mcid": 0}, "mcid 0 must be a positive number"),
        ({"mcid": -2}, "mcid \u22122 must be a positive number"),
        ({"mcid": math.nan}, "mcid nan must be a finite number"),
        ({"width": 100}, "width 100 must be a whole number of at least 320"),
        ({"width": 560.0}, "width 560.0"),
        ({"height": True}, "height True"),
        ({"bands": [(0, 120, "beyond")]}, "band 1 0–120 must be a non-empty range within 0–100"),
        ({"bands": [(20, 10, "upside down")]}, "band 1 20–10"),
        ({"bands": [(0, math.nan, "x")]}, "band 1 high nan"),
        ({"bands": [(0, 10)]}, r"band 1 must be \(low, high, label\)"),
    ],
)
def test_bad_arguments(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        progress_svg(ODI_POINTS, **{**ODI, **changes})


def test_bad_range_is_refused_even_without_points() -> None:
    with pytest.raises(ValueError, match="lower"):
        progress_svg([], **{**ODI, "lower": 5, "upper": 5})


# --- property: every marker lies inside the plot area -------------------------------------------------------

PROPS = settings(max_examples=150, deadline=None)


@st.composite
def charts(draw: st.DrawFn) -> dict[str, Any]:
    lower = draw(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
    span = draw(st.floats(min_value=0.01, max_value=5000, allow_nan=False))
    upper = lower + span
    value = st.floats(min_value=lower, max_value=upper, allow_nan=False)
    day = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31))
    points = draw(st.lists(st.tuples(day, value), max_size=40))
    mcid = draw(st.none() | st.floats(min_value=span / 1000, max_value=span * 2))
    cuts = draw(st.lists(st.floats(min_value=lower, max_value=upper), max_size=5, unique=True))
    edges = sorted({lower, upper, *cuts})
    bands = [(a, b, draw(st.text(max_size=20))) for a, b in zip(edges, edges[1:], strict=False) if a < b]
    return {
        "points": points,
        "title": draw(st.text(max_size=60)),
        "unit": draw(st.text(max_size=30)),
        "lower": lower,
        "upper": upper,
        "higher_is_worse": draw(st.booleans()),
        "mcid": mcid,
        "mcid_source": draw(st.text(max_size=30)),
        "width": draw(st.integers(min_value=320, max_value=1600)),
        "height": draw(st.integers(min_value=160, max_value=800)),
        "bands": draw(st.sampled_from([(), bands])),
    }


@PROPS
@given(charts())
def test_every_marker_lies_inside_the_plot_area(args: dict[str, Any]) -> None:
    root = parse(progress_svg(**args))
    found = markers(root)
    assert len(found) == len(args["points"])
    if not found:
        return
    left, top, right, bottom = plot_area(root)
    width, height = int(args["width"]), int(args["height"])
    assert 0 < left < right < width and 0 < top < bottom < height
    xs = []
    for marker in found:
        x, y = xy(marker)
        assert left < x < right
        assert top - 0.01 <= y <= bottom + 0.01
        xs.append(x)
    # time runs left to right
    assert xs == sorted(xs)
    days = [m.get("data-date", "") for m in found]
    assert days == sorted(days)
    # value labels stay inside the plot too
    for label in find_all(root, "text", "value-label"):
        assert left <= float(label.get("x", "nan")) <= right
        assert top <= float(label.get("y", "nan")) <= bottom
