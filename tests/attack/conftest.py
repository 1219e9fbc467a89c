"""Fixtures of the attacker's suite (tests/attack): the world to attack, and quiet logs while attacking it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.attack.attack_support import World, build_world


@pytest.fixture(scope="module")
def _module_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world is built once per test module, inside a transaction that is rolled back at the end; each test runs
    in a savepoint inside it (pytest-django's `db`), so what one test writes is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_module_world: World, db: Any) -> World:
    for obj in (
        _module_world.patient,
        _module_world.signed_visit,
        _module_world.draft_visit,
        _module_world.flag,
    ):
        obj.refresh_from_db()
    return _module_world


@pytest.fixture
def quiet_logs() -> Iterator[None]:
    """Hundreds of refused requests would each log a warning (and a 403 its traceback): that is slow and says
    nothing the assertions do not."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
