"""Argon2 password hashes; login lockout that answers exactly like a wrong password, and how it is lifted."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import User
from sotclinic.config import settings as project_settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MESSAGE = "Your username and password did not match. Please try again."
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def log_in(client: Client, username: str, password: str, address: str = "127.0.0.1") -> HttpResponse:
    response: HttpResponse = client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response


def page_of(response: HttpResponse, username: str) -> str:
    """The body with the per-response CSRF token and the echoed username taken out."""
    body = _CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())
    return body.replace(f'value="{username}"', 'value=""')


def test_passwords_are_hashed_with_argon2id(settings: Any, practitioner: User) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # undo the tests' fast hasher
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = make_password("a long clinic password")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("a long clinic password", encoded)


def test_an_older_hash_is_upgraded_to_argon2_at_login(settings: Any, practitioner: User) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",  # stands in for an older, weaker hash
    ]
    assert practitioner.password.startswith("md5$")
    assert log_in(Client(), "prac", PASSWORD).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.password.startswith("argon2$argon2id$")


def test_lockout_answers_exactly_like_a_wrong_password_or_an_unknown_user(practitioner: User) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert (limit, settings.AXES_COOLOFF_TIME) == (5, datetime.timedelta(minutes=15))
    client = Client()
    unknown = log_in(client, "nobody", "wrong-password-0")
    wrong = [log_in(client, "prac", f"wrong-password-{n}") for n in range(limit)]
    locked = log_in(client, "prac", PASSWORD)  # the right password, but locked out now
    assert "_auth_user_id" not in client.session
    answers = [unknown, *wrong, locked]
    assert {r.status_code for r in answers} == {200}
    assert MESSAGE in locked.content.decode()
    expected = page_of(unknown, "nobody")
    for response in answers[1:]:
        assert page_of(response, "prac") == expected
    assert "locked" not in locked.content.decode().lower()
    # Only this username from this address is locked: the same user elsewhere, or another user here, is not.
    assert log_in(Client(), "prac", PASSWORD, address="10.0.0.9").status_code == 302
    # After the cool-off the user can log in again.
    AccessAttempt.objects.filter(username="prac").update(
        attempt_time=datetime.datetime.now(datetime.UTC)
        - settings.AXES_COOLOFF_TIME
        - datetime.timedelta(seconds=1)
    )
    assert log_in(client, "prac", PASSWORD).status_code == 302


def test_fewer_failures_than_the_limit_lock_nothing_and_a_success_clears_them(practitioner: User) -> None:
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "prac", f"wrong-password-{n}")
    assert log_in(client, "prac", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="prac").exists()


def lock_out(username: str) -> Client:
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, f"wrong-password-{n}")
    assert log_in(client, username, PASSWORD).status_code == 200
    return client


def test_the_administrator_sees_the_lockout_and_lifts_it(
    practitioner: User, administrator: User, administrator_client: Client
) -> None:
    client = lock_out("prac")
    page = administrator_client.get("/clinic/staff/").content.decode()
    row = page[page.index(f'id="staff-{practitioner.pk}"') :]
    assert "locked out" in row[: row.index("</tr>")]
    response = administrator_client.post(f"/clinic/staff/{practitioner.pk}/unlock/")
    assert response.status_code == 302
    assert log_in(client, "prac", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action=Action.STAFF_UNLOCK)
    assert event.actor == administrator and event.object_id == str(practitioner.pk) and event.patient is None


def test_the_server_command_lifts_a_lockout(practitioner: User) -> None:
    client = lock_out("prac")
    call_command("axes_reset_username", "prac", stdout=None)
    assert log_in(client, "prac", PASSWORD).status_code == 302
