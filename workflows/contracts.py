"""Pydantic contracts between workflows and activities: ids and values only, never ORM objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LedgerLeg(BaseModel):
    """One side of a balanced money movement (debit positive, credit negative)."""

    account: str
    amount_minor: int
    currency: str = Field(min_length=3, max_length=3)


class LedgerTxn(BaseModel):
    txn_id: str  # derived from the case and the movement, so a retried write cannot post twice
    type: str
    reference: str | None = None
    legs: list[LedgerLeg]

    def balanced(self) -> bool:
        totals: dict[str, int] = {}
        for leg in self.legs:
            totals[leg.currency] = totals.get(leg.currency, 0) + leg.amount_minor
        return all(v == 0 for v in totals.values())


class ShipmentUpdate(BaseModel):
    """A shipment created or moved; carrier events are appended to its history, never replace it."""

    tracking_number: str
    direction: str = "return"
    carrier: str = "sandbox"
    status: str
    label_url: str | None = None
    event: dict[str, Any] | None = None


class RefundUpdate(BaseModel):
    """The provider's answer for one refund part, keyed by our idempotency key."""

    idempotency_key: str
    status: str  # pending | succeeded | failed
    provider_refund_id: str | None = None
    failure_reason: str | None = None


class InspectedItemIn(BaseModel):
    line_id: str
    grade: str
    notes: str | None = None


class CaseEventIn(BaseModel):
    """A numbered timeline event; `status` set means the case moves to it in the same transaction."""

    case_number: str
    seq: int = Field(ge=1)
    type: str
    actor: str
    at: datetime
    status: str | None = None
    data: dict[str, Any] = {}
    ledger: list[LedgerTxn] = []
    shipment: ShipmentUpdate | None = None
    refunds: list[RefundUpdate] = []
    sla_due_at: datetime | None = None  # the SLA clock now running (shown in queues)
    clear_sla: bool = False
    escalated: bool | None = None
    assignee: str | None = None  # staff username; "" unassigns
    eligible_all: bool = False  # a supervisor's override: every item of the case becomes refundable
    inspection: list[InspectedItemIn] = []  # grades per line; the projection derives each disposition


class RecordResult(BaseModel):
    applied: bool  # False: this event (or a later one) was already applied


# --- the case workflow ---------------------------------------------------------------------------------------


def case_workflow_id(case_number: str) -> str:
    return f"return-{case_number}"


def refund_workflow_id(case_number: str, n: int) -> str:
    return f"refund-{case_number}-{n}"


def refund_part_key(case_number: str, n: int, tender_position: int) -> str:
    """The provider idempotency key of one tender's share of refund n: stable across retries and crashes."""
    return f"{refund_workflow_id(case_number, n)}-{tender_position}"


def refund_workflow_id_for_key(idempotency_key: str) -> str:
    return idempotency_key.rsplit("-", 1)[0]


class CaseTimers(BaseModel):
    """Durations in seconds, taken from the case's policy snapshot when the case opened."""

    ship_by_s: int
    ship_by_reminder_s: int  # how long before the ship-by deadline the customer is reminded
    review_sla_s: int
    inspection_sla_s: int
    refund_deadline_s: int  # from receipt of the goods (CN 7 days, EU 14 days from the withdrawal notice)
    appeal_window_s: int = 0  # a rejected case stays open this long for a supervisor's override (0: closes at once)
    choice_s: int = 7 * 86_400  # exchange out of stock: the customer's time to choose refund or wait
    stock_wait_s: int = 14 * 86_400  # a waiting exchange gives up (refund) after this long
    restock_check_s: int = 86_400  # how often it looks for stock again
    quote_s: int = 7 * 86_400  # an out-of-warranty repair quote lapses (declined) after this long


class CaseStart(BaseModel):
    case_number: str
    market: str
    currency: str
    resolution: str
    decision: str  # approve | review | reject, from the eligibility check
    reasons: list[str] = []
    returnless: bool = False  # keep_it: refund without shipping the goods back
    cross_border: bool = False  # the goods come back into another country: customs clearance on the way
    customs_refused: str = "return_to_sender"  # or "abandon": refund anyway, the goods are lost
    exchange: str | None = None  # exchange | replacement: new goods instead of money (an Exchange child)
    instant: bool = False  # a trusted customer's new goods ship before the old ones come back
    not_repairable: str = "replacement"  # repair: what an unrepairable item becomes (replacement | refund)
    timers: CaseTimers
    first_seq: int = 2  # event 1 ("requested") is written with the case row


class CarrierEvent(BaseModel):
    event_id: str
    tracking_number: str
    status: str  # label_created | picked_up | in_transit | delivered | exception | lost | damaged
    occurred_at: datetime
    location: str | None = None


class ProviderRefundEvent(BaseModel):
    event_id: str
    idempotency_key: str
    status: str  # succeeded | failed
    provider_refund_id: str | None = None
    failure_reason: str | None = None


class Action(BaseModel):
    """An agent's or customer's action on a case; `actor` is 'customer' or a staff username."""

    actor: str
    reason: str | None = None
    expected_seq: int | None = None  # the case as the agent saw it; refused if it changed since


class Goodwill(BaseModel):
    """Goodwill compensation: `amount_minor` in the case currency, paid back to the order's tenders."""

    actor: str
    amount_minor: int = Field(gt=0)
    reason: str
    kind: str = "refund"  # refund | store_credit
    expected_seq: int | None = None


class GoodwillIn(BaseModel):
    case_number: str
    n: int  # refund number: 1 is the case's own refund, goodwill takes 2, 3, ...
    amount_minor: int
    kind: str = "refund"


class InspectedItem(InspectedItemIn):
    """A warehouse verdict on one returned line: grade A | B | C | D | X."""


class Inspection(BaseModel):
    actor: str
    items: list[InspectedItem]
    expected_seq: int | None = None


class Note(BaseModel):
    actor: str
    text: str
    expected_seq: int | None = None


class ComplaintNote(BaseModel):
    """A customer's complaint, stored in `complaints`; the workflow only puts it on the timeline."""

    complaint_id: int
    kind: str  # late_refund | damaged_replacement | courier | other


class CaseView(BaseModel):
    """What the `status` query answers."""

    case_number: str
    status: str
    seq: int
    tracking_number: str | None
    escalations: list[str]
    customs: str = "none"  # cross-border returns: where the declaration stands
    exchange: str = "none"  # exchanges: reserving | reserved | out_of_stock | waiting | shipped | delivered | ...
    repair: str = "none"  # repairs: at_repair_centre | quoted | repaired | returned_unrepaired | not_repairable
    claims: dict[str, str] = {}  # insurance claim kind → filing | submitted | more_evidence | answered | decided | …


class LabelOut(BaseModel):
    tracking_number: str
    label_url: str
    carrier: str
    ledger: list[LedgerTxn] = []  # the postage the carrier bills for it; empty when its price is not known


class ReserveIn(BaseModel):
    case_number: str
    n: int
    grades: dict[str, str] = {}  # line_id -> grade; empty means a returnless (keep_it) refund


class RefundPart(BaseModel):
    idempotency_key: str
    tender_type: str
    charge_id: str | None
    amount_minor: int
    currency: str
    via_provider: bool  # card/wallet go back through the payment provider; the rest are re-credited here


class RefundPlan(BaseModel):
    case_number: str
    n: int
    kind: str  # refund | store_credit
    parts: list[RefundPart]
    breakdown: dict[str, Any] = {}

    @property
    def total_minor(self) -> int:
        return sum(p.amount_minor for p in self.parts)


class ProviderRefund(BaseModel):
    id: str
    status: str
    failure_reason: str | None = None


class RefundOutcome(BaseModel):
    plan: RefundPlan
    results: list[RefundUpdate]

    @property
    def succeeded(self) -> bool:
        return all(r.status == "succeeded" for r in self.results)


# --- cross-border returns ------------------------------------------------------------------------------------


def customs_workflow_id(case_number: str) -> str:
    return f"customs-{case_number}"


class CustomsCheck(BaseModel):
    """The declaration as prepared: ready to file, or waiting for an agent to classify items."""

    status: str  # ready | needs_classification
    problems: list[str] = []  # "L1: hs_missing", ...
    currency: str | None = None
    duty_minor: int = 0
    tax_minor: int = 0
    payer: str = "merchant"


class Classification(BaseModel):
    """An agent's HS codes for lines the declaration could not classify (checked at the edge first)."""

    actor: str
    codes: dict[str, str]  # line id → HS code


class CustomsStart(BaseModel):
    case_number: str
    parent_workflow_id: str


class BrokerDecision(BaseModel):
    event_id: str
    declaration_id: str
    outcome: str  # cleared | held | refused
    note: str | None = None


class CustomsDocuments(BaseModel):
    actor: str
    note: str


class CustomsProgress(BaseModel):
    """What the clearance child tells its case: filed, held (waiting for documents), cleared or refused."""

    state: str  # submitted | held | cleared | refused
    note: str | None = None
    declaration_id: str | None = None


class CustomsCall(BaseModel):
    """Arguments of a customs activity: the case, and what this call carries."""

    case_number: str
    declaration_id: str | None = None
    outcome: str | None = None  # record_decision: cleared | held | refused
    note: str | None = None
    key: str | None = None  # send_documents: the broker idempotency key of this answer
    codes: dict[str, str] = {}  # classify: line id → HS code


class CustomsOutcome(BaseModel):
    outcome: str  # cleared | refused
    note: str | None = None
    ledger: list[LedgerTxn] = []  # duty and tax paid by the merchant, drawback claimed


# --- insurance claims ------------------------------------------------------------------------------------------


def claim_workflow_id(case_number: str, kind: str) -> str:
    """One claim per case and kind; also the insurer's idempotency key."""
    return f"claim-{case_number}-{kind}"


class ClaimOpen(BaseModel):
    """The case asks for a claim: which cover, what happened, and when (the filing deadline runs from it)."""

    case_number: str
    kind: str  # shipping_fee | transit
    trigger: str  # picked_up | in_transit | ... | lost | damaged | inspection
    incident_at: datetime
    grades: dict[str, str] = {}  # inspection: line id → grade, checked for transit damage


class ClaimPlan(BaseModel):
    """A claim worth filing (insured, with an amount), or why there is none."""

    case_number: str
    kind: str
    insured: bool
    amount_minor: int = 0
    currency: str = ""
    due_at: datetime | None = None  # the insurer's filing deadline
    why: str | None = None  # not filed: not_insured | no_amount | no_transit_damage
    parent_workflow_id: str = ""


class InsurerDecision(BaseModel):
    event_id: str
    claim_id: str
    outcome: str  # approved | partial | denied | more_evidence
    amount_minor: int | None = None
    note: str | None = None


class ClaimEvidence(BaseModel):
    """An agent's answer to the insurer's request for more evidence."""

    actor: str
    kind: str
    note: str


class ClaimWait(BaseModel):
    kind: str
    states: list[str]


class ClaimProgress(BaseModel):
    """What the claim child tells its case: filed (with the receivable), or more evidence wanted."""

    kind: str
    state: str  # submitted | more_evidence
    insurer_id: str | None = None
    amount_minor: int = 0
    note: str | None = None
    ledger: list[LedgerTxn] = []


class ClaimCall(BaseModel):
    """Arguments of a claim activity."""

    case_number: str
    kind: str
    outcome: str | None = None  # record_decision
    amount_minor: int | None = None  # record_decision: a partial payout
    note: str | None = None
    key: str | None = None  # send_evidence: the insurer idempotency key of this answer


class ClaimFiled(BaseModel):
    insurer_id: str
    ledger: list[LedgerTxn] = []


class ClaimOutcome(BaseModel):
    kind: str
    outcome: str  # approved | partial | denied | lapsed
    claimed_minor: int
    paid_minor: int
    currency: str
    note: str | None = None
    ledger: list[LedgerTxn] = []  # payout and shortfall

    @property
    def shortfall_minor(self) -> int:
        return self.claimed_minor - self.paid_minor


# --- exchanges, replacements and repairs ------------------------------------------------------------------


def exchange_workflow_id(case_number: str) -> str:
    """One per case; also the root of the warehouse and payment idempotency keys of its steps."""
    return f"exchange-{case_number}"


def repair_workflow_id(case_number: str) -> str:
    return f"repair-{case_number}"


class ExchangeStart(BaseModel):
    case_number: str
    parent_workflow_id: str
    kind: str  # exchange | replacement
    instant: bool
    timers: CaseTimers


class ExchangeCall(BaseModel):
    """Arguments of an exchange activity."""

    case_number: str
    attempt: int = 1  # reserve: a new reservation attempt after stock was short
    status: str | None = None  # mark: the exchange row's new status
    note: str | None = None
    capture: bool = False  # settle_hold: capture (the return never came) or void it
    due_at: datetime | None = None  # mark out_of_stock: the customer's choice is due by then


class Reservation(BaseModel):
    reserved: bool
    reservation_id: str | None = None
    short: dict[str, str] = {}  # out of stock: sku -> what is available


class Paid(BaseModel):
    """A payment step's answer: done (with its ledger movement) or refused (declined: not retried)."""

    ok: bool
    why: str | None = None
    ledger: list[LedgerTxn] = []


class Dispatch(BaseModel):
    """An outbound parcel: new goods from the warehouse, or a repaired item from the repair centre."""

    tracking_number: str
    label_url: str | None = None
    carrier: str = "sandbox"


class ExchangeProgress(BaseModel):
    """What the exchange child tells its case: stock held or short, waiting for stock, goods shipped."""

    state: str  # reserved | out_of_stock | waiting | instant_declined | shipped
    note: str | None = None
    due_at: datetime | None = None  # out_of_stock: the customer chooses by then
    dispatch: Dispatch | None = None
    ledger: list[LedgerTxn] = []  # shipped: the price difference charged


class ExchangeChoice(BaseModel):
    """The customer's answer when the new item is out of stock."""

    actor: str
    choice: str  # wait | refund


class ExchangeOutcome(BaseModel):
    outcome: str  # shipped | released | refund_instead
    why: str | None = None  # refund_instead: out_of_stock | customer_chose_refund | payment_declined | cannot_ship
    held: bool = False  # shipped instantly: a hold on the customer's card waits for the return


class RepairStart(BaseModel):
    case_number: str
    parent_workflow_id: str
    timers: CaseTimers


class RepairCall(BaseModel):
    case_number: str
    accepted: bool | None = None  # answer_quote
    status: str | None = None  # mark
    note: str | None = None
    quote_minor: int | None = None
    due_at: datetime | None = None
    tracking_number: str | None = None  # mark: the parcel back to the customer


class RepairVerdict(BaseModel):
    """The repair centre's verified webhook."""

    event_id: str
    repair_id: str
    outcome: str  # repaired | not_repairable | out_of_warranty | returned_unrepaired
    quote_minor: int | None = None
    tracking_number: str | None = None
    note: str | None = None


class QuoteAnswer(BaseModel):
    actor: str
    accepted: bool


class RepairProgress(BaseModel):
    """What the repair child tells its case: filed at the centre, a quote the customer must answer, or the
    answer given to the centre (with the quote's payment, if it was paid)."""

    state: str  # at_repair_centre | quoted | quote_answered
    quote_minor: int | None = None
    due_at: datetime | None = None
    note: str | None = None  # quote_answered: accepted | declined | lapsed | payment_declined
    ledger: list[LedgerTxn] = []  # quote_answered and accepted: the quote charged to the card


class RepairOutcome(BaseModel):
    outcome: str  # repaired | returned_unrepaired | not_repairable
    dispatch: Dispatch | None = None  # the item on its way back to the customer
    note: str | None = None


# --- outbound webhooks ---------------------------------------------------------------------------------------


def webhook_delivery_workflow_id(message_id: str, endpoint_id: int, resends: int) -> str:
    """Unique per event and endpoint across deployments sharing a namespace (message ids carry case numbers)."""
    return f"webhook-{message_id}-to-{endpoint_id}" + (f"-resend-{resends}" if resends else "")


class WebhookSend(BaseModel):
    delivery_id: int
    attempt: int


class WebhookSent(BaseModel):
    done: bool  # delivered (2xx), or nothing left to do (endpoint deleted or disabled)
    status: str  # succeeded | failed | retry
    status_code: int | None = None
