"""Who is asking, from where: set per request by middleware, read when an audit row is written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("sotclinic_request_id", default="")
_address: ContextVar[str] = ContextVar("sotclinic_address", default="")


@contextmanager
def request_context(*, request_id: str, address: str) -> Iterator[None]:
    t1 = _request_id.set(request_id)
    t2 = _address.set(address)
    try:
        yield
    finally:
        _request_id.reset(t1)
        _address.reset(t2)


def current_request_id() -> str:
    return _request_id.get()


def current_address() -> str:
    return _address.get()
