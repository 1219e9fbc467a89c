"""load_item_text(): a clinic's licensed item text, validated against the instrument's structure."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sotclinic.measures import Instrument, ItemTextError, MeasuresDataError, load_instrument, load_item_text
from sotclinic.measures.itemtext import OPTION_MAX_CHARS


def odi_text(
    *, drop: str | None = None, extra: str = "", head: str | None = None, q1: str | None = None
) -> str:
    lines = [
        head
        if head is not None
        else 'instrument = "odi"\nversion = "2.1a"\nlicence = "Licence no. TEST-1 (test fixture)"\nlanguage = "en-GB"',
    ]
    for i in range(1, 11):
        code = f"q{i}"
        if code == drop:
            continue
        if code == "q1" and q1 is not None:
            lines.append(q1)
            continue
        options = ", ".join(f'"statement {j} of section {i}"' for j in range(6))
        lines.append(f'[items.{code}]\ntext = "Section {i} (clinic text)"\noptions = [{options}]')
    return "\n\n".join(lines) + "\n" + extra


def write(tmp_path: Path, text: str, name: str = "odi-text.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, odi_text())
    text = load_item_text("odi", path)
    assert (text.instrument, text.version, text.language) == ("odi", "2.1a", "en-GB")
    assert list(text.items) == [f"q{i}" for i in range(1, 11)]
    assert text.items["q3"].text == "Section 3 (clinic text)"
    assert text.items["q3"].options[5] == "statement 5 of section 3"
    assert text.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(ItemTextError("x"), MeasuresDataError)


def test_scale_items_take_anchors(tmp_path: Path) -> None:
    body = 'instrument = "nprs"\nversion = "sotclinic-1"\n\n[items.q1]\ntext = "Pain"\nanchors = ["none", "worst"]\n'
    text = load_item_text("nprs", write(tmp_path, body))
    assert text.licence == ""  # our own wording needs no licence
    assert text.items["q1"].anchors == ("none", "worst")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (odi_text(drop="q4"), "no text for q4"),
        (odi_text(extra='[items.q11]\ntext = "x"\n'), "'q11' is not an item of odi (items: q1–q10)"),
        (
            odi_text(head='instrument = "ndi"\nversion = "2.1a"\nlicence = "x"'),
            "the file is for 'ndi', not 'odi'",
        ),
        (
            odi_text(head='instrument = "odi"\nversion = "2.0"\nlicence = "x"'),
            "version '2.0' differs from the version sotclinic scores ('2.1a')",
        ),
        (odi_text(head='instrument = "odi"\nversion = "2.1a"'), "missing required key 'licence'"),
        (
            odi_text(q1='[items.q1]\ntext = "Pain"\noptions = ["a", "b"]'),
            "item 'q1': 2 option texts for 6 answers (0, 1, 2, 3, 4, 5)",
        ),
        (
            odi_text(q1='[items.q1]\ntext = "Pain"\nanchors = ["a", "b"]'),
            "item 'q1': this item has listed options: give 'options', not 'anchors'",
        ),
        (
            odi_text(q1='[items.q1]\noptions = ["a", "b", "c", "d", "e", "f"]'),
            "item 'q1': missing required key 'text'",
        ),
        (
            odi_text(q1='[items.q1]\ntext = "Pain"\nhint = "x"\noptions = ["a", "b", "c", "d", "e", "f"]'),
            "item 'q1': unknown key 'hint'",
        ),
        (
            odi_text(head='instrument = "odi"\nversion = "2.1a"\nlicence = "x"\nauthor = "me"'),
            "unknown key 'author'",
        ),
        ('instrument = "odi"\nversion = "2.1a"\nlicence = "x"\n', "missing [items.q1] … tables"),
        ("not = [toml", "not valid TOML"),
    ],
)
def test_what_does_not_fit_is_named(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ItemTextError) as exc:
        load_item_text("odi", path)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)


def test_scale_item_refuses_options(tmp_path: Path) -> None:
    body = 'instrument = "nprs"\nversion = "sotclinic-1"\n\n[items.q1]\ntext = "Pain"\noptions = ["a", "b"]\n'
    with pytest.raises(ItemTextError, match="numeric scale: give 'anchors'"):
        load_item_text("nprs", write(tmp_path, body))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ItemTextError, match="cannot read the file: No such file or directory"):
        load_item_text("odi", tmp_path / "nope.toml")


# --- the wording of the answer options -----------------------------------------------------------------------
# An invented instrument and invented wording: no questionnaire's real text belongs in the repository.

INVENTED = """\
code = "zzt"
name = "Invented test instrument"
version = "test-1"
rules_version = "test"
source = "invented for the tests"
direction = "higher_worse"
ship_text = false
mcid_note = "invented"

items = [
  { code = "q1", label = "Item 1" },
  { code = "q2", label = "Item 2" },
  { code = "q3", label = "Item 3", responses = "own" },
  { code = "q4", label = "Item 4", responses = "scale" },
]

[licence]
holder = "nobody"
terms = "invented for the tests"

[missing]
rule = "none"
description = "every item must be answered"

[responses.default]
options = [{ value = 0, label = "0" }, { value = 1, label = "1" }, { value = 2, label = "2" }]

[responses.own]
options = [{ value = 5, label = "5" }, { value = 7, label = "7" }]

[responses.scale]
min = 0
max = 10
min_label = "neutral low"
max_label = "neutral high"

[[scores]]
code = "total"
label = "Total"
method = "sum"
min = 5
max = 21
"""

INVENTED_TEXT = """\
instrument = "zzt"
version = "test-1"
licence = "Made-up licence no. 0"

[responses.default]
options = ["Option A for the default set", "Option B for the default set", "Option C for the default set"]

[responses.scale]
anchors = ["Low end for the scale set", "High end for the scale set"]

[items.q1]
text = "Made-up item 1"

[items.q2]
text = "Made-up item 2"
options = ["Option A for item 2", "Option B for item 2", "Option C for item 2"]

[items.q3]
text = "Made-up item 3"
options = ["Option A for item 3", "Option B for item 3"]

[items.q4]
text = "Made-up item 4"
"""


@pytest.fixture
def invented(tmp_path: Path) -> Instrument:
    (tmp_path / "zzt.toml").write_text(INVENTED, encoding="utf-8")
    return load_instrument(tmp_path / "zzt.toml")


def variant(*edits: tuple[str, str]) -> str:
    """The invented wording with each (old, new) replaced; ``old`` must occur exactly once."""
    text = INVENTED_TEXT
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def test_option_wording_per_response_set_and_per_item(tmp_path: Path, invented: Instrument) -> None:
    text = load_item_text(invented, write(tmp_path, INVENTED_TEXT, "zzt-text.toml"))
    items = text.items
    # q1 has none of its own: its response set's wording, one per value in value order
    assert items["q1"].options == (
        "Option A for the default set",
        "Option B for the default set",
        "Option C for the default set",
    )
    assert items["q2"].options == ("Option A for item 2", "Option B for item 2", "Option C for item 2")
    assert items["q3"].options == ("Option A for item 3", "Option B for item 3")
    assert (items["q4"].options, items["q4"].anchors) == (
        (),
        ("Low end for the scale set", "High end for the scale set"),
    )
    # display only: the instrument's values and labels are untouched
    assert [o.value for o in invented.items["q3"].responses.options] == [5, 7]
    assert invented.items["q1"].responses.options[0].label == "0"


def test_an_item_can_give_its_own_anchors_and_scale_anchors_stay_optional(
    tmp_path: Path, invented: Instrument
) -> None:
    own = variant(
        ('text = "Made-up item 4"', 'text = "Made-up item 4"\nanchors = ["Low for 4", "High for 4"]')
    )
    assert load_item_text(invented, write(tmp_path, own)).items["q4"].anchors == ("Low for 4", "High for 4")
    none = variant(
        ('[responses.scale]\nanchors = ["Low end for the scale set", "High end for the scale set"]\n', "")
    )
    assert load_item_text(invented, write(tmp_path, none)).items["q4"].anchors == ()


LONG = "x" * (OPTION_MAX_CHARS + 1)


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        (
            [('"Option C for the default set"]', "]")],
            "zzt responses 'default': 2 option texts for 3 answers (0, 1, 2)",
        ),
        (
            [('"Option B for item 3"]', '"Option B for item 3", "Option C for item 3"]')],
            "zzt item 'q3': 3 option texts for 2 answers (5, 7)",
        ),
        (
            [('"Option B for item 2"', '"   "')],
            "zzt item 'q2' option 2 (value 1): must not be empty",
        ),
        (
            [('"Option C for the default set"', "2")],
            "zzt responses 'default' option 3 (value 2): must be a text, got an integer",
        ),
        (
            [('"Option B for item 3"', f'"{LONG}"')],
            f"zzt item 'q3' option 2 (value 7): is {OPTION_MAX_CHARS + 1} characters long: "
            f"at most {OPTION_MAX_CHARS}",
        ),
        (
            [('"Option C for item 2"', '"option a  FOR item 2"')],
            "zzt item 'q2' option 3 (value 2): the same text as option 1 (value 0)",
        ),
        (
            [('"Option A for item 3"', '"Option A\\nfor item 3"')],
            "zzt item 'q3' option 1 (value 5): must be one line of text without control characters "
            "(it has U+000A)",
        ),
        (
            [
                (
                    'options = ["Option A for item 2", "Option B for item 2", "Option C for item 2"]',
                    'options = "A"',
                )
            ],
            "zzt item 'q2': 'options' must be a list of 3 texts, got a string",
        ),
        (
            [('options = ["Option A for item 3", "Option B for item 3"]\n', "")],
            "zzt item 'q3': missing 'options' (2 texts, one per answer), here or once for every item of its "
            "response set under [responses.own]",
        ),
        (
            [("[responses.default]", "[responses.other]")],
            "zzt responses: 'other' is not a response set of zzt (response sets: default, own, scale)",
        ),
        (
            [('options = ["Option A for the default set"', 'anchors = ["Option A for the default set"')],
            "zzt responses 'default': this response set has listed options: give 'options', not 'anchors'",
        ),
        (
            [('anchors = ["Low end', 'options = ["Low end')],
            "zzt responses 'scale': this response set is a numeric scale: give 'anchors' (low, high), "
            "not 'options'",
        ),
        (
            [('"High end for the scale set"]', '"High end for the scale set", "Middle"]')],
            "zzt responses 'scale': 'anchors' must be two texts: the low end and the high end",
        ),
        (
            [('"High end for the scale set"', '"low END for the scale set"')],
            "zzt responses 'scale' anchor 2 (value 10): the same text as anchor 1 (value 0)",
        ),
        (
            [("[responses.default]\n", '[responses.default]\nlabels = ["a"]\n')],
            "zzt responses 'default': unknown key 'labels'",
        ),
        (
            [
                (
                    'options = ["Option A for the default set", "Option B for the default set", '
                    '"Option C for the default set"]\n',
                    "",
                )
            ],
            "zzt responses 'default': missing 'options' (3 texts, one per answer)",
        ),
        (
            [
                ("[responses.default]\n", "[items.q1.x]\n"),
                ("[responses.scale]\n", "[items.q1.y]\n"),
                (
                    'licence = "Made-up licence no. 0"',
                    'licence = "Made-up licence no. 0"\nresponses = "A, B, C"',
                ),
            ],
            "[responses] must be a table, got a string",
        ),
    ],
)
def test_option_wording_that_does_not_fit_is_refused_by_name(
    tmp_path: Path, invented: Instrument, edits: list[tuple[str, str]], message: str
) -> None:
    path = write(tmp_path, variant(*edits), "zzt-text.toml")
    with pytest.raises(ItemTextError) as exc:
        load_item_text(invented, path)
    assert str(exc.value) == f"{path}: {message}"


def test_a_file_without_option_wording_for_listed_answers_is_refused(tmp_path: Path) -> None:
    """Licensed item text with our neutral answer labels would mix two wordings: every option needs its text."""
    lines = ['instrument = "hit6"\nversion = "HIT-6"\nlicence = "Made-up licence no. 0"']
    lines += [f'[items.q{i}]\ntext = "Made-up item {i}"' for i in range(1, 7)]
    path = write(tmp_path, "\n\n".join(lines) + "\n", "hit6.toml")
    with pytest.raises(ItemTextError) as exc:
        load_item_text("hit6", path)
    assert str(exc.value) == (
        f"{path}: hit6 item 'q1': missing 'options' (5 texts, one per answer), here or once for every item "
        "of its response set under [responses.default]"
    )
