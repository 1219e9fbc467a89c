"""`sotclinic restore FILE`: check an archive and restore it into a newly migrated, empty database."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from sotclinic.backup.archive import check_archive, check_target, restore_archive
from sotclinic.backup.crypto import KEY_ENV, ArchiveError, parse_key


class Command(BaseCommand):
    help = (
        f"Restore an archive written by `sotclinic backup` (key: {KEY_ENV}) into a newly migrated, empty "
        "database. The archive is checked whole (key, integrity, format, schema) before anything is written; a "
        "refused archive exits with status 2 and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", metavar="FILE")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive and its schema against this database; restore nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["archive"]
        try:
            key = parse_key(os.environ.get(KEY_ENV))
            if options["check"]:
                info = check_archive(path, key=key)
                check_target(info, require_empty=False)
                made = info.manifest["created_at"]
                self.stdout.write(f"Archive OK: made {made}, {info.rows} rows, schema as this database's")
                return
            report = restore_archive(path, key=key)
        except ArchiveError as exc:
            raise CommandError(f"restore refused: {exc}", returncode=2) from None
        except DatabaseError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"restore failed and was rolled back: {first_line}", returncode=2) from None
        manifest = report.manifest
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"Restored {path} (made {manifest['created_at']} by sotclinic {manifest['app_version']}): "
            f"{len(manifest['tables'])} tables, {report.rows} rows, {report.files} files; row counts and content "
            f"hashes match the manifest; audit trail {report.audit_summary}"
        )
