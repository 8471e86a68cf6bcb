"""Payload encryption for Temporal: AES-256-GCM, the key id in each payload's metadata so keys can rotate.

Workflow inputs, results, signals and updates pass through here before they reach the Temporal server, so what the
server stores (and its UI shows) is ciphertext. Payloads written before encryption was switched on, or by another
codec, pass through decode untouched."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
NONCE_BYTES = 12


class UnknownPayloadKey(Exception):
    pass


def key_id(secret: str) -> str:
    """A public name for a key: enough to pick it, nothing about its bytes."""
    return hashlib.sha256(b"rebound-key-id:" + secret.encode()).hexdigest()[:12]


def _key_bytes(secret: str) -> bytes:
    return hashlib.sha256(b"rebound-payload-key:" + secret.encode()).digest()


class EncryptionCodec(PayloadCodec):
    """Encrypts with the current key; decrypts with whichever known key a payload names."""

    def __init__(self, current: str, previous: Iterable[str] = ()) -> None:
        self._current = key_id(current)
        self._keys = {key_id(s): AESGCM(_key_bytes(s)) for s in (current, *previous)}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        aead = self._keys[self._current]
        out = []
        for p in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = aead.encrypt(nonce, p.SerializeToString(), self._current.encode())
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, "encryption-key-id": self._current.encode()}, data=nonce + sealed
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)
                continue
            kid = p.metadata.get("encryption-key-id", b"").decode()
            aead = self._keys.get(kid)
            if aead is None:
                raise UnknownPayloadKey(f"payload encrypted with key {kid!r}, which this process does not hold")
            plain = aead.decrypt(p.data[:NONCE_BYTES], p.data[NONCE_BYTES:], kid.encode())
            out.append(Payload.FromString(plain))
        return out
