"""A database of its own for a benchmark: SQLite in a temporary folder, or a PostgreSQL database created on the
given server and dropped afterwards. Sets DATABASE_URL (read by sotclinic's settings) for the run and its children."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database(postgres_url: str | None) -> Iterator[str]:
    """Yields the DATABASE_URL in use. `postgres_url` names a server (any database on it to connect to)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotclinic.config.settings")
    if not postgres_url:
        tmp = tempfile.mkdtemp(prefix="sotclinic-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        yield os.environ["DATABASE_URL"]
        return
    import psycopg

    name = f"sotclinic_bench_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    try:
        yield os.environ["DATABASE_URL"]
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
