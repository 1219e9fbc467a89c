"""Sign-in events are rows in the clinic's audit chain: logins, failures, lockouts, second factors,
re-authentication and logouts (sotclinic/clinic/signin_audit.py)."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice

from sotclinic.audit.models import AuditEvent
from sotclinic.clinic.authn import SEEN_AT, recovery_code_digest
from sotclinic.clinic.models import Clinic, User
from tests.conftest import PASSWORD, code_for, confirmed_totp

pytestmark = pytest.mark.django_db


def rows(clinic_id: object) -> list[tuple[str, str, str]]:
    """(action, actor role, object id) of the clinic's sign-in rows, oldest first."""
    events = AuditEvent.objects.filter(clinic_id=clinic_id, action__startswith="auth.").order_by("seq")
    return [(e.action, e.actor_role, e.object_id) for e in events]


def test_a_login_and_a_logout_are_recorded_with_the_account_as_actor(front_desk: User) -> None:
    client = Client(REMOTE_ADDR="192.0.2.7")
    assert client.post("/login/", {"username": "desk", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    me = str(front_desk.pk)
    assert rows(front_desk.clinic_id) == [("auth.login", "front_desk", me), ("auth.logout", "front_desk", me)]
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor == front_desk and login.patient is None
    assert login.address == "192.0.2.7" and login.request_id


def test_a_wrong_password_is_recorded_without_an_actor_and_without_the_password(front_desk: User) -> None:
    response = Client().post("/login/", {"username": "desk", "password": "not-the-password-9"})
    assert "did not match" in response.content.decode()
    assert rows(front_desk.clinic_id) == [("auth.login_failed", "unverified", str(front_desk.pk))]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.actor is None
    assert "not-the-password-9" not in json.dumps(failed.detail)
    assert failed.get_action_display() == "Failed login"


def test_an_unknown_username_writes_nothing_in_any_clinic(front_desk: User, outsider: User) -> None:
    response = Client().post("/login/", {"username": "nobody-here", "password": PASSWORD})
    assert "did not match" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_the_lockout_is_recorded_once_the_limit_is_reached(front_desk: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "desk", "password": "wrong-password-x"})
    actions = [action for action, _, _ in rows(front_desk.clinic_id)]
    assert actions.count("auth.login_failed") == settings.AXES_FAILURE_LIMIT
    assert actions.count("auth.lockout") == 1
    # Even the right password is refused now, and that refusal is recorded too.
    response = client.post("/login/", {"username": "desk", "password": PASSWORD})
    assert "did not match" in response.content.decode()
    actions = [action for action, _, _ in rows(front_desk.clinic_id)]
    assert actions.count("auth.lockout") == 2
    assert "auth.login" not in actions


def test_the_second_factor_passed_failed_and_by_recovery_code(practitioner: User) -> None:
    device = confirmed_totp(practitioner)
    client = Client()
    client.post("/login/", {"username": "prac", "password": PASSWORD})
    assert client.post("/account/mfa/verify/", {"code": "12345"}).status_code == 422
    assert client.post("/account/mfa/verify/", {"code": code_for(device)}).status_code == 302
    client.post("/logout/")

    static = StaticDevice.objects.create(user=practitioner, name="recovery", confirmed=True)
    static.token_set.create(token=recovery_code_digest("abcd2345"))
    second = Client()
    second.post("/login/", {"username": "prac", "password": PASSWORD})
    assert second.post("/account/mfa/verify/", {"code": "abcd2345"}).status_code == 302

    assert [(action, role) for action, role, _ in rows(practitioner.clinic_id)] == [
        ("auth.login", "practitioner"),
        ("auth.mfa_failed", "unverified"),
        ("auth.mfa", "practitioner"),
        ("auth.logout", "practitioner"),
        ("auth.login", "practitioner"),
        ("auth.mfa", "practitioner"),
    ]
    methods = [e.detail["method"] for e in AuditEvent.objects.filter(action="auth.mfa").order_by("seq")]
    assert methods == ["app", "recovery code"]
    assert "abcd2345" not in json.dumps([e.detail for e in AuditEvent.objects.all()])


def test_re_authentication_passed_and_failed(front_desk: User) -> None:
    client = Client()
    client.post("/login/", {"username": "desk", "password": PASSWORD})
    assert client.post("/account/confirm/", {"password": "wrong-password-y"}).status_code == 422
    assert client.post("/account/confirm/", {"password": PASSWORD}).status_code == 302
    assert [action for action, _, _ in rows(front_desk.clinic_id)] == [
        "auth.login",
        "auth.login_failed",  # the wrong password there counts towards the lockout like any other
        "auth.reauth_failed",
        "auth.reauth",
    ]


def test_a_session_ended_for_idleness_is_a_logout_with_its_reason(front_desk: User) -> None:
    client = Client()
    client.post("/login/", {"username": "desk", "password": PASSWORD})
    session = client.session
    session[SEEN_AT] = time.time() - 31 * 60
    session.save()
    assert client.get("/patients/")["Location"].startswith("/login/")
    logout = AuditEvent.objects.get(action="auth.logout")
    assert logout.detail == {"reason": "idle"} and logout.actor == front_desk


def test_rows_go_to_the_accounts_own_clinic_and_keep_the_chain_whole(
    front_desk: User, outsider: User, capsys: pytest.CaptureFixture[str]
) -> None:
    Client().post("/login/", {"username": outsider.username, "password": PASSWORD})
    Client().post("/login/", {"username": "desk", "password": "wrong-password-z"})
    assert [a for a, _, _ in rows(outsider.clinic_id)] == ["auth.login"]
    assert [a for a, _, _ in rows(front_desk.clinic_id)] == ["auth.login_failed"]
    for slug in Clinic.objects.values_list("slug", flat=True):
        call_command("audit", "verify", "--clinic", slug)
    assert capsys.readouterr().out.splitlines() == ["OK: 1 audit rows in 1 clinic chain"] * 2


def test_the_administrator_finds_failed_logins_on_the_audit_page(
    front_desk: User, administrator: User, administrator_client: Client
) -> None:
    Client().post("/login/", {"username": "desk", "password": "wrong-password-w"})
    page = administrator_client.get("/audit/", {"action": "auth.login_failed"})
    assert page.status_code == 200
    assert [e.object_id for e in page.context["page"]] == [str(front_desk.pk)]
    html = page.content.decode()
    assert "Failed login" in html
    assert "staff member desk" in html  # the account tried, by username
    assert 'href="/audit/"' in html  # administrators have the trail in their menu
