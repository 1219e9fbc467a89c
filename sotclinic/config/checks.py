"""Start-up checks that refuse an unsafe production configuration (DESIGN.md §4).

They run with every management command that checks (`sotclinic check`, `migrate`, `runserver`) and are errors,
not warnings, so a production start-up with one of them stops. In development they say nothing. Django's own
`check --deploy` warnings cover the rest of the deployment checklist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5

STRONG_KEY_HINT = (
    "Set SOTCLINIC_SECRET_KEY to a long random value, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`, kept out of the repository."
)


def _production() -> bool:
    return getattr(settings, "SOTCLINIC_ENV", "development") == "production"


@register(Tags.security)
def production_settings_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Refuse production with the development secret key, a short one, DEBUG on, or ALLOWED_HOSTS open to all."""
    if not _production():
        return []
    errors: list[CheckMessage] = []
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    if (
        not key
        or key == getattr(settings, "DEVELOPMENT_SECRET_KEY", None)
        or key.startswith("django-insecure")
    ):
        errors.append(
            Error(
                "SOTCLINIC_SECRET_KEY is not set: production refuses the development secret key.",
                hint=STRONG_KEY_HINT,
                id="sotclinic.E001",
            )
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS:
        errors.append(
            Error(
                f"SOTCLINIC_SECRET_KEY is too weak for production: it needs at least {MIN_SECRET_KEY_LENGTH} "
                f"characters ({MIN_SECRET_KEY_UNIQUE_CHARACTERS} or more different ones); it has {len(key)}.",
                hint=STRONG_KEY_HINT,
                id="sotclinic.E002",
            )
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "SOTCLINIC_DEBUG is on in production: debug pages would show patient data and settings.",
                hint="Unset SOTCLINIC_DEBUG (or set it to 0).",
                id="sotclinic.E003",
            )
        )
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts or "*" in hosts:
        errors.append(
            Error(
                "SOTCLINIC_ALLOWED_HOSTS must name this server's host names in production"
                + (" (it allows any host: '*')." if hosts else " (it is empty)."),
                hint="e.g. SOTCLINIC_ALLOWED_HOSTS=clinic.example.org",
                id="sotclinic.E004",
            )
        )
    return errors
