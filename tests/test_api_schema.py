"""The API's published schema says what the visit services accept: its enums and bounds come from the knowledge base
(a clinic's override file included), every body it allows is saved unless a rule JSON Schema cannot say applies, and
the bodies it forbids are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client

from sotclinic.api.schema import ORGAN_PATTERN, REFUSED_ANYWAY, visit_patch_model
from sotclinic.clinic.text import strings_in, text_problem
from sotclinic.sot import default_kb, load_kb
from sotclinic.sot.findings import FIELDS, RESULTS, parse_finding
from sotclinic.sot.kb import AREAS, LEVELS, LINES, Indicator, KnowledgeBase
from sotclinic.visits.models import Visit
from sotclinic.visits.services import DECISIONS

OVERRIDE = """
name = "clinic-schema"

[[indicators]]
code = "cranial_fault"
name = "Cranial fault"
how = "A cranial fault found on palpation; record the level it relates to."
group = "fibres"
has_result = false
sides = ["left", "right"]
side_meaning = "side of the fault"
has_level = true
multiple = true
shortcut = "s"

[indicator_changes.slr]
value = { unit = "degrees", min = 10, max = 90 }
sides = ["left", "right"]
"""


def _document(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _patch_body(document: dict[str, Any]) -> dict[str, Any]:
    ref = document["paths"]["/api/visits/{visit_id}"]["patch"]["requestBody"]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[1]
    body: dict[str, Any] = document["components"]["schemas"][name]
    return body


def _finding_schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """indicator code -> its finding's object schema, through the discriminator's mapping."""
    findings = _patch_body(document)["properties"]["findings"]
    array = next(branch for branch in findings["anyOf"] if branch.get("type") == "array")
    mapping = array["items"]["discriminator"]["mapping"]
    assert array["items"]["discriminator"]["propertyName"] == "indicator"
    schemas = document["components"]["schemas"]
    return {code: schemas[ref.rsplit("/", 1)[1]] for code, ref in mapping.items()}


def _non_null(prop: dict[str, Any]) -> dict[str, Any] | None:
    """The non-null branch of an optional property, or None when the property may only be null."""
    if prop.get("type") == "null":
        return None
    (branch,) = [b for b in prop["anyOf"] if b.get("type") != "null"]
    return branch


def _assert_lists(schema: dict[str, Any], ind: Indicator) -> None:
    props = schema["properties"]
    assert schema["additionalProperties"] is False and schema["required"] == ["indicator"]
    assert list(props) == list(FIELDS)
    assert props["indicator"]["const"] == ind.code
    result, side, value = _non_null(props["result"]), _non_null(props["side"]), _non_null(props["value"])
    assert (result["enum"] if result else None) == (list(RESULTS) if ind.has_result else None)
    assert (side["enum"] if side else None) == (list(ind.sides) or None)
    if ind.value is None:
        assert value is None
    else:
        assert value == {"type": "number", "minimum": ind.value.min, "maximum": ind.value.max}
    level = _non_null(props["level"])
    assert (level["enum"] if level else None) == (list(LEVELS) if ind.has_level else None)
    line, area = _non_null(props["line"]), _non_null(props["area"])
    assert line == ({"type": "integer", "minimum": LINES[0], "maximum": LINES[-1]} if ind.has_line else None)
    assert area == ({"type": "integer", "minimum": AREAS[0], "maximum": AREAS[-1]} if ind.has_area else None)
    organ = _non_null(props["organ"])
    assert organ == (
        {"type": "string", "minLength": 1, "maxLength": 100, "pattern": ORGAN_PATTERN}
        if ind.has_organ
        else None
    )


def _assert_document_follows(document: dict[str, Any], kb: KnowledgeBase) -> None:
    schemas = _finding_schemas(document)
    assert list(schemas) == sorted(kb.indicators)
    for code, ind in kb.indicators.items():
        _assert_lists(schemas[code], ind)
    category = _non_null(_patch_body(document)["properties"]["category"])
    assert category is not None and category["enum"] == ["", "none", *kb.categories]


@pytest.mark.django_db
def test_the_published_schema_lists_the_knowledge_base(prac_client: Client) -> None:
    document = _document(prac_client)
    _assert_document_follows(document, default_kb())
    assert list(DECISIONS) == ["", "none", *default_kb().categories]
    body = _patch_body(document)
    assert body["additionalProperties"] is False
    assert _non_null(body["properties"]["pain"]) == {"type": "integer", "minimum": 0, "maximum": 10}
    for name, limit in (("complaint", 300), ("subjective", 5000), ("plan", 5000), ("override_reason", 500)):
        assert _non_null(body["properties"][name]) == {
            "type": "string",
            "maxLength": limit,
            "pattern": "^[^\\u0000]*$",
        }
    # the even leg check carries no difference; the sides and range come from indicators.toml
    prone = _finding_schemas(document)["leg_length_prone"]
    assert prone["if"] == {"properties": {"side": {"const": "even"}}, "required": ["side"]}
    assert prone["then"] == {"properties": {"value": {"enum": [0, None]}}}
    responses = document["paths"]["/api/visits/{visit_id}"]["patch"]["responses"]
    for status in ("409", "422"):
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
    assert "signed" in responses["409"]["description"]
    assert (
        "override_reason" in responses["422"]["description"]
        and "same finding" in responses["422"]["description"]
    )


def test_a_clinic_override_changes_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "clinic-schema.toml"
    path.write_text(OVERRIDE)
    kb = load_kb(path)
    schema = visit_patch_model(kb).model_json_schema(ref_template="#/components/schemas/{model}")
    # laid out as django-ninja lays out the served document
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/VisitPatch"}}}}
    document = {
        "paths": {"/api/visits/{visit_id}": {"patch": {"requestBody": body}}},
        "components": {"schemas": {**schema.pop("$defs"), "VisitPatch": schema}},
    }
    _assert_document_follows(document, kb)
    schemas = _finding_schemas(document)
    assert _non_null(schemas["cranial_fault"]["properties"]["side"]) == {
        "type": "string",
        "enum": ["left", "right"],
    }
    assert _non_null(schemas["slr"]["properties"]["value"]) == {
        "type": "number",
        "minimum": 10,
        "maximum": 90,
    }


def test_the_served_schema_is_built_from_the_clinic_knowledge_at_start_up(tmp_path: Path) -> None:
    """The schema is built once, when the API is imported: start the app with the override, ask it for its schema."""
    path = tmp_path / "clinic-schema.toml"
    path.write_text(OVERRIDE)
    out = tmp_path / "openapi.json"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"SOTCLINIC_KB_OVERRIDE": str(path), "SOTCLINIC_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "sotclinic.cli", "export_openapi_schema", "--api", "sotclinic.api.routes.api"]
        + ["--output", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    _assert_document_follows(document, load_kb(path))
    assert "cranial_fault" in _finding_schemas(document)


# --- the published schema and the services agree ------------------------------------------------------------------


def _validator(document: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for({**_patch_body(document), "components": document["components"]})


def _richest(ind: Indicator) -> list[dict[str, Any]]:
    """Findings for this indicator with every field it records, at the ends of its ranges."""
    out = []
    for end in (0, -1):
        finding: dict[str, Any] = {"indicator": ind.code}
        if ind.has_result:
            finding["result"] = RESULTS[end]
        if ind.sides:
            finding["side"] = [s for s in ind.sides if s != "even"][end]
        if ind.value is not None:
            finding["value"] = (ind.value.min, ind.value.max)[end]
        if ind.has_level:
            finding["level"] = LEVELS[end]
        if ind.has_line:
            finding["line"] = LINES[end]
        if ind.has_area:
            finding["area"] = AREAS[end]
        if ind.has_organ:
            finding["organ"] = ("x", " " + "o" * 98 + " ")[end]
        out.append(finding)
    return out


def _wrong(ind: Indicator) -> list[dict[str, Any]]:
    """Findings for this indicator that the services refuse, one wrong field each."""
    bad: list[dict[str, Any]] = [{"indicator": ind.code, "colour": "red"}]
    for key, value in (("result", "positive"), ("side", "left"), ("level", "C1"), ("line", 1), ("area", 1)):
        recorded = {
            "result": ind.has_result,
            "side": "left" in ind.sides,
            "level": ind.has_level,
            "line": ind.has_line,
            "area": ind.has_area,
        }[key]
        if not recorded:
            bad.append({"indicator": ind.code, key: value})
    bad += [
        {"indicator": ind.code, "result": "maybe"}
        if ind.has_result
        else {"indicator": ind.code, "result": 1},
        {"indicator": ind.code, "side": "up"},
        {"indicator": ind.code, "level": "T13"},
        {"indicator": ind.code, "line": 4},
        {"indicator": ind.code, "area": 0},
        {"indicator": ind.code, "organ": " \t\x1c"},
        {"indicator": ind.code, "organ": "a\x00"},
        {"indicator": ind.code, "organ": "o" * 101},
        {"indicator": ind.code, "value": True},
    ]
    if ind.value is not None:
        bad += [{"indicator": ind.code, "value": ind.value.max + 0.5}, {"indicator": ind.code, "value": "5"}]
        if "even" in ind.sides:
            bad.append({"indicator": ind.code, "side": "even", "value": 1})
    else:
        bad.append({"indicator": ind.code, "value": 1})
    return bad


def _service_accepts(raw: dict[str, Any], kb: KnowledgeBase) -> bool:
    """What the visit services make of one finding (sotclinic.sot.findings, then the check every text gets)."""
    try:
        parse_finding(raw, kb)
    except ValueError:
        return False
    return not any(text_problem(text, max_length=1000) for text in strings_in(raw))


@pytest.mark.django_db
def test_every_indicator_is_judged_alike_by_the_schema_and_the_services(prac_client: Client) -> None:
    kb = default_kb()
    validator = _validator(_document(prac_client))
    for ind in kb.indicators.values():
        good = [*_richest(ind), {"indicator": ind.code, **dict.fromkeys(FIELDS[1:])}]
        if "even" in ind.sides:
            good += [
                {"indicator": ind.code, "side": "even"},
                {"indicator": ind.code, "side": "even", "value": 0},
            ]
        for finding in good:
            assert _service_accepts(finding, kb), finding
            assert validator.is_valid({"findings": [finding]}), finding
        for finding in _wrong(ind):
            assert not _service_accepts(finding, kb), finding
            assert not validator.is_valid({"findings": [finding]}), finding
    for body in (
        {"findings": [{}]},
        {"findings": [{"indicator": "nope"}]},
        {"findings": [{"indicator": None}]},
    ):
        assert not validator.is_valid(body), body


# Bodies the old schema allowed (category a string, findings any objects) and the API refused with 422, found by
# schemathesis; the published schema now forbids each of them.
REFUSED_BEFORE: list[dict[str, Any]] = [
    {"findings": [{}]},
    {"findings": [{"side": "left"}]},
    {"findings": [{"indicator": "cmrt", "organ": "\x00"}]},
    {"plan": "a\x00b"},
    {"category": "cat9", "override_reason": "because"},
    {"findings": [{"indicator": "compaction", "side": "left"}]},
    {"findings": [{"indicator": "leg_length_prone", "side": "even", "value": 3}]},
]

# Bodies the schema allows that go near its edges: every one is saved.
ACCEPTED: list[dict[str, Any]] = [
    {"findings": [f for ind in default_kb().indicators.values() for f in _richest(ind)]},
    {"findings": [{"indicator": code, **dict.fromkeys(FIELDS[1:])} for code in default_kb().indicators]},
    {
        "findings": [
            {"indicator": "cmrt"},
            {"indicator": "cmrt", "level": "S"},
            {"indicator": "cmrt", "organ": "x"},
        ]
    },
    {"findings": [{"indicator": "leg_length_prone", "side": "even", "value": 0}], "category": "none"},
    {"findings": [{"indicator": "slr", "value": 120}, {"indicator": "slr", "value": 0.5}], "category": ""},
    {"findings": [], "category": "cat3", "override_reason": "clinical judgement", "pain": None},
    {
        "complaint": "",
        "subjective": "\u2028\ufeff",
        "plan": "x" * 5000,
        "override_reason": None,
        "category": None,
    },
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", REFUSED_BEFORE)
def test_a_body_the_old_schema_allowed_and_the_api_refused_is_now_outside_the_schema(
    prac_client: Client, draft_visit: Visit, body: dict[str, Any]
) -> None:
    assert not _validator(_document(prac_client)).is_valid(body)
    response = prac_client.patch(f"/api/visits/{draft_visit.pk}", body, content_type="application/json")
    assert response.status_code == 422, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("body", ACCEPTED)
def test_a_body_the_schema_allows_is_saved(
    prac_client: Client, draft_visit: Visit, body: dict[str, Any]
) -> None:
    assert _validator(_document(prac_client)).is_valid(body)
    response = prac_client.patch(f"/api/visits/{draft_visit.pk}", body, content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_what_the_schema_cannot_say_is_a_documented_422(prac_client: Client, draft_visit: Visit) -> None:
    url = f"/api/visits/{draft_visit.pk}"
    validator = _validator(_document(prac_client))
    overridden = {"findings": [], "category": "cat1"}
    repeated = {"findings": [{"indicator": "cmrt", "level": "T6", "organ": "liver"}] * 2}
    spaced = {"findings": [{"indicator": "cmrt", "organ": "liver"}, {"indicator": "cmrt", "organ": " liver"}]}
    for body, message in (
        (overridden, "Give a reason"),
        (repeated, "is the same as"),
        (spaced, "is the same as"),
    ):
        assert validator.is_valid(body)
        response = prac_client.patch(url, body, content_type="application/json")
        assert response.status_code == 422 and message in str(response.json()["detail"])
    assert set(REFUSED_ANYWAY) == {"override_reason", "repeated_entry", "unicode"}
