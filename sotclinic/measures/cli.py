"""``sotclinic score INSTRUMENT FILE.csv [-o OUT]``: score a CSV of answers, one row at a time.

Output: every input column in order, then the instrument's score columns (``total``, ``percent``, subscale
codes, ``risk`` — only those it defines), then ``error`` (empty when scored).  A row that cannot be scored gets
its reason in ``error`` and empty score columns; the other rows are scored normally.  Decimal scores (means,
percentages, prorated sums) are written half-even to 2 decimals of their exact value, sums of whole points as
integers.  A PGQ subscale whose items were all left blank (not applicable) is empty, without an error.

Input: UTF-8 (a byte-order mark is allowed), a header naming q1 … qN (surrounding spaces ignored; a column that
looks like an item the instrument does not have, a doubled item or an output column name is refused); a row
with another number of fields than the header is an error row; blank lines are skipped.  Rows are written with
``\n`` line ends.  With ``-o`` the output goes to a temporary file in the same directory, renamed when complete
(so ``-o`` may even name the input file).

The input is read and the output written row by row with the csv module (constant memory).  On a terminal,
standard error shows a progress line (rows, rows/s, errors and, for a regular file, the share read).

Exit status: 0 the file was processed (rows with an ``error`` included), 1 the instrument files themselves are
broken, 2 bad usage or an unreadable input (one line on standard error, never a traceback).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TextIO

from sotclinic.measures.instruments import (
    Instrument,
    MeasuresDataError,
    UnknownInstrumentError,
    default_instruments,
    instrument,
)
from sotclinic.measures.scoring import ScoringError, plan_for, score_row

__all__ = ["PROG", "USAGE", "parse_answer", "run_score"]

PROG = "sotclinic score"
USAGE = f"""usage: {PROG} INSTRUMENT FILE.csv [-o OUT.csv]

Score a CSV of questionnaire answers.  FILE.csv needs a header with the item columns q1 … qN (other columns
are passed through unchanged); a blank answer is a missing answer.  Use - for standard input.

  INSTRUMENT        {{codes}}
  -o, --output OUT  write to OUT instead of standard output (written to a temporary file, then renamed)
  -h, --help        show this help and exit

Output: the input columns, then the score columns (total, percent, subscales, risk: those the instrument
defines), then error.  Decimal scores have 2 decimals (half-even); a row that cannot be scored has empty score
columns and the reason in error.
Exit status: 0 done (rows with errors included), 1 broken instrument files, 2 bad usage or unreadable input.
"""

_ITEM_LIKE = re.compile(r"^q[0-9]+$")
_PROGRESS_EVERY = 2048  # rows between looks at the clock
_PROGRESS_SECONDS = 0.2


class _UsageError(Exception):
    pass


def _parse_args(args: list[str]) -> tuple[str | None, str | None, str | None, bool]:
    positional: list[str] = []
    output: str | None = None
    rest = list(args)
    only_files = False
    while rest:
        arg = rest.pop(0)
        if not only_files and arg in ("-h", "--help"):
            return None, None, None, True
        if not only_files and arg == "--":
            only_files = True
        elif not only_files and arg in ("-o", "--output"):
            if not rest:
                raise _UsageError(f"{arg} needs a file name")
            output = rest.pop(0)
        elif not only_files and arg.startswith("--output="):
            output = arg.split("=", 1)[1]
        elif not only_files and arg.startswith("-") and arg != "-":
            raise _UsageError(f"unknown option {arg!r} (see --help)")
        else:
            positional.append(arg)
    if len(positional) != 2:
        raise _UsageError("give an instrument and a CSV file (or - for standard input); see --help")
    return positional[0], positional[1], output, False


def parse_answer(text: str) -> int | float | None:
    """A CSV cell as an answer: blank -> None, "3" -> 3, "3.0" -> 3.0; ValueError when not a number."""
    text = text.strip()
    if not text:
        return None
    if "_" in text:  # int() and float() accept "1_0"; an answer does not
        raise ValueError(text)
    try:
        return int(text)
    except ValueError:
        pass
    return float(text)  # ValueError for "abc"; "nan" and "inf" parse and are refused by the engine


# --------------------------------------------------------------------------------------------------------
# progress on a terminal


class _CountingReader(io.RawIOBase):
    """A raw binary reader that counts the bytes read, for the progress line's share of the file."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Progress:
    """A one-line progress display on standard error, redrawn at most five times a second."""

    def __init__(self, stream: TextIO, total_bytes: int | None, reader: _CountingReader | None) -> None:
        self.stream = stream
        self.total_bytes = total_bytes
        self.reader = reader
        self.start = time.monotonic()
        self.last = self.start
        self.width = 0

    def update(self, rows: int, errors: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < _PROGRESS_SECONDS:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        parts = []
        if self.total_bytes and self.reader is not None:
            share = min(self.reader.count / self.total_bytes, 1.0)
            filled = int(share * 20)
            parts.append(f"[{'#' * filled}{'.' * (20 - filled)}] {share * 100:3.0f}%")
        parts.append(f"{rows:,} rows")
        parts.append(f"{rows / elapsed:,.0f} rows/s")
        if errors:
            parts.append(f"{errors:,} with errors")
        line = f"{PROG}: " + "  ".join(parts)
        pad = " " * max(self.width - len(line), 0)
        self.width = len(line)
        self.stream.write("\r" + line + pad + ("\n" if final else ""))
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------------------
# the command


class _InputError(Exception):
    pass


def _header_columns(inst: Instrument, header: list[str]) -> list[int]:
    """The position of q1 … qN in the header; _InputError when one is missing, doubled or foreign."""
    names = [h.strip() for h in header]
    positions: dict[str, int] = {}
    for pos, name in enumerate(names):
        if name in inst.items:
            if name in positions:
                raise _InputError(f"the header has column {name!r} twice")
            positions[name] = pos
        elif _ITEM_LIKE.match(name):
            raise _InputError(
                f"column {name!r} looks like an item, but {inst.code} has q1–q{len(inst.items)}"
            )
    missing = [code for code in inst.items if code not in positions]
    if missing:
        raise _InputError(
            f"the header has no column {', '.join(missing)} ({inst.code} needs q1–q{len(inst.items)})"
        )
    clashes = [name for name in names if name in (*inst.columns, "error")]
    if clashes:
        raise _InputError(
            f"the input already has output column {', '.join(map(repr, clashes))}; rename or remove it"
        )
    return [positions[code] for code in inst.items]


def _rows(
    inst: Instrument, reader: Iterator[list[str]], header_len: int, item_pos: list[int]
) -> Iterator[tuple[list[str], list[str], bool]]:
    """For each input row: (the row's cells, its score cells + error, whether it had an error)."""
    plan = plan_for(inst)
    empty = [""] * len(inst.columns)
    for row in reader:
        if not row:
            continue  # a blank line
        if len(row) != header_len:
            message = f"the row has {len(row)} fields, the header {header_len}"
            cells = (row + [""] * header_len)[:header_len]
            yield cells, [*empty, message], True
            continue
        cells = [row[pos] for pos in item_pos]
        bad: list[str] = []
        values: list[object]
        if all(map(str.isdecimal, cells)):  # the common case: every answer a plain whole number
            values = list(map(int, cells))
        else:
            values = []
            for code, cell in zip(plan.codes, cells, strict=True):
                try:
                    values.append(parse_answer(cell))
                except ValueError:
                    bad.append(f"{code}: {cell.strip()!r} is not a number")
                    values.append(None)
        if bad:
            yield row, [*empty, "; ".join(bad)], True
            continue
        try:
            scored = score_row(plan, values)
        except ScoringError as exc:
            yield row, [*empty, str(exc)], True
            continue
        scored.append("")
        yield row, scored, False


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def run_score(args: list[str], stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None) -> int:
    """Run ``sotclinic score`` with ``args``; returns the exit status."""

    def fail(message: str, status: int = 2) -> int:
        stderr.write(f"{PROG}: error: {_one_line(message)}\n")
        return status

    try:
        code, path, output, show_help = _parse_args(args)
    except _UsageError as exc:
        return fail(str(exc))
    try:
        known = ", ".join(default_instruments())
    except MeasuresDataError as exc:
        return fail(f"instrument files: {exc}", status=1)
    if show_help:
        stdout.write(USAGE.format(codes=known))
        return 0
    assert code is not None and path is not None
    try:
        inst = instrument(code)
    except UnknownInstrumentError as exc:
        return fail(str(exc))

    # the input ------------------------------------------------------------------------------------------
    counting: _CountingReader | None = None
    total_bytes: int | None = None
    label = "standard input" if path == "-" else repr(path)
    with contextlib.ExitStack() as stack:
        if path == "-":
            source = stdin if stdin is not None else sys.stdin
            buffer = getattr(source, "buffer", None)
            text: TextIO = (
                io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="") if buffer is not None else source
            )
            if buffer is not None:
                stack.callback(text.detach)  # type: ignore[attr-defined]
        else:
            try:
                raw = open(path, "rb")  # noqa: SIM115 - closed by the ExitStack
            except OSError as exc:
                return fail(f"cannot read {label}: {exc.strerror or exc}")
            stack.callback(raw.close)
            try:
                if Path(path).is_file():
                    total_bytes = os.fstat(raw.fileno()).st_size
            except OSError:
                total_bytes = None
            counting = _CountingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(counting, 1 << 16), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            return fail(f"{label} is not UTF-8 text")
        except csv.Error as exc:
            return fail(f"{label}: cannot read the header: {exc}")
        if header is None:
            return fail(f"{label} is empty: it needs a header with q1–q{len(inst.items)}")
        try:
            item_pos = _header_columns(inst, header)
        except _InputError as exc:
            return fail(f"{label}: {exc}")

        # the output -------------------------------------------------------------------------------------
        temp: Path | None = None
        if output is None or output == "-":
            out_buffer = getattr(stdout, "buffer", None)
            out: TextIO = (
                io.TextIOWrapper(out_buffer, encoding="utf-8", newline="", write_through=False)
                if out_buffer is not None
                else stdout
            )
        else:
            target = Path(output)
            try:
                fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            except OSError as exc:
                return fail(f"cannot write {output!r}: {exc.strerror or exc}")
            temp = Path(name)
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes it private; the result gets the usual permissions
            out = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below

        progress = _Progress(stderr, total_bytes, counting) if _is_terminal(stderr) else None
        rows = errors = 0
        status = 0
        completed = False
        try:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([*header, *inst.columns, "error"])
            for cells, scored, bad in _rows(inst, reader, len(header), item_pos):
                writer.writerow(cells + scored)
                rows += 1
                errors += bad
                if progress is not None and not rows % _PROGRESS_EVERY:
                    progress.update(rows, errors)
            out.flush()
            completed = True
        except UnicodeDecodeError:
            status = fail(f"{label} is not UTF-8 text (stopped after line {reader.line_num})")
        except csv.Error as exc:
            status = fail(f"{label}: stopped at line {reader.line_num}: {exc}")
        except BrokenPipeError:
            status = 1  # the reader went away (e.g. | head): nothing more to say
        except OSError as exc:
            status = fail(f"cannot write the output: {exc.strerror or exc}")
        finally:
            if progress is not None:
                progress.update(rows, errors, final=True)
            if temp is not None:
                out.close()
                if completed and status == 0:
                    try:
                        os.replace(temp, output)  # type: ignore[arg-type]
                    except OSError as exc:
                        status = fail(f"cannot write {output!r}: {exc.strerror or exc}")
                if temp.exists():  # failed or interrupted: never leave a partial file behind
                    temp.unlink()
            elif out is not stdout:
                with contextlib.suppress(BrokenPipeError, ValueError):
                    out.flush()
                out.detach()  # type: ignore[attr-defined]
        return status
    return 0  # pragma: no cover - the with block always returns
