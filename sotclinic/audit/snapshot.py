"""One consistent read of the database while the app goes on writing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def read_snapshot(using: str = "default") -> Iterator[None]:
    """A read-only transaction whose reads all see the database as it was at its first read.

    PostgreSQL: REPEATABLE READ, READ ONLY. SQLite (WAL): a DEFERRED transaction, which reads one snapshot and
    takes no write lock; the project's connections otherwise BEGIN IMMEDIATE, which would hold the one write
    lock, and so every writer, for as long as the read lasts. Inside a transaction that is already open (a
    caller's, or a test's) that transaction is the snapshot.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    saved_mode = getattr(connection, "transaction_mode", None)
    if connection.vendor == "sqlite":
        setattr(connection, "transaction_mode", "DEFERRED")  # noqa: B010 - not in the type stubs
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "sqlite":
                setattr(connection, "transaction_mode", saved_mode)  # noqa: B010
            elif connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    finally:
        if connection.vendor == "sqlite":
            setattr(connection, "transaction_mode", saved_mode)  # noqa: B010
