"""Checking and exporting the audit trail (used by `sotclinic audit`, the administrator's page and the backup)."""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import QuerySet

from sotclinic.audit.chain import COLUMNS, GENESIS, Break, ChainReport, verify_chain
from sotclinic.audit.models import AuditChainHead, AuditEvent
from sotclinic.audit.snapshot import read_snapshot
from sotclinic.clinic.models import Clinic


@dataclass(frozen=True)
class ClinicChain:
    clinic_id: Any
    slug: str
    report: ChainReport


@dataclass(frozen=True)
class TrailReport:
    chains: list[ClinicChain]

    @property
    def ok(self) -> bool:
        return all(chain.report.ok for chain in self.chains)

    @property
    def rows(self) -> int:
        return sum(chain.report.rows for chain in self.chains)

    @property
    def first_problem(self) -> ClinicChain | None:
        return next((chain for chain in self.chains if not chain.report.ok), None)

    def summary(self) -> str:
        problem = self.first_problem
        if problem is not None:
            assert problem.report.problem is not None
            return f"FAIL clinic {problem.slug}: {problem.report.problem.message}"
        chains = len(self.chains)
        return f"OK: {self.rows} audit rows in {chains} clinic chain{'' if chains == 1 else 's'}"


def verify_trail(*, clinic: Clinic | None = None, using: str = "default") -> TrailReport:
    """Walk every clinic's chain (or one clinic's), in one consistent read, and report the first break of each."""
    with read_snapshot(using):
        events = AuditEvent.objects.using(using)
        heads = {head.clinic_id: head for head in AuditChainHead.objects.using(using).all()}
        clinic_ids = set(heads) | set(events.order_by().values_list("clinic_id", flat=True).distinct())
        if clinic is not None:
            clinic_ids &= {clinic.pk}
        slugs = dict(Clinic.objects.using(using).filter(pk__in=clinic_ids).values_list("pk", "slug"))
        chains = []
        for clinic_id in sorted(clinic_ids, key=lambda pk: (slugs.get(pk, ""), str(pk))):
            rows = (
                events.filter(clinic_id=clinic_id)
                .order_by("seq", "id")
                .values_list(*COLUMNS)
                .iterator(chunk_size=2000)
            )
            head = heads.get(clinic_id)
            if head is None:
                report = verify_chain(rows)
                missing = Break("removed", None, None, "the chain head is missing")
                report = ChainReport(
                    report.rows, report.last_seq, report.last_hash, report.problem or missing
                )
            else:
                report = verify_chain(rows, head_seq=head.seq, head_hash=head.row_hash)
            chains.append(ClinicChain(clinic_id, slugs.get(clinic_id, str(clinic_id)), report))
    return TrailReport(chains)


def head_lines(*, using: str = "default") -> list[str]:
    """Each clinic's chain head as `slug seq hash`: kept somewhere else, it lets a later `verify --anchor`
    prove that the chain up to that point was not rewritten as a whole."""
    heads = AuditChainHead.objects.using(using).select_related("clinic").order_by("clinic__slug")
    return [f"{head.clinic.slug} {head.seq} {head.row_hash}" for head in heads]


def check_anchors(lines: Iterable[str], *, using: str = "default") -> str | None:
    """Compare heads written down earlier (`slug seq hash` lines) with the rows now at those places."""
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or line.lstrip().startswith("#"):
            continue
        if len(parts) != 3 or not parts[1].isdigit():
            return f"anchor line {number}: expected 'clinic-slug seq hash', got {line.strip()!r}"
        slug, seq, expected = parts[0], int(parts[1]), parts[2]
        if seq == 0 and expected == GENESIS:
            continue
        row = (
            AuditEvent.objects.using(using)
            .filter(clinic__slug=slug, seq=seq)
            .values_list("row_hash", flat=True)
            .first()
        )
        if row is None:
            return f"FAIL clinic {slug}: seq {seq} removed: the anchor names it but it is not there"
        if row != expected:
            return f"FAIL clinic {slug}: seq {seq} rewritten: its hash differs from the anchor"
    return None


EXPORT_COLUMNS = [
    "clinic",
    "seq",
    "id",
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "patient_id",
    "object_type",
    "object_id",
    "detail",
    "address",
    "request_id",
    "prev_hash",
    "row_hash",
]


def trail_rows(
    *, since: datetime.datetime | None = None, clinic: Clinic | None = None, queryset: QuerySet | None = None
) -> Iterator[list[str]]:
    """The trail as CSV rows (with the header first), oldest first, read in chunks."""
    events = queryset if queryset is not None else AuditEvent.objects.all()
    if since is not None:
        events = events.filter(at__gte=since)
    if clinic is not None:
        events = events.filter(clinic=clinic)
    values = events.order_by("clinic__slug", "seq", "id").values_list(
        "clinic__slug",
        "seq",
        "id",
        "at",
        "actor_id",
        "actor__username",
        "actor_role",
        "action",
        "patient_id",
        "object_type",
        "object_id",
        "detail",
        "address",
        "request_id",
        "prev_hash",
        "row_hash",
    )
    yield EXPORT_COLUMNS
    for row in values.iterator(chunk_size=2000):
        cells = list(row)
        cells[3] = cells[3].astimezone(datetime.UTC).isoformat(timespec="microseconds")
        cells[11] = json.dumps(cells[11], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        yield ["" if cell is None else str(cell) for cell in cells]


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def write_csv(rows: Iterable[list[str]], out: _Writable) -> int:
    """Write rows as CSV, one at a time; the number of data rows written."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for row in rows:
        writer.writerow(row)
        count += 1
    return max(count, 0)
