"""The research export as a service: the clinic's key, the dataset, and its audit row."""

from __future__ import annotations

import secrets
import uuid
from typing import IO, TYPE_CHECKING

from django.db import transaction

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_by_system, audit_record
from sotclinic.audit.snapshot import read_snapshot
from sotclinic.clinic.access import ResearchSources, research_sources, research_sources_of_clinic
from sotclinic.reports.deidentified import K_MIN, write_dataset
from sotclinic.reports.models import ResearchKey

if TYPE_CHECKING:
    from sotclinic.clinic.models import User


def research_key(clinic_id: uuid.UUID) -> bytes:
    """The clinic's research key, made (32 random bytes) at its first export; two first exports at once get one."""
    key, _ = ResearchKey.objects.get_or_create(
        clinic_id=clinic_id, defaults={"secret": secrets.token_hex(32)}
    )
    return bytes.fromhex(key.secret)


def research_export(*, by: User, out: IO[bytes]) -> dict[str, int]:
    """Write the researcher's de-identified dataset of their clinic to `out` and record it: one audit row with the
    number of rows of each file (no patient). Refused (403) for every role but researcher. The reads run in one
    read-only snapshot (sotclinic.audit.snapshot: no write lock, so a long export never holds up the clinic's
    writes); the audit row has its own short transaction, and a caller hands the file out only once this returned."""
    counts = _write(research_sources(by), out)
    with transaction.atomic():
        audit_record(actor=by, action=Action.RESEARCH_EXPORT, detail={"rows": counts, "k": K_MIN})
    return counts


def research_export_by_system(*, clinic_id: uuid.UUID, out: IO[bytes]) -> dict[str, int]:
    """The same dataset for the server's command line (`sotclinic research-export`): audited in the clinic's chain
    with no actor and the role "system"."""
    counts = _write(research_sources_of_clinic(clinic_id), out)
    with transaction.atomic():
        audit_by_system(
            clinic_id=clinic_id, action=Action.RESEARCH_EXPORT, detail={"rows": counts, "k": K_MIN}
        )
    return counts


def _write(sources: ResearchSources, out: IO[bytes]) -> dict[str, int]:
    key = research_key(sources.clinic_id)
    with read_snapshot():  # every file of the export sees the same moment of the database
        return write_dataset(out, sources=sources, key=key, k=K_MIN)
