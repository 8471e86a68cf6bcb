"""Printable shipping labels: a 4x6 inch PDF with an embedded CJK font subset and a vector QR code."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import segno
from fpdf import FPDF

from core.fonts import FontMissing, find_font

__all__ = ["FontMissing", "LabelData", "address_lines", "find_font", "qr_png", "render_pdf"]

PAGE_MM = (101.6, 152.4)
MARGIN = 5.0


@dataclass(frozen=True, slots=True)
class LabelData:
    tracking_number: str
    carrier: str
    service: str
    reference: str
    sender: tuple[str, ...]
    recipient: tuple[str, ...]
    weight_g: int
    created: str
    voided: bool


def address_lines(address: dict[str, object]) -> tuple[str, ...]:
    def get(key: str) -> str:
        value = address.get(key)
        return str(value).strip() if value else ""

    city_line = " ".join(p for p in (get("postal_code"), get("city"), get("state")) if p)
    lines = (get("name"), get("line1"), get("line2"), city_line, get("country"), get("phone"))
    return tuple(line for line in lines if line)


def qr_png(text: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _draw_qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """Modules as filled squares: stays sharp at any printer resolution, unlike a bitmap."""
    # make_qr, not make: segno would pick a Micro QR for short texts, which phone apps rarely read.
    modules = segno.make_qr(text, error="m").matrix
    quiet = 2  # modules of white around the code; the label around it is blank too
    step = size / (len(modules) + 2 * quiet)
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(modules, start=quiet):
        for col, dark in enumerate(line, start=quiet):
            if dark:
                pdf.rect(x + col * step, y + row * step, step, step, style="F")


def _block(pdf: FPDF, title: str, lines: tuple[str, ...], size: float) -> None:
    pdf.set_font("label", size=7)
    pdf.cell(0, 4, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("label", size=size)
    for line in lines:
        pdf.multi_cell(0, size * 0.45, line, new_x="LMARGIN", new_y="NEXT")


@lru_cache(maxsize=64)
def render_pdf(data: LabelData, font_path: str, font_index: int) -> bytes:
    """The label as PDF bytes; cached because parsing a CJK font collection takes a while."""
    pdf = FPDF(unit="mm", format=PAGE_MM)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.set_title(f"Shipping label {data.tracking_number}")
    pdf.set_creator("Rebound sandbox carrier")
    pdf.add_font("label", fname=font_path, collection_font_number=font_index)
    pdf.add_page()
    width = PAGE_MM[0] - 2 * MARGIN
    pdf.set_font("label", size=14)
    pdf.cell(width * 0.6, 8, data.carrier.upper())
    pdf.set_font("label", size=10)
    pdf.cell(width * 0.4, 8, data.service.upper(), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.line(MARGIN, pdf.get_y(), PAGE_MM[0] - MARGIN, pdf.get_y())
    pdf.ln(2)
    _block(pdf, "FROM 寄件人", data.sender, 9)
    pdf.ln(2)
    pdf.line(MARGIN, pdf.get_y(), PAGE_MM[0] - MARGIN, pdf.get_y())
    pdf.ln(2)
    _block(pdf, "TO 收件人", data.recipient, 13)
    top = 92.0
    pdf.line(MARGIN, top - 2, PAGE_MM[0] - MARGIN, top - 2)
    _draw_qr(pdf, data.tracking_number, MARGIN, top, 40)
    pdf.set_xy(MARGIN + 44, top)
    pdf.set_font("label", size=8)
    details = (f"Ref: {data.reference}", f"Weight: {data.weight_g} g", f"Date: {data.created[:10]}")
    pdf.multi_cell(width - 44, 4.5, "\n".join(details))
    pdf.set_xy(MARGIN, top + 44)
    pdf.set_font("label", size=16)
    pdf.cell(width, 9, data.tracking_number, align="C", new_x="LMARGIN", new_y="NEXT")
    if data.voided:
        pdf.set_text_color(200, 0, 0)
        pdf.set_font("label", size=48)
        pdf.set_xy(MARGIN, 60)
        pdf.cell(width, 20, "VOID 作废", align="C")
    return bytes(pdf.output())
