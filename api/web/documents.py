"""Documents as PDF: jinja2 renders the document, fpdf2 lays it out with an embedded CJK font subset."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.web.pages import TEMPLATES
from core.fonts import NOTO_FACES, find_font
from domain.money import Money


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
