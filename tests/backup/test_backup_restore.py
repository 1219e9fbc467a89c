"""`sotclinic backup` and `sotclinic restore`: an identical round trip, and refusals that touch nothing."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from sotclinic.audit.integrity import verify_trail
from sotclinic.audit.models import Action, AuditEvent
from sotclinic.audit.services import audit_record
from sotclinic.backup import archive
from sotclinic.backup.archive import database_digests, restore_archive, write_backup
from sotclinic.backup.crypto import ArchiveError, generate_key, parse_key
from sotclinic.cli import main
from sotclinic.clinic.models import Clinic, User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit

pytestmark = pytest.mark.usefixtures("backup_commands")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    return str(caught.value)


@pytest.mark.django_db(transaction=True)
def test_round_trip_of_the_demo_clinic_is_identical(
    tmp_path: Path, key_text: str, emptied: Callable[[], None]
) -> None:
    from sotclinic.clinic.demo import seed_demo

    with transaction.atomic():  # one commit instead of one per write: much faster on PostgreSQL
        seed_demo(patients=5)
    before = database_digests()
    assert before["visits.visit"]["rows"] > 5
    assert before["audit.auditevent"]["rows"] > 50
    target = tmp_path / "clinic.sotbak"
    written = run("backup", "-o", str(target))
    assert written.startswith(f"Backup written to {target}: {len(before)} tables, ")
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert b"Hart" not in target.read_bytes()  # a practitioner's name from the demo: nothing readable

    emptied()
    assert database_digests()["patients.patient"]["rows"] == 0
    restored = run("restore", str(target))
    assert "row counts and content hashes match the manifest; audit trail OK: " in restored

    assert database_digests() == before
    trail = verify_trail()
    assert trail.ok
    assert trail.rows == before["audit.auditevent"]["rows"]
    # The app goes on where it stopped: the chain continues and new ids do not collide (sequences reset).
    user = User.objects.get(username="dr.hart")
    last = AuditEvent.objects.filter(clinic=user.clinic).order_by("-seq").first()
    assert last is not None
    event = audit_record(actor=user, action=Action.CHART_VIEW)
    assert (event.seq, event.prev_hash) == (last.seq + 1, last.row_hash)
    assert event.pk > max(AuditEvent.objects.exclude(pk=event.pk).values_list("pk", flat=True))
    assert verify_trail().ok


@pytest.fixture
def small_clinic(signed_visit: Visit, front_desk: User) -> None:
    """A clinic with a signed visit (which the database refuses to change) and its audit rows."""


@pytest.fixture
def archive_file(small_clinic: None, tmp_path: Path, key: bytes) -> Path:
    path = tmp_path / "small.sotbak"
    write_backup(path, key=key, chunk_size=1024)
    return path


def test_round_trip_within_one_transaction(
    archive_file: Path, key: bytes, emptied: Callable[[], None]
) -> None:
    before = database_digests()
    emptied()
    report = restore_archive(archive_file, key=key)
    assert database_digests() == before == report.manifest["tables"]
    assert report.warnings == []
    assert Visit.objects.get().status == "signed"


def test_manifest(archive_file: Path, key: bytes) -> None:
    info = archive.check_archive(archive_file, key=key)
    manifest = info.manifest
    assert manifest["format"] == 1
    assert manifest["app_version"]
    assert manifest["database"] == connection.vendor
    assert ["audit", "0004_hash_chain"] in manifest["schema"]
    assert manifest["tables"]["clinic.clinic"]["rows"] == 1
    assert "sessions.session" not in manifest["tables"]
    assert manifest["files"] == {}
    assert manifest["audit"]["ok"] is True


def assert_refused_and_untouched(args: list[str], message: str) -> None:
    before = database_digests()
    assert refused(*args) == f"restore refused: {message}"
    assert database_digests() == before


def test_non_empty_database_is_refused(archive_file: Path) -> None:
    assert_refused_and_untouched(
        ["restore", str(archive_file)],
        "the database is not empty (clinic.clinic has rows): restore only into a newly migrated, empty database",
    )


def test_wrong_key_is_refused(archive_file: Path, emptied: Callable[[], None], monkeypatch: Any) -> None:
    emptied()
    monkeypatch.setenv("SOTCLINIC_BACKUP_KEY", generate_key())
    assert_refused_and_untouched(
        ["restore", str(archive_file)],
        "wrong key: this archive was written with another SOTCLINIC_BACKUP_KEY",
    )


def test_flipped_byte_is_refused(archive_file: Path, emptied: Callable[[], None]) -> None:
    data = bytearray(archive_file.read_bytes())
    data[len(data) // 2] ^= 0x10
    archive_file.write_bytes(bytes(data))
    emptied()
    before = database_digests()
    message = refused("restore", str(archive_file))
    assert message.startswith("restore refused: the archive is damaged (altered or cut short): chunk ")
    assert message.endswith(" does not authenticate")
    assert database_digests() == before


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_truncated_file_is_refused(archive_file: Path, emptied: Callable[[], None], keep: float) -> None:
    data = archive_file.read_bytes()
    archive_file.write_bytes(data[: int(len(data) * keep)])
    emptied()
    before = database_digests()
    assert refused("restore", str(archive_file)).startswith("restore refused: the archive is ")
    assert database_digests() == before


def test_missing_file_is_refused(tmp_path: Path, key: bytes) -> None:
    assert refused("restore", str(tmp_path / "nowhere.sotbak")).startswith(
        f"restore refused: cannot read {tmp_path / 'nowhere.sotbak'}: No such file"
    )


def test_other_schema_is_refused(archive_file: Path, emptied: Callable[[], None]) -> None:
    emptied()
    MigrationRecorder(connection).record_applied("audit", "9999_from_the_future")
    assert_refused_and_untouched(
        ["restore", str(archive_file)],
        "the archive's schema differs from this database's (applied here only: audit.9999_from_the_future)",
    )


def test_unknown_format_is_refused(
    small_clinic: None, tmp_path: Path, key: bytes, emptied: Callable[[], None], monkeypatch: Any
) -> None:
    path = tmp_path / "future.sotbak"
    with monkeypatch.context() as patch:
        patch.setattr(archive, "FORMAT_VERSION", 2)
        write_backup(path, key=key)
    emptied()
    message = refused("restore", str(path))
    assert message.startswith("restore refused: archive format 2 is not supported: this sotclinic (")
    assert message.endswith(") restores format 1")


def test_restore_mismatch_rolls_everything_back(
    archive_file: Path, key: bytes, emptied: Callable[[], None], monkeypatch: Any
) -> None:
    """If the loaded rows did not give the manifest's hashes, nothing of the restore would stay."""
    emptied()
    before = database_digests()
    real = archive.database_digests

    def off_by_one(using: str = "default") -> dict[str, Any]:
        digests = real(using)
        digests["patients.patient"] = {"rows": 0, "sha256": "0" * 64}
        return digests

    monkeypatch.setattr(archive, "database_digests", off_by_one)
    with pytest.raises(
        ArchiveError, match="^the restored table patients.patient does not match the manifest"
    ):
        restore_archive(archive_file, key=key)
    monkeypatch.undo()
    assert database_digests() == before


def test_check_only(archive_file: Path) -> None:
    assert run("restore", "--check", str(archive_file)).startswith("Archive OK: made ")
    assert Patient.objects.count() == 1


def test_backup_will_not_overwrite(archive_file: Path) -> None:
    message = refused("backup", "-o", str(archive_file))
    assert message == f"backup failed: {archive_file} already exists: choose a new name for each backup"


def test_backup_needs_a_key(db: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("SOTCLINIC_BACKUP_KEY", raising=False)
    assert refused("backup", "-o", str(tmp_path / "x")).startswith(
        "backup failed: SOTCLINIC_BACKUP_KEY is not set"
    )
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "x.partial").exists()


def test_generate_key() -> None:
    assert len(parse_key(run("backup", "--generate-key").strip())) == 32


def test_exit_status_2_from_the_console_command(archive_file: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["restore", str(archive_file)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("CommandError: restore refused: the database is not empty")


def test_uploaded_files_round_trip(
    small_clinic: None, tmp_path: Path, key: bytes, emptied: Callable[[], None], settings: Any
) -> None:
    media = tmp_path / "media"
    (media / "scans" / "2026").mkdir(parents=True)
    (media / "scans" / "2026" / "pelvis.png").write_bytes(bytes(range(256)) * 500)
    (media / "consent.pdf").write_bytes(b"%PDF-1.7\n")
    (media / "empty.txt").write_bytes(b"")
    settings.MEDIA_ROOT = str(media)
    path = tmp_path / "with-files.sotbak"
    manifest = write_backup(path, key=key, chunk_size=4096)
    assert sorted(manifest["files"]) == ["consent.pdf", "empty.txt", "scans/2026/pelvis.png"]

    settings.MEDIA_ROOT = str(tmp_path / "elsewhere" / "media")
    emptied()
    report = restore_archive(path, key=key)
    assert report.files == 3
    restored = tmp_path / "elsewhere" / "media"
    assert (restored / "scans" / "2026" / "pelvis.png").read_bytes() == bytes(range(256)) * 500
    assert (restored / "consent.pdf").read_bytes() == b"%PDF-1.7\n"
    assert (restored / "empty.txt").read_bytes() == b""
    assert not list((tmp_path / "elsewhere").glob(".media.restoring-*"))


def test_files_are_not_restored_over_other_files(
    small_clinic: None, tmp_path: Path, key: bytes, emptied: Callable[[], None], settings: Any
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.txt").write_text("a")
    settings.MEDIA_ROOT = str(media)
    path = tmp_path / "files.sotbak"
    write_backup(path, key=key)
    emptied()
    assert_refused_and_untouched(["restore", str(path)], f"the media folder {media} is not empty")


def test_no_media_root_is_an_empty_file_set(
    small_clinic: None, tmp_path: Path, key: bytes, settings: Any
) -> None:
    settings.MEDIA_ROOT = ""
    assert write_backup(tmp_path / "a", key=key)["files"] == {}
    settings.MEDIA_ROOT = str(tmp_path / "not-there")
    assert write_backup(tmp_path / "b", key=key)["files"] == {}


@pytest.mark.django_db(transaction=True)
def test_backup_is_one_consistent_moment_while_the_app_writes(
    tmp_path: Path, key: bytes, practitioner: User, emptied: Callable[[], None]
) -> None:
    """A writer appends audit rows (each moving the chain head) while the backup runs: the archive still holds
    a chain whose head names its last row, which it would not if tables were read at different moments."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database cannot serve a second writer meanwhile")
    for _ in range(50):
        audit_record(actor=practitioner, action=Action.PATIENT_SEARCH)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                with transaction.atomic():
                    audit_record(actor=practitioner, action=Action.PATIENT_SEARCH, detail={"during": True})
                written.append(1)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        manifests = [write_backup(tmp_path / f"live-{i}.sotbak", key=key) for i in range(2)]
    finally:
        stop.set()
        thread.join()
    assert len(written) > 5
    for manifest in manifests:
        assert manifest["audit"]["ok"], manifest["audit"]["summary"]
        assert manifest["tables"]["audit.auditevent"]["rows"] == manifest["audit"]["rows"]
    emptied()
    report = restore_archive(tmp_path / "live-1.sotbak", key=key)
    assert report.audit_summary.startswith("OK: ")
    assert Clinic.objects.count() == 1
