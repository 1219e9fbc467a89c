"""Crash safety: concurrent note saves on a live server, SIGKILL mid-way, restart, and count what survived.

Each visit belongs to one worker thread, which saves it again and again through the visit page's own autosave
(`subjective` = "v<visit>-s<k>", k counting up, with the findings of a Category II exam and a pain score), and signs
it after a few saves (the sign POST carries the final draft, s<k> too). Requests for one visit are serial, so the
highest acknowledged k of a visit is the least the database must hold after the crash: an autosave is acknowledged
by its "Saved" answer (200 without "Not saved"), a signature by its 302 to the chart. A request cut off by the kill
is unknown: it may or may not have landed (never half).

After the kill the server is started again on the same database and, through Django in a separate process, every
visit is read back and checked: the latest acknowledged save is there (or a later one); an acknowledged signature
is there; no visit is half-written (a signed visit has signed_at, signed_by and a content hash equal to
sotclinic.visits.services.note_hash of what is stored; the stored assessment is what the classifier makes of the
stored findings; the subjective and plan come from the same save); and `sotclinic audit verify` passes (the
hash-chained audit rows written in the same transactions are intact).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.attack.attack_live import SEED, LiveServer

CSRF = "crashcrashcrashcrashcrashcrash00"
CAT2_POST = {
    "pelvic_sway.value": "1.8",
    "arm_fossa.result": "positive",
    "arm_fossa.side": "right",
    "first_rib_tender.result": "positive",
    "first_rib_tender.side": "right",
    "leg_length_supine.side": "right",
    "leg_length_supine.value": "5",
}

# Appended to attack_live.SEED (the world): N patients of the home clinic, each consenting, each with today's
# draft visit (screening confirmed), by the practitioner.
SEED_VISITS = """
from sotclinic.clinic.models import User
from sotclinic.visits.services import visit_confirm_screening, visit_start
from tests.conftest import give_consent, make_patient
prac = User.objects.get(username="practitioner")
ids = []
for n in range(int(sys.argv[1])):
    patient = make_patient(prac, family=f"Crash{n:04d}", given="Test")
    give_consent(patient, prac)
    visit = visit_confirm_screening(visit=visit_start(patient=patient, by=prac), by=prac)
    ids.append(str(visit.pk))
print("VISITS " + json.dumps(ids))
"""

# Run inside the server's environment after the restart: every visit as stored, and whether it is whole.
READ_BACK = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotclinic.config.settings")
django.setup()
from sotclinic.sot import default_kb
from sotclinic.sot.classify import classify
from sotclinic.sot.findings import parse_findings
from sotclinic.visits.models import Visit
from sotclinic.visits.services import note_hash
kb = default_kb()
out = {}
for visit in Visit.objects.filter(pk__in=json.loads(sys.stdin.read())):
    untouched = not visit.findings and not visit.assessment  # a draft never saved since it was opened
    assessment_ok = untouched or classify(parse_findings(visit.findings, kb), kb).to_dict() == visit.assessment
    out[str(visit.pk)] = {
        "status": visit.status,
        "subjective": visit.subjective,
        "plan": visit.plan,
        "pain": visit.pain,
        "category": visit.category,
        "signed_at": visit.signed_at.isoformat() if visit.signed_at else None,
        "signed_by": str(visit.signed_by_id) if visit.signed_by_id else None,
        "hash_ok": visit.content_hash == note_hash(visit) if visit.content_hash else None,
        "assessment_ok": assessment_ok,
        "revision": visit.revision,
    }
print("READ " + json.dumps(out))
from django.core.management import call_command
call_command("audit", "verify")  # exits non-zero, naming the first broken row, if the chain is not whole
"""

_MARK = re.compile(r"^v(\d+)-s(\d+)$")


@dataclass
class Attempt:
    visit: str
    kind: str  # "save" or "sign"
    k: int
    acknowledged: bool = False
    unknown: bool = False  # cut off: no answer


@dataclass
class CrashReport:
    database: str
    rounds: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    found: int = 0
    signed_found: int = 0
    audit_verify: str = ""
    # per visit, across kills: the next save number, and whether it is (or may be) signed
    next_k: dict[str, int] = field(default_factory=dict)
    signed: set[str] = field(default_factory=set)

    @property
    def saves(self) -> list[Attempt]:
        return [a for a in self.attempts if a.kind == "save"]

    @property
    def signs(self) -> list[Attempt]:
        return [a for a in self.attempts if a.kind == "sign"]

    def summary(self) -> str:
        saves, signs = self.saves, self.signs
        return (
            f"{self.database}: {self.rounds} kill(s); saves attempted {len(saves)}, acknowledged "
            f"{sum(a.acknowledged for a in saves)}, cut off {sum(a.unknown for a in saves)}, found "
            f"{self.found}; signatures attempted {len(signs)}, acknowledged {sum(a.acknowledged for a in signs)}, "
            f"found {self.signed_found}; answers {dict(sorted(self.statuses.items()))}; "
            f"problems {len(self.problems)}; audit verify: {self.audit_verify}"
        )


class _Worker(threading.Thread):
    def __init__(
        self,
        server: LiveServer,
        session_key: str,
        visits: list[tuple[int, str]],
        report: CrashReport,
        stop: Any,
    ) -> None:
        super().__init__(daemon=True)
        self.server, self.visits, self.report, self.stop = server, visits, report, stop
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_key)
        self.http.cookies.set("csrftoken", CSRF)
        self.http.headers["X-CSRFToken"] = CSRF
        self.rng = random.Random()  # noqa: S311 - load, not secrets
        self.next_k = report.next_k
        self.signed = report.signed
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.stop.is_set():
            open_visits = [(n, v) for n, v in self.visits if v not in self.signed]
            if not open_visits:
                return
            n, visit = self.rng.choice(open_visits)
            k = self.next_k.get(visit, 1)
            self.next_k[visit] = k + 1
            sign = k >= 3 and self.rng.random() < 0.25
            data = {
                **CAT2_POST,
                "subjective": f"v{n}-s{k}",
                "plan": f"v{n}-s{k}",
                "pain": str(k % 11),
                "complaint": "Low back",
            }
            if sign:
                data["category"] = "cat2"
            attempt = Attempt(visit, "sign" if sign else "save", k)
            with self.lock:
                self.report.attempts.append(attempt)
            url = f"{self.server.base_url}/visits/{visit}/{'sign' if sign else 'autosave'}/"
            try:
                response = self.http.post(
                    url,
                    data=data,
                    headers={} if sign else {"HX-Request": "true"},
                    allow_redirects=False,
                    timeout=30,
                )
            except requests.RequestException:
                attempt.unknown = True
                if self.stop.is_set() or not self._alive():
                    return
                continue
            self.report.statuses[f"{attempt.kind} {response.status_code}"] += 1
            if sign:
                attempt.acknowledged = response.status_code == 302
            else:
                attempt.acknowledged = response.status_code == 200 and "Not saved" not in response.text
            if (
                attempt.acknowledged and sign or response.status_code == 409
            ):  # 409: signed before the last kill
                self.signed.add(visit)

    def _alive(self) -> bool:
        return self.server.process is not None and self.server.process.poll() is None


def seed(server: LiveServer, count: int) -> tuple[dict[str, Any], list[str]]:
    """Migrate, create the world and `count` visits to save, in one process (each Django start costs a second)."""
    server.manage("migrate", "--noinput")
    out = server.python(SEED + SEED_VISITS, str(count), timeout=600)
    seeded = json.loads(next(line for line in out.splitlines() if line.startswith("SEED "))[5:])
    ids: list[str] = json.loads(next(line for line in out.splitlines() if line.startswith("VISITS "))[7:])
    return seeded, ids


def load_and_kill(
    server: LiveServer,
    session_key: str,
    visits: list[str],
    report: CrashReport,
    *,
    threads: int,
    seconds: float,
    offset: int = 0,
) -> None:
    """Start the server, save and sign from `threads` threads for about `seconds`, then SIGKILL it."""
    server.start()
    stop = threading.Event()
    numbered = list(enumerate(visits, start=offset))
    workers = [_Worker(server, session_key, numbered[i::threads], report, stop) for i in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(seconds * random.uniform(0.7, 1.3))  # noqa: S311 - kill at a different moment each round
    server.kill()
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    report.rounds += 1


def check(server: LiveServer, visits: list[str], report: CrashReport) -> None:
    """Restart on the same database and read every visit back."""
    server.start()
    try:
        with requests.get(f"{server.base_url}/login/", timeout=10) as response:
            assert response.status_code == 200
    finally:
        server.stop()
    compare(visits, _read_back(server, visits, report), report)


def compare(visits: list[str], out: dict[str, Any], report: CrashReport) -> None:
    """What was acknowledged against what is stored; every discrepancy goes to report.problems."""
    acked_save: dict[str, int] = {}
    acked_sign: dict[str, int] = {}
    attempted: dict[str, int] = {}
    for a in report.attempts:
        attempted[a.visit] = max(attempted.get(a.visit, 0), a.k)
        if a.acknowledged:
            target = acked_sign if a.kind == "sign" else acked_save
            target[a.visit] = max(target.get(a.visit, 0), a.k)
    for visit in visits:
        row = out.get(visit)
        if row is None:
            report.problems.append(f"{visit}: missing")
            continue
        match = _MARK.match(row["subjective"] or "")
        stored_k = int(match.group(2)) if match else 0
        if row["plan"] != row["subjective"] or (row["subjective"] and not match):
            report.problems.append(
                f"{visit}: half-written (subjective {row['subjective']!r}, plan {row['plan']!r})"
            )
        if stored_k and row["pain"] != stored_k % 11:
            report.problems.append(f"{visit}: half-written (s{stored_k} with pain {row['pain']})")
        if stored_k > attempted.get(visit, 0):
            report.problems.append(f"{visit}: holds s{stored_k}, never sent")
        if not row["assessment_ok"]:
            report.problems.append(f"{visit}: the assessment does not match the findings")
        if row["status"] == "signed":
            if not (row["signed_at"] and row["signed_by"] and row["hash_ok"] and row["category"] == "cat2"):
                report.problems.append(f"{visit}: signed but not whole: {row}")
        elif row["signed_at"] or row["signed_by"] or row["hash_ok"] is not None:
            report.problems.append(f"{visit}: a draft with signature fields: {row}")
        if visit in acked_sign:
            if row["status"] != "signed":
                report.problems.append(f"{visit}: signature acknowledged, visit not signed")
            else:
                report.signed_found += 1
        for a in report.attempts:
            if a.visit == visit and a.kind == "save" and a.acknowledged:
                if stored_k >= a.k:
                    report.found += 1
                else:
                    report.problems.append(f"{visit}: acknowledged save s{a.k} lost (holds s{stored_k})")


def _read_back(server: LiveServer, visits: list[str], report: CrashReport) -> dict[str, Any]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", READ_BACK],
        input=json.dumps(visits),
        env=server.env,
        cwd=server.workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    lines = done.stdout.splitlines()
    result: dict[str, Any] = json.loads(next(line for line in lines if line.startswith("READ "))[5:])
    report.audit_verify = next((line for line in reversed(lines) if line.strip()), "")
    return result


def kill_test(
    server: LiveServer, *, visits: int, threads: int, seconds: float, rounds: int
) -> tuple[CrashReport, list[str]]:
    seeded, ids = seed(server, visits)
    report = CrashReport(database=server.vendor)
    for _ in range(rounds):
        load_and_kill(
            server, seeded["sessions"]["practitioner"], ids, report, threads=threads, seconds=seconds
        )
    check(server, ids, report)
    return report, ids
