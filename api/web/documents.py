"""Documents as PDF: jinja2 renders the document, fpdf2 lays it out with an embedded CJK font subset."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from fastapi.responses import Response
from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from api.web.pages import TEMPLATES
from core.fonts import NOTO_FACES, find_font
from core.settings import Settings
from db.models import ReturnCase
from db.repositories.customs import declaration_for
from domain.errors import NotFound
from domain.money import Money
from services.customs import broker_payload
from services.shipping import label_request


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES / "documents"), autoescape=select_autoescape(["html"]))


def _amount(value: dict[str, Any]) -> str:
    money = Money(int(value["amount"]), str(value["currency"]))
    return f"{money.to_decimal():,}"


def commercial_invoice_pdf(
    number: str, declaration: dict[str, Any], shipper: list[str], consignee: list[str], *, today: str | None = None
) -> bytes:
    """The pro-forma commercial invoice a cross-border return travels with."""
    items = [{**i, "value_text": _amount(i["value"])} for i in declaration["items"]]
    currency = declaration["items"][0]["value"]["currency"] if items else ""
    total = sum((Money(int(i["value"]["amount"]), currency).to_decimal() for i in items), Decimal(0))
    html = (
        _env()
        .get_template("commercial_invoice.html")
        .render(
            number=number,
            today=today or datetime.now(UTC).date().isoformat(),
            reason=declaration.get("reason") or "returned goods",
            export_reference=declaration.get("export_reference"),
            shipper=shipper,
            consignee=consignee,
            items=items,
            currency=currency,
            total_text=f"{total:,}",
            total_weight=sum(int(i.get("weight_g") or 0) for i in items),
        )
    )
    font, face = find_font(None, NOTO_FACES["zh-Hans"])
    pdf = FPDF(format="A4")
    pdf.set_title(f"Commercial invoice {number}")
    pdf.set_creator("Rebound")
    pdf.add_font("doc", fname=font, collection_font_number=face)
    pdf.add_font("doc", style="B", fname=font, collection_font_number=face)
    pdf.set_font("doc", size=10)
    pdf.add_page()
    pdf.write_html(html, font_family="doc")
    return bytes(pdf.output())


def _address(a: dict[str, Any]) -> list[str]:
    place = " ".join(str(a[k]) for k in ("city", "postal_code") if a.get(k) and a[k] != "-")
    return [str(a["name"]), str(a["line1"]), f"{place}, {a['country']}".strip(", ")]


async def commercial_invoice_response(session: AsyncSession, settings: Settings, case: ReturnCase) -> Response:
    """The case's commercial invoice as an inline PDF, for the JSON API and the staff pages alike."""
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
