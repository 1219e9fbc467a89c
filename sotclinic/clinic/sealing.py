"""Secrets the server must read back (the authenticator apps' TOTP seeds), sealed with a key that is not in the
database.

A TOTP seed cannot be hashed like a password: checking a code needs the seed itself. RFC 6238 §5.1 recommends
keeping seeds encrypted; here each is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from SECRET_KEY,
with the owner's user id as associated data, so that
- a copy of the database alone reveals no seed (as it reveals no password and no recovery code);
- a sealed seed copied onto another account's row does not open there;
- rotating SECRET_KEY keeps seeds working when the old key is listed in SECRET_KEY_FALLBACKS (read in order);
  without it, every authenticator must be set up again (an administrator resets two-factor login).

Format: version byte 0x01, 12-byte random nonce, ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = b"\x01"
NONCE_BYTES = 12
_INFO = b"sotclinic.clinic.sealing.totp-seed.v1"


class SealError(Exception):
    """A sealed secret that cannot be opened: the wrong key (SECRET_KEY changed without a fallback), another
    account's seed, or damaged bytes."""


def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def seal(plain: bytes, *, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, plain, context)


def unseal(sealed: bytes | memoryview, *, context: bytes) -> bytes:
    sealed = bytes(sealed)
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
        raise SealError("not a sealed secret of this version")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return AESGCM(_key(secret)).decrypt(nonce, body, context)
        except InvalidTag:
            continue
    raise SealError(
        "the secret key does not open it (SECRET_KEY changed without a fallback, or not this account's)"
    )
