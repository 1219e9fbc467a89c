"""sotclinic.datafile: the location, the type names, each getter's accepted values and exact refusals, TOML reading."""

from __future__ import annotations

import datetime
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sotclinic.datafile import (
    At,
    as_table,
    as_tables,
    check_keys,
    get_bool,
    get_code,
    get_int,
    get_number,
    get_optional_number,
    get_str,
    get_strs,
    get_text,
    parse_toml,
    read_toml,
    type_name,
)
from sotclinic.measures import instruments
from sotclinic.measures.instruments import MeasuresDataError
from sotclinic.safety import rules
from sotclinic.safety.rules import RedFlagRulesError
from sotclinic.sot import kb
from sotclinic.sot.kb import KnowledgeBaseError


class _Error(ValueError):
    pass


class _At(At):
    __slots__ = ()
    error_class = _Error


AT = _At("f.toml", "entry 'x'")


def refusal(getter: Callable[..., object], *args: Any, **kwargs: Any) -> str:
    """The message of the error ``getter`` raises; it must be the location's own error class."""
    with pytest.raises(_Error) as caught:
        getter(*args, **kwargs)
    assert type(caught.value) is _Error
    return str(caught.value)


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """The pure module needs no Django settings: override tests/conftest.py's autouse fixture with a no-op."""


def test_module_never_imports_django() -> None:
    code = (
        "import sys, sotclinic.datafile;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django');"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------------------------------------
# the location


def test_error_names_the_file_and_the_entry() -> None:
    assert str(_At("f.toml", "indicator 'a'").error("bad")) == "f.toml: indicator 'a': bad"
    assert str(_At("f.toml").error("bad")) == "f.toml: bad"
    assert str(_At("f.toml", "").error("bad")) == "f.toml: bad"


def test_sub_joins_entries_with_a_space_and_keeps_the_class() -> None:
    top = _At("f.toml")
    inner = top.sub("responses 'default'").sub("option 2")
    assert type(inner) is _At
    assert (inner.src, inner.entry) == ("f.toml", "responses 'default' option 2")
    assert str(inner.error("bad")) == "f.toml: responses 'default' option 2: bad"
    assert top.entry is None


def test_the_base_location_raises_value_error() -> None:
    err = At("f.toml").error("bad")
    assert type(err) is ValueError
    assert str(err) == "f.toml: bad"


@pytest.mark.parametrize(
    ("location", "error_class"),
    [
        (kb._Entry, KnowledgeBaseError),
        (instruments._At, MeasuresDataError),
        (rules._Entry, RedFlagRulesError),
    ],
)
def test_each_package_raises_its_own_error(location: type[At], error_class: type[ValueError]) -> None:
    err = location("f.toml", "entry").sub("sub").error("bad")
    assert type(err) is error_class
    assert str(err) == "f.toml: entry sub: bad"
    with pytest.raises(error_class, match=r"^f\.toml: 'k' must be a string, got an integer$"):
        get_str({"k": 1}, "k", location("f.toml"))


# --------------------------------------------------------------------------------------------------------
# type names


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (True, "a boolean"),
        (False, "a boolean"),
        (0, "an integer"),
        (1.5, "a number"),
        (math.nan, "a number"),
        ("", "a string"),
        ([], "a list"),
        ({}, "a table"),
        (datetime.date(2026, 1, 2), "date"),
        (datetime.datetime(2026, 1, 2, 10, 0), "datetime"),
        (datetime.time(10, 0), "time"),
        (None, "NoneType"),
    ],
)
def test_type_name(value: object, name: str) -> None:
    assert type_name(value) == name


# --------------------------------------------------------------------------------------------------------
# shapes


def test_check_keys() -> None:
    check_keys({"a": 1, "b": 2}, {"a", "b", "c"}, AT)
    check_keys({}, set(), AT)
    assert refusal(check_keys, {"a": 1, "z": 2, "m": 3}, {"a"}, AT) == "f.toml: entry 'x': unknown key 'm'"
    assert (
        refusal(check_keys, {"q": 1}, set(), AT, prefix="when, any_of item 2: ")
        == "f.toml: entry 'x': when, any_of item 2: unknown key 'q'"
    )


def test_as_table() -> None:
    table = {"a": 1}
    assert as_table(table, "[t]", AT) is table
    assert refusal(as_table, [], "[t]", AT) == "f.toml: entry 'x': [t] must be a table, got a list"
    assert refusal(as_table, None, "[t]", AT) == "f.toml: entry 'x': [t] must be a table, got NoneType"


def test_as_tables() -> None:
    tables = [{"a": 1}, {}]
    assert as_tables(tables, "items", AT) is tables
    assert as_tables([], "items", AT) == []
    bad: object
    for bad in ([{}, 1], {}, None, "x"):
        assert refusal(as_tables, bad, "items", AT) == "f.toml: entry 'x': items must be an array of tables"


# --------------------------------------------------------------------------------------------------------
# strings


def test_get_str() -> None:
    assert get_str({"k": "v"}, "k", AT) == "v"
    assert get_str({"k": ""}, "k", AT) == ""
    assert get_str({}, "k", AT, "fallback") == "fallback"
    assert get_str({}, "k", AT, "") == ""
    assert get_str({"k": "v"}, "k", AT, "fallback") == "v"
    assert refusal(get_str, {}, "k", AT) == "f.toml: entry 'x': missing required key 'k'"
    assert refusal(get_str, {"k": 1}, "k", AT) == "f.toml: entry 'x': 'k' must be a string, got an integer"
    assert (
        refusal(get_str, {"k": True}, "k", AT, "d")
        == "f.toml: entry 'x': 'k' must be a string, got a boolean"
    )


def test_get_text() -> None:
    assert get_text({"k": " v "}, "k", AT) == " v "
    assert refusal(get_text, {"k": " \n\t"}, "k", AT) == "f.toml: entry 'x': 'k' must not be empty"
    assert refusal(get_text, {"k": ""}, "k", AT) == "f.toml: entry 'x': 'k' must not be empty"
    assert refusal(get_text, {}, "k", AT) == "f.toml: entry 'x': missing required key 'k'"
    assert refusal(get_text, {"k": []}, "k", AT) == "f.toml: entry 'x': 'k' must be a string, got a list"


@pytest.mark.parametrize("code", ["a", "cat2", "arm_fossa", "q1", "a_"])
def test_get_code_accepts(code: str) -> None:
    assert get_code({"code": code}, "code", AT) == code


@pytest.mark.parametrize("code", ["", "1a", "_a", "Cat2", "arm-fossa", "arm fossa", "é", "abc\n", "abc\nx"])
def test_get_code_refuses(code: str) -> None:
    assert refusal(get_code, {"level": code}, "level", AT) == (
        f"f.toml: entry 'x': level {code!r} is not a code "
        "(lowercase letters, digits and '_', starting with a letter)"
    )


def test_get_code_needs_a_string() -> None:
    assert refusal(get_code, {}, "code", AT) == "f.toml: entry 'x': missing required key 'code'"
    assert (
        refusal(get_code, {"code": 2}, "code", AT)
        == "f.toml: entry 'x': 'code' must be a string, got an integer"
    )


def test_get_strs() -> None:
    assert get_strs({"k": ["a", "b"]}, "k", AT) == ("a", "b")
    assert get_strs({"k": []}, "k", AT) == ()
    assert get_strs({}, "k", AT, ()) == ()
    assert get_strs({}, "k", AT, ("d",)) == ("d",)
    assert refusal(get_strs, {}, "k", AT) == "f.toml: entry 'x': missing required key 'k'"
    bad: object
    for bad in (["a", 1], "a", {"a": "b"}, [["a"]]):
        assert (
            refusal(get_strs, {"k": bad}, "k", AT, ()) == "f.toml: entry 'x': 'k' must be a list of strings"
        )


# --------------------------------------------------------------------------------------------------------
# booleans and integers


def test_get_bool() -> None:
    assert get_bool({"k": True}, "k", AT) is True
    assert get_bool({"k": False}, "k", AT, True) is False
    assert get_bool({}, "k", AT, False) is False
    assert refusal(get_bool, {}, "k", AT) == "f.toml: entry 'x': missing required key 'k'"
    assert (
        refusal(get_bool, {"k": 1}, "k", AT) == "f.toml: entry 'x': 'k' must be true or false, got an integer"
    )
    assert refusal(get_bool, {"k": "true"}, "k", AT, False) == (
        "f.toml: entry 'x': 'k' must be true or false, got a string"
    )


def test_get_int() -> None:
    assert get_int({"k": 0}, "k", AT) == 0
    assert get_int({"k": -3}, "k", AT) == -3
    assert get_int({"k": 10**20}, "k", AT) == 10**20
    assert get_int({}, "k", AT, 0) == 0
    assert get_int({}, "k", AT, 7) == 7
    assert refusal(get_int, {}, "k", AT) == "f.toml: entry 'x': missing required key 'k'"


@pytest.mark.parametrize(
    ("value", "name"), [(True, "a boolean"), (False, "a boolean"), (1.0, "a number"), ("1", "a string")]
)
def test_get_int_refuses_booleans_floats_and_strings(value: object, name: str) -> None:
    assert refusal(get_int, {"k": value}, "k", AT) == f"f.toml: entry 'x': 'k' must be an integer, got {name}"


def test_get_int_between() -> None:
    assert get_int({"k": 1}, "k", AT, between=(1, 3)) == 1
    assert get_int({"k": 3}, "k", AT, between=(1, 3)) == 3
    assert get_int({"k": -10}, "k", AT, between=(-10, 10)) == -10
    assert refusal(get_int, {"k": 4}, "k", AT, between=(1, 3)) == (
        "f.toml: entry 'x': 'k' must be between 1 and 3, got 4"
    )
    assert refusal(get_int, {"k": 0}, "k", AT, 2, between=(1, 3)) == (
        "f.toml: entry 'x': 'k' must be between 1 and 3, got 0"
    )
    # the type is checked before the range
    assert refusal(get_int, {"k": True}, "k", AT, between=(0, 1)) == (
        "f.toml: entry 'x': 'k' must be an integer, got a boolean"
    )
    # a default is returned as given: the range applies to what the file says
    assert get_int({}, "k", AT, 99, between=(1, 3)) == 99


# --------------------------------------------------------------------------------------------------------
# numbers


def test_get_number_returns_the_value_as_written() -> None:
    value = get_number({"k": 2}, "k", AT)
    assert value == 2 and type(value) is int
    assert get_number({"k": -1.5}, "k", AT) == -1.5
    assert get_number({"k": 0}, "k", AT) == 0


def test_get_number_to_float() -> None:
    value = get_number({"k": 2}, "k", AT, to_float=True)
    assert value == 2.0 and type(value) is float
    assert get_number({"k": 2.5}, "k", AT, to_float=True) == 2.5


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (True, "a boolean"),
        ("1", "a string"),
        ([1], "a list"),
        # nan and ±inf are floats, so the message says "a number" (unchanged from the packages' own copies)
        (math.nan, "a number"),
        (math.inf, "a number"),
        (-math.inf, "a number"),
    ],
)
def test_get_number_refuses(value: object, name: str) -> None:
    expected = f"f.toml: entry 'x': 'k' must be a number, got {name}"
    assert refusal(get_number, {"k": value}, "k", AT) == expected
    assert refusal(get_number, {"k": value}, "k", AT, to_float=True) == expected
    assert refusal(get_optional_number, {"k": value}, "k", AT) == expected


def test_get_number_is_required_and_takes_a_prefix() -> None:
    assert refusal(get_number, {}, "k", AT) == "f.toml: entry 'x': missing required key 'k'"
    assert refusal(get_number, {}, "value", AT, prefix="when: ") == (
        "f.toml: entry 'x': when: missing required key 'value'"
    )
    assert refusal(get_number, {"value": "3"}, "value", AT, prefix="when: ") == (
        "f.toml: entry 'x': when: 'value' must be a number, got a string"
    )


def test_get_optional_number() -> None:
    assert get_optional_number({}, "k", AT) is None
    assert get_optional_number({}, "k", AT, to_float=True) is None
    value = get_optional_number({"k": 3}, "k", AT)
    assert value == 3 and type(value) is int
    value = get_optional_number({"k": 3}, "k", AT, to_float=True)
    assert value == 3.0 and type(value) is float


# --------------------------------------------------------------------------------------------------------
# TOML


def test_parse_toml() -> None:
    assert parse_toml(b'a = 1\nb = "x"\n', _At("f.toml")) == {"a": 1, "b": "x"}
    # TOML's nan and inf parse to floats; get_number refuses them
    assert math.isnan(parse_toml(b"x = nan\n", _At("f.toml"))["x"])
    assert parse_toml(b"x = -inf\n", _At("f.toml"))["x"] == -math.inf


def test_a_syntax_error_names_the_file_and_the_line() -> None:
    assert refusal(parse_toml, b"a = 1\nb = \n", _At("maps.toml")) == (
        "maps.toml: not valid TOML: Invalid value (at line 2, column 5)"
    )
    assert refusal(parse_toml, b"a = 1\na = 2\n", _At("maps.toml")) == (
        "maps.toml: not valid TOML: Cannot overwrite a value (at line 2, column 6)"
    )


def test_not_utf8() -> None:
    assert refusal(parse_toml, b'a = "\xff"\n', _At("f.toml")) == "f.toml: not UTF-8 text"
    assert refusal(parse_toml, b'a = "\xff"\n', _At("f.toml"), allow_bom=True) == "f.toml: not UTF-8 text"


def test_a_byte_order_mark_is_skipped_only_when_allowed() -> None:
    data = b"\xef\xbb\xbfa = 1\n"
    assert parse_toml(data, _At("f.toml"), allow_bom=True) == {"a": 1}
    assert refusal(parse_toml, data, _At("f.toml")) == (
        "f.toml: not valid TOML: Invalid statement (at line 1, column 1)"
    )
    assert parse_toml(b"a = 1\n", _At("f.toml"), allow_bom=True) == {"a": 1}


def test_the_errors_hide_the_decoder_exception() -> None:
    with pytest.raises(_Error) as caught:
        parse_toml(b"a =", _At("f.toml"))
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_read_toml(tmp_path: Path) -> None:
    path = tmp_path / "data.toml"
    path.write_bytes(b'version = "2026.1"\n')
    assert read_toml(path, _At("data.toml")) == {"version": "2026.1"}
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    assert read_toml(path, _At("data.toml"), allow_bom=True) == {"a": 1}
    assert refusal(read_toml, path, _At("data.toml")) == (
        "data.toml: not valid TOML: Invalid statement (at line 1, column 1)"
    )
    path.write_bytes(b"[t]\nx = \n")
    assert refusal(read_toml, path, _At("shown.toml")) == (
        "shown.toml: not valid TOML: Invalid value (at line 2, column 5)"
    )


def test_read_toml_cannot_read(tmp_path: Path) -> None:
    assert refusal(read_toml, tmp_path / "absent.toml", _At("absent.toml")) == (
        "absent.toml: cannot read the file: No such file or directory"
    )
    assert refusal(read_toml, tmp_path, _At("dir.toml")) == "dir.toml: cannot read the file: Is a directory"
