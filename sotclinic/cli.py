"""The `sotclinic` console command.

`sotclinic classify FILE.json` needs no database and never imports Django.
Every other sub-command is a Django management command (`sotclinic migrate`, `sotclinic seed_demo`, ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "classify":
        from sotclinic.sot.cli import run_classify

        return run_classify(args[1:], stdout=sys.stdout, stderr=sys.stderr)
    if args and args[0] == "score":
        from sotclinic.measures.cli import run_score

        return run_score(args[1:], stdout=sys.stdout, stderr=sys.stderr)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotclinic.config.settings")
    from django.core.management import execute_from_command_line

    from sotclinic.config.env import SettingError
    from sotclinic.sot import KnowledgeBaseError

    try:
        execute_from_command_line(["sotclinic", *args])
    except (KnowledgeBaseError, SettingError) as exc:
        # A broken knowledge file or setting stops start-up with one line that names it, not a traceback.
        print(f"sotclinic: cannot start: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
