"""Simulated insurer: claims filed with an Idempotency-Key, decided (approved / partial / denied / more evidence)
by a control call or approved by itself after a delay, each decision delivered as a signed webhook."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sandbox.insurer_books import Claim
from sandbox.state import Sandbox, SandboxDep, error, fingerprint, is_currency, new_id
from sandbox.store import iso, utcnow

router = APIRouter(prefix="/insurer", tags=["insurer"])
FINAL = ("approved", "partial", "denied")


class Amount(BaseModel):
    amount: int = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=200)
    kind: Literal["shipping_fee", "transit"]
    claimed: Amount
    evidence: dict[str, Any] = {}


class DecisionIn(BaseModel):
    outcome: Literal["approved", "partial", "denied", "more_evidence"]
    amount: int | None = Field(None, ge=0, description="partial: what the insurer pays, in minor units")
    note: str | None = Field(None, max_length=1000)


class EvidenceIn(BaseModel):
    note: str = Field(min_length=1, max_length=4000)


def _missing(claim_id: str) -> JSONResponse:
    return error(404, "not_found", f"no claim {claim_id}")


def _json(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "reference": c.reference,
        "kind": c.kind,
        "status": c.status,
        "claimed": {"amount": c.amount, "currency": c.currency},
        "paid": {"amount": c.paid, "currency": c.currency},
        "note": c.note,
        "evidence": c.evidence,
    }


def _decide(sandbox: Sandbox, c: Claim, outcome: str, paid: int, note: str | None) -> None:
    c.status, c.paid, c.note = outcome, paid, note
    sandbox.webhooks.emit(
        "insurer",
        {
            "event_id": new_id("ins"),
            "claim_id": c.id,
            "reference": c.reference,
            "outcome": outcome,
            "amount": paid,
            "currency": c.currency,
            "note": note,
            "occurred_at": iso(utcnow()),
        },
    )


def _auto_decide_later(sandbox: Sandbox, c: Claim) -> None:
    """Without a control call the insurer approves by itself after the configured delay (never, when None)."""
    delay = sandbox.config.insurer_auto_decide_s
    if delay is None:
        return

    async def work() -> None:
        if c.status == "submitted":
            _decide(sandbox, c, "approved", c.amount, None)

    sandbox.jobs.later(delay, work)


@router.post("/claims", status_code=201)
async def file(
    body: ClaimIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """File a claim once per Idempotency-Key (a repeat answers the first; another body is a 409)."""
    books = sandbox.insurer
    if not is_currency(body.claimed.currency):
        return error(400, "invalid_currency", f"{body.claimed.currency} is not an ISO-4217 currency")
    body_print = fingerprint(body.model_dump())
    if idempotency_key and idempotency_key in books.keys:
        seen_print, claim_id = books.keys[idempotency_key]
        if seen_print != body_print:
            return error(409, "idempotency_key_reused", "this Idempotency-Key was used for another claim")
        return JSONResponse(_json(books.claims[claim_id]), status_code=200)
    c = Claim(
        id=f"CLM{secrets.randbelow(10**10):010d}",
        reference=body.reference,
        kind=body.kind,
        amount=body.claimed.amount,
        currency=body.claimed.currency,
        evidence=body.evidence,
    )
    books.claims[c.id] = c
    if idempotency_key:
        books.keys[idempotency_key] = (body_print, c.id)
    _auto_decide_later(sandbox, c)
    return JSONResponse(_json(c), status_code=201)


@router.get("/claims")
async def by_reference(reference: str, sandbox: SandboxDep) -> list[dict[str, Any]]:
    """The claims filed under one reference (Rebound's claim id)."""
    return [_json(c) for c in sandbox.insurer.claims.values() if c.reference == reference]


@router.get("/claims/{claim_id}")
async def read(claim_id: str, sandbox: SandboxDep) -> JSONResponse:
    c = sandbox.insurer.claims.get(claim_id)
    return _missing(claim_id) if c is None else JSONResponse(_json(c))


@router.post("/claims/{claim_id}/decide")
async def decide(claim_id: str, body: DecisionIn, sandbox: SandboxDep) -> JSONResponse:
    """Control: the insurer's decision now (sent to Rebound as a webhook)."""
    c = sandbox.insurer.claims.get(claim_id)
    if c is None:
        return _missing(claim_id)
    if c.status in FINAL:
        return error(409, "already_decided", f"claim {claim_id} is already {c.status}")
    if body.outcome == "partial" and (body.amount is None or not 0 < body.amount < c.amount):
        return error(400, "invalid_amount", f"a partial payout is more than 0 and less than {c.amount}")
    paid = {"approved": c.amount, "partial": body.amount or 0}.get(body.outcome, 0)
    _decide(sandbox, c, body.outcome, paid, body.note)
    return JSONResponse(_json(c))


@router.post("/claims/{claim_id}/evidence")
async def evidence(
    claim_id: str,
    body: EvidenceIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """Rebound answers a request for more evidence; the claim is examined again."""
    c = sandbox.insurer.claims.get(claim_id)
    if c is None:
        return _missing(claim_id)
    if idempotency_key and idempotency_key in c.answers:
        return JSONResponse(_json(c))
    if c.status != "more_evidence":
        return error(409, "not_waiting", f"claim {claim_id} is {c.status}, not waiting for evidence")
    c.answers.append(idempotency_key or body.note)
    c.status, c.note = "submitted", None
    _auto_decide_later(sandbox, c)
    return JSONResponse(_json(c))
