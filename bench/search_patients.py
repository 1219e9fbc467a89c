"""How fast is patient search on a clinic with many patients?

    .venv/bin/python bench/search_patients.py                    # SQLite in a temporary file, 20,000 patients
    .venv/bin/python bench/search_patients.py --postgres URL     # a scratch database on that server (created, dropped)

Creates one clinic of N patients (plus a second clinic of N/4 that must never show up), then times the searches
a front desk types, each repeated, and prints the median and worst time per query.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_database  # noqa: E402 - after the path is set


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--postgres", metavar="URL", help="server URL, e.g. postgres://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()

    with scratch_database(args.postgres):
        run(args)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sotclinic.clinic.models import Clinic, Role, User
    from sotclinic.patients.models import Patient, name_key
    from sotclinic.patients.selectors import patient_search

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    given = [f"Given{i}" for i in range(400)] + ["Maja", "Tom", "Ada", "Jo"]
    family = [f"Fam{i:04d}" for i in range(3000)] + ["Lindqvist", "Lindley", "Smith", "Okoro"]

    def patients(clinic: Clinic, n: int) -> list[Patient]:
        out = []
        for _ in range(n):
            g, f = rng.choice(given), rng.choice(family)
            dob = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 32000))
            out.append(
                Patient(
                    clinic=clinic,
                    given_names=g,
                    family_name=f,
                    date_of_birth=dob,
                    given_key=name_key(g),
                    family_key=name_key(f),
                )
            )
        return out

    home = Clinic.objects.create(name="Bench", slug="bench")
    other = Clinic.objects.create(name="Other", slug="other")
    user = User.objects.create(username="bench", clinic=home, role=Role.FRONT_DESK)
    start = time.perf_counter()
    Patient.objects.bulk_create(patients(home, args.patients), batch_size=2000)
    Patient.objects.bulk_create(patients(other, args.patients // 4), batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"{connection.vendor}: {args.patients:,} patients (+{args.patients // 4:,} in another clinic) "
        f"loaded in {time.perf_counter() - start:.1f} s"
    )
    dob = Patient.objects.filter(clinic=home).values_list("date_of_birth", flat=True).first()
    queries = [
        "lind",
        "Lindqvist",
        "maja lind",
        "fam12",
        "fam0001 given3",
        "zzz",
        dob.isoformat(),
        dob.strftime("%d/%m/%Y"),
    ]
    print(f"{'query':<20} {'results':>7} {'median ms':>10} {'max ms':>8}")
    for query in queries:
        times, count = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            count = len(list(patient_search(user=user, query=query)))
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{query:<20} {count:>7} {statistics.median(times):>10.2f} {max(times):>8.2f}")


if __name__ == "__main__":
    main()
