"""Reading and validating the project's TOML data files: one set of helpers for every pure package.

Pure Python (stdlib ``tomllib`` only, no Django).  The knowledge base (``sotclinic.sot.kb``), the outcome
measures (``sotclinic.measures.instruments``) and the red-flag rules (``sotclinic.safety.rules``) all read
TOML files and refuse a malformed one with a message naming the file, the entry and the reason::

    indicators.toml: indicator 'arm_fossa': 'has_result' must be true or false, got a string

Each package raises its own exception type.  It says which by subclassing :class:`At` once::

    class _Entry(At):
        error_class = KnowledgeBaseError

and passes ``_Entry(src, entry)`` to the getters below, which raise ``at.error(reason)``.

The getters read one key of a TOML table and check its type:

========================  ======================================  ===========================================
getter                    accepts                                 when the key is missing
========================  ======================================  ===========================================
:func:`get_str`           a string                                ``default``, or refused when it is None
:func:`get_text`          a string that is not blank              refused
:func:`get_code`          a string matching :data:`CODE`          refused
:func:`get_bool`          true or false                           ``default``, or refused when it is None
:func:`get_int`           an integer (not a boolean), optionally  ``default`` (not range-checked), or refused
                          within ``between=(lo, hi)``             when it is None
:func:`get_number`        an integer or a finite float (not a     refused
                          boolean, not nan or ±inf), returned as
                          written unless ``to_float=True``
:func:`get_optional_number`  as get_number                        None
:func:`get_strs`          a list of strings, as a tuple           ``default``, or refused when it is None
========================  ======================================  ===========================================

:func:`check_keys` refuses unknown keys, :func:`as_table` and :func:`as_tables` check a value's shape, and
:func:`read_toml` / :func:`parse_toml` turn unreadable, non-UTF-8 or invalid TOML into ``at.error(...)``.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

__all__ = [
    "CODE",
    "At",
    "as_table",
    "as_tables",
    "check_keys",
    "get_bool",
    "get_code",
    "get_int",
    "get_number",
    "get_optional_number",
    "get_str",
    "get_strs",
    "get_text",
    "parse_toml",
    "read_toml",
    "type_name",
]

#: a code: lowercase letters, digits and '_', starting with a letter
CODE = re.compile(r"[a-z][a-z0-9_]*\Z")  # \Z, not $: "abc\n" is not a code


class At:
    """Where a value comes from: file name + entry, for error messages.

    ``error(reason)`` builds ``"<src>: <entry>: <reason>"`` (``"<src>: <reason>"`` when there is no entry)
    as an instance of :attr:`error_class`; a package sets that by subclassing.
    """

    __slots__ = ("entry", "src")

    #: the exception type :meth:`error` builds
    error_class: ClassVar[type[ValueError]] = ValueError

    def __init__(self, src: str, entry: str | None = None) -> None:
        self.src = src
        self.entry = entry

    def sub(self, entry: str) -> Self:
        """A place inside this one: the entry names are joined by a space (``"responses 'default' option 2"``)."""
        return type(self)(self.src, entry if self.entry is None else f"{self.entry} {entry}")

    def error(self, reason: str) -> ValueError:
        where = f"{self.src}: {self.entry}: " if self.entry else f"{self.src}: "
        return self.error_class(where + reason)


def type_name(value: object) -> str:
    """What a TOML value is, for messages: "a boolean", "an integer", "a number", "a string", "a list"…"""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def check_keys(table: Mapping[str, Any], allowed: set[str], at: At, *, prefix: str = "") -> None:
    """Refuse the first (alphabetically) key of ``table`` not in ``allowed``; ``prefix`` starts the reason."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise at.error(f"{prefix}unknown key {unknown[0]!r}")


def as_table(value: object, what: str, at: At) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise at.error(f"{what} must be a table, got {type_name(value)}")
    return value


def as_tables(value: object, what: str, at: At) -> list[dict[str, Any]]:
    """An array of tables (``[[what]]``); an empty list is accepted."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise at.error(f"{what} must be an array of tables")
    return value


def get_str(table: Mapping[str, Any], key: str, at: At, default: str | None = None) -> str:
    if key not in table:
        if default is None:
            raise at.error(f"missing required key {key!r}")
        return default
    value = table[key]
    if not isinstance(value, str):
        raise at.error(f"{key!r} must be a string, got {type_name(value)}")
    return value


def get_text(table: Mapping[str, Any], key: str, at: At) -> str:
    """A required string with something other than white space in it."""
    value = get_str(table, key, at)
    if not value.strip():
        raise at.error(f"{key!r} must not be empty")
    return value


def get_code(table: Mapping[str, Any], key: str, at: At) -> str:
    """A required string matching :data:`CODE`."""
    value = get_str(table, key, at)
    if not CODE.match(value):
        raise at.error(
            f"{key} {value!r} is not a code (lowercase letters, digits and '_', starting with a letter)"
        )
    return value


def get_bool(table: Mapping[str, Any], key: str, at: At, default: bool | None = None) -> bool:
    if key not in table:
        if default is None:
            raise at.error(f"missing required key {key!r}")
        return default
    value = table[key]
    if not isinstance(value, bool):
        raise at.error(f"{key!r} must be true or false, got {type_name(value)}")
    return value


def get_int(
    table: Mapping[str, Any],
    key: str,
    at: At,
    default: int | None = None,
    *,
    between: tuple[int, int] | None = None,
) -> int:
    """An integer (a boolean is refused); with ``between=(lo, hi)`` also ``lo <= value <= hi``.

    A missing key gives ``default`` as it is (the range is not applied to it), or is refused when it is None.
    """
    if key not in table:
        if default is None:
            raise at.error(f"missing required key {key!r}")
        return default
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise at.error(f"{key!r} must be an integer, got {type_name(value)}")
    if between is not None:
        lo, hi = between
        if not lo <= value <= hi:
            raise at.error(f"{key!r} must be between {lo} and {hi}, got {value}")
    return value


def get_number(
    table: Mapping[str, Any], key: str, at: At, *, prefix: str = "", to_float: bool = False
) -> int | float:
    """A required integer or finite float (a boolean, nan and ±inf are refused).

    The value comes back as written (an integer stays an int) unless ``to_float``; ``prefix`` starts the
    reason ("when, any_of item 2: ").
    """
    if key not in table:
        raise at.error(f"{prefix}missing required key {key!r}")
    value = table[key]
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise at.error(f"{prefix}{key!r} must be a number, got {type_name(value)}")
    return float(value) if to_float else value


def get_optional_number(
    table: Mapping[str, Any], key: str, at: At, *, to_float: bool = False
) -> int | float | None:
    """As :func:`get_number`, but None when the key is missing."""
    return get_number(table, key, at, to_float=to_float) if key in table else None


def get_strs(
    table: Mapping[str, Any], key: str, at: At, default: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """A list of strings, as a tuple (an empty list is accepted)."""
    if key not in table:
        if default is None:
            raise at.error(f"missing required key {key!r}")
        return default
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise at.error(f"{key!r} must be a list of strings")
    return tuple(value)


def read_toml(path: Path, at: At, *, allow_bom: bool = False) -> dict[str, Any]:
    """Read and parse a TOML file; ``at`` names the file (``at.src``) in the refusals."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise at.error(f"cannot read the file: {exc.strerror or exc}") from None
    return parse_toml(data, at, allow_bom=allow_bom)


def parse_toml(data: bytes, at: At, *, allow_bom: bool = False) -> dict[str, Any]:
    """Parse UTF-8 TOML; ``allow_bom`` skips a leading byte-order mark (it is refused as invalid otherwise).

    The TOML error names the line and column: ``f.toml: not valid TOML: Expected '=' … (at line 3, column 5)``.
    """
    try:
        return tomllib.loads(data.decode("utf-8-sig" if allow_bom else "utf-8"))
    except UnicodeDecodeError:
        raise at.error("not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise at.error(f"not valid TOML: {exc}") from None
