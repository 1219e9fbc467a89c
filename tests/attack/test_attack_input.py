"""Bad input everywhere: script in every text field, oversized fields, wrong types, Unicode edge cases, far-past and
far-future dates.

The forms (read from the views, forms and templates): patient registration and edit, presenting complaint, the visit
(complaint, subjective, plan, override reason, blocking notes, a finding's organ and level) by autosave, sign and
the API, amendment, consent text and consent signature, adverse event and its follow-up, red-flag decision, the
screening questions, and the patient's questionnaire link (activities, reaction). What must hold:

- `<script>alert(1)</script>` (and an attribute-breaking `"><img src=x onerror=alert(1)>`) typed into any of them is
  stored as typed and shown escaped on every page that shows it; no HTML response ever contains it raw, error
  messages that quote the input included;
- a value that is too long, of the wrong type, or a date out of range gets a clear message naming the field, and
  nothing is saved (every table compared before and after);
- names in any script (right-to-left, combining marks, emoji) are kept exactly and found by search; a NUL byte gets
  a clear message and nothing is saved.

Where the app does not hold, a strict xfail names the file and what goes wrong (none today: the bugs this suite
found first were fixed in 9b6194a, and the tests that found them now guard the fixes).
"""

from __future__ import annotations

import datetime
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sotclinic.clinic.models import User
from sotclinic.outcomes.services import assign, link_create
from sotclinic.patients.models import Complaint, Patient
from sotclinic.visits.models import AdverseEvent, Amendment, Visit
from tests.attack.attack_support import World, raise_flag, sign_in, snapshot, snapshot_diff

pytestmark = pytest.mark.usefixtures("quiet_logs")

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
RAW = (SCRIPT, "<img src=x onerror=alert(1)>")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def xss(tag: str) -> str:
    """The payload for one field, tagged so that the page it shows on can be told apart."""
    return f"{SCRIPT}{tag}"


def escaped(tag: str) -> str:
    return f"{ESCAPED}{tag}"


class RecordingClient(Client):
    """A test client that keeps every response it got, to check them all at the end."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.responses: list[tuple[str, Any]] = []

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        self.responses.append((f"{request['REQUEST_METHOD']} {request['PATH_INFO']}", response))
        return response

    def raw_payloads(self) -> list[str]:
        found = []
        for label, response in self.responses:
            if response.streaming:
                continue
            kind = response.get("Content-Type", "")
            text = response.content.decode("utf-8", "replace")
            if kind.startswith("application/json"):
                continue  # JSON is data, not markup (and is served as JSON with nosniff)
            found += [f"{label} ({response.status_code}): {raw}" for raw in RAW if raw in text]
        return found


def signed_in(user: User) -> RecordingClient:
    client = RecordingClient()
    sign_in(client, user)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return str(response.content.decode())


def errors_of(html: str) -> str:
    """The error messages of a page, as text."""
    parts = re.findall(r'(?s)(?:class="(?:error|error-box|errors)[^"]*"[^>]*>)(.*?)</(?:p|div|span)>', html)
    return " | ".join(unescape(re.sub(r"<[^>]+>", " ", p)).strip() for p in parts)


# --- script in every text field --------------------------------------------------------------------------------------


def test_script_typed_into_every_text_field_is_shown_escaped_everywhere(world: World) -> None:
    prac = signed_in(world.users["practitioner"])
    desk = signed_in(world.users["front_desk"])

    # patient registration: every text field
    response = prac.post(
        reverse("patients:new"),
        {
            "given_names": xss("given"),
            "family_name": xss("family") + ATTR,
            "date_of_birth": "1975-05-05",
            "sex": "female",
            "phone": xss("ph"),
            "address": xss("address") + ATTR,
            "email": "",
        },
    )
    assert response.status_code == 302, errors_of(response.content.decode())
    patient = Patient.objects.get(given_names=xss("given"))
    assert patient.family_name == xss("family") + ATTR  # stored exactly as typed
    pid = patient.pk
    chart = reverse("patients:chart", kwargs={"patient_id": pid})

    # presenting complaint
    prac.post(
        reverse("patients:complaint_new", kwargs={"patient_id": pid}),
        {"code": "neck", "description": xss("cd")},
    )
    assert Complaint.objects.get(patient=patient).description == xss("cd")

    # consent text (title and body) and a guardian's signature
    response = prac.post(reverse("consent_text"), {"title": xss("ctitle"), "body": xss("cbody") + ATTR})
    assert response.status_code == 302
    response = prac.post(
        reverse("patients:consent", kwargs={"patient_id": pid}),
        {
            "agreed": "on",
            "signed_name": xss("signer"),
            "by_guardian": "on",
            "guardian_relationship": xss("rel"),
        },
    )
    assert response.status_code == 302, errors_of(response.content.decode())

    # a visit: every text of the note, by autosave, then signed, then amended
    response = prac.post(reverse("patients:visit_new", kwargs={"patient_id": pid}))
    visit = Visit.objects.get(patient=patient)
    vid = {"visit_id": visit.pk}
    prac.post(reverse("visits:screening", kwargs=vid), {"reaction": "none"})
    note = {
        "complaint": xss("vcomplaint"),
        "subjective": xss("subjective") + ATTR,
        "plan": xss("plan"),
        "category": "cat1",  # nothing suggests it: the override needs its reason
        "override_reason": xss("override"),
        "blocking.notes": xss("bnotes"),
        "cmrt.level": "T6",
        "cmrt.organ": xss("organ"),
    }
    response = prac.post(reverse("visits:autosave", kwargs=vid), note, headers={"HX-Request": "true"})
    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.subjective == xss("subjective") + ATTR, errors_of(response.content.decode())
    assert visit.override_reason == xss("override")
    html = page(prac, reverse("visits:detail", kwargs=vid))
    for tag in ("vcomplaint", "subjective", "plan", "override", "bnotes", "organ"):
        assert escaped(tag) in html, tag
    response = prac.post(reverse("visits:sign", kwargs=vid), note)
    assert response.status_code == 302, errors_of(response.content.decode())
    response = prac.post(
        reverse("visits:amend", kwargs=vid), {"reason": xss("areason"), "text": xss("atext")}
    )
    assert response.status_code == 302
    assert Amendment.objects.get(visit=visit).text == xss("atext")
    signed = page(prac, reverse("visits:detail", kwargs=vid))
    for tag in ("vcomplaint", "subjective", "plan", "override", "organ", "areason", "atext"):
        assert escaped(tag) in signed, tag

    # a red flag and the decision on it
    flag = raise_flag(patient, next(iter(world.flag.__class__.objects.values_list("code", flat=True))))
    response = prac.post(
        reverse("patients:flag", kwargs={"patient_id": pid, "flag_id": flag.pk}),
        {
            "decision": "referred",
            "referred_to": xss("refto"),
            "referral_date": timezone.localdate().isoformat(),
            "reason": xss("freason"),
        },
    )
    assert response.status_code == 302, errors_of(response.content.decode())

    # an adverse event and its follow-up
    response = prac.post(
        reverse("patients:adverse_new", kwargs={"patient_id": pid}),
        {
            "description": xss("aedesc") + ATTR,
            "began_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "severity": "major",
            "duration": xss("aedur"),
            "action_taken": xss("aeaction"),
            "causality": "possible",
        },
    )
    assert response.status_code == 302, errors_of(response.content.decode())
    event = AdverseEvent.objects.get(patient=patient)
    response = prac.post(reverse("adverse_follow_up", kwargs={"event_id": event.pk}), {"notes": xss("fup")})
    assert response.status_code == 302

    # the pages that show all this
    shown = {
        chart: ("given", "family", "ph", "cd", "aedesc", "aedur", "fup", "refto", "freason", "signer", "rel"),
        reverse("patients:edit", kwargs={"patient_id": pid}): ("given", "family", "ph", "address"),
        reverse("patients:list") + "?q=" + "%3Cscript": ("given", "family"),
        reverse("patients:flag", kwargs={"patient_id": pid, "flag_id": flag.pk}): ("given",),
        reverse("patients:referral_letter", kwargs={"patient_id": pid, "flag_id": flag.pk}): (
            "given",
            "family",
        ),
        reverse("adverse_register"): ("aedesc",),
        reverse("patients:consent", kwargs={"patient_id": pid}): ("ctitle", "cbody"),
        reverse("consent_text"): ("ctitle", "cbody"),
    }
    for url, tags in shown.items():
        html = page(prac, url)
        for tag in tags:
            assert escaped(tag) in html, (url, tag)
    # the front desk's view of the chart, and its lists
    for url in (chart, reverse("patients:edit", kwargs={"patient_id": pid}), reverse("outcomes:due")):
        page(desk, url)
    # the API gives the text back as JSON, exactly as stored
    data = prac.get(f"/api/visits/{visit.pk}").json()
    assert (data["plan"], data["override_reason"]) == (xss("plan"), xss("override"))

    # error messages that quote what was typed
    other = prac.post(reverse("patients:visit_new", kwargs={"patient_id": world.patient.pk}))
    draft = Visit.objects.get(pk=other["Location"].split("/")[2])
    autosave = reverse("visits:autosave", kwargs={"visit_id": draft.pk})
    for bad in (
        {"category": SCRIPT},
        {"variant": SCRIPT},
        {"pain": SCRIPT},
        {"pelvic_sway.value": SCRIPT},
        {"leg_length_supine.side": SCRIPT, "leg_length_supine.value": "3"},
        {"recheck." + SCRIPT: "cleared"},
        {"revision": SCRIPT},
        {
            "blocking.performed": "1",
            "category": "cat2",
            "blocking.1.landmark": SCRIPT,
            "blocking.1.side": ATTR,
        },
    ):
        response = prac.post(autosave, bad, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "Not saved" in response.content.decode(), bad
    for bad in ({"pain": SCRIPT}, {"category": SCRIPT}):
        response = prac.post(reverse("visits:sign", kwargs={"visit_id": draft.pk}), bad)
        assert response.status_code == 400
    intake = reverse("patients:intake", kwargs={"patient_id": pid})
    response = prac.post(intake, {"q.first_episode": SCRIPT, "q.morning_stiffness_minutes": ATTR})
    assert response.status_code == 400
    assert "Give a number, not" in response.content.decode()
    prac.post(reverse("outcomes:assign", kwargs={"patient_id": pid}), {"instrument": SCRIPT})
    prac.post(reverse("outcomes:total", kwargs={"patient_id": pid}), {"instrument": SCRIPT, "total": "3"})
    html = page(prac, chart)  # the messages of the two above are shown here
    assert "Unknown questionnaire" in html
    page(prac, reverse("patients:list") + "?q=" + SCRIPT)
    Client().post(reverse("login"), {"username": SCRIPT, "password": ATTR})

    # the patient's questionnaire link: activities and a reaction, the page shown again with what was typed
    assign(patient=patient, by=world.users["practitioner"], codes=["psfs", "nprs"])
    _, token = link_create(patient=patient, by=world.users["practitioner"], purpose="kiosk")
    portal = RecordingClient()
    response = portal.post(f"/q/{token}/", {"activity.a1": xss("act"), "psfs.a1": "3"})
    assert response.status_code in (200, 400)
    response = portal.post(
        f"/q/{token}/", {"action": "finish", "reaction": "yes", "reaction.what": xss("what") + ATTR}
    )
    assert response.status_code == 400
    assert escaped("what") in response.content.decode()

    raw = prac.raw_payloads() + desk.raw_payloads() + portal.raw_payloads()
    assert not raw, "unescaped script in a response:\n" + "\n".join(raw)
    assert len(prac.responses) > 30


# --- oversized fields ------------------------------------------------------------------------------------------------

# (what, URL name, needs, valid data, field, label as the page names it, the longest value accepted)
OVERSIZED: list[tuple[str, str, str, dict[str, str], str, str, int]] = [
    (
        "registration",
        "patients:new",
        "",
        {"family_name": "A", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"},
        "given_names",
        "Given names",
        150,
    ),
    (
        "registration",
        "patients:new",
        "",
        {"family_name": "A", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"},
        "family_name",
        "Family name",
        100,
    ),
    (
        "registration",
        "patients:new",
        "",
        {"family_name": "A", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"},
        "phone",
        "Phone",
        40,
    ),
    (
        "registration",
        "patients:new",
        "",
        {"family_name": "A", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"},
        "address",
        "Address",
        500,
    ),
    (
        "edit",
        "patients:edit",
        "patient",
        {"family_name": "A", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"},
        "family_name",
        "Family name",
        100,
    ),
    (
        "complaint",
        "patients:complaint_new",
        "patient",
        {"code": "neck"},
        "description",
        "In the patient's words",
        300,
    ),
    (
        "amendment",
        "visits:amend",
        "signed",
        {"reason": "r", "text": "t"},
        "reason",
        "Reason for the amendment",
        300,
    ),
    ("amendment", "visits:amend", "signed", {"reason": "r", "text": "t"}, "text", "Correction", 5000),
    ("consent text", "consent_text", "", {"title": "T", "body": "B"}, "title", "Title", 200),
    ("consent text", "consent_text", "", {"title": "T", "body": "B"}, "body", "Body", 20000),
    (
        "adverse event",
        "patients:adverse_new",
        "patient",
        {"description": "d", "began_at": "2026-01-01T10:00", "severity": "mild", "causality": "possible"},
        "description",
        "What happened",
        2000,
    ),
    (
        "adverse event",
        "patients:adverse_new",
        "patient",
        {"description": "d", "began_at": "2026-01-01T10:00", "severity": "mild", "causality": "possible"},
        "duration",
        "How long it lasted",
        100,
    ),
    (
        "adverse event",
        "patients:adverse_new",
        "patient",
        {"description": "d", "began_at": "2026-01-01T10:00", "severity": "mild", "causality": "possible"},
        "action_taken",
        "Action taken",
        2000,
    ),
    (
        "flag decision",
        "patients:flag",
        "flag",
        {"decision": "proceed", "reason": "r"},
        "reason",
        "Reason / modification",
        2000,
    ),
    (
        "flag decision",
        "patients:flag",
        "flag",
        {"decision": "referred", "referred_to": "GP", "referral_date": "2026-01-01"},
        "referred_to",
        "Referred to",
        200,
    ),
    ("visit sign", "visits:sign", "draft", {"category": "none"}, "subjective", "Subjective", 5000),
    ("visit sign", "visits:sign", "draft", {"category": "none"}, "plan", "Plan", 5000),
    ("visit sign", "visits:sign", "draft", {"category": "none"}, "complaint", "Complaint", 300),
    ("visit sign", "visits:sign", "draft", {"category": "cat1"}, "override_reason", "Override reason", 500),
]


def _url(world: World, name: str, needs: str) -> str:
    kwargs: dict[str, Any] = {}
    if needs in ("patient", "flag"):
        kwargs["patient_id"] = world.patient.pk
    if needs == "flag":
        kwargs["flag_id"] = world.flag.pk
    if needs == "signed":
        kwargs["visit_id"] = world.signed_visit.pk
    if needs == "draft":
        kwargs["visit_id"] = world.draft_visit.pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(
    ("what", "name", "needs", "valid", "field", "label", "limit"),
    OVERSIZED,
    ids=[f"{o[0]}-{o[4]}" for o in OVERSIZED],
)
def test_a_value_one_character_too_long_is_refused_naming_the_field_and_nothing_is_saved(
    world: World, what: str, name: str, needs: str, valid: dict[str, str], field: str, label: str, limit: int
) -> None:
    client = signed_in(world.users["practitioner"])
    url = _url(world, name, needs)
    before = snapshot()
    response = client.post(url, {**valid, field: "x" * (limit + 1)})
    assert response.status_code == 400, (response.status_code, response.get("Location"))
    message = errors_of(response.content.decode())
    assert label in message, message
    assert str(limit) in message, message
    assert snapshot_diff(before, snapshot()) == []


def test_autosave_refuses_too_long_text_naming_it_and_keeps_the_draft(world: World) -> None:
    client = signed_in(world.users["practitioner"])
    url = reverse("visits:autosave", kwargs={"visit_id": world.draft_visit.pk})
    before = snapshot()
    for field, label, limit in (
        ("subjective", "Subjective", 5000),
        ("plan", "Plan", 5000),
        ("complaint", "Complaint", 300),
        ("override_reason", "Override reason", 500),
    ):
        response = client.post(url, {field: "x" * (limit + 1)}, headers={"HX-Request": "true"})
        assert f"Not saved: {label} must be at most {limit} characters." in response.content.decode()
    assert snapshot_diff(before, snapshot()) == []


def test_a_huge_request_is_refused_before_it_reaches_the_note(world: World) -> None:
    """Over Django's 2.5 MB body limit, or over 1000 fields: 400, nothing saved."""
    client = signed_in(world.users["practitioner"])
    url = reverse("visits:autosave", kwargs={"visit_id": world.draft_visit.pk})
    before = snapshot()
    assert client.post(url, {"subjective": "x" * 3_000_000}).status_code == 400
    assert client.post(url, {f"f{i}": "1" for i in range(1200)}).status_code == 400
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize(
    ("field", "limit"), [("complaint", 300), ("subjective", 5000), ("plan", 5000), ("override_reason", 500)]
)
def test_the_api_refuses_too_long_text_like_the_page_does(world: World, field: str, limit: int) -> None:
    client = signed_in(world.users["practitioner"])
    url = f"/api/visits/{world.draft_visit.pk}"
    before = snapshot()
    response = client.patch(url, {field: "x" * (limit + 1)}, content_type="application/json")
    assert response.status_code == 422
    assert field in response.content.decode()
    assert snapshot_diff(before, snapshot()) == []
    assert client.patch(url, {field: "x" * limit}, content_type="application/json").status_code in (200, 422)


def test_a_too_long_follow_up_says_it_is_too_long_and_is_not_saved(world: World) -> None:
    client = signed_in(world.users["practitioner"])
    url = reverse("adverse_follow_up", kwargs={"event_id": world.event.pk})
    before = snapshot()
    response = client.post(url, {"notes": "x" * 2001})
    assert response.status_code == 302
    assert snapshot_diff(before, snapshot()) == []
    shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert "Follow-up: Ensure this value has at most 2000 characters (it has 2001)." in shown, shown


# --- wrong types -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pain": "abc"}, "Pain must be a whole number from 0 to 10."),
        ({"pain": "11"}, "Pain must be a whole number from 0 to 10."),
        ({"pain": "-1"}, "Pain must be a whole number from 0 to 10."),
        ({"pain": "6.5"}, "Pain must be a whole number from 0 to 10."),
        ({"pain": "1e309"}, "Pain must be a whole number from 0 to 10."),
        ({"pain": "NaN"}, "Pain must be a whole number from 0 to 10."),
        ({"pregnancy_week": "forty"}, "Week of pregnancy must be a whole number from 1 to 42."),
        (
            {"pregnancy_week": "99999999999999999999"},
            "Week of pregnancy must be a whole number from 1 to 42.",
        ),
        ({"pelvic_sway.value": "lots"}, "must be a number, not 'lots'."),
        ({"pelvic_sway.value": "inf"}, "must be a finite number."),
        ({"category": "cat9"}, "Unknown category 'cat9'."),
        ({"variant": "twins"}, "Unknown protocol variant 'twins'."),
        ({"revision": "latest"}, "The form is out of date. Reload the visit."),
        ({"recheck.nonsense": "cleared"}, "Unknown indicator 'nonsense' in the re-check."),
    ],
)
def test_a_value_of_the_wrong_type_in_the_visit_gets_a_clear_message_and_is_not_saved(
    world: World, data: dict[str, str], message: str
) -> None:
    client = signed_in(world.users["practitioner"])
    url = reverse("visits:autosave", kwargs={"visit_id": world.draft_visit.pk})
    before = snapshot()
    response = client.post(url, data, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert "Not saved:" in text
    assert message.replace("'", "&#x27;") in text, text[:400]
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"pain": "six"},
        {"pain": 6.5},
        {"pain": 11},
        {"pain": [1]},
        {"complaint": 12},
        {"findings": "arm_fossa"},
        {"findings": [{"indicator": "no_such_indicator"}]},
        {"category": "cat9"},
        {"blocking": {"performed": True}},  # not a field the API may set
        {"signed_at": "2026-01-01T00:00:00Z"},
    ],
)
def test_the_api_refuses_wrong_types_with_422_and_saves_nothing(
    world: World, payload: dict[str, Any]
) -> None:
    client = signed_in(world.users["practitioner"])
    before = snapshot()
    response = client.patch(f"/api/visits/{world.draft_visit.pk}", payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("patients:new", {"date_of_birth": "1980-02-30"}, "Date of birth: Enter a valid date."),
        ("patients:new", {"date_of_birth": "yesterday"}, "Date of birth: Enter a valid date."),
        ("patients:new", {"sex": "robot"}, "Sex: Select a valid choice."),
        ("patients:new", {"email": "not-an-email"}, "E-mail: Enter a valid email address."),
    ],
)
def test_a_form_value_of_the_wrong_type_names_the_field(
    world: World, url_name: str, data: dict[str, str], message: str
) -> None:
    client = signed_in(world.users["practitioner"])
    before = snapshot()
    valid = {"family_name": "A", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"}
    response = client.post(reverse(url_name), {**valid, **data})
    assert response.status_code == 400
    assert message.split(": ", 1)[1] in errors_of(response.content.decode())
    assert snapshot_diff(before, snapshot()) == []


def test_screening_answers_of_the_wrong_type_are_refused(world: World) -> None:
    client = signed_in(world.users["practitioner"])
    url = reverse("patients:intake", kwargs={"patient_id": world.patient.pk})
    before = snapshot()
    response = client.post(url, {"q.first_episode": "maybe", "q.morning_stiffness_minutes": "ten"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Answer yes or no." in text
    assert "Give a number, not &#x27;ten&#x27;." in text
    assert snapshot_diff(before, snapshot()) == []


# --- Unicode -----------------------------------------------------------------------------------------------------

NAMES = {
    "Arabic (right to left)": ("نور", "الهاشمي"),
    "Hebrew with a right-to-left override": ("\u202eדוד", "כהן"),
    "combining marks": ("Zoe\u0308", "Nguye\u0302\u0303n"),
    "emoji and a ZWJ sequence": ("Sky 🙂", "Rain 👩\u200d⚕️"),
    "CJK and Devanagari": ("美咲", "शर्मा"),
}


@pytest.mark.parametrize("script", list(NAMES))
def test_names_in_any_script_are_kept_exactly_shown_escaped_and_found(world: World, script: str) -> None:
    given, family = NAMES[script]
    client = signed_in(world.users["front_desk"])
    response = client.post(
        reverse("patients:new"),
        {"given_names": given, "family_name": family, "date_of_birth": "1990-06-01", "sex": "other"},
    )
    assert response.status_code == 302, errors_of(response.content.decode())
    patient = Patient.objects.get(family_name=family)
    assert (patient.given_names, patient.family_name) == (given, family)
    html = page(client, response["Location"])
    assert given in html and family in html
    found = page(client, reverse("patients:list") + "?q=" + family.split()[0])
    assert response["Location"] in found


def test_a_family_name_of_several_words_is_found_when_typed_whole(world: World) -> None:
    client = signed_in(world.users["front_desk"])
    response = client.post(
        reverse("patients:new"),
        {"given_names": "Anna", "family_name": "van der Berg", "date_of_birth": "1990-06-01", "sex": "other"},
    )
    assert response["Location"] in page(client, reverse("patients:list") + "?q=van der Berg")


NUL_FORMS: list[tuple[str, str, dict[str, str], str]] = [
    (
        "patients:new",
        "",
        {"family_name": "A\x00B", "given_names": "B", "date_of_birth": "1980-01-01", "sex": "unknown"},
        "Null characters are not allowed.",
    ),
    (
        "patients:complaint_new",
        "patient",
        {"code": "neck", "description": "a\x00"},
        "Null characters are not allowed.",
    ),
    ("visits:amend", "signed", {"reason": "r\x00", "text": "t"}, "Null characters are not allowed."),
    ("consent_text", "", {"title": "T", "body": "B\x00"}, "Null characters are not allowed."),
    (
        "patients:adverse_new",
        "patient",
        {"description": "d\x00", "began_at": "2026-01-01T10:00", "severity": "mild", "causality": "possible"},
        "Null characters are not allowed.",
    ),
    ("patients:flag", "flag", {"decision": "proceed", "reason": "r\x00"}, "Null characters are not allowed."),
    ("patients:intake", "patient", {"q.first_episode": "yes\x00"}, "Answer yes or no."),
]


@pytest.mark.parametrize(("name", "needs", "data", "message"), NUL_FORMS, ids=[n[0] for n in NUL_FORMS])
def test_a_nul_byte_in_a_form_gets_a_clear_message_and_nothing_is_saved(
    world: World, name: str, needs: str, data: dict[str, str], message: str
) -> None:
    client = signed_in(world.users["practitioner"])
    before = snapshot()
    response = client.post(_url(world, name, needs), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("subjective", "In the patient's words"),
        ("plan", "Plan"),
        ("complaint", "Complaint"),
        ("override_reason", "Reason for overriding"),
        ("blocking.notes", "The blocking notes"),
        ("cmrt.organ", "A finding"),
    ],
)
def test_a_nul_byte_in_the_visit_note_gets_a_clear_message_and_nothing_is_saved(
    world: World, field: str, label: str
) -> None:
    """The visit page parses its own form (no Django form field refuses NUL for it): SQLite would store the byte,
    PostgreSQL refuse it with a DataError (a 500), so the note's services refuse it first, on every database."""
    client = signed_in(world.users["practitioner"])
    before = snapshot()
    data = {field: "a\x00b"}
    if field == "cmrt.organ":
        data["cmrt.level"] = "T6"
    if field == "override_reason":
        data["category"] = "cat1"
    response = client.post(
        reverse("visits:autosave", kwargs={"visit_id": world.draft_visit.pk}),
        data,
        headers={"HX-Request": "true"},
    )
    text = unescape(response.content.decode())
    assert f"{label} contains a NUL character, which cannot be stored." in text, text[:300]
    assert snapshot_diff(before, snapshot()) == []
    response = client.post(reverse("visits:sign", kwargs={"visit_id": world.draft_visit.pk}), data)
    assert response.status_code == 400
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"subjective": "a\\u0000b"}', "contains a NUL character"),
        ('{"plan": "a\\ud800b"}', "unicode"),
        ('{"complaint": "\\udfff"}', "unicode"),
        ('{"findings": [{"indicator": "cmrt", "level": "T6", "organ": "a\\u0000"}]}', "NUL"),
    ],
)
def test_nul_and_lone_surrogates_through_the_api_get_422_and_nothing_is_saved(
    world: World, body: str, message: str
) -> None:
    """A JSON string may carry \\u0000 or half of a surrogate pair; neither can be stored (PostgreSQL refuses NUL,
    and no database can encode a lone surrogate as UTF-8: both were 500s)."""
    client = signed_in(world.users["practitioner"])
    before = snapshot()
    response = client.patch(f"/api/visits/{world.draft_visit.pk}", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert message in response.content.decode()
    assert snapshot_diff(before, snapshot()) == []


# --- far-past and far-future dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "message"),
    [
        ("0001-01-01", "Date of birth must be after 1900."),
        ("1899-12-31", "Date of birth must be after 1900."),
        ("9999-12-31", "Date of birth cannot be in the future."),
        (
            (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "Date of birth cannot be in the future.",
        ),
        ("10000-01-01", "Enter a valid date."),
    ],
)
def test_a_date_of_birth_out_of_range_is_refused(world: World, dob: str, message: str) -> None:
    client = signed_in(world.users["front_desk"])
    before = snapshot()
    response = client.post(
        reverse("patients:new"),
        {"family_name": "A", "given_names": "B", "date_of_birth": dob, "sex": "unknown"},
    )
    assert response.status_code == 400
    assert f"Date of birth: {message}" in errors_of(response.content.decode())
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize(
    ("name", "needs", "data", "message"),
    [
        (
            "patients:complaint_new",
            "patient",
            {"code": "neck", "onset": "9999-12-31"},
            "The complaint cannot begin in the future.",
        ),
        (
            "patients:flag",
            "flag",
            {"decision": "referred", "referred_to": "GP", "referral_date": "9999-12-31"},
            "A referral cannot be dated in the future.",
        ),
        (
            "patients:adverse_new",
            "patient",
            {"description": "d", "began_at": "9999-12-31T23:59", "severity": "mild", "causality": "possible"},
            "The event cannot begin in the future.",
        ),
    ],
)
def test_a_date_in_the_far_future_is_refused(
    world: World, name: str, needs: str, data: dict[str, str], message: str
) -> None:
    client = signed_in(world.users["practitioner"])
    before = snapshot()
    response = client.post(_url(world, name, needs), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot_diff(before, snapshot()) == []


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati"])
def test_far_past_dates_are_refused_or_shown_and_never_crash_a_page(
    world: World, settings: Any, tz: str
) -> None:
    """A complaint may have begun long ago (there is no lower bound on its onset) and the chart still shows it; an
    adverse event cannot begin before the patient was born, nor at the start of year 1 (which, east of UTC, is
    before year 1 in UTC: an OverflowError on SQLite, and on PostgreSQL a BC timestamp that no later read of the
    chart could load)."""
    settings.TIME_ZONE = tz
    client = signed_in(world.users["practitioner"])
    pid = world.patient.pk
    for onset in ("0001-01-01", "1899-12-31"):
        response = client.post(
            reverse("patients:complaint_new", kwargs={"patient_id": pid}), {"code": "neck", "onset": onset}
        )
        assert response.status_code == 302
    before = snapshot()
    for began in ("0001-01-01T00:00", "1899-12-31T12:00", "1961-04-22T23:00"):  # born 23 April 1961
        response = client.post(
            reverse("patients:adverse_new", kwargs={"patient_id": pid}),
            {"description": "d", "began_at": began, "severity": "mild", "causality": "possible"},
        )
        assert response.status_code == 400, began
        assert "The event cannot begin before the patient was born." in response.content.decode()
    assert snapshot_diff(before, snapshot()) == []
    html = page(client, reverse("patients:chart", kwargs={"patient_id": pid}))
    assert "since Jan 0001" in html or "since Jan 1" in html
    page(client, reverse("adverse_register"))
