from __future__ import annotations

import pytest
from django.test import Client

from sotclinic.clinic.models import User
from tests.conftest import PASSWORD, code_for, confirmed_totp


@pytest.mark.django_db
def test_log_in_and_out(front_desk: User) -> None:
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = client.post("/login/", {"username": "desk", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == "/patients/"
    assert "Desk Test · Front desk" in client.get("/patients/").content.decode()
    assert client.get("/logout/").status_code == 405  # logging out changes state: POST only
    assert client.post("/logout/").status_code == 302
    assert client.get("/patients/")["Location"].startswith("/login/")


@pytest.mark.django_db
def test_a_practitioner_logs_in_with_the_password_then_a_code(practitioner: User) -> None:
    device = confirmed_totp(practitioner)
    client = Client()
    response = client.post("/login/", {"username": "prac", "password": PASSWORD, "next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert client.get("/patients/")["Location"] == "/account/mfa/verify/?next=%2Fpatients%2F"
    response = client.post("/account/mfa/verify/", {"code": code_for(device), "next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert "Prac Test · Practitioner" in client.get("/patients/").content.decode()


@pytest.mark.parametrize(("username", "password"), [("prac", "wrong-password"), ("nobody", PASSWORD)])
@pytest.mark.django_db
def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    practitioner: User, username: str, password: str
) -> None:
    response = Client().post("/login/", {"username": username, "password": password})
    assert response.status_code == 200
    assert "Your username and password did not match. Please try again." in response.content.decode()


@pytest.mark.django_db
def test_a_deactivated_user_cannot_log_in(practitioner: User) -> None:
    practitioner.is_active = False
    practitioner.save()
    response = Client().post("/login/", {"username": "prac", "password": PASSWORD})
    assert "did not match" in response.content.decode()


@pytest.mark.django_db
def test_the_home_page_goes_to_the_patient_list(prac_client: Client) -> None:
    assert prac_client.get("/")["Location"] == "/patients/"
