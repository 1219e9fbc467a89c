"""The encrypted stream: round trips, and every kind of damage refused with a clear message."""

from __future__ import annotations

import io

import pytest

from sotclinic.backup.crypto import (
    HEADER,
    TAG,
    ArchiveError,
    EncryptedWriter,
    decrypt_stream,
    generate_key,
    parse_key,
)

KEY = parse_key(generate_key())
CHUNK = 64


def seal(data: bytes, *, key: bytes = KEY, chunk: int = CHUNK, pieces: int = 7) -> bytes:
    out = io.BytesIO()
    writer = EncryptedWriter(out, key, chunk_size=chunk)
    for start in range(0, len(data), pieces):
        writer.write(data[start : start + pieces])
    writer.close()
    return out.getvalue()


def unseal(blob: bytes, *, key: bytes = KEY) -> bytes:
    return b"".join(decrypt_stream(io.BytesIO(blob), key))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 17])
def test_round_trip(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    blob = seal(data)
    chunks = max(1, -(-size // CHUNK))  # a stream that fills its last chunk exactly ends with that chunk
    assert len(blob) == HEADER.size + size + chunks * TAG
    assert unseal(blob) == data


def test_each_archive_is_encrypted_afresh() -> None:
    assert seal(b"same") != seal(b"same")
    assert b"patient" not in seal(b"patient name" * 20)


def test_wrong_key() -> None:
    with pytest.raises(
        ArchiveError, match="^wrong key: this archive was written with another SOTCLINIC_BACKUP_KEY$"
    ):
        unseal(seal(b"data"), key=parse_key(generate_key()))


def test_every_flipped_byte_is_refused() -> None:
    blob = seal(b"x" * (3 * CHUNK + 5))
    for position in range(len(blob)):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(ArchiveError):
            unseal(bytes(damaged))


def test_flipped_byte_in_a_chunk_is_named() -> None:
    blob = bytearray(seal(b"x" * (3 * CHUNK)))
    blob[HEADER.size + CHUNK + TAG + 3] ^= 0x40
    with pytest.raises(
        ArchiveError, match=r"^the archive is damaged \(altered or cut short\): chunk 2 does not"
    ):
        unseal(bytes(blob))


def test_every_truncation_is_refused() -> None:
    blob = seal(b"y" * (3 * CHUNK + 5))
    for length in range(len(blob)):
        with pytest.raises(ArchiveError):
            unseal(blob[:length])


@pytest.mark.parametrize(
    ("length", "message"),
    [
        (0, "the archive is empty"),
        (10, "the archive is truncated: it ends inside its header"),
        (HEADER.size, "the archive is truncated: nothing follows its header"),
        (
            HEADER.size + CHUNK + TAG,
            "the archive is truncated: it stops after chunk 1, before its last chunk",
        ),
        (
            HEADER.size + 2 * (CHUNK + TAG),
            "the archive is truncated: it stops after chunk 2, before its last chunk",
        ),
        (HEADER.size + CHUNK + TAG + 5, "the archive is truncated: it stops inside a chunk"),
    ],
)
def test_truncation_is_named(length: int, message: str) -> None:
    blob = seal(b"z" * (3 * CHUNK + 5))
    with pytest.raises(ArchiveError) as caught:
        unseal(blob[:length])
    assert str(caught.value) == message


def test_reordered_chunks_are_refused() -> None:
    blob = seal(bytes(range(200)) * 2, chunk=CHUNK)
    body = blob[HEADER.size :]
    one, two = body[: CHUNK + TAG], body[CHUNK + TAG : 2 * (CHUNK + TAG)]
    swapped = blob[: HEADER.size] + two + one + body[2 * (CHUNK + TAG) :]
    with pytest.raises(ArchiveError, match="chunk 1 does not authenticate"):
        unseal(swapped)


def test_not_an_archive() -> None:
    with pytest.raises(ArchiveError, match="^not a sotclinic backup archive$"):
        unseal(b"PK\x03\x04 a zip file" * 10)


def test_unknown_container_version() -> None:
    blob = bytearray(seal(b"data"))
    blob[16] = 9
    with pytest.raises(
        ArchiveError, match=r"^archive container version 9 is not supported \(this sotclinic reads 1\)$"
    ):
        unseal(bytes(blob))


def test_decryption_is_streamed() -> None:
    """Chunks come out one by one, each authenticated on its own: nothing needs the whole file in memory."""
    blob = seal(b"a" * CHUNK * 3 + b"b")
    pieces = list(decrypt_stream(io.BytesIO(blob), KEY))
    assert [len(piece) for piece in pieces] == [CHUNK, CHUNK, CHUNK, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "SOTCLINIC_BACKUP_KEY is not set: make a key with `sotclinic backup --generate-key`"),
        ("", "SOTCLINIC_BACKUP_KEY is not set"),
        (
            "hunter2",
            "SOTCLINIC_BACKUP_KEY is not a backup key: it must be 32 random bytes in URL-safe base64",
        ),
        ("ZZZ=", "SOTCLINIC_BACKUP_KEY is not a backup key"),
        ("é" * 44, "SOTCLINIC_BACKUP_KEY is not a backup key"),
    ],
)
def test_bad_keys_are_named(text: str | None, message: str) -> None:
    with pytest.raises(ArchiveError) as caught:
        parse_key(text)
    assert str(caught.value).startswith(message)


def test_generated_keys_parse() -> None:
    text = generate_key()
    assert len(text) == 44
    assert len(parse_key(text)) == 32
    assert parse_key(f"  {text}\n") == parse_key(text)
