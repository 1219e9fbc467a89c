"""CSRF: a forged state-changing request (no token) is refused on every route, and changes nothing.

A practitioner of the home clinic is signed in (the victim; and again the clinic's administrator, for the staff
and settings pages, and its researcher, for the research export), with a browser that enforces CSRF checks the
way Django's middleware does. Every URL pattern of the app is sent POST, PUT, PATCH and DELETE with real objects
in the path and a plausible form body, but no CSRF token: each must be 403, and no row of any table may change
(every installed model's rows are counted and digested before and after each request).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sotclinic.patients.models import Complaint
from tests.attack.attack_support import (
    UNSAFE_METHODS,
    World,
    app_routes,
    body_of,
    client_as,
    leaked,
    snapshot,
    snapshot_diff,
)

pytestmark = pytest.mark.usefixtures("quiet_logs")

# Where a forged request is not answered 403, and why it is still harmless. Nothing else is allowed.
NOT_403: dict[tuple[str, str], int] = {
    # django-ninja routes each operation itself: a method the API does not have is 405 before any check.
    ("api/visits/<uuidstr:visit_id>", "POST"): 405,
    ("api/visits/<uuidstr:visit_id>", "PUT"): 405,
    ("api/visits/<uuidstr:visit_id>", "DELETE"): 405,
}

# A body that would be accepted if the token were there: every form field a view reads, with a valid value.
FORM: dict[str, str] = {
    "family_name": "Forged",
    "given_names": "Forged",
    "date_of_birth": "1970-01-01",
    "sex": "unknown",
    "code": "neck",
    "description": "forged",
    "reason": "forged",
    "text": "forged",
    "decision": "proceed",
    "agreed": "on",
    "signed_name": "Forged",
    "title": "Forged",
    "body": "forged consent text",
    "notes": "forged",
    "instrument": "nprs",
    "total": "3",
    "complaint": "forged",
    "plan": "forged",
    "severity": "mild",
    "began_at": "2026-01-01T10:00",
    "causality": "possible",
    "username": "practitioner",
    "password": "correct-horse-battery",
}


def _forge(client: Client, method: str, url: str, api: bool) -> Any:
    if api:
        return client.generic(method, url, b'{"plan": "forged"}', content_type="application/json")
    if method == "POST":
        return client.post(url, FORM)
    return client.generic(method, url, "&".join(f"{k}={v}" for k, v in FORM.items()))


@pytest.mark.parametrize("victim", ["practitioner", "administrator", "researcher"])
def test_every_state_changing_request_without_a_token_is_refused_and_changes_nothing(
    world: World, victim: str
) -> None:
    params = world.params()
    # the draft visit too, so that autosave/sign/carry-forward would really write if the token were not checked
    targets = [(route, route.fill(params)) for route in app_routes()]
    targets += [
        (route, route.fill({**params, "visit_id": str(world.draft_visit.pk)}))
        for route in app_routes()
        if "visit_id" in route.parameters
    ]
    client = client_as(world, victim, enforce_csrf_checks=True)
    problems = []
    sent = 0
    before = snapshot()
    for route, url in targets:
        for method in UNSAFE_METHODS:
            response = _forge(client, method, url, route.route.startswith("api/visits/"))
            sent += 1
            expected = NOT_403.get((route.route, method), 403)
            if response.status_code != expected:
                problems.append(
                    f"{method} {url} ({route.route}): expected {expected}, got {response.status_code}"
                )
            after = snapshot()
            if changed := snapshot_diff(before, after):
                problems.append(f"{method} {url} ({route.route}) changed the database: {changed}")
            before = after
            if found := leaked(body_of(response)):
                problems.append(f"{method} {url}: the refusal shows {found}")
    assert sent >= 4 * len(app_routes())
    assert not problems, f"{len(problems)} problem(s) in {sent} forged requests:\n" + "\n".join(problems)


def test_the_same_request_with_the_token_goes_through(world: World) -> None:
    """The control: the refusals above are the CSRF check's, not something else's."""
    client = client_as(world, "practitioner", enforce_csrf_checks=True)
    chart = reverse("patients:chart", kwargs={"patient_id": world.patient.pk})
    page = client.get(chart)
    token = str(page.context["csrf_token"])
    url = reverse("patients:complaint_new", kwargs={"patient_id": world.patient.pk})
    before, rows = Complaint.objects.count(), snapshot()
    assert client.post(url, {"code": "neck"}).status_code == 403
    assert snapshot_diff(rows, snapshot()) == []
    response = client.post(url, {"code": "neck", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Complaint.objects.count() == before + 1
    # the snapshot sees a write (so the "changes nothing" above means something)
    changed = snapshot_diff(rows, snapshot())
    assert "patients.Complaint: 1 rows -> 2 rows" in changed
    # and the API: the token in the X-CSRFToken header
    api = f"/api/visits/{world.draft_visit.pk}"
    assert client.patch(api, {"plan": "x"}, content_type="application/json").status_code == 403
    response = client.patch(
        api, {"plan": "x"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200, response.content


def test_a_token_from_another_session_is_refused(world: World) -> None:
    """A token an attacker got from their own session (another clinic's practitioner) does not work in the
    victim's."""
    attacker = client_as(world, "outsider", enforce_csrf_checks=True)
    attacker.get(reverse("patients:list"))
    stolen = attacker.cookies["csrftoken"].value
    victim = client_as(world, "practitioner", enforce_csrf_checks=True)
    victim.get(reverse("patients:list"))
    url = reverse("patients:complaint_new", kwargs={"patient_id": world.patient.pk})
    before = snapshot()
    response = victim.post(url, {"code": "neck", "csrfmiddlewaretoken": stolen})
    assert response.status_code == 403
    assert snapshot_diff(before, snapshot()) == []
