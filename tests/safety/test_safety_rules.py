"""load_rules(): the built-in file, and every way of breaking it, with the exact message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sotclinic.safety import AllOf, AnyOf, Comparison, RedFlagRules, RedFlagRulesError, evaluate, load_rules

Edit = Callable[[str, str], Path]


def test_built_in_file(rules: RedFlagRules) -> None:
    assert rules.version == "2026.1"
    assert rules.source == "red_flags.toml"
    assert len(rules.flags) == 25
    assert len(rules.questions) == 56


def test_a_copy_loads_to_the_same_rules(rules: RedFlagRules, rules_copy: Path) -> None:
    copy = load_rules(rules_copy)
    assert copy == rules
    assert copy.source == str(rules_copy)


def test_conditions_are_parsed_into_the_grammar(rules: RedFlagRules) -> None:
    assert rules.flags["weight_loss"].when == Comparison("weight_loss")
    assert rules.flags["major_motor_loss"].when == Comparison("motor_grade", "<", 3)
    assert rules.flags["age_onset"].when == AllOf(
        (Comparison("first_episode"), AnyOf((Comparison("age", "<", 20), Comparison("age", ">", 55))))
    )
    assert rules.flags["age_onset"].questions == ("first_episode", "age")
    assert rules.flags["mscc"].questions == (
        "cancer_past",
        "cancer_suspected",
        "pain_severe_worsening",
        "radicular_pain_new",
        "walking_difficulty_new",
        "limb_weakness",
        "bladder_change",
        "bowel_control_change",
    )
    assert rules.questions["pregnancy_week"].ask_if == Comparison("pregnant")


def test_rules_are_read_only(rules: RedFlagRules) -> None:
    with pytest.raises(TypeError):
        rules.flags["ces"] = rules.flags["cord"]  # type: ignore[index]


def test_error_is_a_value_error() -> None:
    assert issubclass(RedFlagRulesError, ValueError)


BAD: list[object] = [
    # ---- flags
    pytest.param(
        'code = "ces"\nname = "Suspected cauda equina syndrome"\nurgency = "emergency"',
        'code = "ces"\nname = "Suspected cauda equina syndrome"\nurgency = "critical"',
        "{path}: flag 'ces': urgency 'critical' must be emergency, urgent or caution",
        id="unknown-urgency",
    ),
    pytest.param(
        '"limb_weakness",\n',
        '"limb_weaknes",\n',
        "{path}: flag 'mscc': when, all_of item 2, any_of item 4: unknown question 'limb_weaknes'",
        id="unknown-question-nested",
    ),
    pytest.param(
        'when = "night_pain"',
        'when = "night_pains"',
        "{path}: flag 'night_pain': when: unknown question 'night_pains'",
        id="unknown-question",
    ),
    pytest.param(
        'when = "weight_loss"\n',
        "",
        "{path}: flag 'weight_loss': no question raises it: add 'when'",
        id="flag-raised-by-no-question",
    ),
    pytest.param(
        'code = "cord"',
        'code = "ces"',
        "{path}: flag 'ces': duplicate flag code",
        id="duplicate-flag",
    ),
    pytest.param(
        'code = "ces"',
        'code = "CES"',
        "{path}: flag 1: code 'CES' is not a code (lowercase letters, digits and '_', starting with a letter)",
        id="bad-flag-code",
    ),
    pytest.param(
        'contraindicates = ["cranial", "cervical"]',
        'contraindicates = ["cranial", "neck"]',
        "{path}: flag 'upper_cervical_malformation': contraindicates 'neck' is not one of "
        "all, blocking, cranial, cervical, thoracic, lumbar, pelvis",
        id="bad-contraindication",
    ),
    pytest.param(
        'contraindicates = ["cranial", "cervical"]',
        'contraindicates = ["all", "cervical"]',
        "{path}: flag 'upper_cervical_malformation': contraindicates 'all' must stand alone",
        id="all-not-alone",
    ),
    pytest.param(
        'contraindicates = ["cranial", "cervical"]',
        'contraindicates = ["cranial", "cranial"]',
        "{path}: flag 'upper_cervical_malformation': contraindicates names a term twice",
        id="term-twice",
    ),
    pytest.param(
        'contraindicates = ["cranial", "cervical"]',
        'contraindicates = "cervical"',
        "{path}: flag 'upper_cervical_malformation': 'contraindicates' must be a list of strings",
        id="contraindicates-not-a-list",
    ),
    pytest.param(
        'contraindicates = ["cranial", "cervical"]',
        'contraindicates = ["cranial", "pelvis"]',
        "{path}: flag 'upper_cervical_malformation': contraindicates 'pelvis' but not 'blocking' "
        "(the blocks act on the pelvis)",
        id="pelvis-without-blocking",
    ),
    pytest.param(
        'contraindicates = ["cranial", "cervical"]',
        "contraindicates = []",
        "{path}: flag 'upper_cervical_malformation': an urgent flag must contraindicate at least one term",
        id="urgent-contraindicates-nothing",
    ),
    pytest.param(
        'name = "Upper-cervical malformation"\nurgency = "urgent"',
        'name = "Upper-cervical malformation"\nurgency = "emergency"',
        "{path}: flag 'upper_cervical_malformation': an emergency flag must contraindicate 'all' "
        "(same day, do not treat)",
        id="emergency-not-all",
    ),
    pytest.param(
        'when = "radiculopathy_changing"',
        'contraindicates = ["lumbar"]\nwhen = "radiculopathy_changing"',
        "{path}: flag 'radiculopathy': a caution flag contraindicates nothing (treatment proceeds, modified): "
        "put the change in 'modification'",
        id="caution-contraindicates",
    ),
    pytest.param(
        'modification = "Re-test and record strength',
        'modified = "Re-test and record strength',
        "{path}: flag 'radiculopathy': unknown key 'modified'",
        id="unknown-flag-key",
    ),
    pytest.param(
        'modification = "No force at the level of the tumour; record the level."\n',
        "",
        "{path}: flag 'benign_tumour': missing required key 'modification'",
        id="caution-without-modification",
    ),
    pytest.param(
        'when = "upper_cervical_anomaly"',
        'modification = "Gently."\nwhen = "upper_cervical_anomaly"',
        "{path}: flag 'upper_cervical_malformation': 'modification' is only for caution flags",
        id="modification-on-urgent",
    ),
    pytest.param(
        'why = "Losing weight without trying can be a sign of cancer or another serious illness."',
        'why = "  "',
        "{path}: flag 'weight_loss': 'why' must not be empty",
        id="empty-why",
    ),
    # ---- conditions
    pytest.param(
        'when = "night_pain"',
        'when = { question = "night_pain", op = ">", value = 1 }',
        "{path}: flag 'night_pain': when: 'night_pain' is a yes_no question: name it alone "
        "(it holds when answered yes)",
        id="yes-no-with-op",
    ),
    pytest.param(
        'when = { question = "weeks_no_improvement", op = ">=", value = 4 }',
        'when = "weeks_no_improvement"',
        "{path}: flag 'no_improvement': when: 'weeks_no_improvement' is a number question: give 'op' and 'value'",
        id="number-named-alone",
    ),
    pytest.param(
        'when = { question = "weeks_no_improvement", op = ">=", value = 4 }',
        'when = { question = "weeks_no_improvement", op = "=>", value = 4 }',
        "{path}: flag 'no_improvement': when: op '=>' must be one of <, <=, >, >=",
        id="bad-op",
    ),
    pytest.param(
        'when = { question = "weeks_no_improvement", op = ">=", value = 4 }',
        'when = { question = "weeks_no_improvement", op = ">=", value = 600 }',
        "{path}: flag 'no_improvement': when: value 600 is outside the answers to 'weeks_no_improvement' (0 to 520)",
        id="value-out-of-range",
    ),
    pytest.param(
        'when = { question = "weeks_no_improvement", op = ">=", value = 4 }',
        'when = { question = "weeks_no_improvement", op = ">=", value = "4" }',
        "{path}: flag 'no_improvement': when: 'value' must be a number, got a string",
        id="value-not-a-number",
    ),
    pytest.param(
        'when = { question = "motor_grade", op = "<", value = 3 }',
        'when = { question = "motor_grade", op = "<", value = 3, unit = "grade" }',
        "{path}: flag 'major_motor_loss': when: unknown key 'unit'",
        id="unknown-condition-key",
    ),
    pytest.param(
        'when.any_of = ["anticoagulants", "bleeding_disorder"]',
        "when.any_of = []",
        "{path}: flag 'anticoagulant': when: any_of must be a non-empty list of conditions",
        id="empty-any-of",
    ),
    pytest.param(
        'when.all_of = ["cancer_past", "new_spinal_pain"]',
        'when.all_of = "cancer_past"',
        "{path}: flag 'cancer_history': when: all_of must be a non-empty list of conditions",
        id="all-of-not-a-list",
    ),
    pytest.param(
        '{ all_of = ["dizziness", "brainstem_symptoms"] }',
        '{ all_of = ["dizziness"], any_of = ["brainstem_symptoms"] }',
        "{path}: flag 'cervical_artery': when, any_of item 4: a condition needs exactly one of "
        "'question', 'any_of' or 'all_of'",
        id="two-kinds",
    ),
    pytest.param(
        'when = "benign_bone_tumour"',
        "when = 3",
        "{path}: flag 'benign_tumour': when: a condition is a question code or a table, got an integer",
        id="condition-not-a-table",
    ),
    pytest.param(
        'when = "benign_bone_tumour"',
        "when = { question = 3 }",
        "{path}: flag 'benign_tumour': when: 'question' must be a string, got an integer",
        id="question-not-a-string",
    ),
    # ---- questions
    pytest.param(
        'when = "benign_bone_tumour"',
        'when = "radiculopathy_changing"',
        "{path}: question 'benign_bone_tumour': raises no flag: no flag's 'when' names it",
        id="question-raises-nothing",
    ),
    pytest.param(
        'code = "dizziness"',
        'code = "fever"',
        "{path}: question 'fever': duplicate question code",
        id="duplicate-question",
    ),
    pytest.param(
        'code = "pregnant"\nwho = "patient"',
        'code = "pregnant"\nwho = "doctor"',
        "{path}: question 'pregnant': who 'doctor' must be patient or clinician",
        id="bad-who",
    ),
    pytest.param(
        'code = "pregnant"\nwho = "patient"\nanswer = "yes_no"',
        'code = "pregnant"\nwho = "patient"\nanswer = "text"',
        "{path}: question 'pregnant': answer 'text' must be yes_no or number",
        id="bad-answer-type",
    ),
    pytest.param(
        'code = "pregnant"\nwho = "patient"\nanswer = "yes_no"',
        'code = "pregnant"\nwho = "patient"\nanswer = "yes_no"\nunit = "weeks"',
        "{path}: question 'pregnant': 'unit' is only for number questions",
        id="unit-on-yes-no",
    ),
    pytest.param(
        'text = "Are you pregnant, or could you be?"',
        'text = ""',
        "{path}: question 'pregnant': 'text' must not be empty",
        id="empty-text",
    ),
    pytest.param(
        'text = "Are you pregnant, or could you be?"',
        'text = "Are you pregnant?"\ntext_fr = "Êtes-vous enceinte ?"',
        "{path}: question 'pregnant': unknown key 'text_fr'",
        id="unknown-question-key",
    ),
    pytest.param(
        'code = "pregnant"',
        'code = "pregnant?"',
        "{path}: question 40: code 'pregnant?' is not a code (lowercase letters, digits and '_', "
        "starting with a letter)",
        id="bad-question-code",
    ),
    pytest.param(
        'unit = "minutes"\n',
        "",
        "{path}: question 'morning_stiffness_minutes': missing required key 'unit'",
        id="number-without-unit",
    ),
    pytest.param(
        "min = 0\nmax = 5\n",
        "min = 0\nmax = 0\n",
        "{path}: question 'motor_grade': 'min' (0) must be less than 'max' (0)",
        id="empty-range",
    ),
    pytest.param(
        "min = 0\nmax = 5\n",
        'min = 0\nmax = "5"\n',
        "{path}: question 'motor_grade': 'max' must be a number, got a string",
        id="max-not-a-number",
    ),
    pytest.param(
        "min = 0\nmax = 5\n",
        "min = 0.5\nmax = 5\n",
        "{path}: question 'motor_grade': 'min' and 'max' of an integer question must be whole numbers",
        id="fractional-integer-range",
    ),
    pytest.param(
        "min = 0\nmax = 5\ninteger = true",
        'min = 0\nmax = 5\ninteger = "yes"',
        "{path}: question 'motor_grade': 'integer' must be true or false, got a string",
        id="integer-not-bool",
    ),
    pytest.param(
        'filled_from = "date_of_birth"',
        'filled_from = "birthday"',
        "{path}: question 'age': filled_from 'birthday' must be date_of_birth",
        id="bad-filled-from",
    ),
    pytest.param(
        'ask_if = "pregnant"',
        'ask_if = "pregant"',
        "{path}: question 'pregnancy_week': ask_if: unknown question 'pregant'",
        id="ask-if-unknown",
    ),
    pytest.param(
        'ask_if = "pregnant"',
        'ask_if = { question = "pregnancy_week", op = ">", value = 1 }',
        "{path}: question 'pregnancy_week': ask_if names the question itself",
        id="ask-if-itself",
    ),
    # ---- the file
    pytest.param(
        'version = "2026.1"',
        'version = ""',
        "{path}: version '' must be a non-empty word such as '2026.1'",
        id="empty-version",
    ),
    pytest.param('version = "2026.1"\n', "", "{path}: missing required key 'version'", id="no-version"),
    pytest.param(
        'version = "2026.1"',
        'version = "2026.1"\nlanguage = "en"',
        "{path}: unknown key 'language'",
        id="unknown-top-key",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_invalid_rules(edit: Edit, old: str, new: str, message: str) -> None:
    path = edit(old, new)
    with pytest.raises(RedFlagRulesError) as caught:
        load_rules(path)
    assert str(caught.value) == message.format(path=path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('version = "2026.1"\n', "{path}: no flags"),
        (
            'version = "2026.1"\n[[flags]\n',
            "{path}: not valid TOML: Expected ']]' at the end of an array declaration (at line 2, column 8)",
        ),
        ('version = "2026.1"\nflags = 3\n', "{path}: flags must be an array of tables"),
        ('version = "2026.1"\nquestions = [1]\n', "{path}: questions must be an array of tables"),
        (
            'version = "2026.1"\n[[questions]]\nwho = "patient"\n',
            "{path}: question 1: missing required key 'code'",
        ),
    ],
)
def test_invalid_small_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RedFlagRulesError) as caught:
        load_rules(path)
    assert str(caught.value) == message.format(path=path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RedFlagRulesError) as caught:
        load_rules(path)
    assert str(caught.value) == f"{path}: cannot read the file: No such file or directory"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('version = "2026.1é"\n'.encode("latin-1"))
    with pytest.raises(RedFlagRulesError) as caught:
        load_rules(path)
    assert str(caught.value) == f"{path}: not UTF-8 text"


def test_a_clinic_may_tighten_a_rule(edit: Edit) -> None:
    """The file is data: moving the no-improvement threshold changes evaluation, with the file's version."""
    path = edit(
        'when = { question = "weeks_no_improvement", op = ">=", value = 4 }',
        'when = { question = "weeks_no_improvement", op = ">=", value = 3 }',
    )
    text = path.read_text(encoding="utf-8").replace('version = "2026.1"', 'version = "2026.1+clinic-a"')
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    screening = evaluate({}, {"weeks_no_improvement": 3}, rules=rules)
    assert screening.codes == ("no_improvement",)
    assert screening.rules_version == "2026.1+clinic-a"
    assert evaluate({}, {"weeks_no_improvement": 3}).codes == ()
