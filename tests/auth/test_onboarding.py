"""The administrator adds staff: a new account has no password until its holder sets one from a single-use,
expiring set-up link; bad details are refused with a message naming the field and nothing saved; reactivation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.models import Clinic, Role, User
from sotclinic.clinic.services import user_deactivate
from tests.conftest import PASSWORD, client_for, make_user, stale_auth

pytestmark = pytest.mark.django_db

NEW = "/clinic/staff/new/"
GOOD_PASSWORD = "lumbar-wedge-orchid-42"
DETAILS = {
    "first_name": "Maya",
    "last_name": "Lindqvist",
    "title": "Dr",
    "username": "dr.lindqvist",
    "email": "",
    "role": Role.PRACTITIONER,
}


def add(client: Client, **changes: str) -> Any:
    return client.post(NEW, {**DETAILS, **changes})


def link_in(response: Any) -> str:
    match = re.search(
        r'<code class="setup-link wrap">https?://[^/]+(/account/setup/[^<]+/)</code>',
        response.content.decode(),
    )
    assert match, response.content.decode()
    return match.group(1)


def test_an_administrator_adds_a_practitioner_who_sets_a_password_then_two_factor(
    administrator: User, administrator_client: Client
) -> None:
    form = administrator_client.get(NEW)
    assert form.status_code == 200
    assert '<option value="" selected>Choose a role…</option>' in form.content.decode()  # none preselected
    response = add(administrator_client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dr Maya Lindqvist is added" in html and "expires in 3 days" in html
    member = User.objects.get(username="dr.lindqvist")
    assert member.clinic_id == administrator.clinic_id and member.role == Role.PRACTITIONER
    assert member.is_active and not member.has_usable_password()
    assert AuditEvent.objects.filter(action=Action.STAFF_CREATE, actor=administrator).count() == 1
    assert "password not set yet" in administrator_client.get("/clinic/staff/").content.decode()

    link = link_in(response)
    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200 and "dr.lindqvist" in page.content.decode()
    done = newcomer.post(link, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/login/"
    member.refresh_from_db()
    assert member.check_password(GOOD_PASSWORD)
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_PASSWORD_SET, actor=member).count() == 1

    login = Client().post("/login/", {"username": "dr.lindqvist", "password": GOOD_PASSWORD})
    assert login.status_code == 302
    # A practitioner sets up two-factor login before anything else.
    assert Client().get("/").status_code == 302
    second = Client()
    second.post("/login/", {"username": "dr.lindqvist", "password": GOOD_PASSWORD})
    assert second.get("/patients/")["Location"].startswith("/account/mfa/enrol/")


def test_the_link_works_once(administrator_client: Client) -> None:
    link = link_in(add(administrator_client))
    Client().post(link, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    again = Client().post(link, {"password1": "another-strong-pass-9", "password2": "another-strong-pass-9"})
    assert again.status_code == 410
    assert "no longer works" in again.content.decode() and "dr.lindqvist" not in again.content.decode()
    assert User.objects.get(username="dr.lindqvist").check_password(GOOD_PASSWORD)


def test_an_expired_link_is_refused(administrator_client: Client, settings: Any) -> None:
    link = link_in(add(administrator_client))
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert Client().get(link).status_code == 410
    response = Client().post(link, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 410
    assert not User.objects.get(username="dr.lindqvist").has_usable_password()


def test_a_new_link_replaces_the_old_one(administrator_client: Client) -> None:
    old = link_in(add(administrator_client))
    member = User.objects.get(username="dr.lindqvist")
    response = administrator_client.post(f"/clinic/staff/{member.pk}/setup-link/")
    assert response.status_code == 200 and "Earlier links no longer work" in response.content.decode()
    new = link_in(response)
    assert Client().get(old).status_code == 410
    assert Client().get(new).status_code == 200
    assert AuditEvent.objects.filter(action=Action.STAFF_SETUP_LINK).count() == 1


def test_no_new_link_for_someone_who_has_a_password(administrator_client: Client, front_desk: User) -> None:
    response = administrator_client.post(f"/clinic/staff/{front_desk.pk}/setup-link/", follow=True)
    assert "Desk Test has already set a password." in response.content.decode()
    front_desk.refresh_from_db()
    assert front_desk.check_password(PASSWORD)


@pytest.mark.parametrize(
    "token",
    ["x", "0" * 32 + "-abc-def", "not-a-uuid-at-all", "a" * 500, "%00", "00000000000000000000000000000000-"],
)
def test_a_made_up_link_is_refused_and_names_no_one(token: str, administrator_client: Client) -> None:
    add(administrator_client)
    response = Client().get(f"/account/setup/{token}/")
    assert response.status_code in (404, 410)
    assert "lindqvist" not in response.content.decode().lower()


def test_a_link_for_someone_deactivated_since_is_refused(
    administrator: User, administrator_client: Client
) -> None:
    link = link_in(add(administrator_client))
    user_deactivate(user=User.objects.get(username="dr.lindqvist"), by=administrator)
    assert Client().get(link).status_code == 410


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short1", "short1", "This password is too short. It must contain at least 10 characters."),
        ("password1234", "password1234", "This password is too common."),
        ("dr.lindqvist1", "dr.lindqvist1", "The password is too similar to the username."),
        ("1234567890123", "1234567890123", "This password is entirely numeric."),
        (GOOD_PASSWORD, GOOD_PASSWORD + "x", "The two passwords differ."),
        ("", "", "This field is required."),
    ],
)
def test_a_weak_or_mismatched_password_is_refused_and_nothing_saved(
    administrator_client: Client, password1: str, password2: str, message: str
) -> None:
    link = link_in(add(administrator_client))
    response = Client().post(link, {"password1": password1, "password2": password2})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not User.objects.get(username="dr.lindqvist").has_usable_password()
    assert Client().get(link).status_code == 200  # the link still works


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": ""}, "Username: this field is required."),
        ({"username": "dr lindqvist"}, "Username: letters, digits and @ . + - _ only, no spaces."),
        ({"username": "<script>"}, "Username: letters, digits and @ . + - _ only, no spaces."),
        ({"username": "ADMIN"}, "Username: &#x27;ADMIN&#x27; is taken; choose another."),
        ({"username": "u" * 151}, "Username: at most 150 characters (it has 151)."),
        ({"first_name": "  "}, "First name: this field is required."),
        ({"last_name": ""}, "Family name: this field is required."),
        ({"last_name": "Lind\x07qvist"}, "Family name: remove the control characters."),
        ({"title": "T" * 41}, "Title: at most 40 characters (it has 41)."),
        ({"email": "maya@"}, "E-mail: this is not an e-mail address."),
        ({"role": "superuser"}, "Role: choose one of the roles."),
        ({"role": ""}, "Role: choose one of the roles."),
    ],
)
def test_bad_details_are_named_and_nothing_is_saved(
    administrator: User, administrator_client: Client, changes: dict[str, str], message: str
) -> None:
    before = User.objects.count()
    response = add(administrator_client, **changes)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action=Action.STAFF_CREATE).exists()


def test_html_in_a_name_is_shown_escaped(administrator_client: Client) -> None:
    response = add(administrator_client, first_name="<b>Maya</b>")
    assert "&lt;b&gt;Maya&lt;/b&gt;" in response.content.decode()
    assert "<b>Maya</b>" not in response.content.decode()


def test_the_link_is_e_mailed_when_an_address_is_given(administrator_client: Client) -> None:
    response = add(administrator_client, email="maya@example.org")
    assert "It was also e-mailed to maya@example.org." in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maya@example.org"]
    assert link_in(response) in mail.outbox[0].body


def test_adding_staff_needs_a_fresh_confirmation(administrator_client: Client) -> None:
    stale_auth(administrator_client)
    response = add(administrator_client)
    assert response.status_code == 302 and response["Location"].startswith("/account/confirm/")
    assert not User.objects.filter(username="dr.lindqvist").exists()


@pytest.mark.parametrize("persona", ["practitioner", "front_desk", "researcher"])
def test_only_administrators_add_staff(persona: str, request: pytest.FixtureRequest) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(NEW).status_code == 403
    assert add(client).status_code == 403
    assert not User.objects.filter(username="dr.lindqvist").exists()


def test_reactivation(administrator: User, administrator_client: Client, front_desk: User) -> None:
    user_deactivate(user=front_desk, by=administrator)
    assert (
        "did not match"
        in Client().post("/login/", {"username": "desk", "password": PASSWORD}).content.decode()
    )
    response = administrator_client.post(f"/clinic/staff/{front_desk.pk}/reactivate/", follow=True)
    assert "Desk Test can log in again." in response.content.decode()
    assert Client().post("/login/", {"username": "desk", "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(action=Action.STAFF_REACTIVATE, actor=administrator).count() == 1


def test_another_clinics_administrator_cannot_touch_our_staff(
    other_clinic: Clinic, administrator: User, front_desk: User
) -> None:
    user_deactivate(user=front_desk, by=administrator)
    theirs = client_for(make_user(other_clinic, "their-admin", Role.ADMINISTRATOR))
    assert theirs.post(f"/clinic/staff/{front_desk.pk}/reactivate/").status_code == 404
    assert theirs.post(f"/clinic/staff/{front_desk.pk}/setup-link/").status_code == 404
    front_desk.refresh_from_db()
    assert not front_desk.is_active
    # and the staff they add belong to their own clinic
    theirs.post(NEW, DETAILS)
    assert User.objects.get(username="dr.lindqvist").clinic_id == other_clinic.pk
