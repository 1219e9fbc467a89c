"""The request body of ``PATCH /api/visits/{id}``, built from the knowledge base at start-up.

The published OpenAPI schema says exactly what the visit services accept: one object type per indicator of the
catalogue (a discriminated union on ``indicator``), each with the result, sides, value range, level, line, area and
organ that indicator records and ``null`` for every other field (JSON ``null`` means "not given"); the categories the
practitioner may choose; text without NUL characters. A clinic's override file is part of the knowledge base, so its
indicators are in the schema too.

The findings are still validated by the visit services (``sotclinic.sot.findings``), as they are for the visit page,
and their messages name the finding and the field ("finding 2 (pelvic_sway): value 99 is outside 0–10 cm"). The
typed union is the published contract, not a second validator: tests check that the two agree.

What JSON Schema cannot say, and the API answers with 422 (the error shape of ``ErrorOut``), is listed in
``REFUSED_ANYWAY``; a signed note is 409.
"""

import sys
from typing import Annotated, Any, Literal, Union

from ninja import Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    create_model,
)
from pydantic.json_schema import GetJsonSchemaHandler, JsonSchemaValue
from pydantic_core import CoreSchema

from sotclinic.sot.findings import MAX_ORGAN, RESULTS
from sotclinic.sot.kb import AREAS, LEVELS, LINES, Indicator, KnowledgeBase

__all__ = ["NO_NUL", "REFUSED_ANYWAY", "decisions", "finding_model", "findings_schema", "visit_patch_model"]

#: a string without U+0000 (PostgreSQL cannot store it; the services refuse it in every text)
NO_NUL = "^[^\\u0000]*$"

#: characters ``str.strip()`` removes: an organ made only of these is empty
_STRIPPED = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())

#: the 422s a schema-valid body can still get, and why JSON Schema cannot say them
REFUSED_ANYWAY: dict[str, str] = {
    "override_reason": (
        "a category (given, or already on the visit) other than the one the findings suggest needs a non-blank "
        "override_reason: the suggestion is worked out by the classification rule from the findings (given, or "
        "already on the visit)"
    ),
    "repeated_entry": (
        "two entries of an indicator that may be recorded several times (fibres, CMRT) with the same side, level, "
        "line, area and organ are the same finding: record it once (organ compared without surrounding spaces)"
    ),
    "unicode": "text with half of a UTF-16 surrogate pair (a JSON \\ud800 escape) is not Unicode text",
}


def _escape(char: str) -> str:
    assert ord(char) <= 0xFFFF, char  # JSON Schema patterns (ECMA 262) escape the basic plane only
    return f"\\u{ord(char):04x}"


#: an organ: no NUL, and at least one character that is not stripped away
ORGAN_PATTERN = "^[^\\u0000]*[^\\u0000" + "".join(_escape(c) for c in _STRIPPED) + "][^\\u0000]*$"


class _JsonPattern:
    """Publishes a ``pattern`` for a string without checking it here (the services check, with their own words)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = self.pattern
        return out


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length), _JsonPattern(NO_NUL)]


def _bounds(values: tuple[int, ...]) -> tuple[int, int]:
    assert values == tuple(range(values[0], values[-1] + 1)), values  # a range, so minimum/maximum say it
    return values[0], values[-1]


def _field(recorded: bool, kind: Any, description: str) -> Any:
    """A finding's field: the kind it records (or null), or only null when the indicator does not record it."""
    if not recorded:
        return (None, Field(default=None, description="not recorded for this indicator"))
    return (kind | None, Field(default=None, description=description))


class _Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _EvenLegCheck(_Finding):
    # an even leg check has no short leg, so no difference to measure
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"side": {"const": "even"}}, "required": ["side"]},
            "then": {"properties": {"value": {"enum": [0, None]}}},
        }
    )


def finding_model(ind: Indicator) -> type[BaseModel]:
    """The object type of one indicator's finding, from its catalogue entry."""
    line_lo, line_hi = _bounds(LINES)
    area_lo, area_hi = _bounds(AREAS)
    spec = ind.value
    value_kind: Any = None
    value_text = ""
    if spec is not None:
        value_kind = Annotated[float, Field(ge=spec.min, le=spec.max)]
        value_text = f"{spec.unit}, {spec.min:g}–{spec.max:g}"
        if spec.threshold is not None:
            value_text += f"; without a result, positive when above {spec.threshold:g}"
    fields: dict[str, Any] = {
        "indicator": (Literal[ind.code], Field(description=ind.name)),
        "result": _field(ind.has_result, Literal[RESULTS], "omitted or null: not decided yet"),
        "side": _field(bool(ind.sides), Literal[ind.sides] if ind.sides else None, ind.side_meaning),
        "value": _field(spec is not None, value_kind, value_text),
        "level": _field(ind.has_level, Literal[LEVELS], "vertebral level"),
        "line": _field(ind.has_line, Annotated[int, Field(ge=line_lo, le=line_hi)], "occipital fibre line"),
        "area": _field(ind.has_area, Annotated[int, Field(ge=area_lo, le=area_hi)], "fibre area"),
        "organ": _field(
            ind.has_organ,
            Annotated[
                str, StringConstraints(min_length=1, max_length=MAX_ORGAN), _JsonPattern(ORGAN_PATTERN)
            ],
            "not blank",
        ),
    }
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Finding_{ind.code}",
        __base__=_EvenLegCheck if "even" in ind.sides and spec is not None else _Finding,
        __doc__=f"{ind.name}." + (" May be recorded several times." if ind.multiple else ""),
        **fields,
    )
    return model


def findings_schema(kb: KnowledgeBase) -> Any:
    """The type of one finding: the union of the catalogue's indicators, told apart by ``indicator``."""
    models = tuple(finding_model(ind) for ind in kb.indicators.values())
    return Annotated[Union[models], Field(discriminator="indicator")]  # noqa: UP007 - a union built at run time


def decisions(kb: KnowledgeBase) -> tuple[str, ...]:
    """What ``category`` may be set to: "" (not decided yet), "none" (decided: no category) or a category."""
    return ("", "none", *kb.categories)


_AS_GIVEN = TypeAdapter(list[dict[str, Any]] | None)


def _findings_as_given(value: Any) -> Any:
    """A list of objects, passed on to the visit services as given: they validate each finding."""
    return _AS_GIVEN.validate_python(value)


def visit_patch_model(kb: KnowledgeBase) -> type[Schema]:
    """The PATCH body for this knowledge base."""
    finding = findings_schema(kb)

    class VisitPatch(Schema):
        """The fields a client may change on a draft; an omitted field (or null, except for pain) is left as it is.
        Blocking is recorded on the visit page, behind the safety gate; any other key is refused (422), never
        silently dropped."""

        model_config = ConfigDict(extra="forbid")

        complaint: _text(300) | None = None  # type: ignore[valid-type]
        pain: Annotated[int, Field(ge=0, le=10)] | None = Field(default=None, description="null clears it")
        subjective: _text(5000) | None = None  # type: ignore[valid-type]
        findings: Annotated[
            list[dict[str, Any]] | None,
            PlainValidator(_findings_as_given, json_schema_input_type=list[finding] | None),  # type: ignore[valid-type]
        ] = Field(
            default=None,
            description="Replaces the visit's findings. An indicator given twice: the later one wins, except for "
            "an indicator that may be recorded several times (fibres, CMRT), where each entry is a finding.",
        )
        category: Literal[decisions(kb)] | None = Field(  # type: ignore[valid-type]
            default=None,
            description='"" not decided yet; "none" no category; otherwise the category chosen (a category other '
            "than the suggested one needs an override_reason)",
        )
        override_reason: _text(500) | None = None  # type: ignore[valid-type]
        plan: _text(5000) | None = None  # type: ignore[valid-type]

    return VisitPatch
