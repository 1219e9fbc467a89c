"""IDs in URLs cannot be guessed, and a guessed one reveals nothing.

Every path parameter that names an object is a UUID (Django's `uuid` converter), drawn at random (uuid4). A random
UUID in place of each object of each route, the real ID of an object of another kind (a visit's ID where a
patient's is expected), or the ID of another clinic's patient: 404 for a practitioner of the home clinic, with no
patient data in the answer. A random or tampered questionnaire-link token is refused (410) and names no one.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from sotclinic.clinic.models import BreakGlassGrant, User
from sotclinic.outcomes.models import Assignment
from sotclinic.patients.models import Patient, RedFlag
from sotclinic.visits.models import AdverseEvent, Visit
from tests.attack.attack_support import (
    World,
    app_routes,
    body_of,
    client_as,
    leaked,
    random_uuid,
)
from tests.attack.test_attack_sweep import EXPECTED

pytestmark = pytest.mark.usefixtures("quiet_logs")

# The model each ID parameter names.
MODELS = {
    "patient_id": Patient,
    "visit_id": Visit,
    "flag_id": RedFlag,
    "event_id": AdverseEvent,
    "assignment_id": Assignment,
    "user_id": User,
    "grant_id": BreakGlassGrant,
}
# Not an ID: the questionnaire link's token is a signed random secret (only its hash is stored).
SECRETS = {"token"}
# The converters that only match a UUID: Django's, and django-ninja's (the same match, handed on as a string).
UUID_CONVERTERS = {"UUIDConverter", "UUIDStrConverter"}
API_ROUTES = {"api/visits/<uuidstr:visit_id>"}


def test_every_id_in_a_url_is_a_random_uuid(world: World) -> None:
    seen = set()
    for route in app_routes():
        for parameter, converter in route.converters:
            seen.add(parameter)
            if parameter in SECRETS:
                continue
            assert parameter in MODELS, f"{route.route}: what does {parameter} name? add it to MODELS"
            assert converter in UUID_CONVERTERS, f"{route.route}: {parameter} is routed as {converter}"
    assert set(MODELS) <= seen
    for model in MODELS.values():
        pk = model._meta.pk
        assert pk.get_internal_type() == "UUIDField", model
        assert pk.default is uuid.uuid4, f"{model.__name__} IDs must be random (uuid4)"
    for value in world.params().values():
        if value != world.token:
            assert uuid.UUID(value).version == 4


def _who(route: str) -> str:
    """The persona of the home clinic this route serves (the practitioner, or for the staff pages the
    administrator), from the sweep's table: the first one not refused."""
    for persona in ("practitioner", "administrator"):
        if any(c not in ("403", "404", "405", "L") for c in EXPECTED[route][persona].split()):
            return persona
    raise AssertionError(f"no persona of the home clinic may use {route}")


def _methods(route: str) -> list[str]:
    """The methods that persona is not refused with 405 on this route (from the sweep's table)."""
    codes = EXPECTED[route][_who(route)].split()
    return [m for m, c in zip(("GET", "POST", "PUT", "PATCH", "DELETE"), codes, strict=True) if c != "405"]


def _send(client: Client, method: str, url: str, route: str) -> Any:
    if route in API_ROUTES and method != "GET":
        return client.generic(method, url, b"{}", content_type="application/json")
    return client.generic(method, url)


def _wrong_values(world: World, parameter: str) -> dict[str, str]:
    real = world.params()
    others = {
        "random UUID": random_uuid(),
        "another clinic's patient": str(world.outsider_patient.pk),
        "another clinic's practitioner": str(world.users["outsider"].pk),
    }
    # the real ID of every other kind of object
    for other, value in real.items():
        if other != parameter and other in MODELS:
            others[f"a {other.removesuffix('_id')}'s ID"] = value
    return others


def test_a_guessed_id_of_each_object_type_is_404_and_reveals_nothing(world: World) -> None:
    clients = {persona: client_as(world, persona) for persona in ("practitioner", "administrator")}
    problems = []
    tried = 0
    for route in app_routes():
        if not set(route.parameters) - SECRETS:
            continue
        client = clients[_who(route.route)]
        for parameter in route.parameters:
            if parameter in SECRETS:
                continue
            for label, value in _wrong_values(world, parameter).items():
                url = route.fill({**world.params(), parameter: value})
                method = _methods(route.route)[0]  # the reading method (GET), or else the writing one
                response = _send(client, method, url, route.route)
                tried += 1
                if response.status_code != 404:
                    problems.append(
                        f"{method} {route.route} with {label} as {parameter}: {response.status_code}"
                    )
                if found := leaked(body_of(response)):
                    problems.append(f"{method} {route.route} with {label} as {parameter}: shows {found}")
    assert tried > 50
    assert not problems, f"{len(problems)} of {tried}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "value",
    [
        "12345",
        "not-a-uuid",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "' OR 1=1 --",
        "00000000000000000000000000000000",
    ],
)
def test_a_malformed_id_is_404_everywhere(world: World, value: str) -> None:
    clients = {persona: client_as(world, persona) for persona in ("practitioner", "administrator")}
    for route in app_routes():
        if not set(route.parameters) - SECRETS:
            continue
        client = clients[_who(route.route)]
        for parameter in route.parameters:
            if parameter in SECRETS:
                continue
            url = route.fill({**world.params(), parameter: value})
            for method in _methods(route.route):
                response = _send(client, method, url, route.route)
                assert response.status_code == 404, (method, url, response.status_code)
                assert not leaked(body_of(response))


@pytest.mark.parametrize("persona", ["anonymous", "practitioner", "outsider"])
def test_a_guessed_or_tampered_questionnaire_token_is_refused_and_names_no_one(
    world: World, persona: str
) -> None:
    client = client_as(world, persona)
    token = world.token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for guess in (random_uuid(), "x", tampered, token.split(":")[0], token + "x"):
        for method in ("GET", "POST"):
            response = client.generic(method, f"/q/{guess}/")
            assert response.status_code == 410, (guess, method, response.status_code)
            text = body_of(response)
            assert "This link is not valid" in text
            assert not leaked(text)
            assert world.clinic.name not in text
