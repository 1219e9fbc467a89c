"""Every URL pattern of the project × every persona × every HTTP method: the status each must get, and no patient
data in any refused answer.

The table below is the expectation, written out route by route. A URL added to the project without a row here fails
`test_every_url_pattern_has_a_row` with the row to fill in; a role added to `Role` without a column fails
`test_every_role_has_a_column`.

Codes, in the order GET POST PUT PATCH DELETE:
  200, 400, 401, 403, 404, 405, 409 ... the status itself
  302  a redirect somewhere other than a login page
  L    a redirect to the login page (/login/?next=...)

The path parameters are real objects of the home clinic (World.params): the patient, the *signed* visit, an open
red flag, a severe adverse event, an active questionnaire assignment, a live questionnaire-link token, a
break-the-glass grant (caseloads are off in the world; tests/attack/test_attack_caseload.py turns them on). Requests
carry no form data (an empty POST); API requests carry the JSON body `{}`.

The personas: anonymous; one member of staff of the home clinic per role of sotclinic.clinic.models.Role
(administrator, practitioner, front desk, researcher), signed in as after a real login (second factor included
where the role needs one); and a practitioner of another clinic (outsider).

"Refused" means: any 4xx except 400 (400 is a form shown again with its errors, to a user allowed to see it), or a
redirect to a login page. No refused answer may contain the home patient's names, date of birth, e-mail, phone,
address, complaint or clinical text (attack_support.PATIENT_MARKERS). Over and above that, nothing at all that the
outsider, an anonymous visitor, an administrator or a researcher receives may contain them (the questionnaire
link, whose token is the patient's own key, shows no name either), and nothing the front desk receives may contain
clinical text.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from django.test import Client

from sotclinic.clinic.models import Role
from tests.attack.attack_support import (
    CLINICAL_MARKERS,
    METHODS,
    PATIENT_MARKERS,
    World,
    admin_routes,
    app_routes,
    body_of,
    client_as,
    leaked,
    personas,
)

pytestmark = pytest.mark.usefixtures("quiet_logs")

# Who may never receive the home patient's data in any answer, refused or not: nobody signed in, the other clinic,
# and the two roles that have no access to identifiable patient data (administrator: staff and settings only;
# researcher: de-identified exports only).
NO_PATIENT_DATA = {"anonymous", "outsider", "administrator", "researcher"}

# Shorthands for the rows that repeat.
LOGIN = "L L L L L"  # login_required: every method is sent to log in first
SAFE_200 = "200 405 405 405 405"  # @require_safe: a page that only shows
ANY_200 = "200 200 200 200 200"  # django-ninja's schema and docs answer every method
ALL_404 = "404 404 404 404 404"
ALL_403 = "403 403 403 403 403"
ALL_302 = "302 302 302 302 302"
POST_ONLY = "405 {} 405 405 405"  # require_POST: GET and the rest are 405 whoever asks
GET_POST = "200 {} 405 405 405"  # require_http_methods(["GET", "POST"])


# route -> persona -> codes for GET POST PUT PATCH DELETE
EXPECTED: dict[str, dict[str, str]] = {
    "": {
        "anonymous": LOGIN,  # the home page: each role's start page
        "administrator": "302 405 405 405 405",
        "practitioner": "302 405 405 405 405",
        "front_desk": "302 405 405 405 405",
        "researcher": "200 405 405 405 405",  # the researcher's start page (no patient data): any method
        "outsider": "302 405 405 405 405",
    },
    "login/": {
        "anonymous": "200 200 200 405 405",  # LoginView treats PUT as POST (a form with errors)
        "administrator": ALL_302,  # already signed in: sent on
        "practitioner": ALL_302,
        "front_desk": ALL_302,
        "researcher": ALL_302,
        "outsider": ALL_302,
    },
    "logout/": {
        "anonymous": "405 L 405 405 405",
        "administrator": "405 L 405 405 405",
        "practitioner": "405 L 405 405 405",
        "front_desk": "405 L 405 405 405",
        "researcher": "405 L 405 405 405",
        "outsider": "405 L 405 405 405",
    },
    "account/": {
        "anonymous": LOGIN,
        "administrator": "200 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "200 405 405 405 405",
        "researcher": "200 405 405 405 405",
        "outsider": "200 405 405 405 405",
    },
    "account/mfa/enrol/": {
        "anonymous": LOGIN,
        "administrator": "302 302 405 405 405",  # enrolled already: sent on
        "practitioner": "302 302 405 405 405",
        "front_desk": GET_POST.format(200),  # a second factor is optional for this role
        "researcher": GET_POST.format(200),
        "outsider": "302 302 405 405 405",
    },
    "account/mfa/verify/": {
        "anonymous": LOGIN,
        "administrator": "302 302 405 405 405",
        "practitioner": "302 302 405 405 405",
        "front_desk": "302 302 405 405 405",
        "researcher": "302 302 405 405 405",
        "outsider": "302 302 405 405 405",
    },
    "account/recovery-codes/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(200),
        "practitioner": POST_ONLY.format(200),
        "front_desk": POST_ONLY.format(302),  # no second factor: nothing to recover, sent on
        "researcher": POST_ONLY.format(302),
        "outsider": POST_ONLY.format(200),
    },
    "account/confirm/": {
        "anonymous": LOGIN,
        "administrator": GET_POST.format(200),
        "practitioner": GET_POST.format(200),
        "front_desk": GET_POST.format(200),
        "researcher": GET_POST.format(200),
        "outsider": GET_POST.format(200),
    },
    "clinic/staff/": {
        "anonymous": LOGIN,
        "administrator": "200 405 405 405 405",
        "practitioner": "403 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "403 405 405 405 405",
    },
    "clinic/staff/<uuid:user_id>/role/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),  # refused for the role before any lookup
    },
    "clinic/staff/new/": {
        "anonymous": LOGIN,
        "administrator": GET_POST.format(422),  # an empty form: every missing detail named
        "practitioner": "403 403 405 405 405",
        "front_desk": "403 403 405 405 405",
        "researcher": "403 403 405 405 405",
        "outsider": "403 403 405 405 405",
    },
    "clinic/staff/<uuid:user_id>/setup-link/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(
            302
        ),  # the colleague has a password: back to the staff page, saying so
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),
    },
    "clinic/staff/<uuid:user_id>/reactivate/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),
    },
    "account/setup/<str:token>/": {
        # a new member's set-up link: the token is the key; the sweep's token (a questionnaire link's) is not one
        "anonymous": "410 410 405 405 405",
        "administrator": "410 410 405 405 405",
        "practitioner": "410 410 405 405 405",
        "front_desk": "410 410 405 405 405",
        "researcher": "410 410 405 405 405",
        "outsider": "410 410 405 405 405",
    },
    "clinic/staff/<uuid:user_id>/deactivate/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),
    },
    "clinic/staff/<uuid:user_id>/unlock/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),
    },
    "clinic/staff/<uuid:user_id>/two-factor-reset/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),
    },
    "clinic/settings/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),
    },
    "clinic/break-glass/": {
        "anonymous": LOGIN,
        "administrator": "200 405 405 405 405",  # the accesses to review: patient ids, never names
        "practitioner": "403 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "403 405 405 405 405",
    },
    "clinic/break-glass/<uuid:grant_id>/review/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(302),  # marked reviewed: back to the list
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(403),  # refused for the role before any lookup
    },
    "patients/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "200 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "200 405 405 405 405",  # the outsider's own clinic's list: none of ours in it (checked)
    },
    "patients/new/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),
        "front_desk": GET_POST.format(400),
        "researcher": "403 403 405 405 405",
        "outsider": GET_POST.format(400),
    },
    "patients/<uuid:patient_id>/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "200 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "404 405 405 405 405",
    },
    "patients/<uuid:patient_id>/edit/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),
        "front_desk": GET_POST.format(400),
        "researcher": "403 403 405 405 405",
        "outsider": "404 404 405 405 405",
    },
    "patients/<uuid:patient_id>/complaints/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(400),
        "front_desk": POST_ONLY.format(400),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "patients/<uuid:patient_id>/visits/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),  # opens today's draft
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "patients/<uuid:patient_id>/screening/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),  # an empty screening is refused: "none was answered"
        "front_desk": GET_POST.format(400),
        "researcher": "403 403 405 405 405",
        "outsider": "404 404 405 405 405",
    },
    "patients/<uuid:patient_id>/flags/<uuid:flag_id>/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),
        "front_desk": "403 403 405 405 405",
        "researcher": "403 403 405 405 405",
        "outsider": "404 404 405 405 405",
    },
    "patients/<uuid:patient_id>/flags/<uuid:flag_id>/letter/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "404 405 405 405 405",
    },
    "patients/<uuid:patient_id>/consent/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),
        "front_desk": GET_POST.format(400),
        "researcher": "403 403 405 405 405",
        "outsider": "404 404 405 405 405",
    },
    "patients/<uuid:patient_id>/adverse-events/new/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),
        "front_desk": "403 403 405 405 405",
        "researcher": "403 403 405 405 405",
        "outsider": "404 404 405 405 405",
    },
    "patients/<uuid:patient_id>/break-glass/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(
            302
        ),  # caseloads are off in the world: nothing to break, on to the chart
        "front_desk": POST_ONLY.format(403),  # the front desk has no caseload and no clinical notes
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "patients/<uuid:patient_id>/practitioners/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),  # nothing chosen: back to the chart, saying so
        "front_desk": POST_ONLY.format(302),  # the front desk keeps the practitioners for a patient too
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "visits/<uuid:visit_id>/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "404 405 405 405 405",
    },
    "visits/<uuid:visit_id>/autosave/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(409),  # the visit is signed: locked
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "visits/<uuid:visit_id>/carry-forward/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(409),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "visits/<uuid:visit_id>/sign/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(409),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "visits/<uuid:visit_id>/amendments/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(400),  # an empty amendment
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "visits/<uuid:visit_id>/screening/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(409),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "adverse-events/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "200 405 405 405 405",  # the outsider's own clinic's register
    },
    "adverse-events/<uuid:event_id>/follow-up/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),  # an empty follow-up: back to the chart with a message
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "clinic/consent-text/": {
        "anonymous": LOGIN,
        "administrator": "403 403 405 405 405",
        "practitioner": GET_POST.format(400),
        "front_desk": "403 403 405 405 405",
        "researcher": "403 403 405 405 405",
        "outsider": GET_POST.format(400),  # the outsider's own clinic's text
    },
    "outcomes/due/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "200 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "200 405 405 405 405",
    },
    "outcomes/report/": {
        "anonymous": LOGIN,
        "administrator": "403 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "200 405 405 405 405",
    },
    "outcomes/patients/<uuid:patient_id>/defaults/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "outcomes/patients/<uuid:patient_id>/assign/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "outcomes/patients/<uuid:patient_id>/assignments/<uuid:assignment_id>/stop/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "outcomes/patients/<uuid:patient_id>/discharge/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "outcomes/patients/<uuid:patient_id>/link/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),
        "front_desk": POST_ONLY.format(302),  # the front desk sends questionnaire links
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "outcomes/patients/<uuid:patient_id>/total/": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(302),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(403),
        "outsider": POST_ONLY.format(404),
    },
    "q/<str:token>/": {
        # the patient's own questionnaire link: the token is the key, whoever holds it
        "anonymous": GET_POST.format(200),
        "administrator": GET_POST.format(200),
        "practitioner": GET_POST.format(200),
        "front_desk": GET_POST.format(200),
        "researcher": GET_POST.format(200),
        "outsider": GET_POST.format(200),
    },
    "audit/": {
        "anonymous": LOGIN,
        "administrator": "200 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "200 405 405 405 405",  # the outsider's own clinic's trail
    },
    "audit/export.csv": {
        "anonymous": LOGIN,
        "administrator": "200 405 405 405 405",
        "practitioner": "200 405 405 405 405",
        "front_desk": "403 405 405 405 405",
        "researcher": "403 405 405 405 405",
        "outsider": "200 405 405 405 405",
    },
    "research/export.zip": {
        "anonymous": LOGIN,
        "administrator": POST_ONLY.format(403),
        "practitioner": POST_ONLY.format(403),
        "front_desk": POST_ONLY.format(403),
        "researcher": POST_ONLY.format(200),  # the ZIP (just signed in: no re-authentication asked)
        "outsider": POST_ONLY.format(403),  # refused for the role
    },
    "api/openapi.json": {
        "anonymous": ANY_200,  # the schema is public and names no patient
        "administrator": ANY_200,
        "practitioner": ANY_200,
        "front_desk": ANY_200,
        "researcher": ANY_200,
        "outsider": ANY_200,
    },
    "api/docs": {
        "anonymous": ANY_200,
        "administrator": ANY_200,
        "practitioner": ANY_200,
        "front_desk": ANY_200,
        "researcher": ANY_200,
        "outsider": ANY_200,
    },
    "api/visits/<uuidstr:visit_id>": {
        "anonymous": "401 405 405 401 405",
        "administrator": "403 405 405 403 405",
        "practitioner": "200 405 405 409 405",  # PATCH on a signed note: 409, locked
        "front_desk": "403 405 405 403 405",
        "researcher": "403 405 405 403 405",
        "outsider": "404 405 405 404 405",
    },
    "api/": {
        "anonymous": ALL_404,
        "administrator": ALL_404,
        "practitioner": ALL_404,
        "front_desk": ALL_404,
        "researcher": ALL_404,
        "outsider": ALL_404,
    },
}


def test_every_url_pattern_has_a_row() -> None:
    routes = {r.route for r in app_routes()}
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    template = "\n".join(
        f'    "{route}": {{' + "".join(f'\n        "{p}": "? ? ? ? ?",' for p in personas()) + "\n    },"
        for route in missing
    )
    assert not missing, (
        f"URL pattern(s) without a row in EXPECTED ({__file__}): write down what each persona must get:\n"
        + template
    )
    assert not stale, f"rows in EXPECTED for URL patterns that no longer exist: {stale}"


def test_every_role_has_a_column() -> None:
    for route, row in EXPECTED.items():
        missing = [p for p in personas() if p not in row]
        assert not missing, (
            f"EXPECTED[{route!r}] has no column for {missing}: every role of sotclinic.clinic.models.Role "
            "is a persona of the sweep; write down what it must get on every URL"
        )
        unknown = sorted(set(row) - set(personas()))
        assert not unknown, f"EXPECTED[{route!r}] has columns for personas that do not exist: {unknown}"
        for persona, codes in row.items():
            assert len(codes.split()) == len(METHODS), (route, persona, codes)


def _request(client: Client, method: str, url: str, api: bool) -> Any:
    if api and method != "GET":
        return client.generic(method, url, b"{}", content_type="application/json")
    return client.generic(method, url)


def _code(response: Any) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return "L" if response["Location"].startswith("/login/") else "302"
    return str(response.status_code)


def _refused(code: str) -> bool:
    return code == "L" or (code.isdigit() and 400 < int(code) < 500)


@pytest.mark.parametrize("persona", personas())
def test_sweep(world: World, persona: str) -> None:
    """One persona against every URL pattern and method. All mismatches are listed together."""
    params = world.params()
    client = client_as(world, persona)
    problems: list[str] = []
    sent = 0
    for route in app_routes():
        row = EXPECTED.get(route.route)
        if row is None or persona not in row:
            problems.append(f"{route.route}: no expectation (see test_every_url_pattern_has_a_row)")
            continue
        url = route.fill(params)
        for method, expected in zip(METHODS, row[persona].split(), strict=True):
            response = _request(client, method, url, route.route.startswith("api/visits/"))
            sent += 1
            code = _code(response)
            if route.route == "logout/" and persona != "anonymous":
                client = client_as(world, persona)  # signed out by it: sign in again
            if code != expected:
                problems.append(f"{method} {route.route}: expected {expected}, got {code}")
            text = body_of(response)
            if _refused(code) and (found := leaked(text)):
                problems.append(f"{method} {route.route}: refused ({code}) but shows {found}")
            if persona in NO_PATIENT_DATA and (found := leaked(text, PATIENT_MARKERS)):
                problems.append(f"{method} {route.route}: the {persona} sees patient data {found}")
            if persona == Role.FRONT_DESK and (found := leaked(text, CLINICAL_MARKERS)):
                problems.append(f"{method} {route.route}: the front desk sees clinical text {found}")
    assert sent == len(app_routes()) * len(METHODS)
    assert not problems, f"{persona}: {len(problems)} problem(s) in {sent} requests:\n" + "\n".join(problems)


@pytest.mark.parametrize("persona", personas())
def test_the_admin_sends_everyone_who_is_not_staff_to_its_login(world: World, persona: str) -> None:
    """Every admin URL pattern, GET and POST: anyone not staff is sent to the admin's login page, the login page
    itself excepted (and its logout, which sends them to the admin's index, that is, to its login)."""
    values = {
        "app_label": "patients",
        "object_id": str(world.patient.pk),
        "id": str(world.users["outsider"].pk),
        "content_type_id": "1",
        "url": "anything/",
    }
    client = client_as(world, persona)
    problems = []
    for route in admin_routes():
        url = route.fill(defaultdict(lambda: "1", values))
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            if route.name == "admin:login":
                ok = response.status_code == 200
            elif route.name == "admin:logout":
                ok = response.status_code == 302 and response["Location"] == "/admin/"
            else:
                ok = response.status_code == 302 and response["Location"].startswith("/admin/login/?next=")
            if not ok:
                problems.append(f"{method} {url}: {response.status_code} {response.get('Location', '')}")
            if found := leaked(body_of(response)):
                problems.append(f"{method} {url}: shows {found}")
    assert len(admin_routes()) > 20
    assert not problems, "\n".join(problems)


def test_the_sweep_covers_the_routes_that_matter() -> None:
    """A guard on the walk itself: it finds the nested routes of every app and the API's."""
    routes = {r.route for r in app_routes()}
    for expected in (
        "patients/<uuid:patient_id>/flags/<uuid:flag_id>/letter/",
        "visits/<uuid:visit_id>/sign/",
        "outcomes/patients/<uuid:patient_id>/assignments/<uuid:assignment_id>/stop/",
        "api/visits/<uuidstr:visit_id>",
        "q/<str:token>/",
    ):
        assert expected in routes
