"""Simulated customs broker: declarations submitted with an Idempotency-Key, decided (cleared / held / refused)
by a control call or by itself after a delay, the decision delivered as a signed webhook."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sandbox.customs_books import Declaration
from sandbox.state import Sandbox, SandboxDep, error, fingerprint, new_id
from sandbox.store import iso, utcnow

router = APIRouter(prefix="/customs", tags=["customs broker"])


class DeclaredItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    line_id: str
    hs_code: str | None = None
    description: str
    quantity: int = Field(gt=0)


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    reference: str = Field(min_length=1, max_length=200)  # the case number
    from_country: str = Field(pattern=r"^[A-Z]{2}$")
    to_country: str = Field(pattern=r"^[A-Z]{2}$")
    items: list[DeclaredItem] = Field(min_length=1)
    export_reference: str | None = None


class DecisionIn(BaseModel):
    outcome: Literal["cleared", "held", "refused"]
    note: str | None = Field(None, max_length=1000)


class DocumentsIn(BaseModel):
    note: str = Field(min_length=1, max_length=4000)


def _json(d: Declaration) -> dict[str, Any]:
    return {"id": d.id, "reference": d.reference, "status": d.status, "note": d.note, "documents": d.documents}


def _decide(sandbox: Sandbox, d: Declaration, outcome: str, note: str | None) -> None:
    d.status, d.note = outcome, note
    sandbox.webhooks.emit(
        "customs",
        {
            "event_id": new_id("cus"),
            "declaration_id": d.id,
            "reference": d.reference,
            "outcome": outcome,
            "note": note,
            "occurred_at": iso(utcnow()),
        },
    )


def _auto_decide_later(sandbox: Sandbox, d: Declaration) -> None:
    """Without a control call the broker clears by itself after the configured delay (never, when None)."""
    delay = sandbox.config.customs_auto_decide_s
    if delay is None:
        return

    async def work() -> None:
        if d.status == "submitted":
            _decide(sandbox, d, "cleared", None)

    sandbox.jobs.later(delay, work)


@router.post("/declarations", status_code=201)
async def submit(
    body: DeclarationIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """File a declaration once per Idempotency-Key (a repeat answers the first; another body is a 409)."""
    broker = sandbox.broker
    body_print = fingerprint(body.model_dump())
    if idempotency_key and idempotency_key in broker.keys:
        seen_print, declaration_id = broker.keys[idempotency_key]
        if seen_print != body_print:
            return error(409, "idempotency_key_reused", "this Idempotency-Key was used for another declaration")
        return JSONResponse(_json(broker.declarations[declaration_id]), status_code=200)
    d = Declaration(id=f"DEC{secrets.randbelow(10**10):010d}", reference=body.reference, body=body.model_dump())
    broker.declarations[d.id] = d
    if idempotency_key:
        broker.keys[idempotency_key] = (body_print, d.id)
    _auto_decide_later(sandbox, d)
    return JSONResponse(_json(d), status_code=201)


@router.get("/declarations")
async def by_reference(reference: str, sandbox: SandboxDep) -> list[dict[str, Any]]:
    """The declarations filed for one of Rebound's cases."""
    return [_json(d) for d in sandbox.broker.declarations.values() if d.reference == reference]


@router.get("/declarations/{declaration_id}")
async def read(declaration_id: str, sandbox: SandboxDep) -> JSONResponse:
    d = sandbox.broker.declarations.get(declaration_id)
    if d is None:
        return error(404, "not_found", f"no declaration {declaration_id}")
    return JSONResponse(_json(d))


@router.post("/declarations/{declaration_id}/decide")
async def decide(declaration_id: str, body: DecisionIn, sandbox: SandboxDep) -> JSONResponse:
    """Control: the broker's decision now (sent to Rebound as a webhook)."""
    d = sandbox.broker.declarations.get(declaration_id)
    if d is None:
        return error(404, "not_found", f"no declaration {declaration_id}")
    if d.status in ("cleared", "refused"):
        return error(409, "already_decided", f"declaration {declaration_id} is already {d.status}")
    _decide(sandbox, d, body.outcome, body.note)
    return JSONResponse(_json(d))


@router.post("/declarations/{declaration_id}/documents")
async def documents(
    declaration_id: str,
    body: DocumentsIn,
    sandbox: SandboxDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """Rebound answers a hold with documents; the declaration is examined again."""
    d = sandbox.broker.declarations.get(declaration_id)
    if d is None:
        return error(404, "not_found", f"no declaration {declaration_id}")
    if idempotency_key and idempotency_key in d.documents:
        return JSONResponse(_json(d))
    if d.status != "held":
        return error(409, "not_held", f"declaration {declaration_id} is {d.status}, not waiting for documents")
    d.documents.append(idempotency_key or body.note)
    d.status, d.note = "submitted", None
    _auto_decide_later(sandbox, d)
    return JSONResponse(_json(d))
