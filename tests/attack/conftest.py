"""Fixtures of the attacker's suite (tests/attack): the world to attack, and quiet logs while attacking it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.attack.attack_support import World, build_world


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def quiet_logs() -> Iterator[None]:
    """Hundreds of refused requests would each log a warning (and a 403 its traceback): that is slow and says
    nothing the assertions do not."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
