"""``sotclinic classify FILE.json``: classify a set of findings and print the assessment and protocol as JSON.

Exit status: 0 success, 2 bad usage or bad input (one line on stderr), 1 the knowledge base itself is broken
(e.g. a malformed ``$SOTCLINIC_KB_OVERRIDE`` file).  Never prints a traceback for any of these.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from sotclinic.sot.classify import classify
from sotclinic.sot.findings import parse_findings
from sotclinic.sot.kb import KnowledgeBaseError, default_kb
from sotclinic.sot.protocol import protocol

__all__ = ["USAGE", "build_output", "run_classify"]

PROG = "sotclinic classify"
USAGE = f"""usage: {PROG} [--variant standard|pregnancy] FILE.json

Classify SOT findings and print the suggested category, scores, sides, evidence and default protocol as JSON.

  FILE.json          {{"findings": [{{"indicator": "arm_fossa", "side": "left", "result": "positive"}}, ...]}}
                     use - to read standard input
  --variant NAME     protocol variant: standard (default) or pregnancy
  -h, --help         show this help and exit

The knowledge base is the built-in one plus $SOTCLINIC_KB_OVERRIDE when set.
Exit status: 0 ok, 1 knowledge base error, 2 bad usage or bad input.
"""


class _UsageError(Exception):
    pass


def _parse_args(args: list[str]) -> tuple[str | None, str, bool]:
    path: str | None = None
    variant = "standard"
    rest = list(args)
    only_files = False
    while rest:
        arg = rest.pop(0)
        if not only_files and arg in ("-h", "--help"):
            return None, variant, True
        if not only_files and arg == "--":
            only_files = True
            continue
        if not only_files and arg == "--variant":
            if not rest:
                raise _UsageError("--variant needs a value (standard or pregnancy)")
            variant = rest.pop(0)
            continue
        if not only_files and arg.startswith("--variant="):
            variant = arg.split("=", 1)[1]
            continue
        if not only_files and arg.startswith("-") and arg != "-":
            raise _UsageError(f"unknown option {arg!r} (see --help)")
        if path is not None:
            raise _UsageError(f"one findings file only, got {path!r} and {arg!r}")
        path = arg
    if path is None:
        raise _UsageError("give a findings file (FILE.json, or - for standard input); see --help")
    return path, variant, False


def build_output(document: Any, variant: str = "standard") -> dict[str, Any]:
    """The JSON object ``sotclinic classify`` prints for ``document`` ({"findings": [...]}).

    Raises ValueError (bad input) or KnowledgeBaseError (broken knowledge files).
    """
    kb = default_kb()
    if variant not in kb.variants:
        raise ValueError(f"unknown variant {variant!r} (known: {', '.join(kb.variants)})")
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise ValueError('expected a JSON object with a "findings" list')
    findings = parse_findings(document["findings"], kb)
    assessment = classify(findings, kb)
    plan = protocol(assessment, variant=variant, kb=kb)
    data = assessment.to_dict()
    return {
        "category": data["category"],
        "reason": data["reason"],
        "conflicting": data["conflicting"],
        "scores": data["scores"],
        "sides": data["sides"],
        "evidence": data["evidence"],
        "protocol": plan.to_dict() if plan is not None else None,
        "knowledge_version": data["knowledge_version"],
        "supported": data["supported"],
        "missing_primary": data["missing_primary"],
        "discrepancies": data["discrepancies"],
        "leg_checks": data["leg_checks"],
    }


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def run_classify(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    def fail(message: str, status: int = 2) -> int:
        stderr.write(f"{PROG}: error: {_one_line(message)}\n")
        return status

    try:
        path, variant, show_help = _parse_args(args)
    except _UsageError as exc:
        return fail(str(exc))
    if show_help:
        stdout.write(USAGE)
        return 0
    assert path is not None

    label = "standard input" if path == "-" else repr(path)
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        return fail(f"cannot read {label}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return fail(f"{label} is not UTF-8 text")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return fail(f"{label} is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})")
    except RecursionError:
        return fail(f"{label} is nested too deeply")

    try:
        output = build_output(document, variant)
    except KnowledgeBaseError as exc:
        return fail(f"knowledge base: {exc}", status=1)
    except ValueError as exc:
        return fail(str(exc))
    try:
        stdout.write(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    except UnicodeEncodeError:  # a terminal that cannot show "–" or "°": JSON escapes are equally valid
        stdout.write(json.dumps(output, indent=2) + "\n")
    return 0
