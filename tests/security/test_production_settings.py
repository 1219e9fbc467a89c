"""Production mode (SOTCLINIC_ENV=production): the settings it produces, `check --deploy` clean, and the start-up
checks that refuse an unsafe configuration.

Settings are read from the environment when they are imported, so each case runs in a fresh interpreter. The
subprocesses run side by side (one pool per module) to keep this file to a few seconds.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SOTCLINIC = [sys.executable, "-m", "sotclinic.cli"]
STRONG_KEY = secrets.token_urlsafe(64)
PRODUCTION = {
    "SOTCLINIC_ENV": "production",
    "SOTCLINIC_SECRET_KEY": STRONG_KEY,
    "SOTCLINIC_ALLOWED_HOSTS": "clinic.example.org",
}
DEBUG_ONLY = "SOTCLINIC_DEBUG"

PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "sotclinic.config.settings"
from django.conf import settings
names = [
    "SOTCLINIC_ENV", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "CSRF_TRUSTED_ORIGINS",
    "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY",
    "PERMISSIONS_POLICY", "MIDDLEWARE",
]
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""


def environment(tmp: Path, **env: str) -> dict[str, str]:
    """The test's environment without any SOTCLINIC_, DJANGO_ or DATABASE_URL variable, plus `env`.

    (The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which `check --deploy` rightly warns about.)
    """
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SOTCLINIC_", "DJANGO_", "DATABASE_URL"))
    }
    return clean | {"SOTCLINIC_DATA_DIR": str(tmp)} | env


def run(args: list[str], tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, env=environment(tmp, **env), timeout=120, check=False
    )


def settings_as(tmp: Path, **env: str) -> dict[str, object]:
    result = run([sys.executable, "-c", PRINT_SETTINGS], tmp, **env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


# Each start-up check case: environment on top of PRODUCTION (None removes a variable), the message id, a phrase.
CHECK_CASES: dict[str, tuple[dict[str, str | None], str, str]] = {
    "default secret key": (
        {"SOTCLINIC_SECRET_KEY": None},
        "sotclinic.E001",
        "refuses the development secret key",
    ),
    "short secret key": ({"SOTCLINIC_SECRET_KEY": "k" * 20 + "3fG9!x" * 4}, "sotclinic.E002", "too weak"),
    "debug on": ({"SOTCLINIC_DEBUG": "1"}, "sotclinic.E003", "SOTCLINIC_DEBUG is on in production"),
    "no allowed hosts": ({"SOTCLINIC_ALLOWED_HOSTS": None}, "sotclinic.E004", "(it is empty)"),
    "any host": ({"SOTCLINIC_ALLOWED_HOSTS": "clinic.example.org,*"}, "sotclinic.E004", "allows any host"),
}


def _case_env(changes: dict[str, str | None]) -> dict[str, str]:
    env = dict(PRODUCTION)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """Every `sotclinic check` this module needs, run at once."""
    tmp = tmp_path_factory.mktemp("production")
    jobs: dict[str, tuple[list[str], dict[str, str]]] = {
        "deploy": ([*SOTCLINIC, "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION),
        "development": ([*SOTCLINIC, "check"], {"SOTCLINIC_DEBUG": "1"}),
        "unknown environment": ([*SOTCLINIC, "check"], {"SOTCLINIC_ENV": "staging"}),
    }
    for name, (changes, _, _) in CHECK_CASES.items():
        jobs[name] = ([*SOTCLINIC, "check"], _case_env(changes))
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run, args, tmp, **env) for name, (args, env) in jobs.items()}
        yield {name: future.result() for name, future in futures.items()}


def test_check_deploy_reports_nothing_with_production_settings(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = runs["deploy"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("case", list(CHECK_CASES))
def test_production_refuses_to_start_with_an_unsafe_setting(
    case: str, runs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    _, message_id, phrase = CHECK_CASES[case]
    result = runs[case]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "SystemCheckError" in result.stderr
    assert f"({message_id})" in result.stderr
    assert phrase in result.stderr
    # Only the case's own problem is reported.
    others = {other_id for _, other_id, _ in CHECK_CASES.values()} - {message_id}
    assert not any(f"({other})" in result.stderr for other in others), result.stderr
    assert STRONG_KEY not in result.stdout + result.stderr


def test_development_mode_does_not_apply_the_production_checks(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    """The development key and DEBUG on are fine outside production."""
    result = runs["development"]
    assert result.returncode == 0, result.stderr
    assert "sotclinic.E00" not in result.stdout + result.stderr


def test_an_unknown_environment_stops_start_up_in_one_line(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = runs["unknown environment"]
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sotclinic: cannot start: SOTCLINIC_ENV='staging' is not an environment (use development or production)"
    ]


def test_production_settings_values(tmp_path: Path) -> None:
    values = settings_as(tmp_path, **PRODUCTION)
    assert values["SOTCLINIC_ENV"] == "production"
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["clinic.example.org"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # not behind a proxy unless told
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_SECURE"] is True
        assert values[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert values[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_TRUSTED_ORIGINS"] == []
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["CONTENT_SECURITY_POLICY"] == {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
    }
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in str(values["PERMISSIONS_POLICY"])
    middleware = values["MIDDLEWARE"]
    assert isinstance(middleware, list)
    assert "csp.middleware.CSPMiddleware" in middleware
    # Static files (WhiteNoise) are answered before the no-store middleware sees them; pages after it.
    whitenoise = middleware.index("whitenoise.middleware.WhiteNoiseMiddleware")
    assert middleware.index("sotclinic.clinic.middleware.NoStoreMiddleware") == whitenoise + 1


def test_production_behind_a_proxy_and_with_overrides(tmp_path: Path) -> None:
    values = settings_as(
        tmp_path,
        **PRODUCTION,
        SOTCLINIC_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SOTCLINIC_CSRF_TRUSTED_ORIGINS="https://clinic.example.org, https://www.clinic.example.org",
        SOTCLINIC_HSTS_PRELOAD="0",
        SOTCLINIC_HSTS_SECONDS="600",
        SOTCLINIC_SSL_REDIRECT="0",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://clinic.example.org", "https://www.clinic.example.org"]
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_SSL_REDIRECT"] is False
    # Cookies stay HTTPS-only in production whatever else is changed.
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


def test_development_defaults(tmp_path: Path) -> None:
    values = settings_as(tmp_path)
    assert values["SOTCLINIC_ENV"] == "development"
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "testserver"]
    # The same strict policy as production: what would break there breaks here first.
    assert values["CONTENT_SECURITY_POLICY"] == settings_as(tmp_path, **PRODUCTION)["CONTENT_SECURITY_POLICY"]
