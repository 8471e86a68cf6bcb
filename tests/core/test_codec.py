"""Temporal payload encryption: round trip, key rotation, tampering, and payloads written before encryption."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from core.codec import ENCODING, EncryptionCodec, UnknownPayloadKey

PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"email":"li.wei@example.cn"}')


async def test_round_trip_hides_the_data() -> None:
    codec = EncryptionCodec("key-2026")
    [sealed] = await codec.encode([PLAIN])
    assert sealed.metadata["encoding"] == ENCODING
    assert b"li.wei" not in sealed.data
    assert await codec.decode([sealed]) == [PLAIN]


async def test_after_rotation_old_payloads_still_open_and_new_ones_use_the_new_key() -> None:
    [old] = await EncryptionCodec("key-2025").encode([PLAIN])
    rotated = EncryptionCodec("key-2026", previous=["key-2025"])
    assert await rotated.decode([old]) == [PLAIN]
    [new] = await rotated.encode([PLAIN])
    assert new.metadata["encryption-key-id"] != old.metadata["encryption-key-id"]
    with pytest.raises(UnknownPayloadKey):
        await EncryptionCodec("key-2025").decode([new])


async def test_tampered_ciphertext_is_refused() -> None:
    codec = EncryptionCodec("key-2026")
    [sealed] = await codec.encode([PLAIN])
    flipped = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(InvalidTag):
        await codec.decode([flipped])


async def test_payloads_from_before_encryption_pass_through() -> None:
    assert await EncryptionCodec("key-2026").decode([PLAIN]) == [PLAIN]
