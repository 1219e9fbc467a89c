"""`sotclinic audit verify|head|export`."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sotclinic.audit.models import Action, AuditChainHead, AuditEvent
from sotclinic.audit.services import audit_record
from sotclinic.cli import main
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient

Tamper = Callable[[], AbstractContextManager[Any]]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def trail(practitioner: User, patient: Patient, outsider: User) -> None:
    for i in range(3):
        audit_record(
            actor=practitioner, action=Action.CHART_VIEW, patient=patient, obj=patient, detail={"i": i}
        )
    audit_record(actor=outsider, action=Action.PATIENT_SEARCH, detail={"results": 0})


def test_verify_ok(trail: None) -> None:
    total = AuditEvent.objects.count()
    assert run("verify") == f"OK: {total} audit rows in 2 clinic chains\n"
    assert run("verify", "--clinic", "outsider") == "OK: 1 audit rows in 1 clinic chain\n"


def test_verify_on_an_empty_trail(db: Any) -> None:
    assert run("verify") == "OK: 0 audit rows in 0 clinic chains\n"


def test_verify_fails_with_exit_1_naming_the_row(trail: None, tamper: Tamper, capsys: Any) -> None:
    row = AuditEvent.objects.get(clinic__slug="home", seq=2)
    with tamper() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_role = 'front_desk' WHERE id = %s", [row.pk])
    message = f"FAIL clinic home: row id {row.pk} (seq 2) altered: its content does not match its hash"
    with pytest.raises(CommandError, match=r"^FAIL clinic home") as caught:
        run("verify")
    assert (str(caught.value), caught.value.returncode) == (message, 1)
    assert run("verify", "--clinic", "outsider").startswith("OK")
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == f"CommandError: {message}\n"


def test_unknown_clinic_is_named(db: Any) -> None:
    with pytest.raises(CommandError, match="^--clinic: no clinic with the slug 'nowhere'$"):
        run("verify", "--clinic", "nowhere")


def test_anchor_catches_a_chain_rewritten_as_a_whole(trail: None, tamper: Tamper, tmp_path: Path) -> None:
    """Someone with the database deletes a row and re-hashes every later row and the head: the chain is
    consistent again, but no longer matches the heads written down before."""
    from sotclinic.audit.chain import chain_rows

    anchor = tmp_path / "heads.txt"
    anchor.write_text(run("head"))
    assert run("verify", "--anchor", str(anchor)).startswith("OK")
    fields = ["id", "at", "clinic_id", "actor_id", "actor_role", "action", "patient_id"]
    fields += ["object_type", "object_id", "detail", "address", "request_id"]
    with tamper() as cursor:
        victim = AuditEvent.objects.get(clinic__slug="home", seq=2)
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
        rows = AuditEvent.objects.filter(clinic_id=victim.clinic_id).order_by("seq").values(*fields)
        last: dict[str, Any] = {}
        for last in chain_rows(list(rows)):
            cursor.execute(
                "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, row_hash = %s WHERE id = %s",
                [last["seq"], last["prev_hash"], last["row_hash"], last["id"]],
            )
        AuditChainHead.objects.filter(clinic_id=victim.clinic_id).update(
            seq=last["seq"], row_hash=last["row_hash"]
        )
    assert run("verify").startswith("OK")  # a consistent rewrite is only caught against an earlier anchor
    with pytest.raises(CommandError) as caught:
        run("verify", "--anchor", str(anchor))
    assert str(caught.value).startswith("FAIL clinic home: seq ")


def test_head_lines(trail: None) -> None:
    lines = run("head").splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["home", str(AuditEvent.objects.filter(clinic__slug="home").count())],
        ["outsider", "1"],
    ]


def test_export_streams_csv(trail: None, practitioner: User, tmp_path: Path) -> None:
    target = tmp_path / "trail.csv"
    err = io.StringIO()
    call_command(
        "audit", "export", "--since", "2000-01-01", "--clinic", "home", "-o", str(target), stderr=err
    )
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert err.getvalue() == f"{len(rows)} audit rows written to {target}\n"
    assert [row["seq"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    last = rows[-1]
    assert (last["clinic"], last["actor_username"], last["action"]) == ("home", "prac", "chart.view")
    assert json.loads(last["detail"]) == {"i": 2}
    event = AuditEvent.objects.get(clinic__slug="home", seq=int(last["seq"]))
    assert (last["row_hash"], last["prev_hash"]) == (event.row_hash, event.prev_hash)
    assert last["at"] == event.at.isoformat(timespec="microseconds")


def test_export_since_filters_and_writes_to_stdout(trail: None) -> None:
    today = timezone.localdate()
    assert len(run("export", "--since", today.isoformat()).splitlines()) == AuditEvent.objects.count() + 1
    tomorrow = today + datetime.timedelta(days=1)
    assert run("export", "--since", tomorrow.isoformat()).splitlines() == [
        "clinic,seq,id,at,actor_id,actor_username,actor_role,action,patient_id,object_type,object_id,detail,"
        "address,request_id,prev_hash,row_hash"
    ]


def test_export_refuses_a_bad_date(db: Any) -> None:
    with pytest.raises(CommandError, match="^--since: expected a date like 2026-01-31, got 'yesterday'$"):
        run("export", "--since", "yesterday")
