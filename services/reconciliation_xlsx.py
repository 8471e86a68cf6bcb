"""A reconciliation run as an XLSX workbook: a sheet of totals per currency and a sheet of discrepancies."""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter

from db.models import ReconciliationRun
from domain.money import Money, exponent
from services.reconciliation import DISCREPANCY_COLUMNS

_TOTALS = ["currency", "rows", "gross", "fees", "net"]


def _amount(minor: int | None, currency: str | None) -> Decimal | str:
    return "" if minor is None or currency is None else Money(minor, currency).to_decimal()


def export_xlsx(run: ReconciliationRun) -> bytes:
    """The run's totals and discrepancies (loaded with it); amounts are numbers in major units, text stays text."""
    out = io.BytesIO()
    # strings_to_formulas off: ids and notes come from a file or a person and must never run as formulas
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    formats = {
        places: book.add_format({"num_format": "0" if places == 0 else "0." + "0" * places}) for places in (0, 2, 3)
    }

    def fmt(currency: str | None) -> xlsxwriter.format.Format | None:
        return formats.get(exponent(currency)) if currency else None

    totals = book.add_worksheet("Totals")
    totals.write_row(0, 0, _TOTALS, bold)
    for r, (currency, t) in enumerate(run.totals.items(), start=1):
        totals.write_string(r, 0, currency)
        totals.write_number(r, 1, t["rows"])
        for c, key in enumerate(("gross", "fees", "net"), start=2):
            totals.write_number(r, c, Money(t[key], currency).to_decimal(), fmt(currency))
    summary = len(run.totals) + 2
    for r, (label, value) in enumerate(
        [("run", run.id), ("file", run.filename), ("status", run.status), ("matched", run.matched)], start=summary
    ):
        totals.write_string(r, 0, label, bold)
        totals.write(r, 1, value)

    sheet = book.add_worksheet("Discrepancies")
    sheet.write_row(0, 0, DISCREPANCY_COLUMNS, bold)
    for r, d in enumerate(run.discrepancies, start=1):
        for c, text in ((0, d.kind), (1, d.provider_txn_id), (2, d.reference)):
            sheet.write_string(r, c, text or "")
        for c, minor, code in ((3, d.expected_minor, d.expected_currency), (5, d.actual_minor, d.actual_currency)):
            value = _amount(minor, code)
            if isinstance(value, Decimal):
                sheet.write_number(r, c, value, fmt(code))
            sheet.write_string(r, c + 1, code or "")
        if d.line is not None:
            sheet.write_number(r, 7, d.line)
        sheet.write_string(r, 8, d.resolved_at.isoformat() if d.resolved_at else "")
        sheet.write_string(r, 9, d.resolved_by or "")
        sheet.write_string(r, 10, d.resolution_note or "")
    sheet.autofilter(0, 0, max(len(run.discrepancies), 1), len(DISCREPANCY_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
