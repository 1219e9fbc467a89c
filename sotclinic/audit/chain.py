"""The audit hash chain: how one row is turned into bytes and hashed, and how a chain of rows is checked.

Pure Python (no Django import), so that `audit_record`, `sotclinic audit verify`, the data migration that chains
rows written before the chain existed, and the backup's own check all use the one definition.

Each clinic has its own chain. Row n of a clinic stores `seq = n`, `prev_hash` = the `row_hash` of row n-1 (64
zeros for row 1) and `row_hash = sha256(canonical(row) + prev_hash)`, where `canonical(row)` is the JSON object
of the row's content with sorted keys, no spaces and UTF-8 text (see `canonical`). The time is written in UTC
with microseconds, identifiers as text, and floats that hold a whole number as that integer (PostgreSQL's jsonb
gives 1e16 back as 10000000000000000; both must hash alike).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

GENESIS = "0" * 64

#: The columns that `row_hash` covers, in the order `verify_chain` expects them in each tuple.
COLUMNS = (
    "id",
    "seq",
    "at",
    "clinic_id",
    "actor_id",
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


def normalise_json(value: Any) -> Any:
    """The value as it comes back from any database's JSON column: lists for tuples, text keys, whole floats
    as integers."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, dict):
        return {str(key): normalise_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_json(item) for item in value]
    raise TypeError(f"audit detail values must be JSON types, not {type(value).__name__}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(getattr(value, "value", value))  # a TextChoices member is written as its code


def _utc(at: datetime.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    seq: int,
    at: datetime.datetime,
    clinic_id: Any,
    actor_id: Any,
    actor_role: str,
    action: str,
    patient_id: Any,
    object_type: str,
    object_id: str,
    detail: Any,
    address: str,
    request_id: str,
) -> bytes:
    """The bytes that stand for one audit row's content."""
    document = {
        "seq": seq,
        "at": _utc(at),
        "clinic": _text(clinic_id),
        "actor": _text(actor_id),
        "actor_role": _text(actor_role),
        "action": _text(action),
        "patient": _text(patient_id),
        "object_type": object_type,
        "object_id": object_id,
        "detail": normalise_json(detail),
        "address": address,
        "request_id": request_id,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(content: bytes, prev_hash: str) -> str:
    return hashlib.sha256(content + prev_hash.encode("ascii")).hexdigest()


def hash_row(row: dict[str, Any]) -> str:
    """`row_hash` for a mapping that has (at least) the content columns and prev_hash."""
    content = canonical(**{key: row[key] for key in COLUMNS if key not in {"id", "prev_hash", "row_hash"}})
    return row_hash(content, row["prev_hash"])


@dataclass(frozen=True)
class Break:
    """The first place where a chain does not hold."""

    kind: str  # "altered", "removed" or "inserted"
    row_id: int | None
    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    last_seq: int
    last_hash: str
    problem: Break | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(
    rows: Iterable[tuple[Any, ...]], *, head_seq: int | None = None, head_hash: str | None = None
) -> ChainReport:
    """Walk one clinic's rows (tuples in COLUMNS order, sorted by seq then id) and report the first break.

    Per row, in this order: a seq that skips numbers means rows were removed; a seq that repeats or goes back
    means a row was inserted; a prev_hash that is not the previous row's hash means a row was inserted (the
    previous one, when this row links past it to the row before; else this one, or the previous row was
    replaced and re-hashed); an id lower than the previous row's (ids only grow, and are taken under the chain
    lock) means a row was inserted; a row whose content does not give its own hash was altered. Last, the chain
    head (kept apart, moved in the same transaction as each append) must name the last row: rows after it were
    inserted, rows missing before it were removed from the end.
    """
    count = 0
    prev_seq, prev_id, prev_hash = 0, None, GENESIS
    before_prev_hash: str | None = None  # the hash that the previous row should have linked to
    for values in rows:
        row = dict(zip(COLUMNS, values, strict=True))
        row_id, seq = row["id"], row["seq"]
        where = f"row id {row_id} (seq {seq})"
        fail = partial(_fail, count, prev_seq, prev_hash)
        if seq > prev_seq + 1:
            message = (
                f"{_span(prev_seq + 1, seq - 1)} removed: the chain jumps from seq {prev_seq} to {where}"
            )
            return fail("removed", row_id, prev_seq + 1, message)
        if seq <= prev_seq:
            return fail("inserted", row_id, seq, f"{where} inserted: seq {seq} comes after seq {prev_seq}")
        if row["prev_hash"] != prev_hash:
            if before_prev_hash is not None and row["prev_hash"] == before_prev_hash:
                # This row links past the previous one to the row before it: the previous one was slipped in.
                message = f"row id {prev_id} (seq {prev_seq}) inserted: the next row, {where}, links past it"
                return fail("inserted", prev_id, prev_seq, message)
            message = (
                f"{where} inserted: its prev_hash is not the hash of seq {prev_seq} (or seq {prev_seq} was "
                "replaced)"
                if prev_seq
                else f"{where} inserted: the first row of a chain must link to the empty hash"
            )
            return fail("inserted", row_id, seq, message)
        if prev_id is not None and row_id < prev_id:
            message = f"{where} inserted: its id is lower than the id {prev_id} of seq {prev_seq}"
            return fail("inserted", row_id, seq, message)
        if hash_row(row) != row["row_hash"]:
            return fail("altered", row_id, seq, f"{where} altered: its content does not match its hash")
        count += 1
        before_prev_hash = prev_hash
        prev_seq, prev_id, prev_hash = seq, row_id, row["row_hash"]
    fail = partial(_fail, count, prev_seq, prev_hash)
    if head_seq is not None:
        if head_seq < prev_seq:
            message = f"{_span(head_seq + 1, prev_seq)} inserted after the chain head (seq {head_seq})"
            return fail("inserted", None, head_seq + 1, message)
        if head_seq > prev_seq:
            message = (
                f"{_span(prev_seq + 1, head_seq)} removed: the chain ends at seq {prev_seq} but its head is at "
                f"seq {head_seq}"
            )
            return fail("removed", None, prev_seq + 1, message)
        if head_hash is not None and head_hash != prev_hash:
            message = f"row id {prev_id} (seq {prev_seq}) replaced: the chain head holds another hash for it"
            return fail("altered", prev_id, prev_seq, message)
    return ChainReport(rows=count, last_seq=prev_seq, last_hash=prev_hash, problem=None)


def _span(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first}-{last}"


def _fail(
    count: int, last_seq: int, last_hash: str, kind: str, row_id: int | None, seq: int | None, message: str
) -> ChainReport:
    return ChainReport(count, last_seq, last_hash, Break(kind, row_id, seq, message))


def chain_rows(
    rows: Iterable[dict[str, Any]], *, start_seq: int = 1, prev_hash: str = GENESIS
) -> Iterator[dict]:
    """Number and hash rows (dicts with the content columns) as one chain; used to chain rows written before
    the chain existed."""
    for seq, row in enumerate(rows, start=start_seq):
        row = {**row, "seq": seq, "prev_hash": prev_hash, "detail": normalise_json(row["detail"])}
        row["row_hash"] = prev_hash = hash_row(row)
        yield row
