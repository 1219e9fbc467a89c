"""The knowledge base: catalogue contents, validation of every file, override files, versions."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sotclinic.sot import (
    Indicator,
    KnowledgeBase,
    KnowledgeBaseError,
    ValueSpec,
    classify,
    default_kb,
    load_kb,
    parse_findings,
    protocol,
)
from sotclinic.sot.kb import DATA_DIR

Edit = Callable[[str, str, str], Path]
Override = Callable[..., Path]

CATALOGUE = [
    "leg_length_prone",
    "leg_length_supine",
    "pelvis_locked",
    "pelvic_sway",
    "heel_tension",
    "first_rib_mobile",
    "arm_fossa",
    "first_rib_tender",
    "inguinal_tender",
    "knee_sensitivity",
    "scalene_tender",
    "antalgic_posture",
    "leg_pain",
    "slr",
    "piriformis_tender",
    "compaction",
    "dollar_sign",
    "crest_sign",
    "occipital_fibre",
    "trapezius_fibre",
    "cmrt",
]


# ---- the catalogue ------------------------------------------------------------------------------------


def test_version_and_files_all_carry_it(kb: KnowledgeBase) -> None:
    assert kb.version == "2026.1"
    assert kb.override is None
    for name in ("indicators.toml", "categories.toml", "protocols.toml", "maps.toml"):
        assert 'version = "2026.1"' in (DATA_DIR / name).read_text(encoding="utf-8")


def test_catalogue_order(kb: KnowledgeBase) -> None:
    assert list(kb.indicators) == CATALOGUE


def test_groups_in_display_order(kb: KnowledgeBase) -> None:
    assert kb.groups == (
        ("leg_checks", "Leg checks", ("leg_length_prone", "leg_length_supine")),
        (
            "cat1",
            "Category I indicators",
            ("pelvis_locked", "heel_tension", "first_rib_mobile", "dollar_sign", "crest_sign"),
        ),
        (
            "cat2",
            "Category II indicators",
            (
                "pelvic_sway",
                "arm_fossa",
                "first_rib_tender",
                "inguinal_tender",
                "knee_sensitivity",
                "scalene_tender",
            ),
        ),
        ("cat3", "Category III indicators", ("antalgic_posture", "leg_pain", "slr", "piriformis_tender")),
        ("cervical", "Cervical and cranial", ("compaction",)),
        ("fibres", "Fibres and CMRT", ("occipital_fibre", "trapezius_fibre", "cmrt")),
    )
    for group, _title, codes in kb.groups:
        for code in codes:
            assert kb.indicators[code].group == group


def test_weights_match_the_reference_table(kb: KnowledgeBase) -> None:
    weights = {code: dict(ind.weights) for code, ind in kb.indicators.items() if ind.weights}
    assert weights == {
        "pelvis_locked": {"cat1": 2, "cat2": -2},
        "pelvic_sway": {"cat1": -2, "cat2": 2},
        "heel_tension": {"cat1": 2},
        "first_rib_mobile": {"cat1": 1},
        "arm_fossa": {"cat2": 2},
        "first_rib_tender": {"cat2": 1},
        "inguinal_tender": {"cat2": 1},
        "knee_sensitivity": {"cat2": 1},
        "scalene_tender": {"cat2": 1},
        "antalgic_posture": {"cat3": 2},
        "leg_pain": {"cat3": 2},
        "slr": {"cat3": 1},
        "piriformis_tender": {"cat3": 1},
    }
    assert kb.indicators["arm_fossa"].is_primary("cat2")
    assert not kb.indicators["first_rib_tender"].is_primary("cat2")
    assert kb.indicators_for("cat1", "P") == ("pelvis_locked", "heel_tension")


def test_categories_and_thresholds(kb: KnowledgeBase) -> None:
    assert list(kb.categories) == ["cat1", "cat2", "cat3"]
    assert [c.name for c in kb.categories.values()] == ["Category I", "Category II", "Category III"]
    assert all(c.description for c in kb.categories.values())
    assert kb.thresholds == {"support_score": 2, "lead": 2}
    assert kb.role_weights == {"P": 2, "S": 1, "A": -2}


def test_value_specs(kb: KnowledgeBase) -> None:
    ind = kb.indicators
    assert ind["pelvic_sway"].value == ValueSpec("cm", 0, 10, 1.2)
    assert ind["leg_length_prone"].value == ValueSpec("mm", 0, 50, None)
    assert ind["leg_length_supine"].value == ValueSpec("mm", 0, 50, None)
    assert ind["slr"].value == ValueSpec("degrees", 0, 120, None)
    assert [c for c, i in ind.items() if i.value] == [
        "leg_length_prone",
        "leg_length_supine",
        "pelvic_sway",
        "slr",
    ]


def test_sides_and_meanings(kb: KnowledgeBase) -> None:
    ind = kb.indicators
    assert ind["leg_length_prone"].sides == ("left", "right", "even")
    assert ind["leg_length_prone"].side_meaning == "short side"
    assert ind["antalgic_posture"].side_meaning == "side of lean"
    assert ind["arm_fossa"].side_meaning == "side of sacroiliac involvement"
    for code in ("pelvis_locked", "pelvic_sway", "compaction", "cmrt"):
        assert ind[code].sides == ()
    for code, i in ind.items():
        if i.sides:
            assert {"left", "right"} <= set(i.sides), code
            assert i.side_meaning, code
        if "even" in i.sides:
            assert i.group == "leg_checks"


def test_flags(kb: KnowledgeBase) -> None:
    ind = kb.indicators
    assert not ind["leg_length_prone"].has_result
    assert ind["pelvic_sway"].has_result
    assert ind["occipital_fibre"].has_line_area and ind["occipital_fibre"].has_line
    assert ind["trapezius_fibre"].has_line_area and not ind["trapezius_fibre"].has_line
    assert ind["trapezius_fibre"].has_area
    assert [c for c, i in ind.items() if i.has_level] == ["occipital_fibre", "trapezius_fibre", "cmrt"]
    assert [c for c, i in ind.items() if i.has_organ] == ["cmrt"]
    assert [c for c, i in ind.items() if i.multiple] == ["occipital_fibre", "trapezius_fibre", "cmrt"]


def test_recorded_only_notes(kb: KnowledgeBase) -> None:
    noted = {c: i.recorded_only_note for c, i in kb.indicators.items() if i.recorded_only_note}
    note = "described as a Category I sign; recorded only until confirmed"
    assert noted == {"dollar_sign": note, "crest_sign": note}
    assert not kb.indicators["dollar_sign"].weights


def test_shortcuts_are_distinct_single_lowercase_keys(kb: KnowledgeBase) -> None:
    keys = [i.shortcut for i in kb.indicators.values()]
    assert len(set(keys)) == len(keys) == len(CATALOGUE)
    for key in keys:
        assert len(key) == 1 and "a" <= key <= "z" and key not in "lrbe"
    assert kb.by_shortcut("a") is kb.indicators["arm_fossa"]
    assert kb.by_shortcut("l") is None


def test_indicator_is_frozen(kb: KnowledgeBase) -> None:
    ind: Indicator = kb.indicators["arm_fossa"]
    with pytest.raises(AttributeError):
        ind.name = "x"  # type: ignore[misc]


def test_maps(kb: KnowledgeBase) -> None:
    organs = {level: [(r.organ, r.variant) for r in rs] for level, rs in kb.cmrt_map.items()}
    assert organs == {
        "T4": [("gall bladder", None), ("liver", "secretory")],
        "T5": [("stomach", None)],
        "T7": [("spleen", None)],
        "T8": [("liver", None)],
        "T9": [("adrenals", None)],
        "T10": [("intestines", None)],
        "L4": [("liver", "vascular")],
    }
    assert list(kb.fibre_map) == [(2, 6)]
    (link,) = kb.fibre_map[(2, 6)]
    assert (link.organ, link.level) == ("liver", "T8")


def test_protocol_templates_are_unverified(kb: KnowledgeBase) -> None:
    assert set(kb.protocols) == {"cat1", "cat2", "cat3"}
    assert not any(p.verified for p in kb.protocols.values())
    assert set(kb.variants) == {"standard", "pregnancy"}
    assert kb.variants["pregnancy"].requires == ("pregnancy_week",)


def test_package_never_imports_django() -> None:
    code = (
        "import sys, sotclinic.sot, sotclinic.sot.cli, sotclinic.sot.kb;"
        "sotclinic.sot.default_kb();"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django');"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# ---- validation of the base files -------------------------------------------------------------------


ARM_FOSSA_WEIGHTS = 'weights = { cat2 = "P" }\nshortcut = "a"'

BAD_FILES = [
    pytest.param(
        "indicators.toml",
        ARM_FOSSA_WEIGHTS,
        'weights = { cat9 = "P" }\nshortcut = "a"',
        "indicators.toml: indicator 'arm_fossa': weight for unknown category 'cat9'",
        id="unknown-category",
    ),
    pytest.param(
        "indicators.toml",
        ARM_FOSSA_WEIGHTS,
        'weights = { cat2 = "X" }\nshortcut = "a"',
        "indicators.toml: indicator 'arm_fossa': weight 'X' for category 'cat2' must be one of P, S, A",
        id="bad-role",
    ),
    pytest.param(
        "indicators.toml",
        'group = "cat1"\nhas_result = true\nweights = { cat1 = "P", cat2 = "A" }',
        'group = "cat1"\nweights = { cat1 = "P", cat2 = "A" }',
        "indicators.toml: indicator 'pelvis_locked': missing required key 'has_result'",
        id="missing-key",
    ),
    pytest.param(
        "indicators.toml",
        'group = "cat1"\nhas_result = true\nweights = { cat1 = "P", cat2 = "A" }',
        'group = "cat1"\nhas_result = "yes"\nweights = { cat1 = "P", cat2 = "A" }',
        "indicators.toml: indicator 'pelvis_locked': 'has_result' must be true or false, got a string",
        id="wrong-type",
    ),
    pytest.param(
        "indicators.toml",
        'code = "pelvis_locked"\nname = "Locked pelvis"',
        'code = "pelvis_locked"\ncolour = "red"\nname = "Locked pelvis"',
        "indicators.toml: indicator 'pelvis_locked': unknown key 'colour'",
        id="unknown-key",
    ),
    pytest.param(
        "indicators.toml",
        'code = "pelvis_locked"',
        'code = "Pelvis Locked"',
        "indicators.toml: indicator 3: code 'Pelvis Locked' is not a code"
        " (lowercase letters, digits and '_', starting with a letter)",
        id="bad-code",
    ),
    pytest.param(
        "indicators.toml",
        'code = "crest_sign"',
        'code = "dollar_sign"',
        "indicators.toml: indicator 'dollar_sign': duplicate indicator code",
        id="duplicate-code",
    ),
    pytest.param(
        "indicators.toml",
        'shortcut = "c"',
        'shortcut = "d"',
        "indicators.toml: indicator 'crest_sign': shortcut 'd' is already used by 'dollar_sign'",
        id="duplicate-shortcut",
    ),
    pytest.param(
        "indicators.toml",
        'shortcut = "c"',
        'shortcut = "l"',
        "indicators.toml: indicator 'crest_sign': shortcut 'l' must be one lowercase letter"
        " other than l, r, b and e (side keys)",
        id="reserved-shortcut",
    ),
    pytest.param(
        "indicators.toml",
        'shortcut = "c"',
        'shortcut = "cc"',
        "indicators.toml: indicator 'crest_sign': shortcut 'cc' must be one lowercase letter"
        " other than l, r, b and e (side keys)",
        id="long-shortcut",
    ),
    pytest.param(
        "indicators.toml",
        'indicators = ["compaction"]',
        'indicators = ["compaction", "ghost"]',
        "indicators.toml: group 'cervical': names unknown indicator 'ghost'",
        id="group-unknown-indicator",
    ),
    pytest.param(
        "indicators.toml",
        'indicators = ["compaction"]',
        'indicators = ["compaction", "cmrt"]',
        "indicators.toml: group 'cervical': indicator 'cmrt' says its group is 'fibres'",
        id="group-wrong-member",
    ),
    pytest.param(
        "indicators.toml",
        'indicators = ["compaction"]',
        "indicators = []",
        "indicators.toml: group 'cervical': does not list indicator 'compaction'",
        id="group-missing-member",
    ),
    pytest.param(
        "indicators.toml",
        'group = "cervical"',
        'group = "neck"',
        "indicators.toml: group 'cervical': indicator 'compaction' says its group is 'neck'",
        id="group-mismatch",
    ),
    pytest.param(
        "indicators.toml",
        'value = { unit = "cm", min = 0, max = 10, threshold = 1.2 }',
        'value = { unit = "cm", min = 10, max = 0, threshold = 1.2 }',
        "indicators.toml: indicator 'pelvic_sway' value: min 10 must be less than max 0",
        id="value-range",
    ),
    pytest.param(
        "indicators.toml",
        'value = { unit = "cm", min = 0, max = 10, threshold = 1.2 }',
        'value = { unit = "cm", min = 0, max = 10, threshold = 12 }',
        "indicators.toml: indicator 'pelvic_sway' value: threshold 12 is outside 0–10",
        id="threshold-range",
    ),
    pytest.param(
        "indicators.toml",
        'sides = ["left", "right", "even"]\nside_meaning = "short side"\n'
        'value = { unit = "mm", min = 0, max = 50 }\nshortcut = "p"',
        'sides = ["left", "up"]\nside_meaning = "short side"\n'
        'value = { unit = "mm", min = 0, max = 50 }\nshortcut = "p"',
        "indicators.toml: indicator 'leg_length_prone': side 'up' is not one of left, right, bilateral, even",
        id="bad-side",
    ),
    pytest.param(
        "indicators.toml",
        'has_organ = true\nmultiple = true\nshortcut = "q"',
        'has_organ = true\nmultiple = true\nshortcut = "q"\nweights = { cat1 = "S" }',
        "indicators.toml: indicator 'cmrt': weights need a result or a value threshold to count",
        id="weights-without-result",
    ),
    pytest.param(
        "categories.toml",
        "support_score = 2",
        'support_score = "two"',
        "categories.toml: rule: 'support_score' must be an integer, got a string",
        id="rule-type",
    ),
    pytest.param(
        "categories.toml",
        "A = -2",
        "A = 2",
        "categories.toml: weights: P and S must be positive and A negative",
        id="role-weights",
    ),
    pytest.param(
        "categories.toml",
        'code = "cat3"',
        'code = "cat2"',
        "categories.toml: category 'cat2': duplicate category code",
        id="duplicate-category",
    ),
    pytest.param(
        "protocols.toml",
        'recheck = ["heel_tension", "dollar_sign", "crest_sign", "leg_length_prone"]',
        'recheck = ["heel_tenson", "dollar_sign", "crest_sign", "leg_length_prone"]',
        "protocols.toml: protocol 'cat1': recheck names 'heel_tenson', which is not in the catalogue",
        id="recheck-unknown",
    ),
    pytest.param(
        "protocols.toml",
        'landmark = "ilium"',
        'landmark = "hip"',
        "protocols.toml: protocol 'cat2' block 2: landmark 'hip' is not one of trochanter, asis, ilium",
        id="bad-landmark",
    ),
    pytest.param(
        "protocols.toml",
        'landmark = "ilium"\nleg = "long"',
        'landmark = "ilium"\nleg = "left"',
        "protocols.toml: protocol 'cat2' block 2: leg 'left' must be short or long",
        id="bad-leg",
    ),
    pytest.param(
        "protocols.toml",
        'angle_deg = 0\norientation = "under the ilium, lying flat"',
        'angle_deg = 135\norientation = "under the ilium, lying flat"',
        "protocols.toml: protocol 'cat2' block 2: 'angle_deg' must be between 0 and 90, got 135",
        id="bad-angle",
    ),
    pytest.param(
        "protocols.toml",
        'position = "supine"',
        'position = "sitting"',
        "protocols.toml: protocol 'cat2': position 'sitting' must be prone or supine",
        id="bad-position",
    ),
    pytest.param(
        "protocols.toml",
        "duration_s = 120",
        "duration_s = 0",
        "protocols.toml: protocol 'cat2': 'duration_s' must be between 1 and 3600, got 0",
        id="bad-duration",
    ),
    pytest.param(
        "protocols.toml",
        'needs = "leg_length_supine"',
        'needs = "pelvic_sway"',
        "protocols.toml: protocol 'cat2': needs names 'pelvic_sway', which records no left/right side",
        id="needs-no-side",
    ),
    pytest.param(
        "protocols.toml",
        "[protocols.cat3]",
        "[protocols.cat4]",
        "protocols.toml: protocol 'cat4': unknown category 'cat4'",
        id="protocol-unknown-category",
    ),
    pytest.param(
        "protocols.toml",
        "[variants.standard]\n",
        "[variants.plain]\n",
        "protocols.toml: variant 'standard' is missing",
        id="no-standard-variant",
    ),
    pytest.param(
        "maps.toml",
        'level = "T10"',
        'level = "T13"',
        "maps.toml: cmrt entry 7: level 'T13' is not a vertebral level (C1–C7, T1–T12, L1–L5, S)",
        id="bad-level",
    ),
    pytest.param(
        "maps.toml",
        "area = 6",
        "area = 8",
        "maps.toml: occipital_fibres entry 1: 'area' must be between 1 and 7, got 8",
        id="bad-area",
    ),
    pytest.param(
        "maps.toml",
        'version = "2026.1"',
        'version = "2025.9"',
        "maps.toml: version '2025.9' differs from the knowledge version '2026.1'",
        id="version-mismatch",
    ),
    pytest.param(
        "maps.toml",
        'version = "2026.1"',
        'version = "2026.1"\n[[cmrt]\n',
        "maps.toml: not valid TOML: Expected ']]' at the end of an array declaration (at line 6, column 7)",
        id="not-toml",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), BAD_FILES)
def test_invalid_base_files(edit: Edit, name: str, old: str, new: str, message: str) -> None:
    directory = edit(name, old, new)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(data_dir=directory)
    assert str(caught.value) == message


def test_missing_base_file(data_copy: Path) -> None:
    (data_copy / "maps.toml").unlink()
    with pytest.raises(
        KnowledgeBaseError, match=r"^maps.toml: cannot read the file: No such file or directory$"
    ):
        load_kb(data_dir=data_copy)


def test_missing_protocol_for_a_category(edit: Edit, data_copy: Path) -> None:
    text = (data_copy / "protocols.toml").read_text(encoding="utf-8")
    start = text.index("[protocols.cat3]")
    end = text.index("# ---- variants")
    (data_copy / "protocols.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(data_dir=data_copy)
    assert str(caught.value) == "protocols.toml: no protocol for category 'cat3'"


def test_knowledge_base_error_is_a_value_error() -> None:
    assert issubclass(KnowledgeBaseError, ValueError)


# ---- override files ---------------------------------------------------------------------------------


NEW_INDICATOR = """
name = "clinic-a"

[[indicators]]
code = "psoas_balance"
name = "Psoas imbalance"
how = "Compare psoas tone supine."
group = "cat2"
has_result = true
sides = ["left", "right"]
side_meaning = "side of the weak psoas"
weights = { cat2 = "S" }
shortcut = "s"
"""


def test_override_adds_an_indicator(override_file: Override) -> None:
    path = override_file(NEW_INDICATOR)
    kb = load_kb(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert kb.version == f"2026.1+clinic-a.{digest}"
    assert kb.override == "clinic-a"
    assert list(kb.indicators)[-1] == "psoas_balance"
    assert kb.indicators["psoas_balance"].weights == {"cat2": 1}
    cat2_group = dict((g, codes) for g, _t, codes in kb.groups)["cat2"]
    assert cat2_group[-1] == "psoas_balance"
    # it takes part in classification and evidence
    assessment = classify(
        [{"indicator": "arm_fossa", "result": "positive", "side": "left"}, {"indicator": "psoas_balance"}], kb
    )
    assert assessment.scores["cat2"] == 2
    assert "psoas_balance" in assessment.evidence["cat2"].missing
    assessment = classify(
        [
            {"indicator": "arm_fossa", "result": "positive", "side": "left"},
            {"indicator": "psoas_balance", "result": "positive", "side": "left"},
        ],
        kb,
    )
    assert assessment.scores["cat2"] == 3
    assert assessment.knowledge_version == kb.version


def test_override_version_changes_with_the_file_bytes(override_file: Override) -> None:
    first = load_kb(override_file(NEW_INDICATOR, "a.toml")).version
    second = load_kb(override_file(NEW_INDICATOR + "\n# a comment\n", "b.toml")).version
    assert first != second
    assert first.startswith("2026.1+clinic-a.") and second.startswith("2026.1+clinic-a.")
    assert len(first) == len("2026.1+clinic-a.") + 8


def test_override_changes_weights(override_file: Override) -> None:
    path = override_file('name = "weak-arm-fossa"\n[indicator_changes.arm_fossa]\nweights = { cat2 = "S" }\n')
    kb = load_kb(path)
    assert kb.indicators["arm_fossa"].weights == {"cat2": 1}
    assert kb.indicators["arm_fossa"].shortcut == "a"  # other fields kept
    findings = [
        {"indicator": "heel_tension", "result": "positive"},
        {"indicator": "arm_fossa", "result": "positive", "side": "left"},
    ]
    # worked example 5 is conflicting with the base weights ...
    assert classify(findings).reason == "conflicting"
    # ... and with arm_fossa only supporting, cat2 is no longer supported
    assessment = classify(findings, kb)
    assert (assessment.category, assessment.scores["cat2"]) == ("cat1", 1)


def test_override_changes_a_protocol(override_file: Override) -> None:
    path = override_file(
        """
name = "clinic-b"
base_version = "2026.1"

[protocols.cat2]
duration_s = 180
blocks = [
  { landmark = "trochanter", leg = "short", angle_deg = 30, orientation = "under the trochanter", order = 1 },
]
"""
    )
    kb = load_kb(path)
    template = kb.protocols["cat2"]
    assert template.duration_s == 180
    assert template.position == "supine"  # unchanged fields stay
    plan = protocol("cat2", {"short_leg": "left"}, kb=kb)
    assert plan is not None
    assert plan.duration_s == 180
    assert [(b.landmark, b.side, b.angle_deg) for b in plan.blocks] == [("trochanter", "left", 30)]


def test_override_rule_and_maps(override_file: Override) -> None:
    path = override_file(
        'name = "strict"\n[rule]\nsupport_score = 3\n'
        '[[cmrt]]\nlevel = "T6"\norgan = "pancreas"\n'
        '[[occipital_fibres]]\nline = 2\narea = 5\norgan = "stomach"\nlevel = "T5"\n'
    )
    kb = load_kb(path)
    assert kb.thresholds == {"support_score": 3, "lead": 2}
    assert [r.organ for r in kb.cmrt_map["T6"]] == ["pancreas"]
    assert list(kb.cmrt_map)[:4] == ["T4", "T5", "T6", "T7"]
    assert kb.fibre_map[(2, 5)][0].organ == "stomach"
    # heel tension alone (score 2) no longer supports Category I
    assert classify([{"indicator": "heel_tension", "result": "positive"}], kb).reason == "insufficient"


def test_override_adds_a_group(override_file: Override) -> None:
    path = override_file(
        'name = "grp"\n[[groups]]\ncode = "extra"\ntitle = "Extra"\n'
        + NEW_INDICATOR.replace('name = "clinic-a"', "").replace('group = "cat2"', 'group = "extra"')
    )
    kb = load_kb(path)
    assert kb.groups[-1] == ("extra", "Extra", ("psoas_balance",))


BAD_OVERRIDES = [
    pytest.param(
        NEW_INDICATOR.replace('weights = { cat2 = "S" }', 'weights = { cat9 = "S" }'),
        "{path}: indicator 'psoas_balance': weight for unknown category 'cat9'",
        id="unknown-category",
    ),
    pytest.param(
        NEW_INDICATOR.replace('code = "psoas_balance"', 'code = "arm_fossa"'),
        "{path}: indicator 'arm_fossa': duplicate indicator code;"
        " use [indicator_changes.arm_fossa] to change it",
        id="duplicate-code",
    ),
    pytest.param(
        NEW_INDICATOR.replace('shortcut = "s"', 'shortcut = "a"'),
        "{path}: indicator 'psoas_balance': shortcut 'a' is already used by 'arm_fossa'",
        id="duplicate-shortcut",
    ),
    pytest.param(
        NEW_INDICATOR.replace('group = "cat2"', 'group = "cat9"'),
        "{path}: indicator 'psoas_balance': unknown group 'cat9'",
        id="unknown-group",
    ),
    pytest.param(
        NEW_INDICATOR.replace('group = "cat2"\n', ""),
        "{path}: indicator 'psoas_balance': missing required key 'group'",
        id="no-group",
    ),
    pytest.param(
        'version = "2026.1"\n',
        "{path}: unknown key 'version'",
        id="unknown-top-level-key",
    ),
    pytest.param("[rule]\nlead = 3\n", "{path}: missing required key 'name'", id="no-name"),
    pytest.param(
        'name = "a b"\n', "{path}: name 'a b' must be letters, digits, '-', '_' or '.'", id="bad-name"
    ),
    pytest.param(
        'name = "x"\nbase_version = "2025.1"\n',
        "{path}: base_version '2025.1' does not match the knowledge version '2026.1'",
        id="base-version",
    ),
    pytest.param(
        'name = "x"\n[indicator_changes.ghost]\nname = "Ghost"\n',
        "{path}: indicator_changes 'ghost': indicator 'ghost' is not in the catalogue",
        id="change-unknown-indicator",
    ),
    pytest.param(
        'name = "x"\n[indicator_changes.arm_fossa]\ngroup = "cat1"\n',
        "{path}: indicator_changes 'arm_fossa': unknown key 'group'",
        id="change-group",
    ),
    pytest.param(
        'name = "x"\n[indicator_changes.arm_fossa]\nweights = { cat2 = "Q" }\n',
        "{path}: indicator 'arm_fossa': weight 'Q' for category 'cat2' must be one of P, S, A",
        id="change-bad-weight",
    ),
    pytest.param(
        'name = "x"\n[protocols.cat2]\nrecheck = ["arm_fossa", "psoas"]\n',
        "{path}: protocol 'cat2': recheck names 'psoas', which is not in the catalogue",
        id="protocol-recheck",
    ),
    pytest.param(
        'name = "x"\n[protocols.cat2]\nduration_s = "2 min"\n',
        "{path}: protocol 'cat2': 'duration_s' must be an integer, got a string",
        id="protocol-duration",
    ),
    pytest.param(
        'name = "x"\n[protocols.cat2]\nblocks = [{ landmark = "knee", leg = "short", angle_deg = 0, '
        'orientation = "x" }]\n',
        "{path}: protocol 'cat2' block 1: landmark 'knee' is not one of trochanter, asis, ilium",
        id="protocol-landmark",
    ),
    pytest.param(
        'name = "x"\n[protocols.cat7]\nduration_s = 60\n',
        "{path}: protocol 'cat7': unknown category 'cat7'",
        id="protocol-unknown-category",
    ),
    pytest.param(
        'name = "x"\n[protocols.cat2]\nsteps = []\n',
        "{path}: protocol 'cat2': unknown key 'steps'",
        id="protocol-unknown-key",
    ),
    pytest.param(
        'name = "x"\n[[cmrt]]\nlevel = "X1"\norgan = "liver"\n',
        "{path}: cmrt entry 1: level 'X1' is not a vertebral level (C1–C7, T1–T12, L1–L5, S)",
        id="cmrt-level",
    ),
    pytest.param(
        'name = "x"\n[rule]\nlead = 0\n',
        "{path}: rule: 'lead' must be between 1 and 100, got 0",
        id="rule",
    ),
    pytest.param('name = "x"\nthis is not toml\n', None, id="not-toml"),
]


@pytest.mark.parametrize(("text", "message"), BAD_OVERRIDES)
def test_invalid_override_names_the_override_file(
    override_file: Override, text: str, message: str | None
) -> None:
    path = override_file(text)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(path)
    if message is None:
        assert str(caught.value).startswith(f"{path}: not valid TOML: ")
    else:
        assert str(caught.value) == message.format(path=path)


def test_missing_override_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(path)
    assert str(caught.value) == f"{path}: cannot read the override file: No such file or directory"


def test_empty_override_path_means_no_override() -> None:
    assert load_kb("").version == "2026.1"


def test_default_kb_is_cached_and_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, override_file: Override, fresh_default_kb: None
) -> None:
    monkeypatch.delenv("SOTCLINIC_KB_OVERRIDE", raising=False)
    base = default_kb()
    assert base is default_kb()
    assert base.version == "2026.1"
    path = override_file(NEW_INDICATOR)
    monkeypatch.setenv("SOTCLINIC_KB_OVERRIDE", str(path))
    assert default_kb() is base  # cached until cleared
    default_kb.cache_clear()
    assert default_kb().version.startswith("2026.1+clinic-a.")
    assert "psoas_balance" in default_kb().indicators
    assert (
        parse_findings([{"indicator": "psoas_balance", "result": "positive"}])[0].indicator == "psoas_balance"
    )
