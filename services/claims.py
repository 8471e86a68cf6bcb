"""Insurance claims of return cases: whether the order is insured and for how much, the evidence sent to the
insurer, its answer, and the claim's ledger movements (accounts in `domain.insurance`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InsuranceClaim, Order, ReturnCase
from db.repositories.claims import claim_by_insurer_ref, claim_for, claims_of, photo_ids, return_shipments
from db.repositories.customs import case_with_order, returned_lines
from domain import insurance
from domain.errors import NotFound
from domain.inspection import inspect
from domain.policy import MarketPolicy
from workflows.contracts import ClaimOpen, ClaimOutcome, ClaimPlan, LedgerLeg, LedgerTxn, claim_workflow_id


async def _case(session: AsyncSession, number: str) -> tuple[ReturnCase, Order]:
    found = await case_with_order(session, number)
    if found is None:
        raise NotFound(f"no return case {number}", code="case_not_found")
    return found


async def _claim(session: AsyncSession, number: str, kind: str) -> tuple[ReturnCase, InsuranceClaim]:
    case, _ = await _case(session, number)
    claim = await claim_for(session, case.id, kind)
    if claim is None:
        raise NotFound(f"case {number} has no {kind} claim", code="claim_not_found")
    return case, claim


def _plan(number: str, claim: InsuranceClaim) -> ClaimPlan:
    return ClaimPlan(
        case_number=number,
        kind=claim.kind,
        insured=True,
        amount_minor=claim.claimed_minor,
        currency=claim.currency,
        due_at=claim.due_at,
    )


async def open_claim(session: AsyncSession, wanted: ClaimOpen) -> ClaimPlan:
    """Write the claim (once per case and kind) when the order bought the cover and there is something to claim:
    the postage for shipping-fee cover, the declared value of the lost or damaged goods for transit cover. Flushes."""
    case, order = await _case(session, wanted.case_number)
    existing = await claim_for(session, case.id, wanted.kind)
    if existing is not None:  # a retried activity
        return _plan(case.number, existing)
    not_filed = ClaimPlan(case_number=case.number, kind=wanted.kind, insured=False)
    covered = order.insurance_shipping_fee if wanted.kind == "shipping_fee" else order.insurance_transit
    if not covered:
        return not_filed.model_copy(update={"why": "not_insured"})
    market = MarketPolicy.model_validate(case.policy_snapshot)
    if wanted.kind == "shipping_fee":
        postage = (case.eligibility or {}).get("breakdown", {}).get("return_postage", {}).get("minor", 0)
        cover = insurance.shipping_fee_claim(market, case.currency, int(postage))
        amount = cover.minor if cover else 0
        evidence: dict[str, Any] = {"postage_paid_by_customer": int(postage)}
    else:
        amount, evidence = await _transit(session, case, market, wanted)
    if amount <= 0:
        why = "no_amount" if wanted.kind == "shipping_fee" else "no_transit_damage"
        return not_filed.model_copy(update={"why": why})
    evidence["tracking"] = [
        {"tracking_number": s.tracking_number, "carrier": s.carrier, "status": s.status, "events": s.events}
        for s in await return_shipments(session, case.id)
    ]
    evidence["photo_ids"] = await photo_ids(session, case.id)
    claim = InsuranceClaim(
        case_id=case.id,
        kind=wanted.kind,
        status="filing",
        reference=claim_workflow_id(case.number, wanted.kind),
        claimed_minor=amount,
        currency=case.currency,
        trigger=wanted.trigger,
        evidence=evidence,
        due_at=market.sla.claim_due(wanted.incident_at),
    )
    session.add(claim)
    await session.flush()
    return _plan(case.number, claim)


async def _transit(
    session: AsyncSession, case: ReturnCase, market: MarketPolicy, wanted: ClaimOpen
) -> tuple[int, dict[str, Any]]:
    """The declared value of the goods the carrier lost or damaged: every returned line when the carrier says so,
    at inspection only the lines the policy finds damaged in transit."""
    lines: list[dict[str, Any]] = []
    for item, line in await returned_lines(session, case.id):
        if wanted.trigger == "inspection":
            grade = wanted.grades.get(line.line_id)
            if grade is None or not inspect(grade, reason=item.reason, market=market, statutory=False).transit_claim:
                continue
        value = line.unit_price_minor * item.quantity
        lines.append({"line_id": line.line_id, "sku": line.sku, "quantity": item.quantity, "declared_value": value})
    total = sum(x["declared_value"] for x in lines)
    return total, {"incident": wanted.trigger, "lines": lines, "declared_value": total}


async def insurer_payload(session: AsyncSession, number: str, kind: str) -> dict[str, Any]:
    """What the insurer is sent: the claim reference, kind, amount claimed and the evidence."""
    _, claim = await _claim(session, number, kind)
    return {
        "reference": claim.reference,
        "kind": claim.kind,
        "claimed": {"amount": claim.claimed_minor, "currency": claim.currency},
        "evidence": claim.evidence,
    }


async def insurer_ref(session: AsyncSession, number: str, kind: str) -> str:
    """The insurer's id of the claim (known once it was filed)."""
    _, claim = await _claim(session, number, kind)
    if claim.insurer_ref is None:
        raise NotFound(f"the {kind} claim of {number} was not filed yet", code="claim_not_filed")
    return claim.insurer_ref


def _txn(claim: InsuranceClaim, step: str, kind: str, legs: list[dict[str, object]]) -> LedgerTxn:
    return LedgerTxn(
        txn_id=f"{claim.reference}:{step}",
        type=kind,
        reference=claim.reference,
        legs=[LedgerLeg.model_validate(x) for x in legs],
    )


async def submitted(session: AsyncSession, number: str, kind: str, insurer_ref: str) -> list[LedgerTxn]:
    """The insurer has the claim: note its id; the receivable is booked with the 'claim.filed' event. Flushes."""
    _, claim = await _claim(session, number, kind)
    claim.insurer_ref = insurer_ref
    if claim.status == "filing":
        claim.status = "submitted"
    await session.flush()
    return [_txn(claim, "filed", "insurance_claimed", insurance.claimed_legs(claim.claimed_minor, claim.currency))]


async def evidence_sent(session: AsyncSession, number: str, kind: str, note: str) -> None:
    """The agent's evidence reached the insurer: the claim waits for a new decision. Flushes."""
    _, claim = await _claim(session, number, kind)
    claim.status, claim.insurer_note = "submitted", None
    claim.evidence = {**claim.evidence, "supplied": [*claim.evidence.get("supplied", []), note]}
    await session.flush()


async def record_decision(
    session: AsyncSession,
    number: str,
    kind: str,
    outcome: str,
    amount_minor: int | None,
    note: str | None,
    *,
    at: datetime,
) -> ClaimOutcome:
    """Store the insurer's answer; a final one gives the payout and shortfall movements that clear the
    receivable (they go with the 'claim.decided' event). Flushes."""
    _, claim = await _claim(session, number, kind)
    claim.status, claim.insurer_note = outcome, note
    answer = ClaimOutcome(
        kind=kind, outcome=outcome, claimed_minor=claim.claimed_minor, paid_minor=0, currency=claim.currency, note=note
    )
    if outcome == "more_evidence":
        await session.flush()
        return answer
    paid, short = insurance.settle(claim.claimed_minor, outcome, amount_minor)
    claim.paid_minor, claim.decided_at = paid, at
    await session.flush()
    ledger = []
    if paid:
        ledger.append(_txn(claim, "payout", "insurance_payout", insurance.payout_legs(paid, claim.currency)))
    if short:
        ledger.append(_txn(claim, "shortfall", "insurance_shortfall", insurance.shortfall_legs(short, claim.currency)))
    return answer.model_copy(update={"paid_minor": paid, "ledger": ledger})


async def claim_known(session: AsyncSession, insurer_ref: str) -> tuple[str, str] | None:
    """(case number, kind) of the claim the insurer calls `insurer_ref`; None for a stranger's claim."""
    found = await claim_by_insurer_ref(session, insurer_ref)
    return (found[1], found[0].kind) if found else None


async def claims_view(session: AsyncSession, case: ReturnCase) -> list[dict[str, Any]]:
    """The case's claims as API.md shows them."""

    def money(minor: int, currency: str) -> dict[str, Any]:
        return {"amount": minor, "currency": currency}

    return [
        {
            "id": c.reference,
            "kind": c.kind,
            "status": c.status,
            "trigger": c.trigger,
            "claimed": money(c.claimed_minor, c.currency),
            "paid": money(c.paid_minor, c.currency),
            "shortfall": money(c.claimed_minor - c.paid_minor, c.currency) if c.decided_at else None,
            "insurer_ref": c.insurer_ref,
            "insurer_note": c.insurer_note,
            "due_at": c.due_at.isoformat(),
            "decided_at": c.decided_at.isoformat() if c.decided_at else None,
            "evidence": c.evidence,
        }
        for c in await claims_of(session, case.id)
    ]
