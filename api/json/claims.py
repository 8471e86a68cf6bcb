"""Insurance claims on a case (agents supply evidence the insurer asked for) and the finance list of cases held
because their refund failed."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep
from api.json.finance import FinanceStaff
from api.json.returns import Acting
from services.held_refunds import held_for_finance
from workflows.contracts import ClaimEvidence

router = APIRouter(prefix="/api/v1", tags=["claims"])


class EvidenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field(min_length=1, max_length=4000, description="the evidence supplied, or where the insurer finds it")


@router.post("/returns/{number}/claims/{kind}/evidence")
async def evidence(kind: Literal["shipping_fee", "transit"], body: EvidenceBody, on: Acting) -> dict[str, Any]:
    """Answer the insurer's request for more evidence on a claim; the insurer decides again."""
    return await on.staff("claim_evidence", ClaimEvidence(actor=on.who.actor, kind=kind, note=body.note))


@router.get("/finance/held-refunds")
async def held_refunds(session: SessionDep, _finance: FinanceStaff) -> dict[str, Any]:
    """Cases whose refund failed permanently: held, escalated, waiting for finance."""
    return {"cases": await held_for_finance(session)}
