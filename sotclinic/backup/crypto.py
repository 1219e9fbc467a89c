"""An encrypted, authenticated byte stream in chunks (no Django import).

The file is a 60-byte header followed by chunks. Each chunk is AES-256-GCM over at most `chunk_size` bytes of
plaintext, with the header as associated data and the nonce `prefix (7 bytes) || chunk number (4) || last (1)`:
the STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizár, 2015), as in age and Tink. So a chunk that is
changed, moved, dropped, or a file cut short at any byte, fails to authenticate; and the whole stream need never
be held in memory.

The key is 32 random bytes (URL-safe base64 in SOTCLINIC_BACKUP_KEY). Each archive draws a random salt, and HKDF
turns key and salt into the archive's own AES key and a 16-byte key check kept in the header, so that a wrong
key is told apart from a damaged archive before anything is decrypted.

    header = b"SOTCLINIC-BACKUP" | version (1) | salt (16) | nonce prefix (7) | chunk size (4, big-endian)
             | key check (16)
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SOTCLINIC-BACKUP"
CONTAINER_VERSION = 1
HEADER = struct.Struct(">16sB16s7sI16s")
TAG = 16
DEFAULT_CHUNK = 256 * 1024
MIN_CHUNK, MAX_CHUNK = 16, 64 * 1024 * 1024
KEY_ENV = "SOTCLINIC_BACKUP_KEY"


class ArchiveError(Exception):
    """The archive cannot be used; the message is one line that says why."""


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str | None) -> bytes:
    if not text:
        raise ArchiveError(
            f"{KEY_ENV} is not set: make a key with `sotclinic backup --generate-key` and keep it apart from "
            "the backups"
        )
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise ArchiveError(
            f"{KEY_ENV} is not a backup key: it must be 32 random bytes in URL-safe base64 (44 characters), "
            "as `sotclinic backup --generate-key` prints"
        )
    return key


def _derive(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=48, salt=salt, info=b"sotclinic-backup/1").derive(key)
    return material[:32], material[32:]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", counter, last)


class EncryptedWriter:
    """A write-only binary stream that encrypts into `out`; `close()` writes the last chunk (it must be
    called, or the archive is incomplete and will be refused as truncated)."""

    def __init__(self, out: BinaryIO, key: bytes, *, chunk_size: int = DEFAULT_CHUNK) -> None:
        if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
            raise ValueError(f"chunk size must be {MIN_CHUNK}..{MAX_CHUNK} bytes")
        salt, self._prefix = os.urandom(16), os.urandom(7)
        aes_key, check = _derive(key, salt)
        self._aead = AESGCM(aes_key)
        self._header = HEADER.pack(MAGIC, CONTAINER_VERSION, salt, self._prefix, chunk_size, check)
        self._out = out
        self._chunk = chunk_size
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: the last chunk must be written with the "last" flag.
        while len(self._buffer) > self._chunk:
            self._seal(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]
        return len(data)

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def _seal(self, plain: bytes, *, last: bool) -> None:
        if self._counter >= 2**32:
            raise ArchiveError("archive too large for one stream")
        nonce = _nonce(self._prefix, self._counter, last)
        self._out.write(self._aead.encrypt(nonce, plain, self._header))
        self._counter += 1


def decrypt_stream(source: BinaryIO, key: bytes) -> Iterator[bytes]:
    """The plaintext, chunk by chunk, each authenticated before it is given out; ArchiveError at the first
    problem."""
    header = source.read(HEADER.size)
    if not header:
        raise ArchiveError("the archive is empty")
    if not header.startswith(MAGIC[: len(header)]):
        raise ArchiveError("not a sotclinic backup archive")
    if len(header) < HEADER.size:
        raise ArchiveError("the archive is truncated: it ends inside its header")
    _, version, salt, prefix, chunk_size, check = HEADER.unpack(header)
    if version != CONTAINER_VERSION:
        raise ArchiveError(f"archive container version {version} is not supported (this sotclinic reads 1)")
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise ArchiveError("the archive is damaged: its header is not valid")
    aes_key, expected = _derive(key, salt)
    if not hmac.compare_digest(check, expected):
        raise ArchiveError(f"wrong key: this archive was written with another {KEY_ENV}")
    aead = AESGCM(aes_key)
    counter = 0
    sealed = source.read(chunk_size + TAG)
    while True:
        following = source.read(chunk_size + TAG) if len(sealed) == chunk_size + TAG else b""
        last = not following
        try:
            yield aead.decrypt(_nonce(prefix, counter, last), sealed, header)
        except InvalidTag:
            raise ArchiveError(_damage(aead, prefix, counter, last, sealed, header)) from None
        if last:
            return
        sealed = following
        counter += 1


def _damage(aead: AESGCM, prefix: bytes, counter: int, last: bool, sealed: bytes, header: bytes) -> str:
    if last and len(sealed) >= TAG:
        try:
            aead.decrypt(_nonce(prefix, counter, False), sealed, header)
        except InvalidTag:
            pass
        else:
            return f"the archive is truncated: it stops after chunk {counter + 1}, before its last chunk"
    if counter == 0 and not sealed:
        return "the archive is truncated: nothing follows its header"
    if last and len(sealed) < TAG:
        return "the archive is truncated: it stops inside a chunk"
    return f"the archive is damaged (altered or cut short): chunk {counter + 1} does not authenticate"
