"""The administrator's staff page: role changes, deactivation and two-factor resets need a fresh re-authentication
(password and current code), are POST-only with CSRF, stay inside the clinic, and are audited."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.authn import AUTH_AT, require_recent_auth
from sotclinic.clinic.models import Clinic, Role, SealedTOTPDevice, User
from tests.conftest import PASSWORD, client_for, code_for, confirmed_totp, make_user, stale_auth

pytestmark = pytest.mark.django_db

STAFF = "/clinic/staff/"


def test_the_staff_page_lists_the_clinics_staff_only(
    administrator_client: Client, practitioner: User, front_desk: User, outsider: User
) -> None:
    page = administrator_client.get(STAFF)
    assert page.status_code == 200
    html = page.content.decode()
    for member in (practitioner, front_desk):
        assert f'id="staff-{member.pk}"' in html
    assert str(outsider.pk) not in html and "outsider" not in html
    assert "two-factor not set up" in html


def test_a_role_change_needs_a_fresh_password_and_code(
    administrator: User, administrator_client: Client, front_desk: User
) -> None:
    stale_auth(administrator_client)
    response = administrator_client.post(
        f"/clinic/staff/{front_desk.pk}/role/",
        {"role": Role.PRACTITIONER},
        HTTP_REFERER="http://testserver/clinic/staff/",
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=http%3A%2F%2Ftestserver%2Fclinic%2Fstaff%2F"
    front_desk.refresh_from_db()
    assert front_desk.role == Role.FRONT_DESK
    page = administrator_client.get(response["Location"])
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    device = confirmed_totp(administrator)
    nxt = {"next": "/clinic/staff/"}
    bad = [
        {"password": "wrong-password", "code": code_for(device)},
        {"password": PASSWORD, "code": ""},
        {"password": PASSWORD, "code": "000000" if code_for(device) != "000000" else "111111"},
    ]
    for attempt in bad:
        refused = administrator_client.post("/account/confirm/", {**attempt, **nxt})
        assert refused.status_code == 422 and "That did not match" in refused.content.decode()
        SealedTOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    confirmed = administrator_client.post(
        "/account/confirm/", {"password": PASSWORD, "code": code_for(device), **nxt}
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == "/clinic/staff/"
    done = administrator_client.post(f"/clinic/staff/{front_desk.pk}/role/", {"role": Role.PRACTITIONER})
    assert done.status_code == 302 and done["Location"] == STAFF
    front_desk.refresh_from_db()
    assert front_desk.role == Role.PRACTITIONER
    event = AuditEvent.objects.get(action=Action.STAFF_ROLE)
    assert event.actor == administrator and event.actor_role == Role.ADMINISTRATOR
    assert event.object_id == str(front_desk.pk) and event.patient is None
    assert event.detail == {"from": "front_desk", "to": "practitioner"}
    # the new practitioner now needs a second factor at their next page
    promoted = Client()
    promoted.post("/login/", {"username": "desk", "password": PASSWORD})
    assert promoted.get("/patients/")["Location"].startswith("/account/mfa/enrol/")


def test_deactivation_needs_re_authentication_too(administrator_client: Client, front_desk: User) -> None:
    stale_auth(administrator_client)
    response = administrator_client.post(f"/clinic/staff/{front_desk.pk}/deactivate/")
    assert response["Location"].startswith("/account/confirm/")
    front_desk.refresh_from_db()
    assert front_desk.is_active
    stale_auth(administrator_client, minutes=4)  # within the five minutes
    response = administrator_client.post(f"/clinic/staff/{front_desk.pk}/deactivate/", follow=True)
    assert "Desk Test can no longer log in (0 sessions ended)." in response.content.decode()
    front_desk.refresh_from_db()
    assert not front_desk.is_active


def test_a_get_is_sent_back_to_the_same_address(administrator: User) -> None:
    @require_recent_auth(minutes=5)
    def export(request: HttpRequest) -> HttpResponse:
        return HttpResponse("the export")

    request = RequestFactory().get("/reports/export/", {"format": "csv"})
    request.user = administrator
    request.session = SessionStore()
    request.session[AUTH_AT] = time.time() - 301
    assert export(request)["Location"] == "/account/confirm/?next=%2Freports%2Fexport%2F%3Fformat%3Dcsv"
    request.session[AUTH_AT] = time.time() - 299
    assert export(request).content == b"the export"


def test_an_administrator_cannot_change_or_deactivate_themselves(
    administrator: User, administrator_client: Client
) -> None:
    for url, data in (
        (f"/clinic/staff/{administrator.pk}/role/", {"role": Role.PRACTITIONER}),
        (f"/clinic/staff/{administrator.pk}/deactivate/", {}),
        (f"/clinic/staff/{administrator.pk}/two-factor-reset/", {}),
    ):
        response = administrator_client.post(url, data, follow=True)
        assert "yourself; ask another administrator" in response.content.decode()
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMINISTRATOR and administrator.is_active
    assert not AuditEvent.objects.filter(action__startswith="staff.").exists()


def test_a_two_factor_reset_removes_the_device_and_ends_sessions(
    administrator_client: Client, practitioner: User, prac_client: Client
) -> None:
    assert prac_client.get("/patients/").status_code == 200
    administrator_client.post(f"/clinic/staff/{practitioner.pk}/two-factor-reset/")
    assert not SealedTOTPDevice.objects.filter(user=practitioner).exists()
    assert prac_client.get("/patients/")["Location"].startswith("/login/")
    again = Client()
    again.post("/login/", {"username": "prac", "password": PASSWORD})
    assert again.get("/patients/")["Location"].startswith("/account/mfa/enrol/")
    assert AuditEvent.objects.filter(action=Action.STAFF_MFA_RESET).count() == 1


def test_the_clinic_idle_setting_is_changed_by_the_administrator(
    clinic: Clinic, administrator_client: Client
) -> None:
    assert administrator_client.post("/clinic/settings/", {"session_idle_minutes": "0"}).status_code == 302
    assert administrator_client.post("/clinic/settings/", {"session_idle_minutes": "15"}).status_code == 302
    clinic.refresh_from_db()
    assert clinic.session_idle_minutes == 15
    event = AuditEvent.objects.get(action=Action.CLINIC_SETTINGS)
    assert event.detail == {"session_idle_minutes": {"from": 30, "to": 15}}


def test_other_roles_and_other_clinics_are_refused(
    practitioner: User, prac_client: Client, desk_client: Client, front_desk: User, other_clinic: Clinic
) -> None:
    for client in (prac_client, desk_client):
        assert client.get(STAFF).status_code == 403
        assert (
            client.post(f"/clinic/staff/{front_desk.pk}/role/", {"role": Role.ADMINISTRATOR}).status_code
            == 403
        )
        assert client.post("/clinic/settings/", {"session_idle_minutes": "600"}).status_code == 403
    outside_admin = client_for(make_user(other_clinic, "admin2", Role.ADMINISTRATOR))
    for url in (f"/clinic/staff/{front_desk.pk}/role/", f"/clinic/staff/{front_desk.pk}/deactivate/"):
        assert outside_admin.post(url, {"role": Role.ADMINISTRATOR}).status_code == 404
    front_desk.refresh_from_db()
    assert front_desk.role == Role.FRONT_DESK and front_desk.is_active


def test_changes_are_post_only_and_need_the_csrf_token(administrator: User, front_desk: User) -> None:
    signed_in = client_for(administrator)
    assert signed_in.get(f"/clinic/staff/{front_desk.pk}/deactivate/").status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    assert client.post(f"/clinic/staff/{front_desk.pk}/deactivate/").status_code == 403
    front_desk.refresh_from_db()
    assert front_desk.is_active
