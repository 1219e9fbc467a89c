"""The two roles without patient access: a researcher and an administrator are refused (403) on every patient,
chart, visit, search, outcome and adverse-event page and API route of the app, and no refusal shows patient data."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sotclinic.audit.models import AuditEvent
from sotclinic.clinic.access import can_see_patients, get_patient, patients_for
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit

pytestmark = pytest.mark.django_db

# Pages with no patient data that every signed-in role may open (or that answer for themselves: logging in and
# out, one's own login security, the patient's questionnaire link, the API's schema).
OPEN_ROUTES = {
    "",
    "login/",
    "logout/",
    "account/",
    "account/mfa/enrol/",
    "account/mfa/verify/",
    "account/recovery-codes/",
    "account/confirm/",
    "account/setup/<str:token>/",  # a new member's set-up link: the token decides, whoever is signed in
    "q/<str:token>/",
    "api/",
    "api/docs",
    "api/openapi.json",
}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, route)
        else:
            assert isinstance(entry, URLPattern)
            yield route


def app_routes() -> list[str]:
    return sorted({r for r in routes() if not r.startswith("admin/")})


def is_admin_route(route: str) -> bool:
    """The administrator's own pages (a researcher gets 403 there like everywhere else)."""
    return route.startswith(("clinic/staff/", "clinic/settings/", "clinic/break-glass/", "audit/"))


def fill(route: str, patient: Patient, visit: Visit) -> str:
    known = {"patient_id": str(patient.pk), "visit_id": str(visit.pk), "token": "x" * 43}
    return "/" + _PARAM.sub(lambda m: known.get(m.group(1), str(uuid.uuid4())), route)


def is_research_route(route: str) -> bool:
    """The researcher's own pages: the de-identified export (tests/reports/ checks what it holds)."""
    return route.startswith("research/")


def sweep(
    client: Client, patient: Patient, visit: Visit, *, admin: bool, research: bool = False
) -> list[str]:
    """Every route that is not open: each method answers 403 (or 405 where the route takes no such method)."""
    problems = []
    checked = 0
    for route in app_routes():
        if (
            route in OPEN_ROUTES
            or (admin and is_admin_route(route))
            or (research and is_research_route(route))
        ):
            continue
        url = fill(route, patient, visit)
        statuses = {}
        for method in ("get", "post", "patch"):
            if method == "get":
                response = client.get(url)
            else:  # an empty JSON object: a valid (empty) API payload, so the access check is what answers
                response = getattr(client, method)(url, data="{}", content_type="application/json")
            statuses[method] = response.status_code
            body = response.content.decode(errors="replace")
            if patient.family_name in body or patient.given_names in body:
                problems.append(f"{method.upper()} {url} shows the patient's name")
        if not set(statuses.values()) <= {403, 405} or 403 not in statuses.values():
            problems.append(f"{route}: {statuses}")
        checked += 1
    assert checked >= 25
    return problems


def test_a_researcher_is_refused_on_every_page_with_patient_data(
    researcher: User, researcher_client: Client, patient: Patient, signed_visit: Visit
) -> None:
    assert sweep(researcher_client, patient, signed_visit, admin=False, research=True) == []
    # Their login is in the trail; nothing they did touched a patient.
    assert set(AuditEvent.objects.filter(actor=researcher).values_list("action", flat=True)) == {"auth.login"}


def test_an_administrator_is_refused_on_every_page_with_patient_data(
    administrator: User, administrator_client: Client, patient: Patient, signed_visit: Visit
) -> None:
    assert sweep(administrator_client, patient, signed_visit, admin=True) == []


def test_an_administrator_cannot_open_clinical_notes(
    administrator_client: Client, prac_client: Client, patient: Patient, signed_visit: Visit
) -> None:
    for url in (f"/visits/{signed_visit.pk}/", f"/patients/{patient.pk}/", f"/api/visits/{signed_visit.pk}"):
        assert prac_client.get(url).status_code == 200, url
        refused = administrator_client.get(url)
        assert refused.status_code == 403, url
        assert "Low back pain" not in refused.content.decode()


def test_the_researcher_and_administrator_start_pages(
    researcher_client: Client, administrator_client: Client, patient: Patient
) -> None:
    research = researcher_client.get("/")
    assert research.status_code == 200
    html = research.content.decode()
    assert "de-identified exports only" in html
    assert 'href="/patients/"' not in html and patient.family_name not in html
    assert administrator_client.get("/")["Location"] == "/clinic/staff/"
    staff = administrator_client.get("/clinic/staff/").content.decode()
    assert 'href="/patients/"' not in staff and 'href="/clinic/staff/"' in staff


def test_the_access_helpers_refuse_both_roles(
    researcher: User, administrator: User, patient: Patient
) -> None:
    from django.core.exceptions import PermissionDenied

    for user in (researcher, administrator):
        assert not can_see_patients(user)
        with pytest.raises(PermissionDenied):
            patients_for(user)
        with pytest.raises(PermissionDenied):
            get_patient(user, patient.pk)
