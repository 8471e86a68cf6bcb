"""Agent actions on a cross-border return: classify items the declaration could not, answer a customs hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.callers import ReadableCase
from api.deps import SessionDep, SettingsDep
from api.json.finance import FinanceStaff
from api.json.returns import Acting
from api.web.documents import commercial_invoice_pdf
from db.repositories.customs import declaration_for
from domain.errors import InvalidTransition, NotFound
from services import customs as customs_service
from services.customs import broker_payload, check_codes
from services.shipping import label_request
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


def _address(a: dict[str, Any]) -> list[str]:
    place = " ".join(str(a[k]) for k in ("city", "postal_code") if a.get(k) and a[k] != "-")
    return [str(a["name"]), str(a["line1"]), f"{place}, {a['country']}".strip(", ")]


@router.get("/{number}/customs/invoice.pdf", response_class=Response)
async def invoice(case: ReadableCase, session: SessionDep, settings: SettingsDep) -> Response:
    """The pro-forma commercial invoice of a cross-border return (PDF, Chinese text embedded)."""
    if await declaration_for(session, case.id) is None:
        raise NotFound(f"{case.number} does not cross a border: there is no customs invoice", code="no_declaration")
    declaration = await broker_payload(session, case.number)
    sender = (await label_request(session, case.number)).sender
    warehouse = settings.warehouse_for(case.market).model_dump()
    pdf = commercial_invoice_pdf(case.number, declaration, _address(sender), _address(warehouse))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{case.number}-commercial-invoice.pdf"'},
    )


drawbacks = APIRouter(prefix="/api/v1/drawbacks", tags=["customs", "finance"])


@drawbacks.post("/{reference}/paid")
async def drawback_paid(reference: str, session: SessionDep, _finance: FinanceStaff) -> dict[str, Any]:
    """Finance records the customs authority's payout of a drawback claim (cash in, receivable cleared)."""
    claim = await customs_service.drawback_paid(session, reference, at=datetime.now(UTC))
    answer = {
        "reference": claim.reference,
        "status": claim.status,
        "amount": {"amount": claim.amount_minor, "currency": claim.currency},
        "paid_at": claim.paid_at.isoformat() if claim.paid_at else None,
    }
    await session.commit()
    return answer
