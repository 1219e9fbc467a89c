"""load_item_text(): a clinic's licensed item text, validated against the instrument's structure."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sotclinic.measures import ItemTextError, MeasuresDataError, load_item_text


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
