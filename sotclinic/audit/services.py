from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sotclinic.audit.context import current_address, current_request_id
from sotclinic.audit.models import Action, AuditEvent

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
    """Write one audit row. Call it inside the transaction of the write it records."""
    assert actor.clinic_id is not None, "only clinic members touch patient data"
    return AuditEvent.objects.create(
        clinic_id=actor.clinic_id,
        actor=actor,
        actor_role=actor.role,
        action=action,
        patient=patient,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        address=current_address(),
        request_id=current_request_id(),
    )
