"""`sotclinic score INSTRUMENT FILE.csv [-o OUT]`: in process and through the installed console script."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sotclinic.measures.cli import USAGE, run_score

ODI_HEADER = "id," + ",".join(f"q{i}" for i in range(1, 11)) + ",note"


def run(args: list[str], stdin: str | None = None, tty: bool = False) -> tuple[int, str, str]:
    out = io.StringIO()
    err = _Tty() if tty else io.StringIO()
    status = run_score(args, stdout=out, stderr=err, stdin=io.StringIO(stdin) if stdin is not None else None)
    return status, out.getvalue(), err.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# ---- the output ----------------------------------------------------------------------------------------


def test_input_columns_then_scores_then_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{ODI_HEADER}\n"
        "p1,3,2,2,1,2,2,1,1,1,1,first\n"  # 16 of 50 -> 32 %
        'p2,3,2,2,1,2,2,1,,1,1,"seen, then re-examined"\n'  # 15 of 45 -> 33.33 %
        "p3,3,2,2,1,2,2,1,,,,three missing\n",
    )
    status, out, err = run(["odi", str(path)])
    assert (status, err) == (0, "")
    assert rows(out) == [
        [*ODI_HEADER.split(","), "total", "percent", "error"],
        ["p1", "3", "2", "2", "1", "2", "2", "1", "1", "1", "1", "first", "16", "32.00", ""],
        ["p2", "3", "2", "2", "1", "2", "2", "1", "", "1", "1", "seen, then re-examined", "15", "33.33", ""],
        [
            *["p3", "3", "2", "2", "1", "2", "2", "1", "", "", "", "three missing", "", ""],
            "too many missing answers: 7 of 10 items answered, at least 8 needed",
        ],
    ]
    assert out.endswith("\n") and "\r" not in out


@pytest.mark.parametrize(
    ("code", "columns"),
    [
        ("pgq", ["percent", "activity", "symptom"]),
        ("startback", ["total", "psychosocial", "risk"]),
        ("jfls20", ["total", "mastication", "mobility", "communication"]),
        ("ndi", ["total", "percent"]),
        ("nprs", ["total"]),
    ],
)
def test_score_columns_are_those_the_instrument_defines(
    tmp_path: Path, code: str, columns: list[str]
) -> None:
    from sotclinic.measures import instrument

    n = len(instrument(code).items)
    path = write(tmp_path, ",".join(f"q{i}" for i in range(1, n + 1)) + "\n")
    status, out, _ = run([code, str(path)])
    assert status == 0
    assert rows(out) == [[*(f"q{i}" for i in range(1, n + 1)), *columns, "error"]]


def test_startback_risk_column(tmp_path: Path) -> None:
    path = write(tmp_path, "q1,q2,q3,q4,q5,q6,q7,q8,q9\n0,0,0,0,1,1,1,0,4\n1,1,0,0,0,0,0,0,3\n")
    _, out, _ = run(["startback", str(path)])
    assert [r[9:] for r in rows(out)[1:]] == [["4", "4", "high", ""], ["3", "1", "low", ""]]


def test_decimals_half_even_to_two_places(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "q1,q2,q3,q4,q5,q6,q7,q8\n"
        "1,0,0,0,0,0,0,0\n"  # 1/8 = 0.125 -> 0.12 (half to even)
        "3,0,0,0,0,0,0,0\n"  # 3/8 = 0.375 -> 0.38 (half to even)
        "2,2,2,2,2,2,,\n"  # 12/6 = 2 -> 2.00
        "2,2,2,2,2,3,,\n"  # 13/6 = 2.1666… -> 2.17
        "10,10,10,10,10,10,10,9\n",  # 79/8 = 9.875 -> 9.88
    )
    _, out, _ = run(["jfls8", str(path)])
    assert [r[8] for r in rows(out)[1:]] == ["0.12", "0.38", "2.00", "2.17", "9.88"]


def test_pgq_blank_subscale_is_empty_without_error(tmp_path: Path) -> None:
    header = ",".join(f"q{i}" for i in range(1, 26))
    path = write(tmp_path, f"{header}\n" + ",".join(["1"] * 20 + [""] * 5) + "\n")
    _, out, _ = run(["pgq", str(path)])
    assert rows(out)[1][25:] == ["33.33", "33.33", "", ""]


def test_answer_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "q1\n 3 \n3.0\n3.5\nabc\n1_0\n\n11\n-1\n",
    )
    _, out, _ = run(["nprs", str(path)])
    assert [r[1:] for r in rows(out)[1:]] == [
        ["3", ""],
        ["3", ""],
        ["", "q1: 3.5 is not an allowed answer (allowed: whole numbers 0–10)"],
        ["", "q1: 'abc' is not a number"],
        ["", "q1: '1_0' is not a number"],
        ["", "q1: 11 is out of range (0–10)"],
        ["", "q1: -1 is out of range (0–10)"],
    ]


def test_row_with_the_wrong_number_of_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "id,q1\na,3\nb\nc,3,extra\nd,4\n")
    _, out, _ = run(["nprs", str(path)])
    assert rows(out)[1:] == [
        ["a", "3", "3", ""],
        ["b", "", "", "the row has 1 fields, the header 2"],
        ["c", "3", "", "the row has 3 fields, the header 2"],
        ["d", "4", "4", ""],
    ]


def test_header_names_are_matched_without_spaces_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid, q1 \r\nx,4\r\n".encode())
    status, out, _ = run(["nprs", str(path)])
    assert status == 0
    assert rows(out) == [["id", " q1 ", "total", "error"], ["x", "4", "4", ""]]


def test_standard_input() -> None:
    status, out, _ = run(["nprs", "-"], stdin="q1\n5\n")
    assert (status, rows(out)) == (0, [["q1", "total", "error"], ["5", "5", ""]])


def test_output_file(tmp_path: Path) -> None:
    path = write(tmp_path, "q1\n5\n")
    target = tmp_path / "out.csv"
    status, out, err = run(["nprs", str(path), "-o", str(target)])
    assert (status, out, err) == (0, "", "")
    assert target.read_text(encoding="utf-8") == "q1,total,error\n5,5,\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


# ---- progress on a terminal only -----------------------------------------------------------------------


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    path = write(tmp_path, "q1\n" + "5\n" * 5000 + "x\n")
    status, out, err = run(["nprs", str(path)], tty=True)
    assert status == 0
    assert err.startswith("\rsotclinic score: [")
    last = err.rstrip("\n").rsplit("\r", 1)[-1]
    assert "100%" in last and "5,001 rows" in last and "rows/s" in last and "1 with errors" in last
    assert err.endswith("\n")
    assert run(["nprs", str(path)])[2] == ""


# ---- refusals: exit 2 and one line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        (
            ["oswestry", "IN"],
            "q1\n",
            "unknown instrument 'oswestry' (known: bq_back, bq_neck, headache_days, hit6,",
        ),
        (
            ["odi", "IN"],
            "id,q1,q2\n",
            "the header has no column q3, q4, q5, q6, q7, q8, q9, q10 (odi needs q1–q10)",
        ),
        (["nprs", "IN"], "q1,q2\n", "column 'q2' looks like an item, but nprs has q1–q1"),
        (["nprs", "IN"], "q1,q1\n", "the header has column 'q1' twice"),
        (["nprs", "IN"], "q1,total\n", "the input already has output column 'total'; rename or remove it"),
        (["nprs", "IN"], "", "is empty: it needs a header with q1–q1"),
        (["nprs"], "", "give an instrument and a CSV file (or - for standard input); see --help"),
        (["nprs", "IN", "--fast"], "", "unknown option '--fast' (see --help)"),
        (["nprs", "IN", "-o"], "", "-o needs a file name"),
    ],
)
def test_refusals(tmp_path: Path, args: list[str], text: str, message: str) -> None:
    path = write(tmp_path, text)
    status, out, err = run([str(path) if a == "IN" else a for a in args])
    assert (status, out) == (2, "")
    assert err.startswith("sotclinic score: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_missing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    status, _, err = run(["odi", str(tmp_path / "nope.csv"), "-o", str(target)])
    assert status == 2
    assert (
        err == f"sotclinic score: error: cannot read '{tmp_path / 'nope.csv'}': No such file or directory\n"
    )
    assert not target.exists()


def test_help() -> None:
    status, out, _ = run(["--help"])
    assert status == 0
    assert out.startswith(USAGE.split("{", 1)[0])
    assert "odi, pgic" in out


def test_not_utf8_stops_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"q1,note\n3,ok\n4,caf\xe9\n")
    status, _, err = run(["nprs", str(path)])
    assert (status, err) == (2, f"sotclinic score: error: '{path}' is not UTF-8 text\n")


def test_not_utf8_after_many_rows_leaves_no_output_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"q1,note\n" + b"3,ok\n" * 50_000 + b"4,caf\xe9\n")
    target = tmp_path / "out.csv"
    status, _, err = run(["nprs", str(path), "-o", str(target)])
    assert status == 2
    assert err.startswith(f"sotclinic score: error: '{path}' is not UTF-8 text (stopped after line ")
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["latin1.csv"]


# ---- through the installed console script --------------------------------------------------------------


def sotclinic_command() -> list[str]:
    script = Path(sys.executable).with_name("sotclinic")
    if script.exists():
        return [str(script)]
    found = shutil.which("sotclinic")
    return [found] if found else [sys.executable, "-m", "sotclinic.cli"]


def test_subprocess_file_and_output(tmp_path: Path) -> None:
    path = write(tmp_path, f"{ODI_HEADER}\np1,3,2,2,1,2,2,1,,1,1,é\np2,9,2,2,1,2,2,1,1,1,1,\n")
    target = tmp_path / "scored.csv"
    done = subprocess.run(
        [*sotclinic_command(), "score", "odi", str(path), "-o", str(target)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert rows(target.read_text(encoding="utf-8"))[1:] == [
        ["p1", "3", "2", "2", "1", "2", "2", "1", "", "1", "1", "é", "15", "33.33", ""],
        [
            *["p2", "9", "2", "2", "1", "2", "2", "1", "1", "1", "1", "", "", ""],
            "q1: 9 is not an allowed answer (allowed: 0, 1, 2, 3, 4, 5)",
        ],
    ]


def test_subprocess_stdin_to_stdout() -> None:
    done = subprocess.run(
        [*sotclinic_command(), "score", "hit6", "-"],
        input="q1,q2,q3,q4,q5,q6\n6,8,10,11,13,13\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "q1,q2,q3,q4,q5,q6,total,error\n6,8,10,11,13,13,61,\n"


def test_subprocess_unknown_instrument() -> None:
    done = subprocess.run(
        [*sotclinic_command(), "score", "sf36", "-"],
        input="",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("sotclinic score: error: unknown instrument 'sf36' (known: ")
    assert done.stderr.count("\n") == 1 and done.stdout == ""


def test_output_may_replace_the_input(tmp_path: Path) -> None:
    path = write(tmp_path, "q1\n5\n")
    assert run(["nprs", str(path), "-o", str(path)])[0] == 0
    assert path.read_text(encoding="utf-8") == "q1,total,error\n5,5,\n"


def test_output_into_a_missing_directory(tmp_path: Path) -> None:
    path = write(tmp_path, "q1\n5\n")
    status, _, err = run(["nprs", str(path), "-o", str(tmp_path / "no" / "out.csv")])
    assert status == 2
    assert (
        err
        == f"sotclinic score: error: cannot write '{tmp_path / 'no' / 'out.csv'}': No such file or directory\n"
    )
