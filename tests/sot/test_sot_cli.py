"""`sotclinic classify`: the printed JSON of the reference, and one-line errors with exit status 2."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sotclinic.sot import default_kb
from sotclinic.sot.cli import USAGE, run_classify

REFERENCE_INPUT = {
    "findings": [
        {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
        {"indicator": "arm_fossa", "side": "right", "result": "positive"},
        {"indicator": "first_rib_tender", "side": "right", "result": "positive"},
        {"indicator": "leg_length_supine", "side": "right"},
    ]
}

# The printed example of the reference, with its elided parts ("cat1": {"...": "..."}) left out.
REFERENCE_OUTPUT: dict[str, Any] = {
    "category": "cat2",
    "reason": None,
    "scores": {"cat1": -2, "cat2": 5, "cat3": 0},
    "sides": {"short_leg": "right", "involved_side": "right", "pain_side": None},
    "evidence": {
        "cat2": {
            "for": ["pelvic_sway", "arm_fossa", "first_rib_tender"],
            "against": [],
            "missing": ["inguinal_tender", "knee_sensitivity", "scalene_tender"],
        }
    },
    "protocol": {
        "category": "cat2",
        "position": "supine",
        "verified": False,
        "blocks": [
            {"landmark": "trochanter", "side": "right", "angle_deg": 45},
            {"landmark": "ilium", "side": "left", "angle_deg": 0},
        ],
        "duration_s": 120,
        "recheck": [
            "arm_fossa",
            "knee_sensitivity",
            "inguinal_tender",
            "scalene_tender",
            "first_rib_tender",
            "leg_length_supine",
        ],
    },
    "knowledge_version": "2026.1",
}
CONTRACT_KEYS = ["category", "reason", "scores", "sides", "evidence", "protocol", "knowledge_version"]


def run(
    args: list[str], stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = run_classify(args, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def assert_matches_reference(output: dict[str, Any]) -> None:
    assert list(output)[: len(CONTRACT_KEYS) + 1] == ["category", "reason", "conflicting", *CONTRACT_KEYS[2:]]
    for key in ("category", "reason", "scores", "sides", "knowledge_version"):
        assert output[key] == REFERENCE_OUTPUT[key], key
    assert output["evidence"]["cat2"] == REFERENCE_OUTPUT["evidence"]["cat2"]
    assert set(output["evidence"]) == {"cat1", "cat2", "cat3"}
    proto = output["protocol"]
    for key, value in REFERENCE_OUTPUT["protocol"].items():
        if key == "blocks":
            assert [{k: b[k] for k in ("landmark", "side", "angle_deg")} for b in proto["blocks"]] == value
        else:
            assert proto[key] == value, key


@pytest.fixture
def findings_file(tmp_path: Path) -> Path:
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(REFERENCE_INPUT), encoding="utf-8")
    return path


@pytest.fixture
def base_kb(monkeypatch: pytest.MonkeyPatch, fresh_default_kb: None) -> None:
    monkeypatch.delenv("SOTCLINIC_KB_OVERRIDE", raising=False)
    default_kb.cache_clear()


def test_reference_example_in_process(findings_file: Path, base_kb: None) -> None:
    status, out, err = run([str(findings_file)])
    assert (status, err) == (0, "")
    assert out.endswith("}\n")
    output = json.loads(out)
    assert_matches_reference(output)
    assert out == json.dumps(output, indent=2, ensure_ascii=False) + "\n"  # indent=2
    assert output["conflicting"] == []
    assert output["discrepancies"] == []


def test_stdin(monkeypatch: pytest.MonkeyPatch, base_kb: None) -> None:
    status, out, err = run(["-"], stdin=json.dumps(REFERENCE_INPUT), monkeypatch=monkeypatch)
    assert (status, err) == (0, "")
    assert_matches_reference(json.loads(out))


def test_insufficient_prints_null_protocol(tmp_path: Path, base_kb: None) -> None:
    path = tmp_path / "f.json"
    path.write_text('{"findings": []}', encoding="utf-8")
    status, out, _ = run([str(path)])
    output = json.loads(out)
    assert status == 0
    assert (output["category"], output["reason"], output["protocol"]) == (None, "insufficient", None)
    assert output["missing_primary"][:2] == ["pelvis_locked", "pelvic_sway"]


def test_missing_leg_check_in_output(tmp_path: Path, base_kb: None) -> None:
    path = tmp_path / "f.json"
    path.write_text(
        json.dumps(
            {
                "findings": [
                    {"indicator": "antalgic_posture", "result": "positive"},
                    {"indicator": "leg_pain", "result": "positive", "side": "left"},
                ]
            }
        ),
        encoding="utf-8",
    )
    status, out, _ = run([str(path)])
    proto = json.loads(out)["protocol"]
    assert status == 0
    assert (proto["category"], proto["position"], proto["missing"], proto["blocks"]) == (
        "cat3",
        "prone",
        "leg_length_prone",
        [],
    )


def test_pregnancy_variant(findings_file: Path, base_kb: None) -> None:
    for args in (["--variant", "pregnancy", str(findings_file)], [str(findings_file), "--variant=pregnancy"]):
        status, out, _ = run(args)
        proto = json.loads(out)["protocol"]
        assert status == 0
        assert proto["variant"] == "pregnancy" and proto["requires"] == ["pregnancy_week"]


def test_help() -> None:
    for flag in ("--help", "-h"):
        status, out, err = run([flag])
        assert (status, out, err) == (0, USAGE, "")
    assert USAGE.startswith("usage: sotclinic classify [--variant standard|pregnancy] FILE.json\n")


BAD_INPUT = [
    ("not json", "sotclinic classify: error: 'IN' is not valid JSON: Expecting value (line 1 column 1)"),
    ("[]", 'sotclinic classify: error: expected a JSON object with a "findings" list'),
    ('{"findings": {}}', 'sotclinic classify: error: expected a JSON object with a "findings" list'),
    ('{"finding": []}', 'sotclinic classify: error: expected a JSON object with a "findings" list'),
    (
        '{"findings": [{"indicator": "foo"}]}',
        "sotclinic classify: error: finding 1 (foo): unknown indicator 'foo'",
    ),
    (
        '{"findings": [{"indicator": "heel_tension", "result": "positive"},'
        ' {"indicator": "pelvis_locked", "side": "left"}]}',
        "sotclinic classify: error: finding 2 (pelvis_locked): side is not recorded for this indicator",
    ),
    (
        '{"findings": [{"indicator": "pelvic_sway", "value": 99}]}',
        "sotclinic classify: error: finding 1 (pelvic_sway): value 99 is outside 0–10 cm",
    ),
    (
        '{"findings": [{"indicator": "pelvic_sway", "value": NaN}]}',
        "sotclinic classify: error: finding 1 (pelvic_sway): value nan is not a number",
    ),
    (
        '{"findings": ["x"]}',
        'sotclinic classify: error: finding 1: expected an object with an "indicator" key, got a string',
    ),
    ("[" * 100000, None),
]


@pytest.mark.parametrize(("text", "message"), BAD_INPUT)
def test_bad_input_in_process(tmp_path: Path, text: str, message: str | None, base_kb: None) -> None:
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    status, out, err = run([str(path)])
    assert status == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1
    if message is not None:
        assert err == message.replace("'IN'", repr(str(path))) + "\n"
    else:
        assert err.startswith("sotclinic classify: error: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a findings file (FILE.json, or - for standard input); see --help"),
        (["a.json", "b.json"], "one findings file only, got 'a.json' and 'b.json'"),
        (["--verbose", "a.json"], "unknown option '--verbose' (see --help)"),
        (["a.json", "--variant"], "--variant needs a value (standard or pregnancy)"),
        (["--variant", "paediatric", "IN"], "unknown variant 'paediatric' (known: standard, pregnancy)"),
        (
            ["/nonexistent/findings.json"],
            "cannot read '/nonexistent/findings.json': No such file or directory",
        ),
        (["DIR"], "cannot read 'DIR': Is a directory"),
    ],
)
def test_bad_usage(tmp_path: Path, findings_file: Path, args: list[str], message: str, base_kb: None) -> None:
    args = [str(findings_file) if a == "IN" else str(tmp_path) if a == "DIR" else a for a in args]
    message = message.replace("'DIR'", repr(str(tmp_path)))
    status, out, err = run(args)
    assert (status, out, err) == (2, "", f"sotclinic classify: error: {message}\n")


def test_not_utf8(tmp_path: Path, base_kb: None) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"findings": [], "note": "\xe9"}')
    status, _, err = run([str(path)])
    assert (status, err) == (2, f"sotclinic classify: error: {str(path)!r} is not UTF-8 text\n")


def test_broken_override_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, findings_file: Path, fresh_default_kb: None
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[rule]\nlead = 0\n', encoding="utf-8")
    monkeypatch.setenv("SOTCLINIC_KB_OVERRIDE", str(bad))
    default_kb.cache_clear()
    status, out, err = run([str(findings_file)])
    assert (status, out) == (1, "")
    assert (
        err == f"sotclinic classify: error: knowledge base: {bad}: rule: 'lead' must be between 1 and 100,"
        " got 0\n"
    )


# ---- through the installed console script --------------------------------------------------------------


def sotclinic_command() -> list[str]:
    script = Path(sys.executable).with_name("sotclinic")
    if script.exists():
        return [str(script)]
    found = shutil.which("sotclinic")
    if found:
        return [found]
    return [sys.executable, "-m", "sotclinic.cli"]


def subprocess_env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "SOTCLINIC_KB_OVERRIDE"}
    env.update(extra)
    return env


def test_reference_example_subprocess(findings_file: Path) -> None:
    done = subprocess.run(
        [*sotclinic_command(), "classify", str(findings_file)],
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert_matches_reference(json.loads(done.stdout))


def test_stdin_subprocess() -> None:
    done = subprocess.run(
        [*sotclinic_command(), "classify", "-"],
        input=json.dumps(REFERENCE_INPUT),
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 0
    assert_matches_reference(json.loads(done.stdout))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not valid JSON: Expecting property name enclosed in double quotes (line 1 column 2)"),
        (
            '{"findings": [{"indicator": "arm_fossa", "side": "up"}]}',
            "finding 1 (arm_fossa): side 'up' is not allowed",
        ),
    ],
)
def test_bad_input_subprocess(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [*sotclinic_command(), "classify", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("sotclinic classify: error: ")
    assert message in done.stderr


def test_missing_file_subprocess(tmp_path: Path) -> None:
    done = subprocess.run(
        [*sotclinic_command(), "classify", str(tmp_path / "none.json")],
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        done.stderr == f"sotclinic classify: error: cannot read {str(tmp_path / 'none.json')!r}: "
        "No such file or directory\n"
    )


def test_override_through_the_environment_subprocess(tmp_path: Path, findings_file: Path) -> None:
    override = tmp_path / "clinic.toml"
    override.write_text('name = "clinic-z"\n[protocols.cat2]\nduration_s = 150\n', encoding="utf-8")
    done = subprocess.run(
        [*sotclinic_command(), "classify", str(findings_file)],
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(SOTCLINIC_KB_OVERRIDE=str(override)),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["knowledge_version"].startswith("2026.1+clinic-z.")
    assert output["protocol"]["duration_s"] == 150
