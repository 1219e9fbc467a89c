"""Start-up: settings come only from the environment, and broken settings or knowledge files stop the app with
one line that names the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sotclinic.config.env import SettingError, env_bool, env_int, env_list

SOTCLINIC = [sys.executable, "-m", "sotclinic.cli"]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    return subprocess.run(
        [*SOTCLINIC, *args], capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


def test_env_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 12
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_bool("X_MISSING", True) is True
    monkeypatch.setenv("X_BOOL", "perhaps")
    with pytest.raises(SettingError, match="X_BOOL='perhaps' is not a boolean"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(SettingError, match="X_INT='ten' is not an integer"):
        env_int("X_INT", 1)


def test_a_broken_override_file_stops_start_up_naming_file_entry_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "clinic-kb.toml"
    bad.write_text('name = "ours"\n[[indicators]]\ncode = "pelvic_tilt"\ngroup = "cat1"\n')
    result = run(["check"], SOTCLINIC_KB_OVERRIDE=str(bad), SOTCLINIC_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"sotclinic: cannot start: {bad}: indicator 'pelvic_tilt': missing required key 'name'"
    ]


def test_a_bad_setting_stops_start_up_in_one_line(tmp_path: Path) -> None:
    result = run(["check"], SOTCLINIC_DEBUG="maybe", SOTCLINIC_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "SOTCLINIC_DEBUG='maybe' is not a boolean" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_good_override_file_changes_the_knowledge_version(tmp_path: Path) -> None:
    good = tmp_path / "clinic-kb.toml"
    good.write_text('name = "riverside"\n[protocols.cat2]\nduration_s = 180\n')
    result = run(["check"], SOTCLINIC_KB_OVERRIDE=str(good), SOTCLINIC_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    findings = tmp_path / "f.json"
    findings.write_text(
        '{"findings": [{"indicator": "pelvic_sway", "value": 1.8}, '
        '{"indicator": "arm_fossa", "result": "positive", "side": "left"}, '
        '{"indicator": "leg_length_supine", "side": "left"}]}'
    )
    out = run(["classify", str(findings)], SOTCLINIC_KB_OVERRIDE=str(good))
    assert out.returncode == 0, out.stderr
    assert '"duration_s": 180' in out.stdout
    assert '"knowledge_version": "2026.1+riverside.' in out.stdout


def test_a_wsgi_server_refuses_production_with_unsafe_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "SOTCLINIC_ENV": "production",
        "SOTCLINIC_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import sotclinic.config.wsgi"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "sotclinic cannot start: sotclinic.E001" in result.stderr


def test_earlier_secret_keys_come_from_the_environment(tmp_path: Path) -> None:
    script = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = run(
        ["shell", "-c", script],
        SOTCLINIC_SECRET_KEY_FALLBACKS="old-key-one, old-key-two",
        SOTCLINIC_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['old-key-one', 'old-key-two']"
