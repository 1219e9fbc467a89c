"""Authenticator seeds are sealed (AES-GCM under a key derived from SECRET_KEY, bound to the account): the database
holds no seed in the clear, a seed moved to another account does not open, a rotated key works through
SECRET_KEY_FALLBACKS, and devices set up before sealing are moved over by the migration."""

from __future__ import annotations

import base64
import binascii
import importlib
import logging
import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sotclinic.clinic.authn import recovery_code_digest
from sotclinic.clinic.models import SealedTOTPDevice, User
from sotclinic.clinic.sealing import SealError, seal, unseal
from tests.conftest import PASSWORD, code_for, confirmed_totp

pytestmark = pytest.mark.django_db


def log_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_database_keeps_no_seed_in_the_clear(practitioner: User) -> None:
    client = log_in("prac")
    html = client.get("/account/mfa/enrol/").content.decode()
    found = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html)
    assert found is not None
    seed = base64.b32decode(found.group(1).replace(" ", ""))
    assert client.post("/account/mfa/enrol/", {"code": f"{totp(seed):06d}"}).status_code == 200

    device = SealedTOTPDevice.objects.get(user=practitioner, confirmed=True)
    stored = bytes(device.sealed_key)
    assert seed not in stored and binascii.hexlify(seed) not in stored
    assert device.bin_key == seed
    assert not TOTPDevice.objects.exists()  # django-otp's clear-text table stays empty
    # Nothing anywhere in the device's row spells the seed (as bytes, hex or base32).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SealedTOTPDevice._meta.db_table}")  # noqa: S608 - our own table name
        dump = repr(cursor.fetchall())
    for form in (binascii.hexlify(seed).decode(), found.group(1).replace(" ", "")):
        assert form not in dump and form.lower() not in dump


def test_a_seed_moved_to_another_account_does_not_open_there(practitioner: User, practitioner2: User) -> None:
    mine = confirmed_totp(practitioner)
    theirs = confirmed_totp(practitioner2)
    SealedTOTPDevice.objects.filter(pk=theirs.pk).update(sealed_key=mine.sealed_key)
    client = log_in("prac2")
    response = client.post("/account/mfa/verify/", {"code": code_for(mine)})
    assert response.status_code == 422 and "That code did not work" in response.content.decode()
    assert log_in("prac").post("/account/mfa/verify/", {"code": code_for(mine)}).status_code == 302


def test_a_rotated_secret_key_keeps_working_through_the_fallbacks(settings: Any, practitioner: User) -> None:
    device = confirmed_totp(practitioner)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = ["insecure-development-key-change-me"]
    assert log_in("prac").post("/account/mfa/verify/", {"code": code_for(device)}).status_code == 302


def test_a_secret_key_changed_without_fallback_refuses_the_app_but_not_a_recovery_code(
    settings: Any, practitioner: User, caplog: pytest.LogCaptureFixture
) -> None:
    device = confirmed_totp(practitioner)
    code = code_for(device)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    client = log_in("prac")
    with caplog.at_level(logging.ERROR, logger="sotclinic.security"):
        response = client.post("/account/mfa/verify/", {"code": code})
    assert response.status_code == 422
    assert f"the authenticator of user {practitioner.pk} cannot be opened" in caplog.text
    recovery = practitioner.staticdevice_set.create(name="Recovery codes", confirmed=True)
    recovery.token_set.create(token=recovery_code_digest("abcd2345"))
    assert client.post("/account/mfa/verify/", {"code": "abcd2345"}).status_code == 302


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),  # the tag
        lambda b: b[:5] + bytes([b[5] ^ 1]) + b[6:],  # the nonce
        lambda b: b"\x02" + b[1:],  # another version
        lambda b: b[:20],  # cut short
        lambda b: b"",
    ],
)
def test_damaged_sealed_bytes_are_refused(damage: Any) -> None:
    sealed = seal(b"0123456789abcdefghij", context=b"totp:x")
    assert unseal(sealed, context=b"totp:x") == b"0123456789abcdefghij"
    with pytest.raises(SealError):
        unseal(damage(sealed), context=b"totp:x")


def test_the_same_seed_seals_differently_each_time() -> None:
    assert seal(b"seed", context=b"c") != seal(b"seed", context=b"c")


def test_devices_set_up_before_sealing_are_moved_over_by_the_migration(practitioner: User) -> None:
    migration = importlib.import_module("sotclinic.clinic.migrations.0006_sealed_totp_devices")
    old = TOTPDevice.objects.create(user=practitioner, name="Old phone", confirmed=True, drift=1, last_t=5)
    seed = old.bin_key
    migration.seal_existing_devices(django_apps, None)
    assert not TOTPDevice.objects.exists()
    moved = SealedTOTPDevice.objects.get(user=practitioner)
    assert (moved.name, moved.confirmed, moved.drift, moved.last_t) == ("Old phone", True, 1, 5)
    assert moved.bin_key == seed and seed not in bytes(moved.sealed_key)
    client = log_in("prac")
    assert client.post("/account/mfa/verify/", {"code": code_for(moved)}).status_code == 302
