"""Sessions: a new key at login and at the second factor, the clinic's idle timeout, the absolute lifetime, and
deactivation ending every session. Time is moved by editing the session's stamps, never by sleeping."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.authn import AUTH_AT, LOGIN_AT, SEEN_AT
from sotclinic.clinic.models import Clinic, StaffSession, User
from sotclinic.clinic.services import user_deactivate
from tests.conftest import PASSWORD, client_for, code_for, confirmed_totp

pytestmark = pytest.mark.django_db


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def shift(client: Client, **seconds_ago: float) -> None:
    """Move the session's stamps into the past: shift(client, seen=31 * 60)."""
    keys = {"login": LOGIN_AT, "seen": SEEN_AT, "auth": AUTH_AT}
    session = client.session
    for name, ago in seconds_ago.items():
        session[keys[name]] = time.time() - ago
    session.save()


def test_the_session_key_changes_at_login_and_at_the_second_factor(practitioner: User) -> None:
    device = confirmed_totp(practitioner)
    client = Client()
    session = client.session
    session["before"] = "login"
    session.save()
    anonymous = session_key(client)
    client.post("/login/", {"username": "prac", "password": PASSWORD})
    after_password = session_key(client)
    assert after_password != anonymous
    assert not Session.objects.filter(session_key=anonymous).exists()
    client.post("/account/mfa/verify/", {"code": code_for(device)})
    after_code = session_key(client)
    assert after_code != after_password
    assert not Session.objects.filter(session_key=after_password).exists()
    assert list(StaffSession.objects.filter(user=practitioner).values_list("session_key", flat=True)) == [
        after_code
    ]
    assert client.get("/patients/").status_code == 200


def test_an_idle_session_ends_after_the_clinics_minutes(front_desk: User, desk_client: Client) -> None:
    assert front_desk.clinic is not None and front_desk.clinic.session_idle_minutes == 30
    shift(desk_client, seen=29 * 60)
    assert desk_client.get("/patients/").status_code == 200
    shift(desk_client, seen=30 * 60 + 5)
    response = desk_client.get("/patients/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fpatients%2F"
    assert "_auth_user_id" not in desk_client.session
    page = desk_client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity. Please log in again." in page


def test_the_idle_time_is_a_clinic_setting(clinic: Clinic, front_desk: User, desk_client: Client) -> None:
    Clinic.objects.filter(pk=clinic.pk).update(session_idle_minutes=5)
    shift(desk_client, seen=4 * 60)
    assert desk_client.get("/patients/").status_code == 200
    shift(desk_client, seen=5 * 60 + 5)
    assert desk_client.get("/patients/").status_code == 302


def test_activity_keeps_the_session_and_is_stamped_once_a_minute(desk_client: Client) -> None:
    shift(desk_client, seen=20)
    stamped = desk_client.session[SEEN_AT]
    desk_client.get("/patients/")
    assert desk_client.session[SEEN_AT] == stamped  # not saved on every request
    shift(desk_client, seen=25 * 60)
    desk_client.get("/patients/")
    assert time.time() - desk_client.session[SEEN_AT] < 5


def test_the_api_answers_401_when_the_session_has_ended(prac_client: Client, signed_visit: Any) -> None:
    shift(prac_client, seen=31 * 60)
    response = prac_client.get(f"/api/visits/{signed_visit.pk}")
    assert response.status_code == 401
    assert "without activity" in response.json()["detail"]


def test_a_session_ends_at_its_absolute_lifetime_however_active(desk_client: Client) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    shift(desk_client, login=settings.SESSION_COOKIE_AGE - 60, seen=0)
    assert desk_client.get("/patients/").status_code == 200
    shift(desk_client, login=settings.SESSION_COOKIE_AGE + 1, seen=0)
    response = desk_client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "a session lasts at most 8 hours" in desk_client.get(response["Location"]).content.decode()


def test_the_stored_expiry_is_fixed_at_login(desk_client: Client) -> None:
    key = session_key(desk_client)
    expires = Session.objects.get(session_key=key).expire_date
    shift(desk_client, seen=5 * 60)
    desk_client.get("/patients/")  # saves the session (a new activity stamp)
    assert desk_client.session[SEEN_AT] > time.time() - 5
    assert Session.objects.get(session_key=key).expire_date == expires


def test_deactivating_a_user_ends_every_session_they_have(front_desk: User, administrator: User) -> None:
    phone, desk = client_for(front_desk), client_for(front_desk)
    assert phone.get("/patients/").status_code == 200
    keys = {session_key(phone), session_key(desk)}
    assert set(StaffSession.objects.filter(user=front_desk).values_list("session_key", flat=True)) == keys
    ended = user_deactivate(user=front_desk, by=administrator)
    assert ended == 2
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not StaffSession.objects.filter(user=front_desk).exists()
    for client in (phone, desk):
        assert client.get("/patients/")["Location"].startswith("/login/")
    response = Client().post("/login/", {"username": "desk", "password": PASSWORD})
    assert "did not match" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.STAFF_DEACTIVATE)
    assert event.detail == {"sessions_ended": 2} and event.object_id == str(front_desk.pk)


def test_logging_in_again_needs_the_second_factor_again(practitioner: User, prac_client: Client) -> None:
    assert prac_client.get("/patients/").status_code == 200
    prac_client.post("/login/", {"username": "prac", "password": PASSWORD})  # the login page redirects away
    assert prac_client.get("/patients/").status_code == 200
    again = Client()
    again.cookies = prac_client.cookies
    again.force_login(practitioner)  # a fresh login in the same browser
    assert again.get("/patients/")["Location"].startswith("/account/mfa/verify/")


def test_logging_out_removes_the_session_and_its_row(practitioner: User, prac_client: Client) -> None:
    key = session_key(prac_client)
    assert StaffSession.objects.filter(session_key=key).exists()
    prac_client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not StaffSession.objects.filter(session_key=key).exists()
