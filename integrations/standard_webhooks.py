"""Signing outbound webhooks per the Standard Webhooks specification (standardwebhooks.com): the signed content is
`{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 with the base64-decoded `whsec_` secret, sent as `v1,<b64>`;
several signatures (space separated) while a rotated-out secret is still valid."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("webhook secrets start with whsec_")
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def headers(msg_id: str, timestamp: int, body: bytes, signing_secrets: list[str]) -> dict[str, str]:
    """The three headers of one attempt, signed with every secret currently valid for the endpoint."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in signing_secrets),
        "content-type": "application/json",
    }
