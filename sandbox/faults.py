"""Fault injection: make the partners fail the way real ones do, so Rebound's retries are tested for real."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field


class PartnerFaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(0.0, ge=0, le=1)  # share of requests answered 500
    # Share of those 500s where the change WAS made first: the case idempotency keys exist for.
    error_commit_rate: float = Field(0.5, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1)  # share answered only after `timeout_s` (change made)
    timeout_s: float = Field(10.0, ge=0, le=600)
    # payments: a refund is accepted, then refund.failed; an authorisation or a charge on a card on file is
    # refused at once with 402 card_declined.
    decline_rate: float = Field(0.0, ge=0, le=1)
    duplicate_webhooks: bool = False  # every webhook twice, the copy possibly after later events


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payments: PartnerFaults = Field(default_factory=PartnerFaults)
    carrier: PartnerFaults = Field(default_factory=PartnerFaults)
    insurer: PartnerFaults = Field(default_factory=PartnerFaults)  # only duplicate_webhooks applies
    warehouse: PartnerFaults = Field(default_factory=PartnerFaults)
    repair: PartnerFaults = Field(default_factory=PartnerFaults)

    def of(self, partner: str) -> PartnerFaults:
        value = getattr(self, partner, None)
        return value if isinstance(value, PartnerFaults) else PartnerFaults()


class Dice:
    """Seeded randomness for faults, so a failing run can be replayed with the same seed."""

    def __init__(self, seed: int | None) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - simulation, not security

    def hit(self, rate: float) -> bool:
        if rate <= 0:
            return False
        return rate >= 1 or self._rng.random() < rate

    def uniform(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)


class FaultBook:
    """The faults in force now and the dice that decide each request."""

    def __init__(self, seed: int | None) -> None:
        self.current = Faults()
        self.dice = Dice(seed)

    def of(self, partner: str) -> PartnerFaults:
        return self.current.of(partner)

    async def around(self, partner: str, commit: Callable[[], Response]) -> Response:
        """Run `commit` (the real work, returning its answer) unless a fault says otherwise."""
        faults = self.of(partner)
        if self.dice.hit(faults.error_rate):
            if self.dice.hit(faults.error_commit_rate):
                commit()  # done, but the caller never learns it
            return JSONResponse({"error": "internal_error", "detail": "simulated partner failure"}, status_code=500)
        answer = commit()
        if self.dice.hit(faults.timeout_rate):
            await asyncio.sleep(faults.timeout_s)
        return answer


router = APIRouter(prefix="/faults", tags=["faults"])


def _book(request: Request) -> FaultBook:
    book: FaultBook = request.app.state.sandbox.faults
    return book


@router.get("")
async def get_faults(request: Request) -> Faults:
    return _book(request).current


@router.put("")
async def put_faults(faults: Faults, request: Request) -> Faults:
    """Replace the faults in force; partners left out behave normally."""
    _book(request).current = faults
    return faults


@router.delete("")
async def clear_faults(request: Request) -> Faults:
    book = _book(request)
    book.current = Faults()
    return book.current
