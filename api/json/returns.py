"""/api/v1/returns: eligibility, create (Idempotency-Key), read, search, and actions through the workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.audited import audited_act, client_ip, refuse
from api.callers import Caller, CallerDep, ReadableCase, require_staff
from api.case_filing import open_return, start_workflow
from api.deps import ResourcesDep, SessionDep, TemporalDep, integration
from api.limits import check_rate
from db.models import ReturnCase
from db.repositories.access import get_staff_user
from domain.errors import DomainError, Forbidden, InvalidInput
from services import idempotency
from services.access import Integration
from services.audit import Who
from services.case_list import list_cases
from services.case_views import case_view
from services.cases import check_eligibility
from services.return_input import ReturnInput
from workflows.contracts import Action, ExchangeChoice, InspectedItem, Inspection, Note, QuoteAnswer

router = APIRouter(prefix="/api/v1/returns", tags=["returns"])
WRITE = Depends(integration("returns:write"))


@router.post("/eligibility")
async def eligibility(
    body: ReturnInput, session: SessionDep, resources: ResourcesDep, _key: Annotated[Integration, WRITE]
) -> dict[str, Any]:
    """Per item: may it be returned, and if not why; the refund estimate. Changes nothing."""
    checked = await check_eligibility(session, body, resources.policy, now=datetime.now(UTC))
    elig = checked.eligibility
    return {
        "decision": elig.decision.value,
        "items": [
            {
                "line_id": i.line_id,
                "quantity": i.quantity,
                "eligible": i.eligible,
                "reasons": [{"code": r.code.value, "message": r.text(checked.locale)} for r in i.refusals],
                "window_ends_at": i.window_ends_at.isoformat() if i.window_ends_at else None,
            }
            for i in elig.items
        ],
        "refusals": [{"code": r.code.value, "message": r.text(checked.locale)} for r in elig.refusals],
        "estimate": elig.refund_estimate.as_dict(),
        "postage_payer": elig.postage_payer.value if elig.postage_payer else None,
        "returnless": elig.returnless,
        "exchange": checked.exchange.record() if checked.exchange else None,
    }


@router.post("", status_code=201)
async def create(
    request: Request,
    body: ReturnInput,
    session: SessionDep,
    resources: ResourcesDep,
    temporal: TemporalDep,
    key_caller: Annotated[Integration, WRITE],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Open a return case; the same Idempotency-Key and body return the same case, never a second one."""
    digest = idempotency.request_hash(body.model_dump(mode="json"))
    key = idempotency.check_key(idempotency_key) if idempotency_key is not None else None
    if key and (stored := await idempotency.replay(session, "returns.create", key, digest)):
        return JSONResponse(stored[1], status_code=stored[0])
    # a replay is never refused; the storefront's key is counted, not its servers' few addresses
    check_rate(request, resources.settings, create_key=str(key_caller.key_id), create_order=body.order_number)
    opened = await open_return(resources, session, body)
    answer = {
        "number": opened.case.number,
        "status": opened.case.status,
        "customer_token": opened.customer_token,
        "decision": opened.eligibility.decision.value,
        "estimate": opened.eligibility.refund_estimate.as_dict(),
        "exchange": opened.case.eligibility.get("exchange"),
        "items": [
            {
                "line_id": i.line_id,
                "quantity": i.quantity,
                "eligible": i.eligible,
                "reasons": [r.text(opened.case.locale) for r in i.refusals],
            }
            for i in opened.eligibility.items
        ],
    }
    if key:
        idempotency.remember(session, "returns.create", key, digest, 201, answer)
    await session.commit()
    await start_workflow(resources, temporal, session, opened.case)  # only after the commit
    return JSONResponse(answer, status_code=201)


@router.get("")
async def search(
    who: CallerDep,
    session: SessionDep,
    status: str | None = None,
    q: str | None = None,
    assignee: str | None = None,
    sla: Literal["breached"] | None = None,
    market: str | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> dict[str, Any]:
    """Staff (and integrations with returns:read) list and search cases."""
    if who.kind == "customer" or (who.kind == "integration" and "returns:read" not in who.scopes):
        raise Forbidden("listing cases needs a staff sign-in or an API key with returns:read", code="forbidden")
    return await list_cases(
        session, now=datetime.now(UTC), status=status, q=q, assignee=assignee, sla=sla, market=market, page=page
    )


@router.get("/{number}")
async def read(case: ReadableCase, session: SessionDep) -> dict[str, Any]:
    return await case_view(session, case)


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(default=None, max_length=2000)


class RequiredReason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=2000)


class MessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    message: str = Field(min_length=1, max_length=4000)


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=4000)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(max_length=64)


class InspectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[InspectedItem] = Field(min_length=1)


@dataclass
class CaseActor:
    """A caller acting on one case through its workflow; answers with the case as the projection now shows it."""

    case: ReturnCase
    who: Caller
    temporal: Client
    session: AsyncSession
    ip: str | None = None

    @property
    def audit_who(self) -> Who:
        return Who(self.who.actor, self.who.role or self.who.kind, self.ip)

    async def staff(self, update: str, arg: Any) -> dict[str, Any]:
        await self.require(update)
        return await self.run(update, arg)

    async def require(self, update: str) -> None:
        """Staff in a case role only; a refused attempt is audited too."""
        try:
            require_staff(self.who)
        except DomainError as refused:
            await refuse(self.session, self.audit_who, f"case.{update}", self.case.number, refused.detail)
            raise

    async def refuse(self, update: str, why: str, reason: str | None = None) -> None:
        await refuse(self.session, self.audit_who, f"case.{update}", self.case.number, why, reason=reason)

    async def run(self, update: str, arg: Any) -> dict[str, Any]:
        reason = getattr(arg, "reason", None) or getattr(arg, "text", None)
        await audited_act(self.temporal, self.session, self.audit_who, self.case.number, update, arg, reason=reason)
        await self.session.refresh(self.case)  # the update returned after the projection was written
        return await case_view(self.session, self.case)


async def case_actor(
    case: ReadableCase, who: CallerDep, temporal: TemporalDep, session: SessionDep, request: Request
) -> CaseActor:
    return CaseActor(case, who, temporal, session, client_ip(request))


Acting = Annotated[CaseActor, Depends(case_actor)]


@router.post("/{number}/approve")
async def approve(body: ReasonBody, on: Acting) -> dict[str, Any]:
    return await on.staff("approve", Action(actor=on.who.actor, reason=body.reason))


@router.post("/{number}/reject")
async def reject(body: RequiredReason, on: Acting) -> dict[str, Any]:
    return await on.staff("reject", Action(actor=on.who.actor, reason=body.reason))


@router.post("/{number}/request-info")
async def request_info(body: MessageBody, on: Acting) -> dict[str, Any]:
    return await on.staff("request_info", Note(actor=on.who.actor, text=body.message))


@router.post("/{number}/inspection")
async def inspection(body: InspectionBody, on: Acting) -> dict[str, Any]:
    """Record the warehouse's grade for every returned line (then the refund follows)."""
    await on.require("inspect")
    view = await case_view(on.session, on.case, with_timeline=False)
    expected = {i["line_id"] for i in view["items"] if i["eligible"]}
    given = [i.line_id for i in body.items]
    fields = {
        f"items.{n}.grade": "use A, B, C, D or X"
        for n, i in enumerate(body.items)
        if i.grade not in {"A", "B", "C", "D", "X"}
    }
    if fields or sorted(given) != sorted(expected):
        raise InvalidInput(
            f"grade each returned line exactly once (lines {', '.join(sorted(expected))}) with A, B, C, D or X",
            fields=fields or {"items": "grade every returned line once"},
        )
    return await on.run("inspect", Inspection(actor=on.who.actor, items=body.items))


@router.post("/{number}/cancel")
async def cancel(body: ReasonBody, on: Acting) -> dict[str, Any]:
    """Staff cancel with a reason; the customer (with the case's token) may cancel before pickup."""
    if on.who.kind == "integration":
        raise Forbidden("an integration cannot cancel a case", code="forbidden")
    if on.who.kind == "staff":
        await on.require("cancel")
    return await on.run("cancel", Action(actor=on.who.actor, reason=body.reason))


@router.post("/{number}/assign")
async def assign(body: AssignBody, on: Acting) -> dict[str, Any]:
    await on.require("assign")
    if body.username and await get_staff_user(on.session, body.username) is None:
        raise InvalidInput(f"there is no staff user '{body.username}'", fields={"username": "unknown user"})
    return await on.run("assign", Note(actor=on.who.actor, text=body.username))


@router.post("/{number}/notes")
async def notes(body: NoteBody, on: Acting) -> dict[str, Any]:
    return await on.staff("note", Note(actor=on.who.actor, text=body.text))


class ExchangeChoiceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choice: Literal["wait", "refund"]


class QuoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accepted: bool


async def _customer_or_staff(on: CaseActor, update: str) -> None:
    """The customer (with the case's token) answers for themselves; staff in a case role may answer for them."""
    if on.who.kind == "integration":
        raise Forbidden("an integration cannot answer for the customer", code="forbidden")
    if on.who.kind == "staff":
        await on.require(update)


@router.post("/{number}/exchange-choice")
async def exchange_choice(body: ExchangeChoiceBody, on: Acting) -> dict[str, Any]:
    """The new item is out of stock: wait for it, or take a refund instead."""
    await _customer_or_staff(on, "exchange_choice")
    return await on.run("exchange_choice", ExchangeChoice(actor=on.who.actor, choice=body.choice))


@router.post("/{number}/repair-quote")
async def repair_quote(body: QuoteBody, on: Acting) -> dict[str, Any]:
    """Accept (the quote is charged to the order's card) or decline the repair centre's out-of-warranty quote."""
    await _customer_or_staff(on, "quote_answer")
    return await on.run("quote_answer", QuoteAnswer(actor=on.who.actor, accepted=body.accepted))
