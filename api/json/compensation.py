"""Supervisory case actions: goodwill compensation (within the role's limit) and overriding a rejection."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.json.returns import Acting, RequiredReason
from domain.errors import DomainError, Forbidden
from domain.money import Money
from services.goodwill import check_goodwill
from workflows.contracts import Action, Goodwill

router = APIRouter(prefix="/api/v1/returns", tags=["returns"])


class MoneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(gt=0)  # minor units
    currency: str = Field(min_length=3, max_length=3)


class CompensateBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    amount: MoneyIn
    reason: str = Field(min_length=1, max_length=2000)
    kind: Literal["refund", "store_credit"] = "refund"


@router.post("/{number}/compensate")
async def compensate(body: CompensateBody, on: Acting) -> dict[str, Any]:
    """Goodwill: a refund (or store credit) of `amount`, capped by what the order paid and the role's limit."""
    await on.require("compensate")
    try:
        await check_goodwill(on.session, on.case, on.who.role, Money(body.amount.amount, body.amount.currency.upper()))
    except DomainError as refused:
        await on.refuse("compensate", refused.detail, body.reason)
        raise
    arg = Goodwill(actor=on.who.actor, amount_minor=body.amount.amount, reason=body.reason, kind=body.kind)
    return await on.run("compensate", arg)


@router.post("/{number}/override")
async def override(body: RequiredReason, on: Acting) -> dict[str, Any]:
    """A supervisor approves a rejected case (policy or agent rejection) with a reason; audited."""
    await on.require("override")
    if on.who.role not in ("supervisor", "admin"):
        await on.refuse("override", "role", body.reason)
        raise Forbidden("only a supervisor can override a rejection", code="role_forbidden")
    return await on.run("override", Action(actor=on.who.actor, reason=body.reason))
