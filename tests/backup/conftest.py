"""Fixtures for the backup tests: a key in the environment, the backup app's commands, an emptied database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from sotclinic.backup.crypto import KEY_ENV, generate_key, parse_key


@pytest.fixture
def key_text(monkeypatch: pytest.MonkeyPatch) -> str:
    text = generate_key()
    monkeypatch.setenv(KEY_ENV, text)
    return text


@pytest.fixture
def key(key_text: str) -> bytes:
    return parse_key(key_text)


@pytest.fixture
def backup_commands() -> Iterator[None]:
    """`backup` and `restore` are commands of the sotclinic.backup app; install it for the test if the settings
    do not list it yet."""
    if "sotclinic.backup" in settings.INSTALLED_APPS:
        yield
        return
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "sotclinic.backup"]):
        yield


def empty_database() -> None:
    """What a newly migrated database holds: no data, only the content types and permissions that `migrate`
    makes (flush makes them again, with new ids)."""
    if connection.vendor == "postgresql":
        # Inside a test's transaction, TRUNCATE needs the deferred foreign-key checks of earlier inserts done.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def emptied() -> Any:
    return empty_database
