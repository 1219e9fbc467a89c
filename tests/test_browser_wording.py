"""On a phone, in real Chromium: the clinic's own (invented) answer wording, long statements wrapping, scored as
before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sotclinic.clinic.models import User
from tests.conftest import make_patient
from tests.test_browser import browser  # noqa: F401 - the module's Chromium fixture
from tests.test_outcomes_wording import LETTERS, hit6_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def long_odi_file() -> str:
    """ODI with statements long enough to wrap over several lines on a phone (all made up)."""
    filler = (
        "a made-up sentence that goes on for a while so that it has to wrap over several lines on a phone"
    )
    parts = ['instrument = "odi"\nversion = "2.1a"\nlicence = "HomeText made-up licence"']
    for i in range(1, 11):
        options = ", ".join(f'"Statement {LETTERS[j]} of section {i}, {filler}"' for j in range(6))
        parts.append(f'[items.q{i}]\ntext = "Made-up section {i}"\noptions = [{options}]')
    return "\n\n".join(parts) + "\n"


def test_a_patient_answers_in_the_clinics_wording_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    practitioner: User,
    settings: Any,
    tmp_path: Path,
    output_dir: Path,
) -> None:
    from sotclinic.outcomes.models import Response
    from sotclinic.outcomes.services import assign, link_create

    settings.SOTCLINIC_ITEM_TEXT_DIR = str(tmp_path)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "hit6.toml").write_text(hit6_file("HomeText"), encoding="utf-8")
    (tmp_path / "home" / "odi.toml").write_text(long_odi_file(), encoding="utf-8")
    patient = make_patient(practitioner, family="Moreau", given="Léa")
    assign(patient=patient, by=practitioner, codes=["hit6", "odi"])
    _, token = link_create(patient=patient, by=practitioner, email="lea@example.org")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True
    )
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/q/{token}/")
    q1 = page.locator("[data-item='hit6.q1'] label.choice")
    assert q1.all_inner_texts() == [f"HomeText option {LETTERS[j]} for HIT-6" for j in range(5)]
    assert "never" not in page.locator("#q-hit6").inner_text()
    # nothing wider than the phone: long statements wrap inside their choice
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    first = page.locator("[data-item='odi.q1'] label.choice").first
    assert first.bounding_box()["height"] > 60  # several lines
    radios = [page.locator(f"input[name='{name}']").first.bounding_box() for name in ("hit6.q1", "odi.q1")]
    assert radios[0]["width"] == radios[1]["width"]  # the long text does not squeeze the radio button
    for i in range(1, 7):
        page.click(f"[data-item='hit6.q{i}'] label.choice:has-text('HomeText option E for HIT-6')")
    for i in range(1, 11):
        page.click(f"[data-item='odi.q{i}'] label.choice:has-text('Statement C of section {i},')")
    assert page.is_checked("input[name='hit6.q1'][value='13']")
    assert page.is_checked("input[name='odi.q4'][value='2']")
    # what the phone shows: the HIT-6 in the clinic's wording, then the long ODI statements wrapping
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(output_dir / "portal-phone-clinic-wording.png"))
    page.evaluate("() => document.getElementById('q-odi').scrollIntoView()")
    page.screenshot(path=str(output_dir / "portal-phone-clinic-wording-odi.png"))
    page.click("button:has-text('Send my answers')")
    page.wait_for_selector("text=Your answers have been sent to the clinic")
    stored = dict(Response.objects.filter(patient=patient).values_list("instrument", "total"))
    assert stored == {"hit6": 78, "odi": 40}  # 6 × 13; 10 × 2 of 50 = 40%
    phone.close()
    assert errors == []
