"""Backup and restore of the whole database (every table of every installed app) and of uploaded files.

An archive is the encrypted stream of crypto.py around a zlib-compressed stream of JSON lines:

    {"record": "header", "format": 1, "app_version": ..., "created_at": ..., "database": ..., "schema": [...]}
    {"record": "table", "model": "clinic.clinic", "columns": ["id", "name", ...]}
    ["5f0c...", "Home Clinic", ...]                one JSON array per row, in the column order above
    ...                                            (tables in foreign-key order, rows in primary-key order)
    {"record": "file", "path": "scans/a.png", "size": 1234}
    "iVBORw0KGgo..."                               the file in base64 pieces
    {"record": "manifest", "format": 1, ..., "tables": {"clinic.clinic": {"rows": 1, "sha256": ...}},
     "files": {...}, "audit": {"ok": true, "rows": 84, "summary": "OK: ..."}}

A table's content hash is sha256 over the sorted sha256 digests of its rows, each row written as canonical JSON
(sorted keys are not needed: the columns are in a fixed order; times in UTC with microseconds; JSON values with
whole floats as integers). It does not depend on row order, so it is the same for the same rows on SQLite and
PostgreSQL, and is recomputed from the database after a restore.

All tables are read inside one read-only transaction (REPEATABLE READ on PostgreSQL, a snapshot on SQLite in
WAL mode), so the archive is one consistent moment even while the app goes on writing. Sessions are left out:
they are short-lived login tokens, and everyone signs in again after a restore. Content types and permissions,
which `migrate` fills in, are replaced by the archive's own so that references to them keep their ids.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
import os
import shutil
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_string

from sotclinic.audit.chain import normalise_json
from sotclinic.audit.integrity import verify_trail
from sotclinic.audit.snapshot import read_snapshot
from sotclinic.backup.crypto import DEFAULT_CHUNK, ArchiveError, EncryptedWriter, decrypt_stream

FORMAT_VERSION = 1
#: Not backed up: login sessions (secrets that should not outlive the server they were issued by).
EXCLUDED = frozenset({"sessions.session"})
#: Filled in by `migrate`; a restore replaces their rows with the archive's.
REPLACED = ("auth.permission", "contenttypes.contenttype")
FILE_PIECE = 48 * 1024
BATCH = 500


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sotclinic")
    except PackageNotFoundError:
        return "unknown"


# --- tables and rows ---------------------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete, managed model with a table (auto-created many-to-many tables included), dependencies
    (the targets of foreign keys) first."""
    candidates = {
        model._meta.label_lower: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and model._meta.label_lower not in EXCLUDED
    }
    ordered: list[type[models.Model]] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(label: str) -> None:
        if label in done or label in visiting:
            return  # a cycle: foreign keys are checked at commit, so any order loads
        visiting.add(label)
        for fk in candidates[label]._meta.local_concrete_fields:
            target = fk.related_model if fk.is_relation else None
            if target is not None and not isinstance(target, str):
                target_label = target._meta.label_lower
                if target_label in candidates:
                    visit(target_label)
        visiting.discard(label)
        done.add(label)
        ordered.append(candidates[label])

    for label in sorted(candidates):
        visit(label)
    return ordered


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.local_concrete_fields)


def _encode(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return value
    value = field.to_python(value)
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{field.model._meta.label}.{field.name}: cannot back up a {type(value).__name__}")


def _decode(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None or isinstance(field, models.JSONField):
        return value
    return field.to_python(value)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class TableDigest:
    """Row count and content hash of one table, fed one encoded row at a time."""

    def __init__(self, fields: list[models.Field[Any, Any]]) -> None:
        self.json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        self.digests: list[bytes] = []

    def add(self, row: list[Any], line: bytes | None = None) -> None:
        if self.json_columns:
            row = list(row)
            for i in self.json_columns:
                row[i] = normalise_json(row[i])
            line = None
        self.digests.append(hashlib.sha256(line if line is not None else _dumps(row)).digest())

    @property
    def rows(self) -> int:
        return len(self.digests)

    def hexdigest(self) -> str:
        return hashlib.sha256(b"".join(sorted(self.digests))).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.hexdigest()}


def _table_rows(model: type[models.Model], using: str) -> Iterator[list[Any]]:
    fields = _fields(model)
    values = model._base_manager.using(using).order_by("pk").values_list(*[f.attname for f in fields])
    for row in values.iterator(chunk_size=2000):
        yield [_encode(f, v) for f, v in zip(fields, row, strict=True)]


def database_digests(using: str = "default") -> dict[str, dict[str, Any]]:
    """Row count and content hash of every backed-up table, as the manifest has them."""
    result = {}
    with read_snapshot(using):
        for model in backed_up_models():
            digest = TableDigest(_fields(model))
            for row in _table_rows(model, using):
                digest.add(row)
            result[model._meta.label_lower] = digest.summary()
    return result


def applied_migrations(using: str = "default") -> list[list[str]]:
    recorder = MigrationRecorder(connections[using])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _media_root() -> Path | None:
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root) if root else None


def _media_files(root: Path | None) -> list[tuple[str, Path]]:
    if root is None or not root.is_dir():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


# --- backup ----------------------------------------------------------------------------------------------------


class _LineWriter:
    def __init__(self, out: EncryptedWriter) -> None:
        self._out = out
        self._zip = zlib.compressobj(6)

    def write(self, line: bytes) -> None:
        self._out.write(self._zip.compress(line + b"\n"))

    def record(self, value: Any) -> None:
        self.write(_dumps(value))

    def close(self) -> None:
        self._out.write(self._zip.flush())
        self._out.close()


def write_backup(
    path: str | Path, *, key: bytes, using: str = "default", chunk_size: int = DEFAULT_CHUNK
) -> dict[str, Any]:
    """Write an encrypted archive of the database and MEDIA_ROOT to `path` (which must not exist yet); the
    manifest. The archive appears under its name only once complete."""
    target = Path(path)
    if target.exists():
        raise ArchiveError(f"{target} already exists: choose a new name for each backup")
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            manifest = _write_stream(raw, key=key, using=using, chunk_size=chunk_size)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_stream(raw: BinaryIO, *, key: bytes, using: str, chunk_size: int) -> dict[str, Any]:
    out = _LineWriter(EncryptedWriter(raw, key, chunk_size=chunk_size))
    tables: dict[str, dict[str, Any]] = {}
    with read_snapshot(using):
        header = {
            "record": "header",
            "format": FORMAT_VERSION,
            "app_version": _app_version(),
            "created_at": timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds"),
            "database": connections[using].vendor,
            "schema": applied_migrations(using),
        }
        out.record(header)
        for model in backed_up_models():
            fields = _fields(model)
            label = model._meta.label_lower
            out.record({"record": "table", "model": label, "columns": [f.attname for f in fields]})
            digest = TableDigest(fields)
            for row in _table_rows(model, using):
                line = _dumps(row)
                out.write(line)
                digest.add(row, line)
            tables[label] = digest.summary()
        trail = verify_trail(using=using)
    files = {}
    for name, file_path in _media_files(_media_root()):
        files[name] = _write_file(out, name, file_path)
    manifest = {
        **header,
        "record": "manifest",
        "tables": tables,
        "files": files,
        "audit": {"ok": trail.ok, "rows": trail.rows, "summary": trail.summary()},
    }
    out.record(manifest)
    out.close()
    return manifest


def _write_file(out: _LineWriter, name: str, path: Path) -> dict[str, Any]:
    sha, size = hashlib.sha256(), path.stat().st_size
    out.record({"record": "file", "path": name, "size": size})
    written = 0
    with path.open("rb") as source:
        while piece := source.read(FILE_PIECE):
            sha.update(piece)
            written += len(piece)
            out.record(base64.b64encode(piece).decode("ascii"))
    return {"size": written, "sha256": sha.hexdigest()}


# --- reading an archive ----------------------------------------------------------------------------------------


def _records(path: Path, key: bytes) -> Iterator[Any]:
    """Every line of the archive, parsed; each piece authenticated before it is parsed."""
    unzip = zlib.decompressobj()
    pending = b""
    try:
        with path.open("rb") as source:
            for plain in decrypt_stream(source, key):
                pending += unzip.decompress(plain)
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield json.loads(line)
        pending += unzip.flush()
    except (zlib.error, ValueError) as exc:
        raise ArchiveError(f"the archive's content is damaged ({exc.__class__.__name__})") from None
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror}") from None
    if pending or not unzip.eof:
        raise ArchiveError("the archive's content is damaged (it does not end where it should)")


@dataclass(frozen=True)
class ArchiveInfo:
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return sum(table["rows"] for table in self.manifest["tables"].values())


def check_archive(path: str | Path, *, key: bytes) -> ArchiveInfo:
    """Read the whole archive without touching anything: every chunk authenticates, the format is one this
    version reads, every table's rows and every file give the counts and hashes of the manifest, and every table
    is one this database has, with the same columns. The manifest."""
    checker = _Checker()
    try:
        for record in _records(Path(path), key):
            checker.feed(record)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ArchiveError(f"the archive's content is damaged ({exc.__class__.__name__})") from None
    return ArchiveInfo(manifest=checker.finish())


class _Checker:
    """Follows the records of an archive and checks them against its manifest."""

    def __init__(self) -> None:
        self.models = {model._meta.label_lower: model for model in backed_up_models()}
        self.header: dict[str, Any] | None = None
        self.manifest: dict[str, Any] | None = None
        self.tables: dict[str, TableDigest] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.table: TableDigest | None = None
        self.width = 0
        self.file: str | None = None
        self.file_sha: Any = None

    def feed(self, record: Any) -> None:
        if self.manifest is not None:
            raise ArchiveError("the archive's content is damaged (data after the manifest)")
        if self.header is None:
            self.header = _check_header(record)
        elif isinstance(record, list):
            if self.table is None or len(record) != self.width:
                raise ArchiveError("the archive's content is damaged (a row outside a table)")
            self.table.add(record)
        elif isinstance(record, str):
            if self.file is None:
                raise ArchiveError("the archive's content is damaged (file data outside a file)")
            piece = base64.b64decode(record, validate=True)
            self.file_sha.update(piece)
            self.files[self.file]["size"] += len(piece)
        else:
            self._end_file()
            self.table = None
            self._start(record)

    def _start(self, record: dict[str, Any]) -> None:
        kind = record["record"]
        if kind == "table":
            label, columns = record["model"], record["columns"]
            model = self.models.get(label)
            if model is None:
                raise ArchiveError(f"the archive has a table this database does not: {label}")
            if columns != [f.attname for f in _fields(model)]:
                raise ArchiveError(f"the archive's columns of {label} differ from this database's")
            if label in self.tables:
                raise ArchiveError(f"the archive's content is damaged ({label} appears twice)")
            self.table = self.tables[label] = TableDigest(_fields(model))
            self.width = len(columns)
        elif kind == "file":
            self.file = _safe_relative(record["path"])
            if self.file in self.files:
                raise ArchiveError(f"the archive's content is damaged (file {self.file} appears twice)")
            self.files[self.file] = {"size": 0, "declared": record["size"]}
            self.file_sha = hashlib.sha256()
        elif kind == "manifest":
            self.manifest = record
        else:
            raise ArchiveError("the archive's content is damaged (an unknown record)")

    def _end_file(self) -> None:
        if self.file is not None:
            entry = self.files[self.file]
            entry["sha256"] = self.file_sha.hexdigest()
            if entry.pop("declared") != entry["size"]:
                raise ArchiveError(f"the archive's content is damaged (file {self.file} is cut short)")
            self.file, self.file_sha = None, None

    def finish(self) -> dict[str, Any]:
        if self.header is None or self.manifest is None:
            raise ArchiveError("the archive's content is damaged (no manifest at its end)")
        found = {label: digest.summary() for label, digest in self.tables.items()}
        expected = self.manifest["tables"]
        for label in sorted(set(found) | set(expected)):
            if found.get(label) != expected.get(label):
                raise ArchiveError(
                    f"the archive's content is damaged (table {label} does not match its manifest)"
                )
        if self.files != self.manifest["files"]:
            raise ArchiveError("the archive's content is damaged (its files do not match the manifest)")
        return self.manifest


def _check_header(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict) or record.get("record") != "header":
        raise ArchiveError("the archive's content is damaged (no header)")
    if record.get("format") != FORMAT_VERSION:
        raise ArchiveError(
            f"archive format {record.get('format')} is not supported: this sotclinic ({_app_version()}) restores "
            f"format {FORMAT_VERSION}"
        )
    return record


def _safe_relative(name: str) -> str:
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts or name.startswith("\\"):
        raise ArchiveError(f"the archive names a file outside the media folder: {name!r}")
    return Path(name).as_posix()


# --- restore ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict[str, Any]
    rows: int
    files: int
    audit_summary: str
    warnings: list[str]


def check_target(info: ArchiveInfo, *, using: str = "default", require_empty: bool = True) -> None:
    """Refuse a database whose applied migrations differ from the archive's, or (unless `require_empty` is
    off) that has any data."""
    here = applied_migrations(using)
    there = info.manifest["schema"]
    if here != there:
        missing = [f"{app}.{name}" for app, name in there if [app, name] not in here]
        extra = [f"{app}.{name}" for app, name in here if [app, name] not in there]
        parts = []
        if missing:
            parts.append(f"not applied here: {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}")
        if extra:
            parts.append(f"applied here only: {', '.join(extra[:3])}{' ...' if len(extra) > 3 else ''}")
        raise ArchiveError(f"the archive's schema differs from this database's ({'; '.join(parts)})")
    if not require_empty:
        return
    for model in backed_up_models():
        label = model._meta.label_lower
        if label not in REPLACED and model._base_manager.using(using).exists():
            raise ArchiveError(
                f"the database is not empty ({label} has rows): restore only into a newly migrated, empty database"
            )
    root = _media_root()
    if info.manifest["files"]:
        if root is None:
            raise ArchiveError("the archive has uploaded files but MEDIA_ROOT is not set")
        if _media_files(root):
            raise ArchiveError(f"the media folder {root} is not empty")


def restore_archive(path: str | Path, *, key: bytes, using: str = "default") -> RestoreReport:
    """Check the archive and the target (touching nothing), then load it in one transaction, compare the
    database's row counts and content hashes with the manifest and verify the audit chain; any difference rolls
    the whole restore back. Uploaded files are put in place once the database has committed."""
    path = Path(path)
    info = check_archive(path, key=key)
    check_target(info, using=using)
    manifest = info.manifest
    warnings = []
    staging = _staging_dir() if manifest["files"] else None
    try:
        with transaction.atomic(using=using):
            _load(path, key, using, staging)
            found = database_digests(using)
            for label in sorted(set(found) | set(manifest["tables"])):
                if found.get(label) != manifest["tables"].get(label):
                    raise ArchiveError(
                        f"the restored table {label} does not match the manifest; nothing restored"
                    )
            trail = verify_trail(using=using)
            if not trail.ok:
                if manifest["audit"]["ok"]:
                    raise ArchiveError(f"the restored audit trail does not verify ({trail.summary()})")
                warnings.append(
                    f"the audit trail was already broken when the backup was made: {trail.summary()}"
                )
        _put_media_in_place(staging)
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return RestoreReport(
        manifest=manifest,
        rows=info.rows,
        files=len(manifest["files"]),
        audit_summary=trail.summary(),
        warnings=warnings,
    )


def _load(path: Path, key: bytes, using: str, staging: Path | None) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        # Foreign keys are checked once, at the end, whatever order rows arrive in.
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA defer_foreign_keys = ON")
    for label in REPLACED:
        apps.get_model(label)._base_manager.using(using).all().delete()
    restored: list[type[models.Model]] = []
    model: type[models.Model] | None = None
    fields: list[models.Field[Any, Any]] = []
    batch: list[SimpleNamespace] = []
    out: BinaryIO | None = None
    try:
        for record in _records(path, key):
            if isinstance(record, list):
                batch.append(
                    SimpleNamespace(**{f.attname: _decode(f, v) for f, v in zip(fields, record, strict=True)})
                )
                if len(batch) >= BATCH:
                    _insert(model, fields, batch, using)
                continue
            if isinstance(record, str):
                assert out is not None
                out.write(base64.b64decode(record))
                continue
            _insert(model, fields, batch, using)
            if out is not None:
                out.close()
                out = None
            if record["record"] == "table":
                model = apps.get_model(record["model"])
                fields = _fields(model)
                restored.append(model)
            elif record["record"] == "file":
                assert staging is not None
                target = staging / _safe_relative(record["path"])
                target.parent.mkdir(parents=True, exist_ok=True)
                out = target.open("xb")
    finally:
        if out is not None:
            out.close()
    connection.check_constraints()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), restored):
            cursor.execute(sql)


def _insert(
    model: type[models.Model] | None, fields: list[models.Field[Any, Any]], batch: list[Any], using: str
) -> None:
    if batch:
        assert model is not None
        # raw=True: values go in as they are (auto_now and defaults are not applied again).
        model._base_manager.using(using)._insert(batch, fields=fields, raw=True)  # type: ignore[attr-defined]
        batch.clear()


def _staging_dir() -> Path:
    root = _media_root()
    assert root is not None
    staging = root.parent / f".{root.name}.restoring-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _put_media_in_place(staging: Path | None) -> None:
    if staging is None:
        return
    root = _media_root()
    assert root is not None
    if root.exists():
        for child in staging.iterdir():
            os.replace(child, root / child.name)
    else:
        os.replace(staging, root)
