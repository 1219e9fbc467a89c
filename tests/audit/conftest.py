"""Helpers for the audit-trail tests: switching the database guards off, as an attacker with the database would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.db import connection

from sotclinic.audit.guards import install_guards


@contextmanager
def guards_off() -> Iterator[Any]:
    """A cursor that bypasses the append-only triggers: dropped on SQLite, switched off for the session on
    PostgreSQL (as a superuser can). The guards are back afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield cursor
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_append_only")
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditchainhead_forward")
            try:
                yield cursor
            finally:
                install_guards()


@pytest.fixture
def tamper() -> Callable[[], AbstractContextManager[Any]]:
    return guards_off


@pytest.fixture
def audit_urls(settings: Any) -> None:
    """The project's URLs with the audit pages under /audit/ (until sotclinic/config/urls.py includes them)."""
    import sys
    import types

    from django.urls import clear_url_caches, include, path

    from sotclinic.config import urls as project_urls

    if any(getattr(p, "namespace", None) == "audit" for p in project_urls.urlpatterns):
        return
    module = types.ModuleType("sotclinic_test_audit_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("audit/", include("sotclinic.audit.urls")),
        *project_urls.urlpatterns,
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
