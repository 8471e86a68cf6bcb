"""Simulated payment provider, authorisations: a hold on the card of an earlier charge, later captured (a charge
in the settlement report) or voided."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from sandbox.authorization_books import Authorization
from sandbox.payments import Money, card_on_file, declined
from sandbox.state import Sandbox, SandboxDep, error, fingerprint, new_id, replay, stored
from sandbox.store import Charge, iso, utcnow

router = APIRouter(prefix="/payments", tags=["payments"])


class AuthorizationIn(Money):
    reference: str = Field(min_length=1, max_length=200)
    source_charge_id: str = Field(min_length=1, max_length=100)  # the order's charge: the card on file


def _json(a: Authorization) -> dict[str, Any]:
    return {
        "id": a.id,
        "status": a.status,
        "amount": a.amount,
        "currency": a.currency,
        "reference": a.reference,
        "source_charge_id": a.source_charge_id,
        "charge_id": a.charge_id,
        "created": a.created_at,
    }


@router.post("/authorizations", status_code=201)
async def authorize(
    body: AuthorizationIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Hold an amount on the card of `source_charge_id` once per Idempotency-Key; 402 when the card declines."""
    if not idempotency_key:
        return error(400, "idempotency_key_required", "send an Idempotency-Key header with every authorisation")
    body_print = fingerprint(body.model_dump())
    key = idempotency_key

    def commit() -> Response:
        books = sandbox.authorizations
        replayed = replay(sandbox, "authorizations", key, body_print, lambda aid: _json(stored(books.get(aid))))
        if replayed is not None:
            return replayed
        source = card_on_file(sandbox, body.source_charge_id, body.currency)
        refused = source if isinstance(source, JSONResponse) else declined(sandbox)
        if refused is not None:
            return refused
        auth = Authorization(
            new_id("au"),
            body.amount,
            body.currency,
            body.reference,
            body.source_charge_id,
            "authorized",
            None,
            iso(utcnow()),
        )
        books.add(auth, key, body_print)
        return JSONResponse(_json(auth), status_code=201)

    return await sandbox.faults.around("payments", commit)


def _authorization_or_404(sandbox: Sandbox, auth_id: str) -> Authorization | Response:
    found = sandbox.authorizations.get(auth_id)
    return found if found else error(404, "authorization_not_found", f"no authorisation {auth_id}")


@router.post("/authorizations/{auth_id}/capture")
async def capture(auth_id: str, sandbox: SandboxDep) -> Response:
    """Take the held amount: a captured charge under the authorisation's reference; capturing again answers the
    same charge."""

    def commit() -> Response:
        found = _authorization_or_404(sandbox, auth_id)
        if not isinstance(found, Authorization):
            return found
        if found.status == "voided":
            return error(409, "authorization_voided", f"{auth_id} was voided; nothing is held any more")
        if found.status == "authorized":
            charge = Charge(
                new_id("ch"), found.amount, found.currency, found.reference, iso(utcnow()), found.source_charge_id
            )
            sandbox.authorizations.capture(found.id, charge)
        return JSONResponse(_json(stored(sandbox.authorizations.get(auth_id))))

    return await sandbox.faults.around("payments", commit)


@router.post("/authorizations/{auth_id}/void")
async def void(auth_id: str, sandbox: SandboxDep) -> Response:
    """Let the hold go without taking money; voiding again answers the same, a captured one cannot be voided."""

    def commit() -> Response:
        found = _authorization_or_404(sandbox, auth_id)
        if not isinstance(found, Authorization):
            return found
        if found.status == "captured":
            return error(409, "already_captured", f"{auth_id} was captured as {found.charge_id}; refund it instead")
        sandbox.authorizations.void(found.id)
        return JSONResponse(_json(stored(sandbox.authorizations.get(auth_id))))

    return await sandbox.faults.around("payments", commit)


@router.get("/authorizations/{auth_id}")
async def get_authorization(auth_id: str, sandbox: SandboxDep) -> Response:
    """The authorisation as the provider holds it."""
    found = _authorization_or_404(sandbox, auth_id)
    return JSONResponse(_json(found)) if isinstance(found, Authorization) else found


@router.get("/authorizations")
async def list_authorizations(sandbox: SandboxDep, reference: str | None = None) -> list[dict[str, Any]]:
    """What the provider really holds, optionally only under one reference."""
    return [_json(a) for a in sandbox.authorizations.by_reference(reference)]
