"""Agent actions on a cross-border return: classify items the declaration could not, answer a customs hold."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.audited import client_ip
from api.callers import ReadableCase
from api.deps import SessionDep, SettingsDep
from api.finance_audit import audited_drawback_paid
from api.json.finance import FinanceStaff
from api.json.returns import Acting
from api.web.documents import commercial_invoice_response
from db.repositories.customs import declaration_for
from domain.errors import InvalidTransition
from services.audit import Who
from services.customs import check_codes
from workflows.contracts import Classification, CustomsDocuments

router = APIRouter(prefix="/api/v1/returns", tags=["customs"])


class ClassifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: dict[str, str] = Field(min_length=1, description="order line id → HS code, e.g. {'L1': '6109.10'}")


class DocumentsBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field(min_length=1, max_length=4000, description="what was sent to the broker, or the answer")


@router.post("/{number}/customs/classify")
async def classify(body: ClassifyBody, on: Acting) -> dict[str, Any]:
    """Give HS codes (checked against the WCO nomenclature) to the items the declaration is waiting for."""
    await on.require("classify")
    declaration = await declaration_for(on.session, on.case.id)
    if declaration is None:
        raise InvalidTransition("this return does not cross a border: it has no customs declaration")
    codes = check_codes(body.codes, {i["line_id"] for i in declaration.items})
    return await on.run("classify", Classification(actor=on.who.actor, codes=codes))


@router.post("/{number}/customs/documents")
async def documents(body: DocumentsBody, on: Acting) -> dict[str, Any]:
    """Answer the customs broker's hold (documents requested); the declaration is examined again."""
    return await on.staff("customs_documents", CustomsDocuments(actor=on.who.actor, note=body.note))


@router.get("/{number}/customs/invoice.pdf", response_class=Response)
async def invoice(case: ReadableCase, session: SessionDep, settings: SettingsDep) -> Response:
    """The pro-forma commercial invoice of a cross-border return (PDF, Chinese text embedded)."""
    return await commercial_invoice_response(session, settings, case)


drawbacks = APIRouter(prefix="/api/v1/drawbacks", tags=["customs", "finance"])


@drawbacks.post("/{reference}/paid")
async def drawback_paid(reference: str, request: Request, session: SessionDep, finance: FinanceStaff) -> dict[str, Any]:
    """Finance records the customs authority's payout of a drawback claim (cash in, receivable cleared); audited."""
    who = Who(finance.username, finance.role, client_ip(request))
    claim = await audited_drawback_paid(session, who, reference)
    return {
        "reference": claim.reference,
        "status": claim.status,
        "amount": {"amount": claim.amount_minor, "currency": claim.currency},
        "paid_at": claim.paid_at.isoformat() if claim.paid_at else None,
    }
