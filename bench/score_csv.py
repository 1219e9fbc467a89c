"""Benchmark ``sotclinic score``: wall time and peak memory on a large ODI CSV.

    .venv/bin/python bench/score_csv.py [--rows 1000000] [--also 100000] [--keep DIR]

Writes a CSV of ODI answers (an id, q1–q10 and a free-text note; about 1 row in 100 is bad: an answer out of
range, too many missing sections or a word instead of a number) into a temporary directory, runs
``python -m sotclinic.cli score odi FILE -o OUT`` as a subprocess, and reports the wall time, rows per second
and the child's peak resident memory (``ru_maxrss`` from ``os.wait4``; ``resource.getrusage(RUSAGE_CHILDREN)``
gives the same maximum over all runs).  ``--also N`` first runs a smaller file, to show that memory does not grow
with the number of rows.  It then checks the output: one row per input row, the expected number of errors.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(path: Path, rows: int, seed: int = 2026) -> int:
    """Write ``rows`` ODI rows to ``path``; returns how many of them are bad."""
    rng = random.Random(seed)
    bad = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", *(f"q{i}" for i in range(1, 11)), "note"])
        for n in range(rows):
            answers: list[object] = [rng.randint(0, 5) for _ in range(10)]
            kind = n % 100
            if kind == 7:
                answers[rng.randrange(10)] = 7  # out of range
                bad += 1
            elif kind == 42:
                for i in rng.sample(range(10), 3):  # 7 of 10 answered: too many missing
                    answers[i] = ""
                bad += 1
            elif kind == 99:
                answers[0] = "often"  # not a number
                bad += 1
            elif kind in (13, 31):
                answers[rng.randrange(10)] = ""  # one section missing: still scored
            writer.writerow([n, *answers, "seen, then re-examined" if n % 10 == 0 else ""])
    return bad


def run(csv_path: Path, out_path: Path) -> tuple[float, int, int]:
    """Score ``csv_path``; returns (wall seconds, peak RSS in KiB, exit status)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sotclinic.cli", "score", "odi", str(csv_path), "-o", str(out_path)],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, proc.returncode


def check(out_path: Path, rows: int, bad: int) -> None:
    with out_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        assert header[-3:] == ["total", "percent", "error"], header
        count = errors = 0
        for row in reader:
            count += 1
            errors += bool(row[-1])
    assert count == rows, (count, rows)
    assert errors == bad, (errors, bad)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--also", type=int, default=100_000, help="a smaller run first (0 = none)")
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temporary directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sotclinic-bench-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"sotclinic score odi — Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for rows in [n for n in (args.also, args.rows) if n]:
            csv_path = directory / f"odi-{rows}.csv"
            out_path = directory / f"odi-{rows}-scored.csv"
            t0 = time.perf_counter()
            bad = generate(csv_path, rows)
            gen = time.perf_counter() - t0
            wall, rss_kib, status = run(csv_path, out_path)
            if status != 0:
                print(f"sotclinic score exited with status {status}", file=sys.stderr)
                return 1
            check(out_path, rows, bad)
            size = csv_path.stat().st_size / 1e6
            print(
                f"{rows:>10,} rows ({size:.1f} MB in, {out_path.stat().st_size / 1e6:.1f} MB out, {bad:,} bad rows;"
                f" generated in {gen:.1f} s): {wall:.1f} s wall, {rows / wall:,.0f} rows/s,"
                f" peak RSS {rss_kib / 1024:.1f} MiB"
            )
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"peak RSS of any child (getrusage RUSAGE_CHILDREN): {children.ru_maxrss / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
