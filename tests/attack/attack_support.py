"""The attacker's test suite: a world to attack, and the patient data no refused response may show.

`build_world()` fills a home clinic with one patient of every kind of object a URL can name (a patient, a signed and
a draft visit, a red flag, an adverse event, an assignment, a questionnaire link) and an outsider clinic with a
patient of its own. Every text of the home patient is a marker no page template contains, so a marker found in a
response is patient data that leaked.
"""

from __future__ import annotations

import datetime
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from sotclinic.clinic.authn import mfa_required
from sotclinic.clinic.models import BreakGlassGrant, Clinic, Role, User
from sotclinic.outcomes.models import Assignment
from sotclinic.outcomes.services import assign, link_create
from sotclinic.patients.models import Patient, RedFlag
from sotclinic.patients.services import complaint_add, patient_register
from sotclinic.safety import default_rules
from sotclinic.visits.adverse import adverse_event_report
from sotclinic.visits.models import AdverseEvent, Visit
from sotclinic.visits.services import (
    VisitDraft,
    visit_amend,
    visit_confirm_screening,
    visit_save_draft,
    visit_sign,
    visit_start,
)
from tests.conftest import CAT2_FINDINGS, confirmed_totp, give_consent, make_user

# The heavier runs (schemathesis's thousand cases, the kill test) run only under scripts/test-heavy.
HEAVY = os.environ.get("SOTCLINIC_HEAVY", "") == "1"
heavy = pytest.mark.skipif(not HEAVY, reason="heavy run: scripts/test-heavy sets SOTCLINIC_HEAVY=1")

# --- the home patient: every identifying or clinical text is a marker --------------------------------------------

GIVEN = "Quintessa"
FAMILY = "Zanzibarova"
DOB = datetime.date(1961, 4, 23)
EMAIL = "q.zanzibarova@example.org"
PHONE = "07700 900461"
ADDRESS = "12 Larkspur Mews"
COMPLAINT_TEXT = "Crackling sacral twinge"
VISIT_COMPLAINT = "Sacroiliac marker ache"
SUBJECTIVE = "Subjective marker: lifting the grandchildren"
PLAN = "Plan marker: return in nine days"
DRAFT_PLAN = "Draft plan marker: heel lift"
AMENDMENT_TEXT = "Amendment marker: leg check repeated"
ADVERSE_TEXT = "Adverse marker: dizziness on standing"

# What may never show in a refused response (4xx, or a redirect to a login page): names, date of birth in the ways a
# page writes it, e-mail, phone, address, complaint and clinical text. Matched case-insensitively.
PATIENT_MARKERS = (
    GIVEN,
    FAMILY,
    DOB.isoformat(),
    "23 Apr 1961",
    "23 April 1961",
    "23/04/1961",
    "Apr 23, 1961",
    EMAIL,
    "zanzibarova@",
    PHONE,
    # The phone written without its space, or after a country code. Not a shorter fragment: six digits turn up by
    # chance in the random tokens, nonces and ids of 1,740 responses (a bare "900461" once matched a random id).
    "07700900461",
    "7700 900461",
    ADDRESS,
    "Larkspur",
    COMPLAINT_TEXT,
    VISIT_COMPLAINT,
    SUBJECTIVE,
    PLAN,
    DRAFT_PLAN,
    AMENDMENT_TEXT,
    ADVERSE_TEXT,
)
# Clinical text only: the front desk may see the demographics, never these.
CLINICAL_MARKERS = (VISIT_COMPLAINT, SUBJECTIVE, PLAN, DRAFT_PLAN, AMENDMENT_TEXT, ADVERSE_TEXT)

OUTSIDER_FAMILY = "Outsiderfamilia"


def personas() -> list[str]:
    """Who attacks: nobody signed in, a member of staff of the home clinic in each role, and a practitioner of
    another clinic."""
    return ["anonymous", *Role.values, "outsider"]


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def leaked(text: str, markers: tuple[str, ...] = PATIENT_MARKERS) -> list[str]:
    folded = text.casefold()
    return [marker for marker in markers if marker.casefold() in folded]


def body_of(response: Any) -> str:
    """The whole of what a client receives: headers (a Location, a cookie) and the body."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + content.decode("utf-8", "replace")


# --- the world ----------------------------------------------------------------------------------------------------


@dataclass
class World:
    clinic: Clinic
    other_clinic: Clinic
    users: dict[str, User]
    patient: Patient
    signed_visit: Visit
    draft_visit: Visit
    flag: RedFlag
    event: AdverseEvent
    assignment: Assignment
    token: str
    outsider_patient: Patient
    colleague: User
    grant: BreakGlassGrant

    def params(self) -> dict[str, str]:
        """A real object of the home clinic for every path parameter a route can have."""
        return {
            "patient_id": str(self.patient.pk),
            "visit_id": str(self.signed_visit.pk),
            "flag_id": str(self.flag.pk),
            "event_id": str(self.event.pk),
            "assignment_id": str(self.assignment.pk),
            "token": self.token,
            "user_id": str(self.colleague.pk),
            "grant_id": str(self.grant.pk),
        }


def raise_flag(patient: Patient, code: str) -> RedFlag:
    rule = default_rules().flags[code]
    return RedFlag.objects.create(
        patient=patient,
        code=rule.code,
        name=rule.name,
        urgency=rule.urgency,
        why=rule.why,
        action=rule.action,
        modification=rule.modification or "",
        contraindicates=sorted(rule.contraindicates),
        raised_at=timezone.now(),
        rules_version=default_rules().version,
    )


def build_world() -> World:
    clinic = Clinic.objects.create(name="Home Clinic", slug="home")
    other = Clinic.objects.create(name="Outsider Clinic", slug="outsider")
    # one member of staff of the home clinic per role (a role added to the app gets its persona here at once)
    users = {role: make_user(clinic, role, role) for role in Role.values}
    users["outsider"] = make_user(other, "outsider", Role.PRACTITIONER)
    # a member of staff for the staff pages to act on (role change, deactivation...), who is none of the personas
    colleague = make_user(clinic, "colleague", Role.FRONT_DESK)
    prac = users["practitioner"]
    patient = patient_register(
        by=prac,
        data={
            "family_name": FAMILY,
            "given_names": GIVEN,
            "date_of_birth": DOB,
            "email": EMAIL,
            "phone": PHONE,
            "address": ADDRESS,
        },
    )
    give_consent(patient, prac)
    complaint_add(patient=patient, by=prac, code="low_back", description=COMPLAINT_TEXT)

    signed = visit_start(patient=patient, by=prac, date=datetime.date(2026, 3, 2))
    signed = visit_confirm_screening(visit=signed, by=prac)
    draft = VisitDraft(
        complaint=VISIT_COMPLAINT,
        pain=6,
        subjective=SUBJECTIVE,
        findings=list(CAT2_FINDINGS),
        category="cat2",
        plan=PLAN,
    )
    signed = visit_sign(visit=visit_save_draft(visit=signed, by=prac, draft=draft), by=prac)
    visit_amend(visit=signed, by=prac, reason="Correction", text=AMENDMENT_TEXT)

    draft_visit = visit_start(patient=patient, by=prac, date=datetime.date(2026, 3, 9))
    draft_visit = visit_confirm_screening(visit=draft_visit, by=prac)
    draft_visit = visit_save_draft(
        visit=draft_visit, by=prac, draft=VisitDraft(complaint=VISIT_COMPLAINT, plan=DRAFT_PLAN)
    )

    flag = raise_flag(patient, next(iter(default_rules().flags)))
    event = adverse_event_report(
        patient=patient,
        visit=signed,
        by=prac,
        description=ADVERSE_TEXT,
        began_at=timezone.now(),
        severity="major",
    )
    assignment = assign(patient=patient, by=prac, codes=["nprs"])[0]
    _, token = link_create(patient=patient, by=prac)
    # a break-the-glass access for the administrator's review page (made directly: caseloads are off here)
    grant = BreakGlassGrant.objects.create(
        clinic=clinic,
        patient=patient,
        user=prac,
        reason="Covering the clinic's emergency list",
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )

    outsider_patient = patient_register(
        by=users["outsider"],
        data={
            "family_name": OUTSIDER_FAMILY,
            "given_names": "Olu",
            "date_of_birth": datetime.date(1990, 1, 1),
        },
    )
    return World(
        clinic=clinic,
        other_clinic=other,
        users=users,
        patient=patient,
        signed_visit=signed,
        draft_visit=draft_visit,
        flag=flag,
        event=event,
        assignment=assignment,
        token=token,
        outsider_patient=outsider_patient,
        colleague=colleague,
        grant=grant,
    )


def sign_in(client: Client, user: User) -> Client:
    """Signed in as after a real login: the session, and the second factor where the role needs one (as
    tests.conftest.client_for does)."""
    client.force_login(user)
    if mfa_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_totp(user).persistent_id
        session.save()
    return client


def client_as(world: World, persona: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if persona != "anonymous":
        sign_in(client, world.users[persona])
    return client


# --- every URL pattern --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # as Django writes it: "patients/<uuid:patient_id>/"
    name: str  # namespace:name, or "" for an unnamed pattern
    converters: tuple[tuple[str, str], ...]  # (parameter, converter class name), sorted

    @property
    def parameters(self) -> list[str]:
        return [parameter for parameter, _ in self.converters]

    def fill(self, values: dict[str, str]) -> str:
        """The URL with each parameter filled from `values` (a route or a regular-expression pattern)."""
        url = _REGEX_GROUP.sub(lambda m: values[m.group(1)], self.route)
        url = _PARAMETER.sub(lambda m: values[m.group(1)], url)
        return "/" + url.replace("^", "").replace("$", "")


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "", outer: Any = None) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        route = prefix + str(pattern)
        converters = {**(outer or {}), **getattr(pattern, "converters", {})}
        for group in pattern.regex.groupindex:
            converters.setdefault(group, None)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, inner, converters)
            continue
        assert isinstance(entry, URLPattern)
        yield Route(
            route=route,
            name=f"{namespace}{entry.name}" if entry.name else "",
            converters=tuple(
                sorted((p, type(c).__name__ if c is not None else "regex") for p, c in converters.items())
            ),
        )


def all_routes() -> list[Route]:
    """Every URL pattern of the project, the admin's included, de-duplicated by route (django-ninja registers one
    pattern per operation on the same path; Django only ever reaches the first)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        seen.setdefault(route.route, route)
    return list(seen.values())


def app_routes() -> list[Route]:
    return [r for r in all_routes() if not r.route.startswith("admin/")]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.route.startswith("admin/")]


# --- the database as a whole ----------------------------------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, int]]:
    """Row count and a digest of the content of every table of every installed model (raw SQL: it is taken
    around each of hundreds of requests)."""
    out: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608 - names from the models
            rows = cursor.fetchall()
            out[model._meta.label] = (len(rows), hash(repr(rows)))
    return out


def snapshot_diff(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    changed = []
    for label in sorted(set(before) | set(after)):
        if before.get(label) != after.get(label):
            b, a = before.get(label, (0, 0)), after.get(label, (0, 0))
            changed.append(
                f"{label}: {b[0]} rows -> {a[0]} rows" + (" (content changed)" if b[0] == a[0] else "")
            )
    return changed


def random_uuid() -> str:
    return str(uuid.uuid4())
