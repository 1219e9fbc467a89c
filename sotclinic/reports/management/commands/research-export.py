"""`sotclinic research-export --clinic SLUG --out FILE.zip`: the researcher's de-identified dataset of one clinic,
written by someone who runs commands on the server (audited in the clinic's chain: no actor, role "system")."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sotclinic.clinic.models import Clinic
from sotclinic.reports.services import research_export_by_system


class Command(BaseCommand):
    help = "Write a clinic's de-identified research export (a ZIP of CSV files and a README) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, metavar="SLUG", help="the clinic's slug")
        parser.add_argument("--out", required=True, metavar="FILE.zip", help="where to write the ZIP")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            clinic = Clinic.objects.get(slug=options["clinic"])
        except Clinic.DoesNotExist:
            raise CommandError(f"No clinic with the slug {options['clinic']!r}.") from None
        target = Path(options["out"])
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder.")
        # Written beside the target and renamed when complete: an interrupted run leaves no half-written ZIP.
        fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                counts = research_export_by_system(clinic_id=clinic.pk, out=out)
            os.chmod(partial, 0o600)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        rows = ", ".join(f"{name} {n}" for name, n in counts.items())
        self.stdout.write(f"Wrote {target} ({rows}).")
