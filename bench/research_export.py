"""How long does the researcher's de-identified export take, and how much memory, on a large clinic?

    .venv/bin/python bench/research_export.py                          # SQLite in a temporary file, 5,000 patients
    .venv/bin/python bench/research_export.py --patients 20000
    .venv/bin/python bench/research_export.py --postgres URL           # a scratch database on that server

Seeds one clinic of N patients, each with V signed visits (the findings, assessment and protocol of a real
classified visit), one draft, a complaint, three questionnaires and (one in twenty) an adverse event, plus a second
clinic that must not show up. Then runs the export (sotclinic.reports.deidentified.write_dataset, as the download
does) in a fresh child process, twice (a small clinic first, then the big one, to show that memory does not grow
with the clinic), and prints the wall time, the rows written, the ZIP's size and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_database  # noqa: E402 - after the path is set


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--visits", type=int, default=6, help="signed visits per patient")
    parser.add_argument("--small", type=int, default=200, help="patients of the small clinic exported first")
    parser.add_argument(
        "--postgres", metavar="URL", help="server URL, e.g. postgres://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--child", metavar="SLUG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotclinic.config.settings")
    if args.child:
        child(args.child)
        return

    with scratch_database(args.postgres):
        seed(args)
        from django.db import connections

        connections.close_all()
        for slug in ("small", "bench"):
            run_child(slug)


def seed(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from sotclinic.clinic.models import Clinic, Role, User
    from sotclinic.measures import score
    from sotclinic.outcomes.models import Response
    from sotclinic.patients.models import Complaint, Patient, name_key
    from sotclinic.visits.models import AdverseEvent, Visit, VisitStatus
    from sotclinic.visits.services import VisitDraft, _compute

    call_command("migrate", verbosity=0)
    rng = random.Random(11)
    start = time.perf_counter()
    example = Visit(variant="standard")
    findings = [
        {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
        {"indicator": "arm_fossa", "result": "positive", "side": "right"},
        {"indicator": "first_rib_tender", "result": "positive", "side": "right"},
        {"indicator": "leg_length_supine", "side": "right", "value": 5},
    ]
    # the findings, assessment and protocol JSON of a real classified visit
    values = _compute(VisitDraft(findings=findings, category="cat2", pain=5), example)[0]
    scores = {
        code: score(code, answers).to_dict()
        for code, answers in (
            ("nprs", {"q1": 6}),
            ("odi", {f"q{i}": 2 for i in range(1, 11)}),
            ("pgic", {"q1": 2}),
        )
    }

    def clinic_of(slug: str, n: int) -> None:
        clinic = Clinic.objects.create(name=slug.title(), slug=slug)
        prac = User.objects.create(username=f"prac-{slug}", clinic=clinic, role=Role.PRACTITIONER)
        now = timezone.now()
        for first in range(0, n, 1000):
            patients = []
            for i in range(first, min(n, first + 1000)):
                dob = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 32000))
                family, given = f"Family{i}", f"Given{i}"
                patients.append(
                    Patient(
                        clinic=clinic,
                        family_name=family,
                        given_names=given,
                        family_key=name_key(family),
                        given_key=name_key(given),
                        date_of_birth=dob,
                        sex=rng.choice(["female", "male"]),
                        email=f"p{i}@example.org",
                    )
                )
            Patient.objects.bulk_create(patients)
            visits, complaints, responses, events = [], [], [], []
            for p in patients:
                day0 = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 600))
                complaints.append(Complaint(patient=p, code=rng.choice(["low_back", "neck", "headache"])))
                for v in range(args.visits + 1):
                    signed = v < args.visits
                    visits.append(
                        Visit(
                            clinic=clinic,
                            patient=p,
                            practitioner=prac,
                            date=day0 + datetime.timedelta(days=7 * v),
                            status=VisitStatus.SIGNED if signed else VisitStatus.DRAFT,
                            pain=rng.randint(0, 10),
                            subjective="Free text that never leaves",
                            plan="Plan text that never leaves",
                            signed_at=now if signed else None,
                            signed_by=prac if signed else None,
                            **values,
                        )
                    )
                for k, (code, data) in enumerate(scores.items()):
                    responses.append(
                        Response(
                            patient=p,
                            instrument=code,
                            score=data,
                            total=data.get("total"),
                            answered_at=now - datetime.timedelta(days=30 - 10 * k),
                            timepoint="baseline" if k == 0 else "follow_up",
                            source="kiosk",
                            instrument_version=data["instrument_version"],
                            rules_version=data["rules_version"],
                        )
                    )
                if rng.random() < 0.05:
                    events.append(
                        AdverseEvent(
                            clinic=clinic,
                            patient=p,
                            description="Never leaves",
                            began_at=now,
                            severity=rng.choice(["mild", "moderate", "major"]),
                        )
                    )
            Visit.objects.bulk_create(visits, batch_size=2000)
            Complaint.objects.bulk_create(complaints, batch_size=2000)
            Response.objects.bulk_create(responses, batch_size=2000)
            AdverseEvent.objects.bulk_create(events, batch_size=2000)

    clinic_of("bench", args.patients)
    clinic_of("small", args.small)
    clinic_of("other", max(args.patients // 4, 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {args.patients:,} patients x {args.visits} signed visits (+1 draft each; "
        f"+{args.small:,} in a small clinic, +{max(args.patients // 4, 1):,} in another) "
        f"seeded in {time.perf_counter() - start:.1f} s"
    )


def run_child(slug: str) -> None:
    out = subprocess.run(
        [sys.executable, __file__, "--child", slug],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rows = ", ".join(f"{name.removesuffix('.csv')} {n:,}" for name, n in result["counts"].items())
    print(
        f"export of {slug!r}: {result['seconds']:.1f} s, ZIP {result['zip_mb']:.1f} MB, peak RSS "
        f"{result['peak_mib']:.1f} MiB (after start-up {result['startup_mib']:.1f} MiB); rows: {rows}"
    )


def child(slug: str) -> None:
    import django

    django.setup()
    from sotclinic.audit.snapshot import read_snapshot
    from sotclinic.clinic.access import research_sources_of_clinic
    from sotclinic.clinic.models import Clinic
    from sotclinic.reports.deidentified import write_dataset
    from sotclinic.reports.services import research_key

    clinic = Clinic.objects.get(slug=slug)
    key = research_key(clinic.pk)
    startup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, read_snapshot():
        counts = write_dataset(out, sources=research_sources_of_clinic(clinic.pk), key=key)
        size = out.tell()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "counts": counts,
                "seconds": seconds,
                "zip_mb": size / 1e6,
                "peak_mib": peak,
                "startup_mib": startup,
            }
        )
    )


if __name__ == "__main__":
    main()
