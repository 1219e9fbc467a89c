"""No patient identifiers in URLs or logs (DESIGN.md §4).

URLs: every route that names a patient, a visit or anything of theirs does so by UUID, never by a name, a number
or a sequence. Logs: the app never logs a request's query string or form data, and every log handler strips query
strings from URLs, because a search (`/patients/?q=Smith`) and the login redirect that keeps it
(`/login/?next=/patients/%3Fq%3DSmith`) carry a patient's name there.

What this cannot cover (see docs/deploy.md): a reverse proxy's or load balancer's own access log records the query
string unless it is configured not to, and the browser keeps the search URL in its history.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter

import sotclinic
from sotclinic.audit.models import AuditEvent
from sotclinic.clinic.middleware import REDACTED, RedactQueryStrings, redact_query_strings
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit
from tests.conftest import give_consent, make_patient

PACKAGE = Path(sotclinic.__file__).parent
SOTCLINIC = [sys.executable, "-m", "sotclinic.cli"]

# Parameters that are not identifiers but secrets: a patient's questionnaire link carries a random, single-use,
# expiring token (only its hash is stored), which names no one.
TOKEN_PARAMETERS = {"token"}


def walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, dict[str, Any], set[str]]]:
    """(route, converters by parameter name, all parameter names) for every URL pattern."""
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        route = prefix + str(pattern)
        converters = dict(getattr(pattern, "converters", {}))
        names = set(converters) | set(pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            for sub_route, sub_converters, sub_names in walk(entry, route):
                yield sub_route, converters | sub_converters, names | sub_names
        else:
            assert isinstance(entry, URLPattern)
            yield route, converters, names


def app_routes() -> list[tuple[str, dict[str, Any], set[str]]]:
    return [r for r in walk(get_resolver()) if not r[0].startswith("admin/")]


def test_every_route_parameter_of_the_app_is_a_uuid() -> None:
    routes = app_routes()
    with_ids = [r for r in routes if r[2]]
    assert any("patient_id" in names for _, _, names in with_ids)
    assert any("visit_id" in names for _, _, names in with_ids)
    offenders = []
    for route, converters, names in with_ids:
        for name in names - TOKEN_PARAMETERS:
            if not isinstance(converters.get(name), UUIDConverter):
                offenders.append(f"{route}: {name}")
    assert offenders == [], f"route parameters that are not UUIDs: {offenders}"


@pytest.mark.django_db
def test_api_ids_only_accept_a_uuid(prac_client: Client, draft_visit: Visit) -> None:
    assert prac_client.get(f"/api/visits/{draft_visit.pk}").status_code == 200
    for guess in ("1", "0", str(draft_visit.pk)[:-1], "Smith", str(draft_visit.pk).replace("-", "")[::-1]):
        assert prac_client.get(f"/api/visits/{guess}").status_code == 404, guess


def test_admin_addresses_patient_data_by_uuid() -> None:
    """The admin routes objects by primary key (`<path:object_id>`): every registered model that is, or points to,
    a patient or a visit has a UUID primary key. The audit trail's row number is its place in the hash chain, not
    a patient identifier, and only administrators reach the admin."""
    patient_models = {Patient, Visit}
    offenders = []
    for model in admin.site._registry:
        relates = model in patient_models or any(
            isinstance(field, models.ForeignKey) and field.related_model in patient_models
            for field in model._meta.get_fields()
        )
        if relates and model is not AuditEvent and not isinstance(model._meta.pk, models.UUIDField):
            offenders.append(model.__name__)
    assert offenders == []


# --- logs --------------------------------------------------------------------------------------------------------

NAME = "Quillfeather"


@pytest.mark.django_db
def test_searching_and_opening_a_chart_logs_no_name(
    prac_client: Client, practitioner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    patient = make_patient(practitioner, family=NAME, given="Ottoline")
    give_consent(patient, practitioner)
    with caplog.at_level(logging.DEBUG):
        list_url = reverse("patients:list")
        assert NAME in prac_client.get(list_url, {"q": NAME}).content.decode()
        assert NAME in prac_client.get(list_url, {"q": NAME.lower()}, HTTP_HX_REQUEST="true").content.decode()
        assert (
            prac_client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).status_code == 200
        )
        assert prac_client.get(f"/patients/{uuid.uuid4()}/", {"q": NAME}).status_code == 404
        assert Client().get(list_url, {"q": NAME}).status_code == 302  # to the login page, keeping ?next=
        Client().post(reverse("login"), {"username": NAME, "password": NAME})
    assert caplog.records, "expected at least the 404 warning"
    handlers = [
        h for h in logging.getLogger().handlers if any(isinstance(f, RedactQueryStrings) for f in h.filters)
    ]
    assert handlers, "the console handler of settings.LOGGING carries the redacting filter"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert NAME.lower() not in text.lower(), f"{record.name}: {text}"
        for handler in handlers:
            assert handler.filter(record)
            assert NAME.lower() not in handler.format(record).lower()
    # A django.request record also carries the request, whose repr shows the full path with its query string; only
    # Django's AdminEmailHandler reads it, and it sends nothing while ADMINS is empty.
    assert settings.ADMINS == []


LOG_CALL = re.compile(r"^(debug|info|warning|warn|error|exception|critical|log|print)$")
REQUEST_DATA = ("GET", "POST", "QUERY_STRING", "get_full_path", "build_absolute_uri", "body")


def test_nothing_in_the_app_logs_query_strings_or_form_data() -> None:
    """A guard for new code: no logging call (or print) in sotclinic/ is handed request.GET, request.POST, the query
    string, the full path or the body."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if not LOG_CALL.match(name):
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for sub in ast.walk(arg):
                    attr = sub.attr if isinstance(sub, ast.Attribute) else None
                    key = sub.value if isinstance(sub, ast.Constant) else None
                    if attr in REQUEST_DATA or key == "QUERY_STRING":
                        offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_redaction_keeps_paths_and_drops_query_strings() -> None:
    line = f'"GET /patients/?q={NAME}+Jo HTTP/1.1" 200 512'
    assert redact_query_strings(line) == f'"GET /patients/{REDACTED} HTTP/1.1" 200 512'
    nxt = f"GET /login/?next=/patients/%3Fq%3D{NAME} HTTP/1.1"
    assert redact_query_strings(nxt) == f"GET /login/{REDACTED} HTTP/1.1"
    # Text that is not a URL keeps its question marks (SQLite's placeholders, questions in messages).
    for text in ("INSERT INTO x VALUES (?, ?)", "Is the patient pregnant?", "a?b"):
        assert redact_query_strings(text) == text
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (line[1:-9], "200", "5"), None
    )
    assert RedactQueryStrings().filter(record)
    assert NAME not in record.getMessage()
    assert "/patients/" in record.getMessage()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_development_server_logs_no_search_terms(tmp_path: Path) -> None:
    """End to end with the real logging settings: `sotclinic runserver` writes each request line to stderr."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOTCLINIC_", "DJANGO_", "DATABASE_URL"))}
    env["SOTCLINIC_DATA_DIR"] = str(tmp_path)
    command = [*SOTCLINIC, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    stderr = server.stderr
    assert stderr is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, "")), daemon=True)
    reader.start()
    expected = [f"GET /patients/{REDACTED} HTTP/1.1", f"GET /login/{REDACTED} HTTP/1.1"]
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, "".join(lines)
                assert time.monotonic() < deadline, "the development server did not start"
                time.sleep(0.1)
        # Anonymous: the search redirects to the login page, which keeps the search in ?next=.
        url = f"http://127.0.0.1:{port}/patients/?q={NAME}+Jo"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
            assert response.status == 200
            assert NAME in response.url
        # The server logs a request after answering it: wait for both lines.
        while not all(any(want in line for line in lines) for want in expected):
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=10)
        reader.join(timeout=10)
    log = "".join(lines)
    assert NAME not in log, log
