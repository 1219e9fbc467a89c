"""Caseloads on: a practitioner of the home clinic who does not look after the home patient tries every URL pattern
with every method. Whatever names the patient's record (the patient, a visit, a flag, an adverse event, an
assignment) is refused (403, or 405 for a method the route does not take, or 400 for an empty reason on the
break-the-glass form itself) and shows at most the patient's name, never anything else of the record; nothing is
written; the lists show no clinical text. Then, with a break-the-glass grant, the same practitioner gets what the
sweep's table gives any practitioner."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from sotclinic.clinic.caseloads import break_glass_open
from sotclinic.clinic.models import Role
from tests.attack.attack_support import (
    ADDRESS,
    CLINICAL_MARKERS,
    COMPLAINT_TEXT,
    DOB,
    EMAIL,
    FAMILY,
    GIVEN,
    METHODS,
    PATIENT_MARKERS,
    PHONE,
    World,
    app_routes,
    body_of,
    leaked,
    sign_in,
    snapshot,
    snapshot_diff,
)
from tests.attack.test_attack_sweep import EXPECTED
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("quiet_logs")

# Parameters that name something of the home patient's record.
RECORD_PARAMETERS = {"patient_id", "visit_id", "flag_id", "event_id", "assignment_id"}
# Never, anywhere, to a practitioner outside the caseload: clinical text and contact details.
NEVER = (*CLINICAL_MARKERS, COMPLAINT_TEXT, EMAIL, PHONE, ADDRESS, "Larkspur", "07700900461", "7700 900461")
# Allowed on a refusal: the name on the break-the-glass page. Nothing else of PATIENT_MARKERS.
NAME_ONLY = {GIVEN, FAMILY}
# Lists that still name the clinic's patients (name and date of birth), as they do for the front desk.
LISTS = {"patients/", "outcomes/due/"}
# Not about the caseload: logging out (it would end the session mid-sweep) and the patient's own questionnaire link.
SKIP = {"logout/", "q/<str:token>/"}


def _request(client: Any, method: str, url: str, api: bool) -> Any:
    if api and method != "GET":
        return client.generic(method, url, b"{}", content_type="application/json")
    return client.generic(method, url)


def _code(response: Any) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return "L" if response["Location"].startswith("/login/") else "302"
    return str(response.status_code)


@pytest.fixture
def stranger(world: World) -> Any:
    """Caseloads on in the home clinic, and a practitioner of it who does not look after the home patient."""
    world.clinic.caseloads_enabled = True
    world.clinic.save()
    user = make_user(world.clinic, "stranger", Role.PRACTITIONER)
    return user


def test_outside_the_caseload_every_route_of_the_record_is_refused_showing_the_name_at_most(
    world: World, stranger: Any
) -> None:
    from django.test import Client

    client = sign_in(Client(), stranger)
    params = world.params()
    problems: list[str] = []
    before = snapshot()
    for route in app_routes():
        if route.route in SKIP:
            continue
        names_record = bool(RECORD_PARAMETERS & set(route.parameters))
        url = route.fill(params)
        for method in METHODS:
            response = _request(client, method, url, route.route.startswith("api/visits/"))
            code = _code(response)
            text = body_of(response)
            if found := leaked(text, NEVER):
                problems.append(f"{method} {route.route}: shows {found}")
            if names_record:
                ok = code in ("403", "405") or (route.route.endswith("break-glass/") and code == "400")
                if not ok:
                    problems.append(f"{method} {route.route}: expected a refusal, got {code}")
                if found := set(leaked(text, PATIENT_MARKERS)) - NAME_ONLY:
                    problems.append(f"{method} {route.route}: refused but shows {sorted(found)}")
                if route.route.startswith("api/") and (found := leaked(text, (GIVEN, FAMILY))):
                    problems.append(f"{method} {route.route}: the API's refusal names {found}")
            elif route.route not in LISTS and (found := leaked(text, (DOB.isoformat(), "23 Apr 1961"))):
                problems.append(f"{method} {route.route}: shows the date of birth")
    # nothing of any patient's record written (their own account pages may write their own login's rows)
    record = ("patients.", "visits.", "outcomes.", "clinic.CaseloadMember", "clinic.BreakGlassGrant")
    changed = [c for c in snapshot_diff(before, snapshot()) if c.startswith(record)]
    assert not changed, changed
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_with_a_grant_the_practitioner_gets_what_any_practitioner_gets_until_it_ends(
    world: World, stranger: Any
) -> None:
    from django.test import Client

    grant = break_glass_open(patient=world.patient, by=stranger, reason="Covering the emergency list today")
    client = sign_in(Client(), stranger)
    params = world.params()
    for route in ("patients/<uuid:patient_id>/", "visits/<uuid:visit_id>/", "api/visits/<uuidstr:visit_id>"):
        (pattern,) = [r for r in app_routes() if r.route == route]
        expected = EXPECTED[route]["practitioner"].split()[0]
        assert _code(client.get(pattern.fill(params))) == expected, route
    grant.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    grant.save(update_fields=["expires_at"])
    for route in ("patients/<uuid:patient_id>/", "visits/<uuid:visit_id>/", "api/visits/<uuidstr:visit_id>"):
        (pattern,) = [r for r in app_routes() if r.route == route]
        response = client.get(pattern.fill(params))
        assert response.status_code == 403, route
        assert not set(leaked(body_of(response), PATIENT_MARKERS)) - NAME_ONLY
