"""Simulated payment provider: charges (also on a card on file), idempotent refunds that settle later, and refund
webhooks. Authorisations are in `sandbox.authorizations`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from sandbox.state import Sandbox, SandboxDep, error, fingerprint, is_currency, new_id, replay, stored
from sandbox.store import Charge, Refund, iso, utcnow

router = APIRouter(prefix="/payments", tags=["payments"])

DECLINE_REASON = "card_declined"


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictInt = Field(gt=0)  # minor units; a float or "12.30" is refused, not rounded
    currency: str

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if not is_currency(value):
            raise ValueError("must be an upper-case ISO-4217 currency code")
        return value


class ChargeIn(Money):
    reference: str | None = Field(None, max_length=200)
    # Merchant-initiated: charge the card that paid this earlier charge (an exchange's price difference).
    source_charge_id: str | None = Field(None, min_length=1, max_length=100)


class RefundIn(Money):
    charge_id: str = Field(min_length=1, max_length=100)
    reference: str = Field(min_length=1, max_length=200)


def charge_json(c: Charge) -> dict[str, Any]:
    return {
        "id": c.id,
        "amount": c.amount,
        "currency": c.currency,
        "captured": c.amount,
        "reference": c.reference,
        "source_charge_id": c.source_charge_id,
        "created": c.created_at,
    }


def refund_json(r: Refund) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "amount": r.amount,
        "currency": r.currency,
        "charge_id": r.charge_id,
        "reference": r.reference,
        "failure_reason": r.failure_reason,
        "created": r.created_at,
        "settled": r.settled_at,
    }


def card_on_file(sandbox: Sandbox, charge_id: str, currency: str) -> Charge | JSONResponse:
    """The earlier charge whose card a refund, an authorisation or a new charge goes to, in its currency."""
    charge = sandbox.store.charge(charge_id)
    if charge is None:
        return error(404, "charge_not_found", f"no charge {charge_id}")
    if charge.currency != currency:
        return error(400, "currency_mismatch", f"the charge is in {charge.currency}, this asks for {currency}")
    return charge


def declined(sandbox: Sandbox) -> JSONResponse | None:
    """402 when the card on file is declined (the payments decline fault), else None."""
    if sandbox.faults.dice.hit(sandbox.faults.of("payments").decline_rate):
        return error(402, DECLINE_REASON, "the card on file was declined")
    return None


@router.post("/charges", status_code=201)
async def create_charge(
    body: ChargeIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Record a captured charge: an order's payment (demo data and tests), or with `source_charge_id` a charge on
    that charge's card; once per Idempotency-Key when one is sent."""
    body_print = fingerprint(body.model_dump())
    key = idempotency_key or None

    def commit() -> Response:
        if key is not None:
            replayed = replay(
                sandbox, "charges", key, body_print, lambda cid: charge_json(stored(sandbox.store.charge(cid)))
            )
            if replayed is not None:
                return replayed
        if body.source_charge_id is not None:
            source = card_on_file(sandbox, body.source_charge_id, body.currency)
            refused = source if isinstance(source, JSONResponse) else declined(sandbox)
            if refused is not None:
                return refused
        charge = Charge(new_id("ch"), body.amount, body.currency, body.reference, iso(utcnow()), body.source_charge_id)
        sandbox.store.add_charge(charge, key, body_print)
        return JSONResponse(charge_json(charge), status_code=201)

    if body.source_charge_id is None:  # the orders' own payments: never failed on purpose
        return commit()
    return await sandbox.faults.around("payments", commit)


@router.get("/charges/{charge_id}")
async def get_charge(charge_id: str, sandbox: SandboxDep) -> Response:
    charge = sandbox.store.charge(charge_id)
    if charge is None:
        return error(404, "charge_not_found", f"no charge {charge_id}")
    return JSONResponse(charge_json(charge))


@router.post("/refunds", status_code=201)
async def create_refund(
    body: RefundIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Refund (part of) a charge once per Idempotency-Key; the outcome arrives later by webhook."""
    if not idempotency_key:
        return error(400, "idempotency_key_required", "send an Idempotency-Key header with every refund")
    body_print = fingerprint(body.model_dump())
    key = idempotency_key

    def commit() -> Response:
        # No await between the key lookup and the insert: concurrent retries cannot both create.
        replayed = replay(
            sandbox,
            "refunds",
            key,
            body_print,
            lambda refund_id: refund_json(stored(sandbox.store.refund(refund_id))),
        )
        if replayed is not None:
            return replayed
        return _new_refund(sandbox, body, key, body_print)

    return await sandbox.faults.around("payments", commit)


def _new_refund(sandbox: Sandbox, body: RefundIn, key: str, body_print: str) -> Response:
    charge = card_on_file(sandbox, body.charge_id, body.currency)
    if isinstance(charge, JSONResponse):
        return charge
    refunded = sandbox.store.refunded_total(charge.id)
    if refunded + body.amount > charge.amount:
        return error(
            400,
            "amount_exceeds_charge",
            f"{refunded} of {charge.amount} already refunded; {body.amount} more is too much",
        )
    declined = sandbox.faults.dice.hit(sandbox.faults.of("payments").decline_rate)
    refund = Refund(
        id=new_id("re"),
        charge_id=charge.id,
        amount=body.amount,
        currency=body.currency,
        reference=body.reference,
        idempotency_key=key,
        status="pending",
        outcome="failed" if declined else "succeeded",
        failure_reason=None,
        created_at=iso(utcnow()),
        settled_at=None,
    )
    sandbox.store.add_refund(refund, body_print)
    schedule_settlement(sandbox, refund.id)
    return JSONResponse(refund_json(refund), status_code=201)


def schedule_settlement(sandbox: Sandbox, refund_id: str) -> None:
    """After a short while the refund succeeds or fails at the bank, and Rebound is told."""

    async def settle() -> None:
        refund = sandbox.store.refund(refund_id)
        if refund is None:
            return
        reason = DECLINE_REASON if refund.outcome == "failed" else None
        now = iso(utcnow())
        if not sandbox.store.settle_refund(refund_id, refund.outcome, reason, now):
            return
        event: dict[str, Any] = {
            "event_id": new_id("evt"),
            "type": f"refund.{refund.outcome}",
            "refund_id": refund.id,
            "charge_id": refund.charge_id,
            "reference": refund.reference,
            "amount": refund.amount,
            "currency": refund.currency,
            "occurred_at": now,
        }
        if reason is not None:
            event["failure_reason"] = reason
        sandbox.webhooks.emit("payments", event)

    sandbox.jobs.later(sandbox.config.webhook_delay_ms / 1000, settle)


@router.get("/refunds/{refund_id}")
async def get_refund(refund_id: str, sandbox: SandboxDep) -> Response:
    refund = sandbox.store.refund(refund_id)
    if refund is None:
        return error(404, "refund_not_found", f"no refund {refund_id}")
    return JSONResponse(refund_json(refund))


@router.get("/refunds")
async def list_refunds(
    sandbox: SandboxDep, reference: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """What the provider really holds, matched on the reference or the idempotency key."""
    return [refund_json(r) for r in sandbox.store.refunds(reference=reference, status=status)]
