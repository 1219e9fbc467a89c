"""pelvis_svg: the blocking protocol drawn on a pelvis diagram (pure function, no database)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sotclinic.sot.diagram import LANDMARKS, pelvis_svg

SVG_NS = "http://www.w3.org/2000/svg"
NS = {"svg": SVG_NS}
VB_W = 360.0
CENTRE = VB_W / 2

CAT1: dict[str, Any] = {
    "category": "cat1",
    "position": "prone",
    "verified": False,
    "blocks": [
        {"landmark": "trochanter", "side": "right", "angle_deg": 45, "order": 1},
        {"landmark": "asis", "side": "left", "angle_deg": 0, "order": 2},
    ],
    "duration_s": 300,
    "recheck": ["heel_tension", "dollar_sign", "crest_sign", "leg_length_prone"],
}
CAT2: dict[str, Any] = {
    "category": "cat2",
    "position": "supine",
    "verified": False,
    "blocks": [
        {
            "landmark": "trochanter",
            "side": "right",
            "angle_deg": 45,
            "order": 1,
            "orientation": "slid in obliquely from below",
        },
        {"landmark": "ilium", "side": "left", "angle_deg": 0, "order": 2},
    ],
    "duration_s": 120,
    "recheck": ["arm_fossa", "leg_length_supine"],
}
CAT3_MISSING: dict[str, Any] = {
    "category": "cat3",
    "position": "prone",
    "verified": False,
    "blocks": [],
    "missing": "leg_length_prone",
    "duration_s": 360,
    "recheck": ["slr", "leg_pain", "antalgic_posture"],
}


# --- helpers -------------------------------------------------------------------------------------------


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- our own output, parsed to check it is well formed


def tag(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


def blocks_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(tag("g")) if "block" in g.get("class", "").split()]


def translate(el: ET.Element) -> tuple[float, float]:
    match = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", el.get("transform", ""))
    assert match, el.get("transform")
    return float(match.group(1)), float(match.group(2))


def polygon_points(el: ET.Element) -> list[tuple[float, float]]:
    polygon = el.find("svg:polygon", NS)
    assert polygon is not None
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in polygon.get("points", "").split())]


def text_of(el: ET.Element) -> str:
    return " ".join(part.strip() for part in el.itertext() if part.strip())


def title_desc(root: ET.Element) -> tuple[str, str]:
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and desc is not None
    return title.text or "", desc.text or ""


def legend_lines(root: ET.Element) -> list[str]:
    items = [g for g in root.iter(tag("g")) if g.get("class") == "legend-item"]
    lines = []
    for item in items:
        label = item.find("svg:text[@font-size='11']", NS)
        assert label is not None
        lines.append(" ".join((t.text or "") for t in label.findall("svg:tspan", NS)))
    return lines


def message_text(root: ET.Element) -> str:
    box = [g for g in root.iter(tag("g")) if g.get("class") == "message"]
    return text_of(box[0]) if box else ""


def side_label(root: ET.Element, half: str) -> str:
    for el in root.iter(tag("text")):
        if el.get("class") == f"side-label image-{half}":
            return text_of(el)
    raise AssertionError(f"no side label on the image-{half}")


def protocol(position: str, blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"category": "cat1", "position": position, "verified": False, "blocks": blocks, **extra}


# --- the document ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("proto", [CAT1, CAT2, CAT3_MISSING, None], ids=["cat1", "cat2", "missing", "none"])
def test_standalone_well_formed_svg(proto: dict[str, Any] | None) -> None:
    svg = pelvis_svg(proto)
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    root = parse(svg)
    assert root.tag == tag("svg")
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 360 ")
    assert root.get("width") == "360"
    # <title> and <desc> come first so assistive technology finds them
    assert [child.tag for child in root[:2]] == [tag("title"), tag("desc")]


@pytest.mark.parametrize("proto", [CAT1, CAT2, CAT3_MISSING, None], ids=["cat1", "cat2", "missing", "none"])
def test_safe_under_a_strict_content_security_policy(proto: dict[str, Any] | None) -> None:
    svg = pelvis_svg(proto)
    root = parse(svg)
    assert "url(" not in svg
    for el in root.iter():
        assert el.tag not in {tag("script"), tag("foreignObject"), tag("image"), tag("use"), tag("style")}
        for name in el.attrib:
            assert name != "style"
            assert not name.lower().startswith("on"), name
            assert "href" not in name
            assert name != "id"  # several diagrams may share one page


def test_anatomy_is_drawn() -> None:
    root = parse(pelvis_svg(CAT1))
    classes = {cls for el in root.iter() for cls in el.get("class", "").split()}
    assert {"anatomy", "sacrum", "ilium", "femur", "femoral-head", "asis", "acetabulum"} <= classes
    # both halves: the hip bone, the femoral head and the ASIS point are drawn once per side
    assert len([el for el in root.iter(tag("path")) if "hip-bone" in el.get("class", "")]) == 2
    assert len([el for el in root.iter(tag("circle")) if el.get("class") == "femoral-head"]) == 2
    assert len([el for el in root.iter(tag("circle")) if el.get("class") == "asis"]) == 2


def test_width_scales_the_drawing_only() -> None:
    small = parse(pelvis_svg(CAT2))
    large = parse(pelvis_svg(CAT2, width=720))
    assert small.get("viewBox") == large.get("viewBox")
    assert large.get("width") == "720"
    assert abs(int(large.get("height", "0")) - 2 * int(small.get("height", "0"))) <= 1


@pytest.mark.parametrize("width", [0, -5, True, 3.5, "360"])
def test_bad_width(width: Any) -> None:
    with pytest.raises(ValueError, match="width"):
        pelvis_svg(CAT1, width=width)


# --- blocks ---------------------------------------------------------------------------------------------


def test_cat2_blocks_and_their_attributes() -> None:
    root = parse(pelvis_svg(CAT2))
    blocks = sorted(blocks_of(root), key=lambda g: int(g.get("data-order", "0")))
    assert [(b.get("data-order"), b.get("data-landmark"), b.get("data-side")) for b in blocks] == [
        ("1", "trochanter", "right"),
        ("2", "ilium", "left"),
    ]
    assert blocks[0].get("class") == "block block-trochanter side-right"
    assert blocks[1].get("class") == "block block-ilium side-left"
    for block in blocks:
        # the placement number sits in a circle on the block
        assert block.find("svg:circle", NS) is not None
        number = block.find("svg:text", NS)
        assert number is not None and number.text == block.get("data-order")
        # visibly distinct from the bone: thick black outline, grey fill
        polygon = block.find("svg:polygon", NS)
        assert polygon is not None
        assert float(polygon.get("stroke-width", "0")) >= 2
        assert polygon.get("stroke") == "#000000"
        assert polygon.get("fill") not in {None, "none", "#ffffff"}
        assert len(polygon_points(block)) in (3, 4)  # a wedge: triangle or trapezoid


def test_block_angle_rotates_the_wedge() -> None:
    root = parse(pelvis_svg(CAT2))
    flat, oblique = (
        polygon_points(next(b for b in blocks_of(root) if b.get("data-order") == order))
        for order in ("2", "1")
    )
    # flat: the long edges run straight across the table; 45°: the wedge is turned
    assert {round(y, 2) for _, y in flat} == {-7, -12, 12, 7} and len({x for x, _ in flat}) == 2
    assert len({round(x, 1) for x, _ in oblique}) == 4


def test_order_defaults_to_list_position_and_sorts_the_legend() -> None:
    blocks = [
        {"landmark": "asis", "side": "left", "angle_deg": 0, "order": 2},
        {"landmark": "trochanter", "side": "right", "angle_deg": 45, "order": 1},
    ]
    root = parse(pelvis_svg(protocol("prone", blocks)))
    assert [line.split(" — ")[0] for line in legend_lines(root)] == ["1", "2"]
    unnumbered = [{k: v for k, v in b.items() if k != "order"} for b in blocks]
    root = parse(pelvis_svg(protocol("prone", unnumbered)))
    assert {b.get("data-order"): b.get("data-landmark") for b in blocks_of(root)} == {
        "1": "asis",
        "2": "trochanter",
    }


# --- which side of the image is the patient's left ------------------------------------------------------
# Drawn as seen from above the table by the practitioner at the foot: prone = seen from behind, so the
# patient's left is on the image's left; supine = seen from the front, so the patient's left is on the right.


@pytest.mark.parametrize(
    ("position", "left_half"),
    [("prone", "left"), ("supine", "right")],
)
def test_the_drawing_states_which_side_is_the_patients_left(position: str, left_half: str) -> None:
    right_half = "right" if left_half == "left" else "left"
    root = parse(pelvis_svg(protocol(position, [])))
    assert root.get("data-patient-left") == f"image-{left_half}"
    assert "Patient's LEFT" in side_label(root, left_half)
    assert "Patient's RIGHT" in side_label(root, right_half)
    _, desc = title_desc(root)
    assert f"the patient's left is on the {left_half} of the image" in desc
    assert any("head ↑" in text_of(el) for el in root.iter(tag("text")))


@pytest.mark.parametrize("landmark", sorted(LANDMARKS))
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("position", ["prone", "supine"])
def test_block_is_on_the_half_that_is_labelled_with_its_side(landmark: str, side: str, position: str) -> None:
    block = {"landmark": landmark, "side": side, "angle_deg": 0, "order": 1}
    root = parse(pelvis_svg(protocol(position, [block])))
    (drawn,) = blocks_of(root)
    x, _ = translate(drawn)
    on_image_left = x < CENTRE
    assert x != CENTRE
    expected_label = f"Patient's {side.upper()}"
    assert expected_label in side_label(root, "left" if on_image_left else "right")
    # and spelled out: prone puts the patient's left on the image's left, supine on its right
    assert on_image_left == ((side == "left") == (position == "prone"))


def test_landmarks_sit_at_distinct_heights_in_anatomical_order() -> None:
    def y_of(landmark: str) -> float:
        root = parse(pelvis_svg(protocol("prone", [{"landmark": landmark, "side": "left", "angle_deg": 0}])))
        return translate(blocks_of(root)[0])[1]

    # the posterior ilium and the ASIS are above (headward of) the greater trochanter
    assert y_of("ilium") < y_of("asis") < y_of("trochanter")


# --- words: title, desc, legend --------------------------------------------------------------------------


def test_title_and_desc_say_what_is_drawn() -> None:
    root = parse(pelvis_svg(CAT1))
    title, desc = title_desc(root)
    assert title == "SOT blocking protocol: Category I, prone"
    assert desc.startswith(
        "Prone. Block 1: right greater trochanter, 45°. Block 2: left iliac crest / ASIS, flat."
    )
    assert "confirm against your SOT training" in desc
    assert "about 5 min" in desc


def test_custom_title_and_verified_protocol() -> None:
    root = parse(pelvis_svg({**CAT2, "verified": True}, title="Mrs B — visit 3"))
    title, desc = title_desc(root)
    assert title == "Mrs B — visit 3"
    assert desc.startswith(
        "Supine. Block 1: right greater trochanter, 45°, slid in obliquely from below. "
        "Block 2: left posterior ilium, flat."
    )
    assert "confirm against" not in " ".join(root.itertext())


def test_heading_names_position_and_category() -> None:
    root = parse(pelvis_svg(CAT2))
    heading = next(el for el in root.iter(tag("text")) if el.get("class") == "heading")
    assert text_of(heading) == "SUPINE · Category II"


def test_legend_lists_each_block() -> None:
    root = parse(pelvis_svg(CAT2))
    assert legend_lines(root) == [
        "1 — right greater trochanter, 45°, slid in obliquely from below",
        "2 — left posterior ilium, flat",
    ]


def test_negative_and_fractional_angles_in_words() -> None:
    blocks = [{"landmark": "asis", "side": "right", "angle_deg": -22.5, "order": 1}]
    root = parse(pelvis_svg(protocol("prone", blocks)))
    assert legend_lines(root) == ["1 — right iliac crest / ASIS, \u221222.5°"]


def test_duration_range() -> None:
    root = parse(pelvis_svg({**CAT1, "duration_s": [300, 420]}))
    assert "about 5–7 min" in title_desc(root)[1]


# --- missing side, no protocol ---------------------------------------------------------------------------


def test_missing_side_draws_no_blocks_and_asks_for_the_finding() -> None:
    root = parse(pelvis_svg(CAT3_MISSING))
    assert blocks_of(root) == []
    assert legend_lines(root) == []
    assert message_text(root) == "Blocks not placed: record leg_length_prone first (prone leg check)"
    title, desc = title_desc(root)
    assert title == "SOT blocking protocol: Category III, prone"
    assert "Blocks not placed: record leg_length_prone first (prone leg check)." in desc
    assert root.get("data-position") == "prone"
    assert any(el.get("class") == "anatomy" for el in root.iter(tag("g")))


def test_missing_wins_over_stray_blocks() -> None:
    stray = {**CAT3_MISSING, "blocks": CAT1["blocks"], "missing": "leg_length_supine"}
    root = parse(pelvis_svg(stray))
    assert blocks_of(root) == []
    assert message_text(root) == "Blocks not placed: record leg_length_supine first (supine leg check)"


def test_missing_with_an_unmapped_code_uses_the_code() -> None:
    root = parse(pelvis_svg({**CAT3_MISSING, "missing": "psoas_balance"}))
    assert message_text(root) == "Blocks not placed: record psoas_balance first"


def test_no_protocol() -> None:
    root = parse(pelvis_svg(None))
    assert blocks_of(root) == []
    assert message_text(root) == "No category confirmed — no blocking protocol"
    title, desc = title_desc(root)
    assert title == "SOT blocking protocol: none"
    assert desc.startswith("No category confirmed — no blocking protocol.")
    assert root.get("data-position") == "none"
    assert any(el.get("class") == "anatomy" for el in root.iter(tag("g")))
    # without a position there is no side to name
    assert not [el for el in root.iter(tag("text")) if "side-label" in el.get("class", "")]


def test_protocol_without_blocks() -> None:
    root = parse(pelvis_svg(protocol("supine", [])))
    assert blocks_of(root) == []
    assert message_text(root) == "No blocks in this protocol"


# --- escaping ---------------------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script>" onload="alert(2)" &amp; ]]>'


def test_hostile_text_is_escaped_everywhere() -> None:
    hostile = {
        "category": HOSTILE,
        "position": "prone",
        "blocks": [
            {"landmark": "trochanter", "side": "left", "angle_deg": 45, "order": 1, "orientation": HOSTILE},
        ],
    }
    svg = pelvis_svg(hostile, title=HOSTILE)
    assert "<script" not in svg
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert not [name for el in root.iter() for name in el.attrib if name.lower().startswith("on")]
    title, desc = title_desc(root)
    assert title == HOSTILE  # shown as text, byte for byte
    assert HOSTILE in desc
    joined = " ".join(legend_lines(root))
    assert "<script>alert(1)</script>" in joined
    missing = parse(pelvis_svg({**CAT3_MISSING, "missing": HOSTILE}))
    assert message_text(missing) == f"Blocks not placed: record {HOSTILE} first"


def test_characters_xml_cannot_carry_are_dropped() -> None:
    block = {"landmark": "asis", "side": "right", "angle_deg": 0, "orientation": "a\x00b\x1bc\ufffed"}
    root = parse(pelvis_svg(protocol("prone", [block])))
    assert legend_lines(root) == ["1 — right iliac crest / ASIS, flat, abcd"]


@settings(max_examples=60, deadline=None)
@given(
    orientation=st.text(max_size=200),
    category=st.text(max_size=40),
    title=st.text(max_size=80),
    missing=st.one_of(st.none(), st.text(max_size=40)),
)
def test_any_text_yields_well_formed_svg_without_markup_injection(
    orientation: str, category: str, title: str, missing: str | None
) -> None:
    proto = {
        "category": category,
        "position": "supine",
        "missing": missing,
        "blocks": [
            {"landmark": "ilium", "side": "right", "angle_deg": 0, "order": 1, "orientation": orientation}
        ],
    }
    root = parse(pelvis_svg(proto, title=title))  # raises if the output is not well formed
    assert all(el.tag.startswith(f"{{{SVG_NS}}}") for el in root.iter())
    assert not [el for el in root.iter() if el.tag.endswith("script")]


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "named"),
    [
        ({"landmark": "knee", "side": "left", "angle_deg": 0}, "knee"),
        ({"landmark": "Trochanter", "side": "left", "angle_deg": 0}, "Trochanter"),
        ({"side": "left", "angle_deg": 0}, "None"),
        ({"landmark": "asis", "side": "bilateral", "angle_deg": 0}, "bilateral"),
        ({"landmark": "asis", "side": "LEFT", "angle_deg": 0}, "LEFT"),
        ({"landmark": "asis", "angle_deg": 0}, "side None"),
        ({"landmark": "asis", "side": "left", "angle_deg": "45"}, "angle_deg"),
        ({"landmark": "asis", "side": "left"}, "angle_deg"),
        ({"landmark": "asis", "side": "left", "angle_deg": float("nan")}, "angle_deg"),
        ({"landmark": "asis", "side": "left", "angle_deg": 0, "order": "1"}, "order"),
    ],
)
def test_bad_block_raises_value_error_naming_it(block: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=re.escape(named)):
        pelvis_svg(protocol("prone", [block]))


def test_bad_block_is_refused_even_when_missing_is_set() -> None:
    with pytest.raises(ValueError, match="hip"):
        pelvis_svg({**CAT3_MISSING, "blocks": [{"landmark": "hip", "side": "left", "angle_deg": 0}]})


@pytest.mark.parametrize("position", ["sitting", None, 3])
def test_bad_position(position: Any) -> None:
    with pytest.raises(ValueError, match="position"):
        pelvis_svg(protocol(position, []))


def test_blocks_must_be_a_list() -> None:
    with pytest.raises(ValueError, match="blocks"):
        pelvis_svg(protocol("prone", "trochanter"))  # type: ignore[arg-type]


# --- mirroring ----------------------------------------------------------------------------------------------


def swap_sides(proto: dict[str, Any]) -> dict[str, Any]:
    other = {"left": "right", "right": "left"}
    return {**proto, "blocks": [{**b, "side": other[b["side"]]} for b in proto["blocks"]]}


def drawn_blocks(proto: dict[str, Any]) -> dict[str, tuple[float, float, list[tuple[float, float]], str]]:
    root = parse(pelvis_svg(proto))
    out = {}
    for block in blocks_of(root):
        x, y = translate(block)
        out[block.get("data-order", "")] = (x, y, polygon_points(block), block.get("data-landmark", ""))
    return out


def assert_mirrored(proto: dict[str, Any]) -> None:
    before = drawn_blocks(proto)
    after = drawn_blocks(swap_sides(proto))
    assert before.keys() == after.keys()
    for order, (x, y, points, landmark) in before.items():
        mx, my, mpoints, mlandmark = after[order]
        assert landmark == mlandmark
        assert abs((VB_W - x) - mx) <= 0.011  # mirrored about the centre line (two-decimal coordinates)
        assert my == y
        assert mpoints == [(-px, py) for px, py in points]  # the wedge shape mirrors too


@pytest.mark.parametrize("proto", [CAT1, CAT2], ids=["cat1", "cat2"])
def test_swapping_sides_mirrors_the_examples(proto: dict[str, Any]) -> None:
    assert_mirrored(proto)


block_strategy = st.fixed_dictionaries(
    {
        "landmark": st.sampled_from(sorted(LANDMARKS)),
        "side": st.sampled_from(["left", "right"]),
        "angle_deg": st.one_of(
            st.integers(min_value=-90, max_value=90),
            st.floats(min_value=-180, max_value=180, allow_nan=False),
        ),
    },
    optional={"orientation": st.text(max_size=30)},
)


@settings(max_examples=80, deadline=None)
@given(position=st.sampled_from(["prone", "supine"]), blocks=st.lists(block_strategy, max_size=4))
def test_swapping_sides_mirrors_block_positions(position: str, blocks: list[dict[str, Any]]) -> None:
    numbered = [{**b, "order": i + 1} for i, b in enumerate(blocks)]
    assert_mirrored(protocol(position, numbered))


@settings(max_examples=40, deadline=None)
@given(blocks=st.lists(block_strategy, min_size=1, max_size=4))
def test_prone_and_supine_mirror_each_other(blocks: list[dict[str, Any]]) -> None:
    numbered = [{**b, "order": i + 1} for i, b in enumerate(blocks)]
    prone = drawn_blocks(protocol("prone", numbered))
    supine = drawn_blocks(protocol("supine", numbered))
    for order, (x, y, _, _) in prone.items():
        assert abs((VB_W - x) - supine[order][0]) <= 0.011
        assert supine[order][1] == y
