"""The hash chain as pure functions: canonical form, hashing, and the first break that verify_chain names."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from sotclinic.audit.chain import (
    COLUMNS,
    GENESIS,
    canonical,
    chain_rows,
    hash_row,
    normalise_json,
    verify_chain,
)

CLINIC = uuid.UUID("11111111-1111-1111-1111-111111111111")
ACTOR = uuid.UUID("22222222-2222-2222-2222-222222222222")
T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)


def content(n: int) -> dict[str, Any]:
    return {
        "id": n * 10,
        "at": T0 + datetime.timedelta(minutes=n),
        "clinic_id": CLINIC,
        "actor_id": ACTOR,
        "actor_role": "practitioner",
        "action": "chart.view",
        "patient_id": None,
        "object_type": "patient",
        "object_id": str(n),
        "detail": {"n": n},
        "address": "10.0.0.1",
        "request_id": f"req-{n}",
    }


def chain(n: int) -> list[dict[str, Any]]:
    return list(chain_rows(content(i) for i in range(1, n + 1)))


def tuples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(row[key] for key in COLUMNS) for row in rows]


def test_canonical_form_is_sorted_compact_utc_json() -> None:
    at = datetime.datetime(2026, 11, 1, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    row = {**content(1), "seq": 1, "at": at, "detail": {"b": 1.0, "a": ("x", "é")}}
    del row["id"]
    assert (
        canonical(**row)
        == (
            '{"action":"chart.view","actor":"22222222-2222-2222-2222-222222222222","actor_role":"practitioner",'
            '"address":"10.0.0.1","at":"2026-11-01T09:30:00.000000+00:00",'
            '"clinic":"11111111-1111-1111-1111-111111111111","detail":{"a":["x","é"],"b":1},"object_id":"1",'
            '"object_type":"patient","patient":null,"request_id":"req-1","seq":1}'
        ).encode()
    )


def test_row_hash_covers_content_and_the_previous_hash() -> None:
    row = chain(1)[0]
    assert row["prev_hash"] == GENESIS
    assert len(row["row_hash"]) == 64
    assert hash_row({**row, "prev_hash": "f" * 64}) != row["row_hash"]
    for key in COLUMNS:
        if key in {"id", "seq", "prev_hash", "row_hash"}:
            continue
        changed = {**row, key: "changed" if key != "at" else T0}
        assert hash_row(changed) != row["row_hash"], key


def test_normalise_json_gives_what_a_database_gives_back() -> None:
    assert normalise_json({1: (1.0, 2.5, 1e16, None, True)}) == {"1": [1, 2.5, 10**16, None, True]}
    with pytest.raises(TypeError, match="audit detail values must be JSON types, not date"):
        normalise_json({"day": datetime.date(2026, 1, 1)})


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="audit times must be timezone-aware"):
        hash_row({**chain(1)[0], "at": datetime.datetime(2026, 1, 1)})


def test_an_intact_chain_verifies() -> None:
    rows = chain(5)
    report = verify_chain(tuples(rows), head_seq=5, head_hash=rows[-1]["row_hash"])
    assert report.ok
    assert (report.rows, report.last_seq, report.last_hash) == (5, 5, rows[-1]["row_hash"])


def test_an_empty_chain_verifies_against_an_empty_head() -> None:
    assert verify_chain([], head_seq=0, head_hash=GENESIS).ok


def test_altered_row() -> None:
    rows = chain(5)
    rows[2]["object_id"] = "999"
    report = verify_chain(tuples(rows), head_seq=5)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.row_id, report.rows) == ("altered", 30, 2)
    assert report.problem.message == "row id 30 (seq 3) altered: its content does not match its hash"


def test_removed_row() -> None:
    rows = chain(5)
    del rows[1]
    problem = verify_chain(tuples(rows), head_seq=5).problem
    assert problem is not None
    assert problem.kind == "removed"
    assert problem.message == "seq 2 removed: the chain jumps from seq 1 to row id 30 (seq 3)"


def test_removed_rows_at_the_end_show_against_the_head() -> None:
    rows = chain(5)
    problem = verify_chain(tuples(rows[:3]), head_seq=5).problem
    assert problem is not None
    assert problem.message == "seq 4-5 removed: the chain ends at seq 3 but its head is at seq 5"


def test_rows_beyond_the_head_were_inserted() -> None:
    rows = chain(4)
    problem = verify_chain(tuples(rows), head_seq=3).problem
    assert problem is not None
    assert (problem.kind, problem.message) == ("inserted", "seq 4 inserted after the chain head (seq 3)")


def test_last_row_replaced_and_rehashed_shows_against_the_head() -> None:
    rows = chain(3)
    head_hash = rows[-1]["row_hash"]
    rows[-1]["object_id"] = "forged"
    rows[-1]["row_hash"] = hash_row(rows[-1])
    problem = verify_chain(tuples(rows), head_seq=3, head_hash=head_hash).problem
    assert problem is not None
    assert problem.message == "row id 30 (seq 3) replaced: the chain head holds another hash for it"


def test_row_with_a_wrong_link_was_inserted() -> None:
    rows = chain(4)
    rows[2]["prev_hash"] = "a" * 64
    rows[2]["row_hash"] = hash_row(rows[2])
    problem = verify_chain(tuples(rows)).problem
    assert problem is not None
    assert problem.kind == "inserted"
    assert problem.message == (
        "row id 30 (seq 3) inserted: its prev_hash is not the hash of seq 2 (or seq 2 was replaced)"
    )


def test_row_slipped_in_and_later_rows_renumbered_is_named() -> None:
    rows = chain(4)
    forged = {**content(9), "seq": 3, "prev_hash": rows[1]["row_hash"]}
    forged["row_hash"] = hash_row(forged)
    for row in rows[2:]:
        row["seq"] += 1
    rows.insert(2, forged)
    problem = verify_chain(tuples(rows), head_seq=5).problem
    assert problem is not None
    assert (problem.kind, problem.row_id) == ("inserted", 90)
    assert problem.message == "row id 90 (seq 3) inserted: the next row, row id 30 (seq 4), links past it"


def test_repeated_seq_was_inserted() -> None:
    rows = chain(3)
    rows.insert(2, {**rows[1], "id": 25})
    problem = verify_chain(tuples(rows)).problem
    assert problem is not None
    assert problem.message == "row id 25 (seq 2) inserted: seq 2 comes after seq 2"


def test_row_with_a_lower_id_was_inserted() -> None:
    rows = chain(3)
    rows[2]["id"] = 5
    problem = verify_chain(tuples(rows)).problem
    assert problem is not None
    assert problem.message == "row id 5 (seq 3) inserted: its id is lower than the id 20 of seq 2"


def test_first_row_must_start_the_chain() -> None:
    rows = chain(3)[1:]
    for row in rows:
        row["seq"] -= 1
    problem = verify_chain(tuples(rows)).problem
    assert problem is not None
    assert (
        problem.message == "row id 20 (seq 1) inserted: the first row of a chain must link to the empty hash"
    )
