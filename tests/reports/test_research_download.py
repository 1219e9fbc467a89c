"""The researcher's page and download: only a researcher of the clinic, only after a recent re-authentication, as an
attachment that is never cached, and one audit row per download with the row counts and no patient."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.test import Client

from sotclinic.audit.integrity import verify_trail
from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.patients.models import Patient
from sotclinic.reports.deidentified import K_MIN, pseudonym
from sotclinic.reports.models import ResearchKey
from sotclinic.reports.services import research_key
from tests.conftest import PASSWORD, client_for, make_signed_visit, stale_auth

pytestmark = pytest.mark.django_db

URL = "/research/export.zip"


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.RESEARCH_EXPORT))


def unzip(response: object) -> dict[str, str]:
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_research_page_explains_the_export_and_offers_it_by_post(
    researcher_client: Client, patient: Patient
) -> None:
    page = researcher_client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "de-identified exports only",
        "What it never contains",
        "Names, dates of birth, addresses, phone numbers, e-mail addresses.",
        "Free text of any kind",
        "Calendar dates",
        "HMAC-SHA256",
        f"When fewer than {K_MIN} patients share a sex, age band and category at presentation",
    ):
        assert text in html, text
    assert f'<form method="post" action="{URL}">' in html and 'name="csrfmiddlewaretoken"' in html
    assert patient.family_name not in html


def test_the_researcher_downloads_the_zip_and_one_audit_row_is_written(
    researcher: User, researcher_client: Client, practitioner: User, patient: Patient
) -> None:
    make_signed_visit(patient, practitioner, day=datetime.date(2026, 3, 1))
    make_signed_visit(patient, practitioner, day=datetime.date(2026, 3, 8))
    assert not ResearchKey.objects.exists()
    response = researcher_client.post(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="research-home-')
    assert response["Cache-Control"] == "no-store"
    files = unzip(response)
    assert sorted(files) == [
        "README.txt",
        "adverse_events.csv",
        "findings.csv",
        "outcomes.csv",
        "patients.csv",
        "visits.csv",
    ]
    visits = list(csv.DictReader(io.StringIO(files["visits.csv"])))
    pid = pseudonym(research_key(patient.clinic_id), patient.pk)
    assert [(v["pid"], v["visit"], v["day"]) for v in visits] == [(pid, "1", "0"), (pid, "2", "7")]
    # a single patient is a cell of one: sex and age band are not shown
    (row,) = csv.DictReader(io.StringIO(files["patients.csv"]))
    assert (row["sex"], row["age_band"], row["signed_visits"]) == ("suppressed", "suppressed", "2")
    (event,) = exports()
    assert event.actor_id == researcher.pk and event.actor_role == "researcher"
    assert event.clinic_id == researcher.clinic_id and event.patient_id is None
    assert event.object_id == "" and event.request_id == response["X-Request-Id"]
    assert event.address == "127.0.0.1"
    assert event.detail == {
        "k": K_MIN,
        "rows": {
            "patients.csv": 1,
            "visits.csv": 2,
            "findings.csv": 8,
            "outcomes.csv": 0,
            "adverse_events.csv": 0,
        },
    }
    assert str(patient.pk) not in str(event.detail)
    assert verify_trail().ok
    # the key was made once, and the next download uses it again: the same pseudonym, a second audit row
    again = unzip(researcher_client.post(URL))
    assert again["visits.csv"] == files["visits.csv"]
    assert ResearchKey.objects.count() == 1 and len(exports()) == 2


@pytest.mark.parametrize("persona", ["practitioner", "front_desk", "administrator", "outsider"])
def test_every_other_role_is_refused_and_nothing_is_written(
    request: pytest.FixtureRequest, persona: str, patient: Patient, researcher: User
) -> None:
    client = client_for(request.getfixturevalue(persona))
    response = client.post(URL)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    # refused for the role whatever the re-authentication: not sent to confirm who they are
    stale_auth(client)
    assert client.post(URL).status_code == 403
    assert client.get(URL).status_code == 405
    assert exports() == [] and not ResearchKey.objects.exists()


def test_an_outsider_researcher_gets_their_own_clinic_only(
    other_clinic: object, patient: Patient, practitioner: User, outsider: User
) -> None:
    from tests.conftest import make_user

    make_signed_visit(patient, practitioner)
    theirs = make_user(outsider.clinic, "their-research", "researcher")  # type: ignore[arg-type]
    files = unzip(client_for(theirs).post(URL))
    assert files["patients.csv"].strip().splitlines() == [
        "pid,sex,age_band,complaints,category_at_presentation,signed_visits,pregnant_any_visit"
    ]
    (event,) = exports()
    assert event.clinic_id == outsider.clinic_id


def test_anonymous_is_sent_to_log_in() -> None:
    response = Client().post(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert exports() == []


def test_without_a_recent_re_authentication_the_researcher_confirms_first_then_downloads(
    researcher: User, researcher_client: Client, practitioner: User, patient: Patient
) -> None:
    make_signed_visit(patient, practitioner)
    stale_auth(researcher_client)
    response = researcher_client.post(URL, HTTP_REFERER="http://testserver/")
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=http%3A%2F%2Ftestserver%2F"
    assert exports() == [] and not ResearchKey.objects.exists()
    # confirming the password brings the researcher back to the page, which they use again
    back = researcher_client.post("/account/confirm/", {"password": PASSWORD, "next": "/"})
    assert back.status_code == 302 and back["Location"] == "/"
    page = researcher_client.get("/").content.decode()
    assert "Please confirm it is you, then repeat" in page
    download = researcher_client.post(URL)
    assert download.status_code == 200 and "visits.csv" in unzip(download)
    assert len(exports()) == 1


def test_a_wrong_password_exports_nothing(researcher_client: Client, patient: Patient) -> None:
    stale_auth(researcher_client)
    assert researcher_client.post(URL).status_code == 302
    refused = researcher_client.post("/account/confirm/", {"password": "not-the-password", "next": "/"})
    assert refused.status_code == 422
    assert researcher_client.post(URL).status_code == 302
    assert exports() == []


def test_the_download_needs_the_csrf_token(researcher: User, patient: Patient) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    page = client.get("/")
    assert client.post(URL).status_code == 403
    assert exports() == []
    response = client.post(URL, {"csrfmiddlewaretoken": str(page.context["csrf_token"])})
    assert response.status_code == 200 and len(exports()) == 1
