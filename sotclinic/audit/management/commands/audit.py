"""`sotclinic audit verify|export|head`: check the audit trail's hash chains, export the trail as CSV."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sotclinic.audit.integrity import check_anchors, head_lines, trail_rows, verify_trail, write_csv
from sotclinic.clinic.models import Clinic


def parse_since(text: str) -> datetime.datetime:
    """A date (midnight, in the clinic time zone) or an ISO date and time."""
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since: expected a date like 2026-01-31, got {text!r}") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chains (verify), print their heads (head), export the trail (export)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="{verify,head,export}")
        verify = sub.add_parser("verify", help="walk the chains; exit 1 naming the first broken row")
        verify.add_argument("--clinic", metavar="SLUG", help="only this clinic's chain")
        verify.add_argument(
            "--anchor", metavar="FILE", help="also compare with heads written down earlier by `audit head`"
        )
        sub.add_parser("head", help="print each clinic's chain head (slug seq hash) to keep somewhere else")
        export = sub.add_parser("export", help="write the trail as CSV, oldest first")
        export.add_argument(
            "--since", required=True, metavar="DATE", help="rows from this date (YYYY-MM-DD) on"
        )
        export.add_argument("--clinic", metavar="SLUG", help="only this clinic's rows")
        export.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = self._clinic(options.get("clinic"))
        if options["sub"] == "verify":
            self._verify(clinic, options.get("anchor"))
        elif options["sub"] == "head":
            for line in head_lines():
                self.stdout.write(line)
        else:
            self._export(clinic, parse_since(options["since"]), options.get("output"))

    def _clinic(self, slug: str | None) -> Clinic | None:
        if not slug:
            return None
        try:
            return Clinic.objects.get(slug=slug)
        except Clinic.DoesNotExist:
            raise CommandError(f"--clinic: no clinic with the slug {slug!r}") from None

    def _verify(self, clinic: Clinic | None, anchor: str | None) -> None:
        report = verify_trail(clinic=clinic)
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        if anchor:
            try:
                lines = Path(anchor).read_text().splitlines()
            except OSError as exc:
                raise CommandError(f"--anchor: cannot read {anchor}: {exc.strerror}", returncode=2) from None
            problem = check_anchors(lines)
            if problem:
                raise CommandError(problem, returncode=1)
        self.stdout.write(report.summary())

    def _export(self, clinic: Clinic | None, since: datetime.datetime, output: str | None) -> None:
        rows = trail_rows(since=since, clinic=clinic)
        if not output:
            write_csv(rows, self.stdout)
            return
        with open(output, "w", newline="", encoding="utf-8") as out:
            count = write_csv(rows, out)
        self.stderr.write(f"{count} audit rows written to {output}")
