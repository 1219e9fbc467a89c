"""Schemathesis against the API's OpenAPI schema, as a signed-in practitioner: generated cases, counted and sorted.

Each operation of the schema is run in both of schemathesis's modes: *positive* (requests the schema says are valid;
half of them aimed at the real draft and signed visits instead of a random ID, so the writes really happen) and
*negative* (requests the schema says are invalid). Every response goes through all of schemathesis's checks.
Failures are sorted by the checks' stable codes:

  server errors       a 5xx, or ST101/ST102
  schema violations   ST103-ST112: a status, content type, header or body the schema does not document
  request handling    ST2xx: the API refuses data its schema allows, or accepts data it forbids
  other               anything else (stateful, auth, custom)
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure

# Failures the API is known to give, each pinned to its exact signature (code, status, a fragment of the message).
# The three schema violations this suite found are fixed and guarded by tests in test_attack_api_fuzz.py: a 400 for a
# body that is not JSON and django-ninja's list-shaped 422 (the schema documents both), and Django's HTML 404 for a
# visit id that is not a UUID (a JSON handler404 answers under /api/).
# What is left are the 422s for schema-valid bodies that a rule JSON Schema cannot express refuses; the schema's 422
# response names each (sotclinic.api.schema.REFUSED_ANYWAY). The third there, text with half of a surrogate pair,
# cannot come from schemathesis: it draws UTF-8-encodable text only.
KNOWN: dict[str, tuple[str, int, str]] = {
    # the category chosen differs from the one the classification rule suggests for the findings (these and those
    # already on the visit) and there is no override_reason: a rule across fields, worked out from the findings
    "override without a reason": (
        "ST202",
        422,
        '{"detail": {"override_reason": ["Give a reason for choosing',
    ),
    # two entries of a fibre/CMRT indicator with the same side, level, line, area and organ: a rule across the items
    # of the list (uniqueItems would also forbid repeating a single indicator, which the API allows: later wins)
    "repeated fibre/CMRT entry": ("ST202", 422, "is the same as finding"),
}


@dataclass
class Finding:
    code: str
    title: str
    operation: str
    status: int
    message: str
    known: str = ""


@dataclass
class FuzzReport:
    cases: int = 0
    statuses: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def failures(self, prefix: str = "ST", *, known: bool | None = None) -> list[Finding]:
        return [
            f
            for f in self.findings
            if f.code.startswith(prefix) and (known is None or bool(f.known) == known)
        ]

    @property
    def server_errors(self) -> list[Finding]:
        five = [f for f in self.findings if f.status >= 500 or f.code in ("ST101", "ST102")]
        return five

    @property
    def responses_5xx(self) -> int:
        return sum(n for (_, _, status), n in self.statuses.items() if status >= 500)

    @property
    def schema_violations(self) -> list[Finding]:
        return [f for f in self.findings if f.code.startswith("ST1") and f.code not in ("ST101", "ST102")]

    def summary(self) -> str:
        lines = [f"{self.cases} generated cases"]
        by_op: Counter[tuple[str, str]] = Counter()
        for (op, mode, status), n in sorted(self.statuses.items()):
            by_op[(op, mode)] += n
            lines.append(f"  {op} [{mode}] -> {status}: {n}")
        groups: Counter[tuple[str, str, int, str]] = Counter(
            (f.code, f.title, f.status, f.known or "NEW") for f in self.findings
        )
        lines.append(f"{len(self.findings)} check failure(s), in {len(groups)} kind(s):")
        for (code, title, status, known), n in sorted(groups.items()):
            lines.append(
                f"  {code} {title} [{status}] x{n} ({known if known == 'NEW' else 'known: ' + known})"
            )
        lines.append(
            f"5xx responses: {self.responses_5xx}; schema violations: {len(self.schema_violations)} "
            f"({len([f for f in self.schema_violations if not f.known])} not known)"
        )
        return "\n".join(lines)

    def first_of_each_new(self) -> str:
        seen, out = set(), []
        for f in self.findings:
            if f.known or (f.code, f.status) in seen:
                continue
            seen.add((f.code, f.status))
            out.append(f"{f.code} {f.title} on {f.operation} [{f.status}]\n{f.message[:1500]}")
        return "\n\n".join(out)


def _known(code: str, status: int, message: str) -> str:
    for name, (known_code, known_status, fragment) in KNOWN.items():
        if code == known_code and status == known_status and fragment in message:
            return name
    return ""


def fuzz(
    schema: Any,
    *,
    send: Callable[[Any], Any],
    visit_ids: list[str],
    cases_per_run: int,
    rng_seed: int = 0,
    headers: dict[str, str] | None = None,
) -> FuzzReport:
    """Run `cases_per_run` generated cases for each operation of `schema` in each mode; `send(case)` makes the
    request and returns the response. Nothing raises: every case and every failure is counted in the report."""
    report = FuzzReport()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema has no operations"
    for index, operation in enumerate(operations):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = _runner(report, operation, mode, send, visit_ids, headers)
            run = settings(
                max_examples=cases_per_run,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(run)
            seed(rng_seed + index * 2 + (mode == GenerationMode.NEGATIVE))(run)()
    return report


def _runner(
    report: FuzzReport,
    operation: Any,
    mode: GenerationMode,
    send: Callable[[Any], Any],
    visit_ids: list[str],
    headers: dict[str, str] | None,
) -> Any:
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.sampled_from([None, *visit_ids]))
    def run(case: Any, pick: str | None) -> None:
        if (
            pick is not None
            and mode == GenerationMode.POSITIVE
            and "visit_id" in (case.path_parameters or {})
        ):
            case.path_parameters["visit_id"] = pick
        response = send(case)
        report.cases += 1
        report.statuses[(operation.label, mode.value, response.status_code)] += 1
        try:
            case.validate_response(response, headers=headers)
        except BaseExceptionGroup as group:
            for failure in _leaves(group):
                report.findings.append(_finding(failure, operation.label, response))
        except Failure as failure:
            report.findings.append(_finding(failure, operation.label, response))

    return run


def _leaves(group: BaseExceptionGroup) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def _finding(failure: BaseException, operation: str, response: Any) -> Finding:
    code = getattr(failure, "code", type(failure).__name__)
    title = getattr(failure, "title", type(failure).__name__)
    message = f"{failure}\n\nresponse: {response.text[:500]}"
    return Finding(
        code, title, operation, response.status_code, message, _known(code, response.status_code, message)
    )


def random_seed() -> int:
    """SOTCLINIC_FUZZ_SEED when set (to replay a run: each run prints its seed), else a fresh random one."""
    chosen = os.environ.get("SOTCLINIC_FUZZ_SEED", "").strip()
    return int(chosen) if chosen else random.SystemRandom().randrange(2**31)
