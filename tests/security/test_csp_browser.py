"""The strict Content-Security-Policy in real Chromium: htmx and app.js keep working and the browser reports no
violation on the pages a practitioner uses (search, chart, visit with autosave, the pelvis diagram)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sotclinic.clinic.models import SealedTOTPDevice, User
from tests.conftest import PASSWORD, code_for, confirmed_totp, give_consent, make_patient, make_signed_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("SOTCLINIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

# Recorded in the page before any of its scripts run; survives nothing but the page, so read it per page.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package (see README)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI runs two browser-heavy workers on two cores
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}") if "Content Security Policy" in msg.text else None
        ),
    )
    yield page
    context.close()
    assert problems == [], problems


def assert_no_violations(page: Any) -> None:
    assert page.evaluate("window.__cspViolations") == [], page.url
    # htmx was told not to inject its indicator style sheet: the page has no <style> element at all.
    assert page.evaluate("document.querySelectorAll('style').length") == 0, page.url


def test_search_chart_and_visit_work_under_the_strict_policy(page: Any, practitioner: User) -> None:
    patient = make_patient(practitioner, family="Marchetti", given="Lia")
    give_consent(patient, practitioner)
    make_signed_visit(patient, practitioner)

    page.goto("/login/")
    page.fill("input[name=username]", practitioner.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    # First login: set up two-factor login. The QR code is inline SVG; the code is computed from the new secret.
    page.wait_for_url(re.compile(r"/account/mfa/enrol/"))
    assert page.locator(".qr svg").count() == 1
    assert_no_violations(page)
    page.fill("input[name=code]", code_for(SealedTOTPDevice.objects.get(user=practitioner, confirmed=False)))
    page.keyboard.press("Enter")
    page.wait_for_selector("#recovery-codes li")
    assert_no_violations(page)
    page.click("text=I have kept them: continue")
    page.wait_for_url(re.compile(r"/patients/$"))
    assert_no_violations(page)

    # htmx: live search as you type; app.js: ↓ moves into the results.
    page.keyboard.type("marche")
    page.wait_for_selector("#results a.patient-link:has-text('Marchetti')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patients/{patient.pk}/")
    assert_no_violations(page)

    # A new visit: the pelvis diagram (inline SVG), app.js's keys and htmx's autosave.
    page.keyboard.press("Alt+n")
    page.wait_for_url("**/visits/**")
    page.keyboard.press("Alt+y")
    page.wait_for_selector("#safety .ok")
    page.keyboard.press("w")
    page.keyboard.type("1.8")
    # A function, not a string: Playwright evaluates a string predicate with eval, which this policy forbids.
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Saved')")
    page.wait_for_load_state("networkidle")
    assert page.locator("svg").count() >= 1
    assert_no_violations(page)


def test_the_api_docs_render_under_the_strict_policy(page: Any, practitioner: User) -> None:
    """Swagger UI comes from django-ninja's own static files, not a CDN with an inline start-up script."""
    device = confirmed_totp(practitioner)
    page.goto("/login/")
    page.fill("input[name=username]", practitioner.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/account/mfa/verify/"))
    page.fill("input[name=code]", code_for(device))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patients/$"))
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .info .title:has-text('sotclinic API')")
    page.wait_for_selector(".opblock-summary-path:has-text('/visits/')")
    assert page.evaluate("window.__cspViolations") == []
