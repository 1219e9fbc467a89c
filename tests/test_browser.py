"""The whole visit in real Chromium, keyboard first, with every keystroke and click counted."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sotclinic.clinic.authn import mfa_required
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit, VisitStatus
from tests.conftest import PASSWORD, code_for, confirmed_totp, give_consent, make_patient, make_signed_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("SOTCLINIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


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


class Counted:
    """Drives the page the way a user does, counting each key press (a chord is one) and each click."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def key(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1

    def type(self, text: str) -> None:
        self.key(*text)

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.count += 1


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI runs two browser-heavy workers on two cores
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def log_in(page: Any, user: User) -> None:
    """The login page, then (for practitioners) the code from their authenticator app, computed here."""
    device = confirmed_totp(user) if mfa_required(user) else None
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    if device is not None:
        page.wait_for_url(re.compile(r"/account/mfa/verify/"))
        page.fill("input[name=code]", code_for(device))
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patients/$"))


def wait_saved(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Saved')")
    page.wait_for_load_state("networkidle")


def test_first_visit_by_keyboard_is_signed_and_shown_on_the_chart(
    page: Any, practitioner: User, output_dir: Path
) -> None:
    patient = make_patient(practitioner, family="Lindqvist", given="Maja")
    give_consent(patient, practitioner)
    make_patient(practitioner, family="Lindley", given="Tom")
    log_in(page, practitioner)

    # Find the patient with the keyboard: type, move into the results, open.
    page.keyboard.type("lindq")
    page.wait_for_selector("#results a.patient-link:has-text('Lindqvist')")
    page.wait_for_function("() => document.querySelectorAll('#results a.patient-link').length === 1")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patients/{patient.pk}/")

    user = Counted(page)
    user.key("Alt+n")
    page.wait_for_url("**/visits/**")
    user.key("Alt+y")  # screening answered at intake: nothing has changed
    page.wait_for_selector("#safety .ok")
    user.click("input[name=pain]")
    user.type("6")
    user.key("Escape")
    # Ten findings (the reference's worked example 2 plus six more), keyboard only.
    user.key("p", "r", "5")  # prone leg check: right short, 5 mm
    user.key("u", "r", "5")  # supine leg check: right short, 5 mm
    user.key("w", "1", ".", "8")  # pelvic sway 1.8 cm (positive: over the 1.2 cm threshold)
    user.key("a", "+", "r")  # arm-fossa test positive, right
    user.key("f", "+", "r")  # first-rib tubercle tender, right
    user.key("i", "-")  # inguinal fossa not tender
    user.key("x", "-")  # pelvis not locked
    user.key("h", "-")  # no heel tension
    user.key("k", "+", "r")  # knee sensitivity right
    user.key("n", "-")  # scalenes not tender
    wait_saved(page)
    panel = page.locator("#live .assessment")
    assert "Findings support Category II" in panel.inner_text()
    assert "trochanter" in page.locator("#protocol-card").inner_text()

    user.key("Alt+k")  # confirm the suggested category
    page.wait_for_selector("#blocking-performed")
    user.key("Alt+b")  # blocking performed as the protocol says
    user.key("Alt+r")  # every re-checked indicator cleared
    wait_saved(page)
    page.screenshot(path=str(output_dir / "visit-first-before-signing.png"), full_page=True)
    user.key("Alt+s")
    page.wait_for_url(f"**/patients/{patient.pk}/")

    (output_dir / "keystrokes-first-visit.txt").write_text(f"{user.count}\n")
    assert user.count <= 45, f"a first visit with 10 findings took {user.count} keystrokes and clicks"
    chart = page.locator("main").inner_text()
    assert "signed" in chart.lower()
    assert "Category II" in chart
    visit = Visit.objects.get(patient=patient)
    assert visit.status == VisitStatus.SIGNED
    assert visit.category == "cat2"
    assert len(visit.findings) == 10
    assert visit.blocking["performed"] is True
    assert visit.blocking["position"] == "supine"
    assert [(b["landmark"], b["side"]) for b in visit.blocking["blocks"]] == [
        ("trochanter", "right"),
        ("ilium", "left"),
    ]
    assert set(visit.recheck.values()) == {"cleared"}
    assert visit.pain == 6
    page.screenshot(path=str(output_dir / "chart-after-first-visit.png"), full_page=True)


def test_follow_up_visit_carries_findings_forward_in_few_keystrokes(
    page: Any, practitioner: User, output_dir: Path
) -> None:
    patient: Patient = make_patient(practitioner, family="Okoro", given="Ada")
    give_consent(patient, practitioner)
    previous = make_signed_visit(
        patient,
        practitioner,
        findings=[
            {"indicator": "leg_length_prone", "side": "right", "value": 6},
            {"indicator": "leg_length_supine", "side": "right", "value": 5},
            {"indicator": "pelvic_sway", "result": "positive", "value": 1.8},
            {"indicator": "arm_fossa", "result": "positive", "side": "right"},
            {"indicator": "first_rib_tender", "result": "positive", "side": "right"},
            {"indicator": "inguinal_tender", "result": "positive", "side": "right"},
            {"indicator": "knee_sensitivity", "result": "positive", "side": "right"},
            {"indicator": "scalene_tender", "result": "positive", "side": "right"},
            {"indicator": "pelvis_locked", "result": "negative"},
            {"indicator": "heel_tension", "result": "negative"},
        ],
    )
    log_in(page, practitioner)
    page.goto(f"/patients/{patient.pk}/")

    user = Counted(page)
    user.key("Alt+n")
    page.wait_for_url("**/visits/**")
    user.key("Alt+y")  # nothing changed, no reaction to the last visit
    page.wait_for_selector("#safety .ok")
    user.key("Alt+c")  # carry forward the last visit's ten findings
    page.wait_for_selector("#row-arm_fossa.is-positive")
    user.key("n", "-")  # scalenes no longer tender
    user.key("k", "-")  # knee sensitivity gone
    user.key("p", "Backspace", "3")  # prone leg check now 3 mm
    wait_saved(page)
    assert "Findings support Category II" in page.locator("#live .assessment").inner_text()
    user.key("Alt+k")
    page.wait_for_selector("#blocking-performed")
    user.key("Alt+b", "Alt+r")
    wait_saved(page)
    page.screenshot(path=str(output_dir / "visit-follow-up-before-signing.png"), full_page=True)
    user.key("Alt+s")
    page.wait_for_url(f"**/patients/{patient.pk}/")

    (output_dir / "keystrokes-follow-up.txt").write_text(f"{user.count}\n")
    assert user.count <= 25, f"a follow-up visit took {user.count} keystrokes and clicks"
    visit = Visit.objects.exclude(pk=previous.pk).get(patient=patient)
    assert visit.status == VisitStatus.SIGNED
    findings = {f["indicator"]: f for f in visit.findings}
    assert len(findings) == 10
    assert findings["scalene_tender"]["result"] == "negative"
    assert findings["knee_sensitivity"]["result"] == "negative"
    assert findings["leg_length_prone"]["value"] == 3
    assert findings["arm_fossa"] == {"indicator": "arm_fossa", "result": "positive", "side": "right"}
    assert visit.category == "cat2"


def test_enter_moves_on_and_a_half_filled_visit_is_still_there_after_leaving(
    page: Any, practitioner: User, output_dir: Path
) -> None:
    patient = make_patient(practitioner, family="Brandt", given="Ilse")
    log_in(page, practitioner)
    page.goto(f"/patients/{patient.pk}/")
    page.keyboard.press("Alt+n")
    page.wait_for_url("**/visits/**")
    visit_url = page.url
    page.keyboard.press("h")
    assert page.evaluate("document.activeElement.dataset.indicator") == "heel_tension"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.indicator") == "first_rib_mobile"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("+")
    page.keyboard.press("l")
    page.keyboard.press("Tab")  # Tab moves on to the next indicator, as Enter does
    assert page.evaluate("document.activeElement.dataset.indicator") == "first_rib_mobile"
    wait_saved(page)

    page.goto(f"/patients/{patient.pk}/")  # leave without signing
    assert "Unsigned drafts" in page.locator("main").inner_text()
    page.goto(visit_url)
    assert page.locator("#row-heel_tension").get_attribute("class").split().count("is-positive") == 1
    assert page.locator("select[name='heel_tension.side']").input_value() == "left"
    assert "Heel (Achilles) tension" in page.locator("#live .assessment").inner_text()


def test_several_fibres_and_a_cmrt_entry_by_keyboard_are_saved_as_separate_findings(
    page: Any, practitioner: User, output_dir: Path
) -> None:
    patient = make_patient(practitioner, family="Nakamura", given="Yui")
    give_consent(patient, practitioner)
    log_in(page, practitioner)
    page.goto(f"/patients/{patient.pk}/")
    page.keyboard.press("Alt+n")
    page.wait_for_url("**/visits/**")

    user = Counted(page)
    # occipital fibre 1: left, line 2, area 6, indicating T8
    user.key("o", "l", "Tab", "2", "Tab", "6", "Tab", "t", "8")
    assert page.evaluate("document.activeElement.name") == "occipital_fibre.1.level"
    user.key("Escape")  # back to the entry
    assert page.evaluate("document.activeElement.id") == "row-occipital_fibre-1"
    user.key("o")  # the letter again, the entry filled: a second entry
    assert page.evaluate("document.activeElement.id") == "row-occipital_fibre-2"
    user.key("r", "Tab", "1", "Tab", "3", "Tab", "c", "2")
    # CMRT: T5, stomach
    user.key("Escape", "q", "Tab", "t", "5", "Tab")
    user.type("stomach")
    user.key("Alt+n")  # another CMRT entry, from inside the organ field …
    assert page.evaluate("document.activeElement.id") == "row-cmrt-2"
    user.key("Delete")  # … and removed again
    assert page.locator("#multi-cmrt .exam-entry").count() == 1
    assert page.evaluate("document.activeElement.id") == "row-cmrt-1"
    wait_saved(page)
    (output_dir / "keystrokes-fibres.txt").write_text(f"{user.count}\n")

    visit = Visit.objects.get(patient=patient)
    assert visit.findings == [
        {"indicator": "occipital_fibre", "side": "left", "level": "T8", "line": 2, "area": 6},
        {"indicator": "occipital_fibre", "side": "right", "level": "C2", "line": 1, "area": 3},
        {"indicator": "cmrt", "level": "T5", "organ": "stomach"},
    ]
    live = page.locator("#multi-findings").inner_text()
    assert "Occipital fibre 1: left, line 2, area 6, T8" in live
    assert "Occipital fibre 2: right, line 1, area 3, C2" in live
    assert "CMRT reflex: T5, stomach" in live

    # the mouse: add a third fibre, then remove the first; the rest are renumbered and saved
    page.click("#multi-occipital_fibre .entry-add")
    page.select_option("select[name='occipital_fibre.3.side']", "bilateral")
    page.fill("input[name='occipital_fibre.3.level']", "L4")
    page.locator("input[name='occipital_fibre.3.level']").dispatch_event("change")
    wait_saved(page)
    page.click("#row-occipital_fibre-1 .entry-remove")
    wait_saved(page)
    assert page.locator("#multi-occipital_fibre .exam-entry").count() == 2
    assert page.locator("#row-occipital_fibre-1 input[name='occipital_fibre.1.level']").input_value() == "C2"
    visit.refresh_from_db()
    assert [f.get("level") for f in visit.findings] == ["C2", "L4", "T5"]

    # a duplicate is refused with its entry named, and the page says so
    page.click("#multi-occipital_fibre .entry-add")
    page.select_option("select[name='occipital_fibre.3.side']", "right")
    for part, value in (("line", "1"), ("area", "3"), ("level", "C2")):
        page.fill(f"input[name='occipital_fibre.3.{part}']", value)
    page.locator("input[name='occipital_fibre.3.level']").dispatch_event("change")
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Not saved')")
    assert "Occipital fibre 3 is the same as Occipital fibre 1" in page.locator("#save-status").inner_text()
    visit.refresh_from_db()
    assert len(visit.findings) == 3

    page.reload()  # what is shown after a reload is what was saved
    assert page.locator("#multi-occipital_fibre .exam-entry").count() == 2
    assert page.locator("#multi-cmrt .exam-entry").count() == 1
    page.click("#multi-occipital_fibre .entry-add")  # the new entry takes the keys
    page.keyboard.type("l")
    for key in ("Tab", "3", "Tab", "7", "Tab", "t", "1"):
        page.keyboard.press(key)
    wait_saved(page)
    visit.refresh_from_db()
    assert [f.get("level") for f in visit.findings] == ["C2", "L4", "T1", "T5"]
    page.screenshot(path=str(output_dir / "visit-several-fibres.png"), full_page=True)
    page.locator("#group-fibres").screenshot(path=str(output_dir / "visit-several-fibres-detail.png"))


def test_a_red_flag_from_the_health_questions_holds_blocking_until_the_decision(
    page: Any, practitioner: User, output_dir: Path
) -> None:
    patient = make_patient(practitioner, family="Varga", given="Eszter")
    give_consent(patient, practitioner)
    log_in(page, practitioner)
    page.goto(f"/patients/{patient.pk}/")
    page.keyboard.press("Alt+n")
    page.wait_for_url("**/visits/**")
    visit_url = page.url
    page.click("text=Update the health questions")
    page.check("input[name='q.bladder_change'][value='yes']")
    page.check("input[name='q.fever'][value='no']")
    page.click("button:has-text('Save answers')")
    page.wait_for_url(visit_url + "#safety")

    gate = page.locator("#gate")
    assert "Blocking is on hold" in gate.inner_text()
    assert "cauda equina" in page.locator("#safety").inner_text().lower()
    assert page.locator("#blocking-performed").count() == 0
    page.screenshot(path=str(output_dir / "visit-red-flag-gate.png"), full_page=True)

    page.click("#safety .stop a:has-text('Record decision')")
    page.check("input[name=decision][value=referred]")
    page.fill("input[name=referred_to]", "Emergency department, Riverside Hospital")
    page.fill("input[name=referral_date]", "2026-11-25")
    page.click("button:has-text('Sign decision')")
    page.wait_for_url(visit_url)
    assert page.locator("#gate").count() == 0
    assert page.locator("#blocking-performed").count() == 0  # no category yet, but nothing holds blocking now
    page.goto(f"/patients/{patient.pk}/")
    assert page.locator("#open-flags").count() == 0
    assert "Safety decisions" in page.locator("main").inner_text()
    assert "referred to Emergency department" in page.locator("main").inner_text()


def test_a_patient_answers_due_questionnaires_on_a_phone_and_the_link_then_closes(
    browser: Any, live_server: Any, practitioner: User, output_dir: Path
) -> None:
    from sotclinic.outcomes.models import Response
    from sotclinic.outcomes.services import assign, link_create

    patient = make_patient(practitioner, family="Moreau", given="Léa")
    assign(patient=patient, by=practitioner, codes=["nprs", "psfs", "odi"])
    _, token = link_create(patient=patient, by=practitioner, email="lea@example.org")
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True
    )
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/q/{token}/")
    assert "Oswestry" not in page.content()  # licensed: never shown
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        page.click("#q-nprs label.choice:has-text('6')")  # the answers so far are saved as the patient goes
    page.reload()  # leaving and coming back on the same link keeps them
    assert page.is_checked("input[name='nprs.q1'][value='6']")
    for item, value in (("q1", "4"), ("q2", "5"), ("q3", "7")):
        page.click(f"[data-item='psfs.{item}'] label.choice:has-text('{value}') >> nth=0")
    page.screenshot(path=str(output_dir / "portal-phone.png"), full_page=True)
    page.fill("input[name='activity.q1']", "Lifting my son")
    page.click("button:has-text('Send my answers')")
    page.wait_for_selector("text=Your answers have been sent to the clinic")
    assert sorted(Response.objects.filter(patient=patient).values_list("instrument", "total")) == [
        ("nprs", 6.0),
        ("psfs", 16 / 3),
    ]
    assert Response.objects.get(instrument="psfs").notes == {"activity.q1": "Lifting my son"}
    page.goto(f"/q/{token}/")
    assert "This link has already been used." in page.content()
    phone.close()
    assert errors == []
