"""`sotclinic backup -o FILE`: an encrypted, consistent archive of the database and uploaded files."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sotclinic.backup.archive import write_backup
from sotclinic.backup.crypto import KEY_ENV, ArchiveError, generate_key, parse_key


class Command(BaseCommand):
    help = (
        f"Write an encrypted archive of the whole database and of MEDIA_ROOT (key: {KEY_ENV}). Safe to run while "
        "the app is serving: all tables are read in one consistent snapshot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", metavar="FILE", help="the archive to write (must not exist)")
        parser.add_argument(
            "--generate-key", action="store_true", help=f"print a new key for {KEY_ENV} and stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        if not options["output"]:
            raise CommandError("-o FILE is required: where to write the archive", returncode=2)
        try:
            manifest = write_backup(options["output"], key=parse_key(os.environ.get(KEY_ENV)))
        except ArchiveError as exc:
            raise CommandError(f"backup failed: {exc}", returncode=2) from None
        tables = manifest["tables"]
        rows = sum(table["rows"] for table in tables.values())
        audit = manifest["audit"]["summary"]
        self.stdout.write(
            f"Backup written to {options['output']}: {len(tables)} tables, {rows} rows, "
            f"{len(manifest['files'])} files; audit trail {audit}"
        )
