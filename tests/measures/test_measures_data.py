"""The instrument files: every instrument of the reference, licensing honoured, and validation that names the
file, the entry and the reason."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sotclinic.measures import MeasuresDataError, default_instruments, instrument, load_instruments
from sotclinic.measures.instruments import DATA_DIR

REFERENCE_CODES = {
    "nprs",
    "odi",
    "rmdq",
    "ndi",
    "bq_back",
    "bq_neck",
    "psfs",
    "pgq",
    "jfls8",
    "jfls20",
    "hit6",
    "pss10",
    "pgic",
    "startback",
    "ibs_sss",
}
# Not in the reference: our own headache-days diary question, for clinics without a HIT-6 licence.
OWN_INSTRUMENTS = {"headache_days"}
OWN_WORDING = {"nprs", "pgic", "psfs", "headache_days"}

# code -> (number of items, score columns), as in the reference table
STRUCTURE = {
    "nprs": (1, ("total",)),
    "odi": (10, ("total", "percent")),
    "rmdq": (24, ("total",)),
    "ndi": (10, ("total", "percent")),
    "bq_back": (7, ("total",)),
    "bq_neck": (7, ("total",)),
    "psfs": (5, ("total",)),
    "pgq": (25, ("percent", "activity", "symptom")),
    "jfls8": (8, ("total",)),
    "jfls20": (20, ("total", "mastication", "mobility", "communication")),
    "hit6": (6, ("total",)),
    "pss10": (10, ("total",)),
    "pgic": (1, ("total",)),
    "startback": (9, ("total", "psychosocial", "risk")),
    "ibs_sss": (5, ("total",)),
    "headache_days": (1, ("total",)),
}


def test_every_instrument_of_the_reference_has_one_file() -> None:
    assert set(default_instruments()) == REFERENCE_CODES | OWN_INSTRUMENTS
    assert {p.stem for p in DATA_DIR.glob("*.toml")} == REFERENCE_CODES | OWN_INSTRUMENTS


@pytest.mark.parametrize("code", sorted(REFERENCE_CODES))
def test_structure(code: str) -> None:
    inst = instrument(code)
    n_items, columns = STRUCTURE[code]
    assert inst.item_codes == tuple(f"q{i}" for i in range(1, n_items + 1))
    assert inst.columns == columns
    assert inst.version and inst.rules_version == "2026.1"
    assert inst.licence.terms


@pytest.mark.parametrize("code", sorted(REFERENCE_CODES))
def test_licensed_text_is_never_shipped(code: str) -> None:
    inst = instrument(code)
    texts = [item.text for item in inst.items.values()]
    if code in OWN_WORDING:
        assert inst.ship_text and all(texts) and inst.instructions
    else:
        assert not inst.ship_text and not any(texts) and inst.instructions is None
        assert "do not ship text" in inst.licence.terms
    assert all(item.label for item in inst.items.values())


@pytest.mark.parametrize(
    ("code", "score", "points", "percent", "source"),
    [
        ("nprs", "total", 2, 30, "Ostelo 2008, Spine 33:90"),
        ("odi", "percent", 10, 30, "Ostelo 2008, Spine 33:90"),
        ("rmdq", "total", 5, 30, "Ostelo 2008, Spine 33:90"),
        ("ndi", "total", 5, None, "Vernon"),
        ("bq_back", "total", 26, None, "Newell & Bolton, Spine 2010"),
        ("psfs", "total", 2, None, "Abbott & Schmitt, JOSPT 2014"),
        ("pgq", "percent", 25, None, "Stuge 2017, PTJ 97:1103"),
        ("pgq", "activity", 25, None, "Stuge 2017, PTJ 97:1103"),
        ("pgq", "symptom", 20, None, "Stuge 2017, PTJ 97:1103"),
        ("hit6", "total", 6, None, "Smelt 2014"),
        ("ibs_sss", "total", 50, None, "Francis 1997"),
    ],
)
def test_mcids_as_in_the_reference(
    code: str, score: str, points: float, percent: float | None, source: str
) -> None:
    mcid = instrument(code).mcid_for(score)
    assert mcid is not None
    assert (mcid.points, mcid.percent, mcid.source) == (points, percent, source)


@pytest.mark.parametrize(
    ("code", "note"),
    [
        ("bq_neck", "not found for the English version"),
        ("jfls8", "not found"),
        ("jfls20", "not found"),
        ("pss10", "not found"),
        ("startback", "stratification tool, no MCID"),
    ],
)
def test_mcid_not_found_is_said_not_invented(code: str, note: str) -> None:
    inst = instrument(code)
    assert inst.mcids == ()
    assert inst.mcid_note == note


def test_loinc_only_where_the_reference_gives_it() -> None:
    loinc = {code: dict(inst.loinc) for code, inst in default_instruments().items() if inst.loinc}
    assert loinc == {
        "nprs": {"score": "72514-3"},
        "odi": {"panel": "97908-8", "score": "97909-6", "note": "confirm against LOINC"},
        "ndi": {"panel": "82226-2"},
    }


def test_several_mcids_have_a_default_and_a_context() -> None:
    bq = instrument("bq_back")
    assert bq.mcid_for("total").context == "acute"  # type: ignore[union-attr]
    assert bq.mcid_for("total", "subacute_chronic").points == 18  # type: ignore[union-attr]
    with pytest.raises(ValueError, match=r"no MCID for 'total' in context 'chronic'"):
        bq.mcid_for("total", "chronic")


def test_measures_never_import_django(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import sys; import sotclinic.measures, sotclinic.measures.cli; "
        "from sotclinic.measures import score; score('odi', {f'q{i}': 1 for i in range(1, 11)}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# ---- validation: one broken file at a time ---------------------------------------------------------------

Edit = Callable[[str, str, str], Path]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "odi.toml",
            'code = "odi"',
            'code = "oswestry"',
            "odi.toml: code 'oswestry' differs from the file name (expected 'odi')",
        ),
        (
            "odi.toml",
            '{ code = "q2", label = "Section 2 — personal care" }',
            '{ code = "q3", label = "Section 2 — personal care" }',
            "odi.toml: item 2: code 'q3' out of order: items are q1 … qN in the published order",
        ),
        (
            "odi.toml",
            '{ code = "q1", label = "Section 1 — pain intensity" }',
            '{ code = "q1", label = "Section 1 — pain intensity", text = "licensed words" }',
            "odi.toml: item 'q1': item text is shipped only for instruments with ship_text = true",
        ),
        (
            "odi.toml",
            "max = 50\n",
            "max = 60\n",
            "odi.toml: score 'total': declared range 0–60 differs from the items' range 0–50",
        ),
        (
            "odi.toml",
            "min_answered = 8",
            "min_answered = 11",
            "odi.toml: missing: min_answered 11 must be between 1 and 10",
        ),
        (
            "odi.toml",
            'direction = "higher_worse"',
            'direction = "up"',
            "odi.toml: direction 'up' is not one of higher_worse, higher_better",
        ),
        (
            "odi.toml",
            'method = "sum"',
            'method = "median"',
            "odi.toml: score 'total': method 'median' is not one of",
        ),
        (
            "odi.toml",
            "upto = 40 }",
            "upto = 10 }",
            "odi.toml: bands level 'moderate': bounds must ascend",
        ),
        ("odi.toml", "[[mcid]]", "[[mcids]]", "odi.toml: unknown key 'mcids'"),
        (
            "pss10.toml",
            'mcid_note = "not found"',
            "notes = []",
            "pss10.toml: no [[mcid]]: give 'mcid_note' saying why (e.g. \"not found\")",
        ),
        (
            "pss10.toml",
            'reversed = ["q4", "q5", "q7", "q8"]',
            'reversed = ["q4", "q11"]',
            "pss10.toml: reversed item 'q11' is not an item of this instrument",
        ),
        (
            "hit6.toml",
            '{ value = 8, label = "rarely" }',
            '{ value = 5, label = "rarely" }',
            "hit6.toml: responses 'default': option values must be distinct and ascending",
        ),
        (
            "startback.toml",
            '{ level = "medium", score = "total", at_least = 4 }',
            '{ level = "medium", score = "social", at_least = 4 }',
            "startback.toml: risk rule 2: score 'social' is not a score of this instrument",
        ),
        (
            "jfls20.toml",
            'components = ["mastication", "mobility", "communication"]',
            'components = ["mastication", "mobility", "speech"]',
            "jfls20.toml: score 'total': component 'speech' is not a score defined before this one",
        ),
        (
            "jfls20.toml",
            "max_missing = 2",
            "max_missing = 10",
            "jfls20.toml: score 'communication': max_missing 10 must be between 0 and 9",
        ),
        (
            "bq_back.toml",
            "default = true\n",
            "",
            "bq_back.toml: mcid: exactly one of the MCIDs for 'total' must be the default",
        ),
        (
            "ibs_sss.toml",
            "step = 10",
            "step = 7",
            "ibs_sss.toml: responses 'days': step 7 must be at least 1 and divide max - min (100)",
        ),
        ("nprs.toml", 'code = "nprs"', 'code = "nprs', "nprs.toml: not valid TOML: "),
    ],
)
def test_broken_files_are_named(edit: Edit, name: str, old: str, new: str, message: str) -> None:
    directory = edit(name, old, new)
    with pytest.raises(MeasuresDataError) as exc:
        load_instruments(directory)
    assert str(exc.value).startswith(message)


def test_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(MeasuresDataError, match="no instrument files"):
        load_instruments(tmp_path)


def test_the_copy_loads_like_the_original(data_copy: Path) -> None:
    assert load_instruments(data_copy) == dict(default_instruments())
