from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sotclinic.clinic.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo clinic (two practitioners, a front desk, an administrator, a researcher, ~30 patients"
        " with visit histories) once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--patients", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        created, logins = seed_demo(patients=options["patients"])
        self.stdout.write(
            "Demo clinic created." if created else "Demo clinic already there; nothing changed."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<14} {login.name}")
        self.stdout.write(
            "Practitioners and the administrator set up two-factor login (an authenticator app) at their first"
            " login; the page shows the QR code and the secret key."
        )
