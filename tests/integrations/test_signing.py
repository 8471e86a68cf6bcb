"""Rebound trusts a partner webhook only when its signature covers this exact body, recently."""

from __future__ import annotations

import pytest

from integrations.signing import InvalidSignature, sign, verify
from sandbox.signing import signature_header

SECRET = "whsec-test"
BODY = '{"event_id":"evt_1","amount":1299,"currency":"CNY","note":"退款"}'.encode()
NOW = 1_800_000_000


def test_signed_body_verifies() -> None:
    verify(SECRET, sign(SECRET, BODY, now=NOW), BODY, now=NOW)


def test_partner_and_rebound_agree_on_the_scheme() -> None:
    assert signature_header(SECRET, BODY, NOW) == sign(SECRET, BODY, now=NOW)


@pytest.mark.parametrize(
    ("header", "body", "now", "reason"),
    [
        (None, BODY, NOW, "missing"),
        ("", BODY, NOW, "missing"),
        (sign(SECRET, BODY, now=NOW), BODY + b" ", NOW, "mismatch"),
        (sign("other-secret", BODY, now=NOW), BODY, NOW, "mismatch"),
        (sign(SECRET, BODY, now=NOW), BODY, NOW + 301, "tolerance"),
        (sign(SECRET, BODY, now=NOW), BODY, NOW - 301, "tolerance"),
        ("v1=abc", BODY, NOW, "malformed"),
        (f"t={NOW}", BODY, NOW, "malformed"),
        (f"t=soon,v1={'0' * 64}", BODY, NOW, "malformed"),
        ("garbage", BODY, NOW, "malformed"),
        (f"t={NOW},t={NOW},v1=00", BODY, NOW, "malformed"),
        # The timestamp is signed too: moving it forward to pass the window breaks the MAC.
        (sign(SECRET, BODY, now=NOW - 3600).replace(f"t={NOW - 3600}", f"t={NOW}"), BODY, NOW, "mismatch"),
    ],
)
def test_untrusted_webhooks_are_refused(header, body, now, reason) -> None:
    with pytest.raises(InvalidSignature, match=reason):
        verify(SECRET, header, body, now=now)


def test_edge_of_the_window_and_rotation() -> None:
    verify(SECRET, sign(SECRET, BODY, now=NOW), BODY, now=NOW + 300)
    verify(SECRET, sign(SECRET, BODY, now=NOW), BODY, now=NOW + 10, tolerance_s=10)
    old = sign("old-secret", BODY, now=NOW)
    new = sign(SECRET, BODY, now=NOW).split(",")[1]
    verify(SECRET, f"{old},{new}", BODY, now=NOW)  # several v1 values while the partner rotates


def test_during_a_rotation_either_secret_verifies_and_no_other() -> None:
    accepted = ["whsec-new", SECRET]  # the new secret, and the one being rotated out
    verify(accepted, sign("whsec-new", BODY, now=NOW), BODY, now=NOW)
    verify(accepted, sign(SECRET, BODY, now=NOW), BODY, now=NOW)
    with pytest.raises(InvalidSignature, match="mismatch"):
        verify(accepted, sign("whsec-guessed", BODY, now=NOW), BODY, now=NOW)
    with pytest.raises(InvalidSignature, match="mismatch"):  # rotation over: the old secret no longer counts
        verify(["whsec-new"], sign(SECRET, BODY, now=NOW), BODY, now=NOW)
