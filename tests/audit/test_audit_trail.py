"""The audit trail in the database: chained rows, verify against direct tampering, the append-only guards."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from sotclinic.audit.chain import GENESIS, hash_row
from sotclinic.audit.context import request_context
from sotclinic.audit.integrity import verify_trail
from sotclinic.audit.models import Action, AuditChainHead, AuditEvent
from sotclinic.audit.services import audit_record
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from tests.conftest import make_patient

Tamper = Callable[[], AbstractContextManager[Any]]


def record(user: User, n: int, patient: Patient | None = None) -> list[AuditEvent]:
    return [
        audit_record(actor=user, action=Action.CHART_VIEW, patient=patient, obj=patient, detail={"n": i})
        for i in range(n)
    ]


@pytest.fixture
def trail(practitioner: User, patient: Patient) -> list[AuditEvent]:
    """Six rows after the patient's registration and consent (which wrote their own rows)."""
    record(practitioner, 6, patient)
    return list(AuditEvent.objects.filter(clinic=practitioner.clinic).order_by("seq"))


def summary() -> str:
    return verify_trail().summary()


def test_rows_are_chained_in_order(practitioner: User, patient: Patient) -> None:
    with request_context(request_id="req-1", address="192.0.2.7"):
        events = record(practitioner, 3, patient)
    rows = list(AuditEvent.objects.filter(clinic=practitioner.clinic).order_by("seq"))
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash
    stored = AuditEvent.objects.get(pk=events[-1].pk)
    assert (stored.address, stored.request_id, stored.row_hash) == ("192.0.2.7", "req-1", events[-1].row_hash)
    head = AuditChainHead.objects.get(clinic=practitioner.clinic)
    assert (head.seq, head.row_hash) == (rows[-1].seq, rows[-1].row_hash)


def test_each_clinic_has_its_own_chain(practitioner: User, outsider: User) -> None:
    record(practitioner, 2)
    record(outsider, 3)
    assert list(AuditEvent.objects.filter(actor=outsider).order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
        3,
    ]
    assert summary() == "OK: 5 audit rows in 2 clinic chains"


def test_stored_row_hash_matches_what_the_database_gives_back(practitioner: User) -> None:
    audit_record(
        actor=practitioner, action=Action.PATIENT_SEARCH, detail={"q": "Ünïcode ✓", "f": 2.0, "big": 1e16}
    )
    assert verify_trail().ok


def test_audit_record_joins_the_callers_transaction(practitioner: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record(practitioner, 2)
        raise RuntimeError("the write failed")
    assert not AuditEvent.objects.exists()
    assert not AuditChainHead.objects.exists()
    record(practitioner, 1)
    assert AuditEvent.objects.get().seq == 1
    assert summary() == "OK: 1 audit rows in 1 clinic chain"


def test_altered_row_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    target = trail[2]
    with tamper() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_id = %s WHERE id = %s", ["someone-else", target.pk]
        )
    assert (
        summary()
        == f"FAIL clinic home: row id {target.pk} (seq 3) altered: its content does not match its hash"
    )


def test_altered_detail_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    target = trail[-1]
    with tamper() as cursor:
        cursor.execute("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ['{"n": 99}', target.pk])
    report = verify_trail()
    assert report.first_problem is not None and report.first_problem.report.problem is not None
    assert report.first_problem.report.problem.row_id == target.pk


def test_deleted_row_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    with tamper() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [trail[3].pk])
    assert summary() == (
        f"FAIL clinic home: seq 4 removed: the chain jumps from seq 3 to row id {trail[4].pk} (seq 5)"
    )


def test_deleted_last_row_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    last = len(trail)
    with tamper() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [trail[-1].pk])
    assert summary() == (
        f"FAIL clinic home: seq {last} removed: the chain ends at seq {last - 1} but its head is at seq {last}"
    )


def forged(after: AuditEvent, *, seq: int, prev_hash: str, **changes: Any) -> AuditEvent:
    row = AuditEvent(
        clinic_id=after.clinic_id,
        actor_id=after.actor_id,
        actor_role=after.actor_role,
        action=Action.VISIT_SIGN,
        patient_id=after.patient_id,
        object_type="visit",
        object_id="forged",
        detail={},
        at=after.at,
        seq=seq,
        prev_hash=prev_hash,
        **changes,
    )
    row.row_hash = hash_row({**row.__dict__, "prev_hash": prev_hash})
    return row


def test_inserted_row_with_a_wrong_link_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    """Someone who can insert (the guards allow INSERT) adds a row and moves the head along."""
    row = forged(trail[-1], seq=len(trail) + 1, prev_hash="b" * 64)
    row.save(force_insert=True)
    AuditChainHead.objects.filter(clinic_id=row.clinic_id).update(seq=F("seq") + 1, row_hash=row.row_hash)
    assert summary() == (
        f"FAIL clinic home: row id {row.pk} (seq {row.seq}) inserted: its prev_hash is not the hash of seq "
        f"{row.seq - 1} (or seq {row.seq - 1} was replaced)"
    )


def test_inserted_row_beyond_the_head_is_named(trail: list[AuditEvent]) -> None:
    row = forged(trail[-1], seq=len(trail) + 1, prev_hash=trail[-1].row_hash)
    row.save(force_insert=True)
    assert summary() == f"FAIL clinic home: seq {row.seq} inserted after the chain head (seq {len(trail)})"


def test_row_slipped_into_the_middle_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    """Rows from seq 3 on are renumbered to make room, and a row with a good hash is put at seq 3."""
    with tamper() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = seq + 1000 WHERE seq >= 3")
        cursor.execute("UPDATE audit_auditevent SET seq = seq - 999 WHERE seq >= 1000")
        row = forged(trail[1], seq=3, prev_hash=trail[1].row_hash)
        row.save(force_insert=True)
        cursor.execute("UPDATE audit_auditchainhead SET seq = seq + 1")
    assert summary() == (
        f"FAIL clinic home: row id {row.pk} (seq 3) inserted: the next row, row id {trail[2].pk} (seq 4), "
        "links past it"
    )


def test_verify_names_only_the_first_break(trail: list[AuditEvent], tamper: Tamper) -> None:
    with tamper() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET address = 'x' WHERE id IN (%s, %s)", [trail[1].pk, trail[4].pk]
        )
    assert summary().startswith(f"FAIL clinic home: row id {trail[1].pk} (seq 2) altered")


def test_missing_head_is_named(trail: list[AuditEvent], tamper: Tamper) -> None:
    with tamper() as cursor:
        cursor.execute("DELETE FROM audit_auditchainhead")
    assert summary() == "FAIL clinic home: the chain head is missing"


def test_database_refuses_to_update_audit_rows(trail: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).update(object_id="changed")


def test_database_refuses_to_move_the_head_back(trail: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError, match="the audit chain head only moves forward"), transaction.atomic():
        AuditChainHead.objects.update(seq=1)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps DELETE for flushing test databases"
)
def test_postgresql_refuses_to_delete_audit_rows_and_heads(trail: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError, match="audit_auditevent rows are append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).delete()
    with (
        pytest.raises(DatabaseError, match="audit_auditevent rows are append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET row_hash = row_hash")
    with pytest.raises(DatabaseError, match="the audit chain head only moves forward"), transaction.atomic():
        AuditChainHead.objects.all().delete()
    assert verify_trail().ok


def test_guards_are_back_after_a_migrate(trail: list[AuditEvent]) -> None:
    from sotclinic.audit.guards import install_guards

    install_guards()  # what post_migrate runs; installing twice is harmless
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).update(object_id="changed")


def test_rows_written_before_the_chain_are_chained_by_the_migration(
    trail: list[AuditEvent], tamper: Tamper, outsider: User
) -> None:
    """The data migration numbers and hashes old rows per clinic, in the order they were written."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("sotclinic.audit.migrations.0004_hash_chain")
    record(outsider, 2)
    expected = dict(AuditEvent.objects.values_list("id", "row_hash"))
    with tamper() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = seq + 1000, prev_hash = '', row_hash = ''")
        cursor.execute("DELETE FROM audit_auditchainhead")

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection  # type: ignore[attr-defined]
        migration.chain_existing_rows(apps, editor)
    assert dict(AuditEvent.objects.values_list("id", "row_hash")) == expected
    assert summary() == f"OK: {len(expected)} audit rows in 2 clinic chains"


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain(practitioner: User, front_desk: User) -> None:
    """Eight writers append at once, each in its own transaction; the chain stays one line."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        # SQLite lets one writer in at a time (the project BEGINs IMMEDIATE); its shared in-memory test database
        # answers a second writer with "table locked" at once instead of waiting, so this runs on PostgreSQL.
        pytest.skip("needs a database where writers wait for each other")
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(user: User) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit_record(actor=user, action=Action.PATIENT_SEARCH, detail={"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(u,)) for u in [practitioner, front_desk] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 81))
    assert summary() == "OK: 80 audit rows in 1 clinic chain"


def test_patient_registration_is_audited_in_the_chain(practitioner: User) -> None:
    make_patient(practitioner)
    event = AuditEvent.objects.get(action=Action.PATIENT_CREATE)
    assert event.seq == 1
    assert verify_trail().ok


def test_action_labels_come_from_the_action_codes(practitioner: User) -> None:
    event = audit_record(actor=practitioner, action=Action.CHART_VIEW)
    assert AuditEvent.objects.get(pk=event.pk).get_action_display() == "Opened chart"
    assert AuditEvent(action="retired.code").get_action_display() == "retired.code"
