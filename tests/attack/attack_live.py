"""A real sotclinic server for the heavier attacks: `sotclinic runserver --noreload` on a free port of 127.0.0.1,
on its own database (an SQLite file in a temporary folder, or a PostgreSQL database of its own that it creates and
drops), seeded through the app's own services, and killable with SIGKILL at any moment.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# Never the database named "test" (the project's own suite uses it): this one is ours to create and drop.
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/helper_attack"
POSTGRES_URL = os.environ.get("SOTCLINIC_ATTACK_POSTGRES_URL", DEFAULT_POSTGRES_URL)

# Run inside the server's environment (same database) to create the world and sign its staff in.
SEED = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotclinic.config.settings")
django.setup()
from django.test import Client
from tests.attack.attack_support import build_world, sign_in
world = build_world()
out = {"params": world.params(), "draft_visit": str(world.draft_visit.pk), "signed_visit": str(world.signed_visit.pk),
       "patient": str(world.patient.pk), "sessions": {}}
for persona, user in world.users.items():
    client = sign_in(Client(), user)
    out["sessions"][persona] = client.cookies["sessionid"].value
print("SEED " + json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reachable(url: str = POSTGRES_URL) -> bool:
    import psycopg

    try:
        psycopg.connect(_maintenance_url(url), connect_timeout=3).close()
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False
    return True


def _maintenance_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def _database_name(url: str) -> str:
    name = url.rsplit("/", 1)[1].split("?")[0]
    assert name and name != "test", f"refusing to use the database {name!r}"
    return name


def recreate_postgres(url: str = POSTGRES_URL) -> None:
    import psycopg

    name = _database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str = POSTGRES_URL) -> None:
    import psycopg

    name = _database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveServer:
    def __init__(self, workdir: Path, *, database_url: str | None = None) -> None:
        self.workdir = workdir
        self.database_url = database_url or f"sqlite:///{workdir / 'attack.sqlite3'}"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SOTCLINIC_DATA_DIR": str(workdir),
            "SOTCLINIC_DEBUG": "0",
            "SOTCLINIC_ENV": "development",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url.startswith("postgres") else "sqlite"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "sotclinic.cli", *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"sotclinic {' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def python(self, code: str, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        return done.stdout

    def seed(self) -> dict[str, Any]:
        """Migrate the empty database and create the world; returns its IDs and a session key per persona."""
        self.manage("migrate", "--noinput")
        out = self.python(SEED)
        line = next(line for line in out.splitlines() if line.startswith("SEED "))
        seeded: dict[str, Any] = json.loads(line[5:])
        return seeded

    def start(self, timeout: float = 60) -> None:
        assert self.process is None
        self.starts += 1
        log = open(self.workdir / f"server-{self.starts}.log", "wb")  # noqa: SIM115 - the server writes it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sotclinic.cli", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited: {(self.workdir / f'server-{self.starts}.log').read_text()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError("the server did not answer in time")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no flush, no atexit: what a power cut or the OOM killer does."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
