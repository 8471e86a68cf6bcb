"""Demo secrets ship in the code so `make dev` works out of the box; a production deployment must refuse to
start on any of them, and start on real ones."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from core.settings import DEMO_MARK, Settings, new_secret

PARTNERS = ("carrier", "payments", "insurer", "customs", "repair")


def real_secrets(**partner_overrides: str) -> dict[str, Any]:
    """Every secret Settings holds, freshly generated (a partner's own value where given)."""
    partners = {p: new_secret(f"{p}-") for p in PARTNERS} | partner_overrides
    return {
        "payload_key": SecretStr(new_secret()),
        "session_secret": SecretStr(new_secret()),
        "partner_secrets": {p: SecretStr(v) for p, v in partners.items()},
    }


def refusal(**fields: Any) -> str:
    """Why a production Settings with `fields` is refused: the message an operator reads at start-up."""
    with pytest.raises(ValidationError) as refused:
        Settings(env="production", **fields)
    [error] = refused.value.errors()
    return str(error["msg"])


def test_the_shipped_secrets_are_marked_as_demo_ones() -> None:
    dev = Settings(env="development")
    shipped = [dev.payload_key, dev.session_secret, *dev.partner_secrets.values()]
    assert all(s.get_secret_value().startswith(DEMO_MARK) for s in shipped)


def test_production_refuses_to_start_on_the_demo_secrets_and_names_each() -> None:
    names = ", ".join(["payload_key", "session_secret", *(f"partner_secrets.{p}" for p in PARTNERS)])
    assert refusal() == f"Value error, demo secrets are refused when REBOUND_ENV=production: {names}"


def test_one_demo_secret_left_behind_is_enough_to_refuse() -> None:
    left = real_secrets(insurer=f"{DEMO_MARK}insurer-webhook-secret")
    assert refusal(**left).endswith("REBOUND_ENV=production: partner_secrets.insurer")
    assert refusal(**{**real_secrets(), "session_secret": SecretStr(f"{DEMO_MARK}x")}).endswith(": session_secret")


def test_production_with_real_secrets_starts_with_secure_cookies() -> None:
    secrets = real_secrets()
    production = Settings(env="production", **secrets)
    assert production.session_secret == secrets["session_secret"]
    assert production.partner_secret("payments") == secrets["partner_secrets"]["payments"].get_secret_value()
    assert production.cookie_secure is True


@pytest.mark.parametrize("env", ["development", "test"])
def test_outside_production_the_demo_secrets_are_allowed(env: Any) -> None:
    assert Settings(env=env).session_secret.get_secret_value().startswith(DEMO_MARK)


def test_a_partner_secret_being_rotated_out_is_accepted_beside_the_new_one_and_must_be_real_too() -> None:
    secrets = real_secrets(carrier="carrier-new")
    rotating = Settings(env="production", **secrets, partner_secrets_previous={"carrier": SecretStr("carrier-old")})
    assert rotating.partner_secrets_accepted("carrier") == ["carrier-new", "carrier-old"]
    assert rotating.partner_secrets_accepted("payments") == [secrets["partner_secrets"]["payments"].get_secret_value()]
    demo_previous = {"carrier": SecretStr(f"{DEMO_MARK}carrier-webhook-secret")}
    assert refusal(**secrets, partner_secrets_previous=demo_previous).endswith(": partner_secrets_previous.carrier")
