from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from sotclinic.audit.chain import GENESIS, hash_row, normalise_json
from sotclinic.audit.context import current_address, current_request_id
from sotclinic.audit.models import Action, AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from sotclinic.clinic.models import User
    from sotclinic.patients.models import Patient


def audit_record(
    *,
    actor: User,
    action: Action,
    patient: Patient | None = None,
    obj: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. Call it inside the transaction of the write it records.

    The row is appended to its clinic's hash chain: the chain head is locked (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's IMMEDIATE transactions already let one writer in at a time) until the caller's
    transaction ends, so two transactions can never append to one chain at once. Auditing writers of one clinic
    are thereby serialised; that is cheap for a clinic (each holds the lock for the rest of a short transaction)
    and writers of different clinics do not wait for each other.
    """
    assert actor.clinic_id is not None, "only clinic members touch patient data"
    return _append(
        clinic_id=actor.clinic_id,
        actor=actor,
        actor_role=actor.role,
        action=action,
        patient=patient,
        obj=obj,
        detail=_with_break_glass(actor, patient, detail),
    )


def _with_break_glass(
    actor: User, patient: Patient | None, detail: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A practitioner who reaches this patient through a break-the-glass grant (sotclinic/clinic/access.py
    decides): the row says which grant, so the trail shows the access came through the glass."""
    if patient is None:
        return detail
    from sotclinic.clinic.access import break_glass_in_use

    grant = break_glass_in_use(actor, patient.pk)
    if grant is None:
        return detail
    return {**(detail or {}), "break_glass": str(grant.pk)}


def audit_by_patient(
    *, patient: Patient, action: Action, obj: Any = None, detail: dict[str, Any] | None = None
) -> AuditEvent:
    """An audit row for what a patient did themselves (their questionnaire link): actor empty, role "patient"."""
    return _append(
        clinic_id=patient.clinic_id,
        actor=None,
        actor_role="patient",
        action=action,
        patient=patient,
        obj=obj,
        detail=detail,
    )


def audit_sign_in(
    *, account: User, action: Action, proven: bool, detail: dict[str, Any] | None = None
) -> AuditEvent | None:
    """An audit row for a sign-in event of a member of staff (sotclinic/clinic/signin_audit.py).

    `proven` says whether the account's holder has shown who they are (a successful login, a second factor, a
    logout): then the account is the actor. A failed attempt is anybody's: the actor stays empty with the role
    "unverified", and the account tried is the row's object. Accounts without a clinic (a server superuser) have no
    chain to write to and are not recorded here."""
    if account.clinic_id is None:
        return None
    return _append(
        clinic_id=account.clinic_id,
        actor=account if proven else None,
        actor_role=account.role if proven else "unverified",
        action=action,
        patient=None,
        obj=account,
        detail=detail,
    )


def audit_by_system(*, clinic_id: Any, action: Action, detail: dict[str, Any] | None = None) -> AuditEvent:
    """An audit row for what the server's own command line did to a clinic's data (`sotclinic research-export`):
    no actor, role "system". Whoever can run commands on the server is not a member of any clinic."""
    return _append(
        clinic_id=clinic_id,
        actor=None,
        actor_role="system",
        action=action,
        patient=None,
        obj=None,
        detail=detail,
    )


def _append(
    *,
    clinic_id: Any,
    actor: User | None,
    actor_role: str,
    action: Action,
    patient: Patient | None,
    obj: Any,
    detail: dict[str, Any] | None,
) -> AuditEvent:
    with transaction.atomic(savepoint=False):
        head = _lock_head(clinic_id)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            clinic_id=clinic_id,
            actor=actor,
            actor_role=actor_role,
            action=action,
            patient=patient,
            object_type=type(obj).__name__.lower() if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail=normalise_json(detail or {}),
            address=current_address(),
            request_id=current_request_id(),
            prev_hash=head.row_hash,
        )
        event.row_hash = hash_row(
            {
                "seq": event.seq,
                "at": event.at,
                "clinic_id": event.clinic_id,
                "actor_id": event.actor_id,
                "actor_role": event.actor_role,
                "action": event.action,
                "patient_id": event.patient_id,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "detail": event.detail,
                "address": event.address,
                "request_id": event.request_id,
                "prev_hash": event.prev_hash,
            }
        )
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(seq=event.seq, row_hash=event.row_hash)
    return event


def _lock_head(clinic_id: Any) -> AuditChainHead:
    """The clinic's chain head, locked for the rest of the transaction (created on the clinic's first row)."""
    head = AuditChainHead.objects.select_for_update().filter(clinic_id=clinic_id).first()
    if head is None:
        # INSERT ... ON CONFLICT DO NOTHING: a concurrent first append waits here for the other to commit, and the
        # locking read below then sees the head as that transaction left it.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(clinic_id=clinic_id, seq=0, row_hash=GENESIS)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update().get(clinic_id=clinic_id)
    return head
