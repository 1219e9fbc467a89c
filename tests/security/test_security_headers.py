"""Transport and headers (DESIGN.md §4): what every response of the app tells the browser.

The strict CSP holds in every mode; `Cache-Control: no-store` is on every page of the app (patient pages, error
pages, redirects, the login page) but not on static files; HTTPS redirect and HSTS are wired as production sets them.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit
from tests.conftest import PASSWORD, client_for

# The policy, directive by directive (django-csp writes the directives in no fixed order).
CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {header!r}"
        directives[name] = values
    return directives


pytestmark = pytest.mark.django_db


def assert_page_headers(response: Any) -> None:
    """The headers every page of the app carries (static files excepted)."""
    assert parse_csp(response["Content-Security-Policy"]) == CSP
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy
    assert len(response["X-Request-Id"]) == 32


def chart_url(patient: Patient) -> str:
    return reverse("patients:chart", kwargs={"patient_id": patient.pk})


def test_a_patient_chart_for_a_signed_in_practitioner_carries_every_header(
    prac_client: Client, patient: Patient
) -> None:
    response = prac_client.get(chart_url(patient))
    assert response.status_code == 200
    assert patient.family_name in response.content.decode()
    assert_page_headers(response)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"].split("; ")
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_visit_page_the_search_partial_and_the_api_carry_them_too(
    prac_client: Client, patient: Patient, draft_visit: Visit
) -> None:
    visit_page = prac_client.get(reverse("visits:detail", kwargs={"visit_id": draft_visit.pk}))
    assert visit_page.status_code == 200
    assert (
        "<svg" in visit_page.content.decode()
    )  # the pelvis diagram: inline SVG, presentation attributes only
    assert_page_headers(visit_page)
    partial = prac_client.get(reverse("patients:list"), {"q": patient.family_name}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert patient.family_name in partial.content.decode()
    assert_page_headers(partial)
    api = prac_client.get(f"/api/visits/{draft_visit.pk}")
    assert api.status_code == 200
    assert_page_headers(api)


def test_no_page_has_inline_script_style_or_event_handlers(
    prac_client: Client, patient: Patient, draft_visit: Visit, signed_visit: Visit
) -> None:
    """What the CSP would block must not be in the pages in the first place."""
    urls = [
        reverse("patients:list"),
        reverse("patients:new"),
        chart_url(patient),
        reverse("patients:edit", kwargs={"patient_id": patient.pk}),
        reverse("patients:intake", kwargs={"patient_id": patient.pk}),
        reverse("patients:consent", kwargs={"patient_id": patient.pk}),
        reverse("visits:detail", kwargs={"visit_id": draft_visit.pk}),
        reverse("visits:detail", kwargs={"visit_id": signed_visit.pk}),
        reverse("adverse_register"),
        reverse("consent_text"),
    ]
    for url in urls:
        response = prac_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), f"inline <script> on {url}"
        assert "<style" not in html, url
        assert not re.search(r"\sstyle\s*=", html), f"style= attribute on {url}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {url}"
        assert "javascript:" not in html, url
        assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in html, url


def test_no_template_has_what_the_csp_blocks() -> None:
    """Every template of the app, including pages no test above renders: no inline script or style, no style=
    attributes, no on*= handlers, no javascript: links, no hx-on (htmx evaluates it as script)."""
    import sotclinic

    forbidden = {
        "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)", re.I),
        "<style>": re.compile(r"<style", re.I),
        "style= attribute": re.compile(r"\sstyle\s*=", re.I),
        "on*= handler": re.compile(r"\son[a-z]+\s*=", re.I),
        "javascript: URL": re.compile(r"javascript:", re.I),
        "hx-on": re.compile(r"\s(data-)?hx-on", re.I),
    }
    templates = list(Path(sotclinic.__file__).parent.rglob("*.html"))
    assert len(templates) > 10
    found = []
    for template in templates:
        text = re.sub(
            r"\{#.*?#\}", "", template.read_text(encoding="utf-8")
        )  # template comments may say "<style>"
        found += [f"{template.name}: {what}" for what, pattern in forbidden.items() if pattern.search(text)]
    assert found == []


def test_error_pages_for_a_signed_in_user_are_not_stored(
    prac_client: Client, outsider_client: Client, patient: Patient
) -> None:
    missing = prac_client.get(f"/patients/{uuid.uuid4()}/")
    assert missing.status_code == 404
    assert_page_headers(missing)
    # Another clinic's chart is refused (as not found) the same way.
    refused = outsider_client.get(chart_url(patient))
    assert refused.status_code == 404
    assert_page_headers(refused)
    api_missing = prac_client.get(f"/api/visits/{uuid.uuid4()}")
    assert api_missing.status_code == 404
    assert_page_headers(api_missing)


def test_a_server_error_page_is_not_stored(
    prac_client: Client, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("sotclinic.patients.views.patient_search", boom)
    prac_client.raise_request_exception = False
    response = prac_client.get(reverse("patients:list"), {"q": "x"})
    assert response.status_code == 500
    assert_page_headers(response)


def test_a_csrf_failure_is_not_stored(practitioner: User, patient: Patient) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies = client_for(practitioner).cookies  # signed in, past the second factor
    response = client.post(reverse("patients:edit", kwargs={"patient_id": patient.pk}), {"family_name": "X"})
    assert response.status_code == 403
    assert_page_headers(response)


def test_the_login_page_its_redirect_and_logout_are_not_stored(practitioner: User) -> None:
    client = Client()
    anonymous = client.get(reverse("login"))
    assert anonymous.status_code == 200
    assert_page_headers(anonymous)
    signed_in = client.post(reverse("login"), {"username": practitioner.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert_page_headers(signed_in)
    # Signed in, the login page redirects to the patient list: still not stored.
    again = client.get(reverse("login"))
    assert again.status_code == 302
    assert_page_headers(again)
    # The response to logging out no longer has a signed-in user but must not be stored either.
    out = client.post(reverse("logout"))
    assert out.status_code == 302
    assert_page_headers(out)


def test_static_files_are_cacheable_and_not_no_store(client: Client) -> None:
    for path in ("sotclinic/app.css", "sotclinic/app.js", "django_htmx/htmx-2.min.js"):
        response = client.get(static(path))
        assert response.status_code == 200, path
        assert "no-store" not in response.get("Cache-Control", ""), path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "camera=()" in response["Permissions-Policy"]


def test_a_client_request_id_is_kept_only_when_plain(prac_client: Client) -> None:
    plain = prac_client.get(reverse("patients:list"), HTTP_X_REQUEST_ID="edge-42.a_b")
    assert plain["X-Request-Id"] == "edge-42.a_b"
    hostile = prac_client.get(reverse("patients:list"), HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert hostile["X-Request-Id"] != "<script>alert(1)</script>"
    assert len(hostile["X-Request-Id"]) == 32


def test_production_transport_redirects_http_and_sends_hsts(settings: Any, prac_client: Client) -> None:
    """The values production sets (checked in test_production_settings.py), as the middleware applies them."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get(reverse("patients:list"))
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/patients/"
    assert "Strict-Transport-Security" not in plain  # only sent over HTTPS
    client = Client()
    client.cookies = prac_client.cookies
    behind_proxy = client.get(reverse("patients:list"), HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy.status_code == 200
    assert behind_proxy["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_page_headers(behind_proxy)
