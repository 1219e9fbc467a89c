"""Two-factor login: required for practitioners and administrators, enrolment with a real TOTP code, recovery
codes that each work once, and no page (nor the API) before the second factor."""

from __future__ import annotations

import base64
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from sotclinic.audit.models import Action, AuditEvent
from sotclinic.clinic.authn import recovery_code_digest
from sotclinic.clinic.models import SealedTOTPDevice, User
from sotclinic.patients.models import Patient
from sotclinic.visits.models import Visit
from tests.conftest import PASSWORD, code_for, confirmed_totp

pytestmark = pytest.mark.django_db


def password_only(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def pages(patient: Patient, visit: Visit) -> list[str]:
    return [
        "/",
        "/patients/",
        "/patients/?q=Smith",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/edit/",
        f"/visits/{visit.pk}/",
        "/outcomes/due/",
        "/adverse-events/",
        "/clinic/staff/",
        "/account/",
        "/account/confirm/",
        "/admin/",
    ]


@pytest.mark.parametrize("enrolled", [False, True])
def test_a_practitioner_reaches_nothing_before_the_second_factor(
    practitioner: User, patient: Patient, signed_visit: Visit, enrolled: bool
) -> None:
    if enrolled:
        confirmed_totp(practitioner)
    step = "/account/mfa/verify/" if enrolled else "/account/mfa/enrol/"
    client = password_only("prac")
    for url in pages(patient, signed_visit):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(step), url
        assert "Smith" not in response.content.decode()
    # writes are refused too, and nothing is written
    before = Patient.objects.count()
    response = client.post("/patients/new/", {"family_name": "New", "given_names": "Pat"})
    assert response.status_code == 302 and response["Location"].startswith(step)
    assert Patient.objects.count() == before
    # htmx requests are told where to go; the API answers 401
    live = client.get("/patients/", {"q": "Smi"}, HTTP_HX_REQUEST="true")
    assert live.status_code == 204 and live["HX-Redirect"].startswith(step)
    for method in ("get", "patch"):
        api = getattr(client, method)(f"/api/visits/{signed_visit.pk}", content_type="application/json")
        assert api.status_code == 401
        assert api.json() == {"detail": "Two-factor verification is required: log in on the website."}
    assert not AuditEvent.objects.filter(actor=practitioner, action=Action.CHART_VIEW).exists()
    # the steps themselves and logging out are open
    assert client.get(step).status_code == 200
    assert client.post("/logout/").status_code == 302


def test_the_redirect_keeps_where_the_user_was_going(practitioner: User, patient: Patient) -> None:
    confirmed_totp(practitioner)
    client = password_only("prac")
    chart = f"/patients/{patient.pk}/"
    assert client.get(chart)["Location"] == f"/account/mfa/verify/?next=%2Fpatients%2F{patient.pk}%2F"


def test_enrolment_with_a_real_code_then_recovery_codes_shown_once(practitioner: User) -> None:
    client = password_only("prac")
    page = client.get("/account/mfa/enrol/", {"next": "/patients/"})
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None
    key = base64.b32decode(secret.group(1).replace(" ", ""))
    assert len(key) == 20
    uri = re.search(r'id="mfa-uri" class="wrap">([^<]+)<', html)
    assert uri is not None
    assert uri.group(1).startswith("otpauth://totp/sotclinic%3Aprac?secret=")
    assert "<svg" in html and "<script" not in html.split("</head>")[1]
    # the page shows the same secret when reloaded
    assert secret.group(1) in client.get("/account/mfa/enrol/").content.decode()
    # a wrong code is refused and changes nothing
    wrong = client.post("/account/mfa/enrol/", {"code": "000000" if totp(key) != 0 else "111111"})
    assert wrong.status_code == 422
    assert "That code did not work" in wrong.content.decode()
    assert not SealedTOTPDevice.objects.filter(user=practitioner, confirmed=True).exists()
    SealedTOTPDevice.objects.filter(user=practitioner).update(
        throttling_failure_count=0
    )  # no waiting after a failure
    # the code the phone would show now (computed from the secret on the page)
    done = client.post("/account/mfa/enrol/", {"code": f"{totp(key):06d}", "next": "/patients/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert 'href="/patients/"' in done.content.decode()
    assert client.get("/patients/").status_code == 200
    assert SealedTOTPDevice.objects.filter(user=practitioner, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=practitioner).count() == 10
    assert AuditEvent.objects.filter(actor=practitioner, action=Action.MFA_ENROL).count() == 1
    # enrolled: the enrol page no longer shows a secret, and the account page says two-factor is on
    assert client.get("/account/mfa/enrol/")["Location"] == "/account/"
    assert "Two-factor login is on" in client.get("/account/").content.decode()


def test_an_enrolled_user_cannot_replace_the_device_with_only_the_password(practitioner: User) -> None:
    confirmed_totp(practitioner)
    client = password_only("prac")
    assert client.get("/account/mfa/enrol/")["Location"].startswith("/account/mfa/verify/")
    assert client.post("/account/mfa/enrol/", {"code": "123456"}).status_code == 302
    assert SealedTOTPDevice.objects.filter(user=practitioner).count() == 1


def test_a_code_verifies_the_login_once(practitioner: User) -> None:
    device = confirmed_totp(practitioner)
    client = password_only("prac")
    assert client.post("/account/mfa/verify/", {"code": "12 34 56"}).status_code == 422
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp makes the next try wait after a failure
    device.save()
    code = code_for(device)
    response = client.post("/account/mfa/verify/", {"code": code, "next": "/patients/"})
    assert response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200
    # the same code cannot be used again (someone who saw it over a shoulder)
    again = password_only("prac")
    assert again.post("/account/mfa/verify/", {"code": code}).status_code == 422


def test_a_recovery_code_works_once(practitioner: User) -> None:
    client = password_only("prac")
    client.get("/account/mfa/enrol/")
    device = SealedTOTPDevice.objects.get(user=practitioner, confirmed=False)
    done = client.post("/account/mfa/enrol/", {"code": code_for(device)})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    client.post("/logout/")

    second = password_only("prac")
    response = second.post(
        "/account/mfa/verify/", {"code": codes[3].upper(), "next": "/patients/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/patients/"
    assert "You used a recovery code; 9 left." in response.content.decode()
    second.post("/logout/")

    third = password_only("prac")
    assert third.post("/account/mfa/verify/", {"code": codes[3]}).status_code == 422
    assert third.get("/patients/").status_code == 302
    assert StaticToken.objects.filter(device__user=practitioner).count() == 9


def test_new_recovery_codes_replace_the_old_ones(practitioner: User, prac_client: Client) -> None:
    prac_client.get("/account/")
    old = [StaticToken.random_token()]
    response = prac_client.post(reverse("recovery_codes_new"))
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    stored = set(StaticToken.objects.filter(device__user=practitioner).values_list("token", flat=True))
    assert stored == {recovery_code_digest(code) for code in codes}
    assert not stored & set(codes)  # the database keeps keyed hashes, never the codes themselves
    assert not set(old) & set(codes)
    assert AuditEvent.objects.filter(actor=practitioner, action=Action.RECOVERY_CODES).count() == 1


def test_administrators_need_the_second_factor_and_front_desk_may_choose(
    administrator: User, front_desk: User
) -> None:
    admin = password_only("admin")
    assert admin.get("/clinic/staff/")["Location"].startswith("/account/mfa/enrol/")
    desk = password_only("desk")
    assert desk.get("/patients/").status_code == 200
    # the front desk sets it up from the account page; from then on their logins need a code too
    assert "Set up two-factor login" in desk.get("/account/").content.decode()
    desk.get("/account/mfa/enrol/")
    device = SealedTOTPDevice.objects.get(user=front_desk, confirmed=False)
    assert desk.post("/account/mfa/enrol/", {"code": code_for(device)}).status_code == 200
    later = password_only("desk")
    assert later.get("/patients/")["Location"].startswith("/account/mfa/verify/")


def test_codes_made_before_hashing_are_hashed_by_the_migration_and_still_work(practitioner: User) -> None:
    migration = importlib.import_module("sotclinic.clinic.migrations.0005_recovery_codes_hashed")
    confirmed_totp(practitioner)
    device = StaticDevice.objects.create(user=practitioner, name="Recovery codes", confirmed=True)
    device.token_set.create(token="abcd2345")  # as django-otp stored it before
    already = device.token_set.create(token=recovery_code_digest("efgh6789"))
    migration.hash_plain_codes(django_apps, None)
    assert set(device.token_set.values_list("token", flat=True)) == {
        recovery_code_digest("abcd2345"),
        already.token,
    }
    for code in ("abcd2345", "EFGH 6789"):
        client = password_only("prac")
        assert client.post("/account/mfa/verify/", {"code": code}).status_code == 302
    assert device.token_set.count() == 0
