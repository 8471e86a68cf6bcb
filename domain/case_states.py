"""Return case statuses and the moves between them; the workflow checks every move here."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvalidTransition


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    AWAITING_SHIPMENT = "awaiting_shipment"  # label issued, goods not yet with the carrier
    IN_TRANSIT = "in_transit"
    CUSTOMS_HOLD = "customs_hold"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REPAIRING = "repairing"  # at the repair centre: diagnosis, quote, repair
    RESOLVING = "resolving"  # refund / exchange / repair / claim under way
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Actor(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"  # timers: the ship-by deadline passing


S = CaseStatus
TERMINAL: frozenset[CaseStatus] = frozenset({S.COMPLETED, S.CANCELLED})
# Rejected is closed, not terminal: the customer may still ask an agent to review it.
CLOSED: frozenset[CaseStatus] = TERMINAL | {S.REJECTED}

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.REQUESTED: frozenset({S.PENDING_REVIEW, S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.PENDING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.REJECTED: frozenset({S.PENDING_REVIEW, S.APPROVED}),  # appeal, or an agent's audited override
    S.APPROVED: frozenset({S.AWAITING_SHIPMENT, S.RESOLVING, S.CANCELLED}),  # resolving: returnless refund
    # received: handed in at a store; repairing: the parcel reached the repair centre (its scans may come late)
    S.AWAITING_SHIPMENT: frozenset({S.IN_TRANSIT, S.RECEIVED, S.REPAIRING, S.CANCELLED}),
    # Lost by the carrier: the customer is refunded and a claim filed, without waiting for goods that never come.
    S.IN_TRANSIT: frozenset({S.CUSTOMS_HOLD, S.RECEIVED, S.REPAIRING, S.RESOLVING}),
    S.REPAIRING: frozenset({S.RESOLVING}),  # repaired or not, something goes back to the customer
    S.CUSTOMS_HOLD: frozenset({S.IN_TRANSIT, S.CANCELLED}),  # cancelled: entry refused, goods sent back
    S.RECEIVED: frozenset({S.INSPECTED}),
    S.INSPECTED: frozenset({S.RESOLVING}),
    S.RESOLVING: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Customers may cancel until the goods are handed to the carrier.
_CANCELLABLE_BY: dict[Actor, frozenset[CaseStatus]] = {
    Actor.CUSTOMER: frozenset({S.REQUESTED, S.PENDING_REVIEW, S.APPROVED, S.AWAITING_SHIPMENT}),
    Actor.AGENT: frozenset({S.REQUESTED, S.PENDING_REVIEW, S.APPROVED, S.AWAITING_SHIPMENT, S.CUSTOMS_HOLD}),
    Actor.SYSTEM: frozenset({S.APPROVED, S.AWAITING_SHIPMENT}),
}


def allowed_next(status: CaseStatus | str) -> frozenset[CaseStatus]:
    """The statuses a case in `status` may move to."""
    return TRANSITIONS[CaseStatus(status)]


def is_terminal(status: CaseStatus | str) -> bool:
    return CaseStatus(status) in TERMINAL


def check_transition(from_status: CaseStatus | str, to_status: CaseStatus | str) -> None:
    """Refuse a move the lifecycle does not allow (InvalidTransition, a 409 at the edge)."""
    src, dst = CaseStatus(from_status), CaseStatus(to_status)
    if dst not in TRANSITIONS[src]:
        raise InvalidTransition(f"a return case cannot go from {src} to {dst}")


def can_cancel(status: CaseStatus | str, actor: Actor | str) -> bool:
    """Whether `actor` may cancel a case that is in `status` now."""
    return CaseStatus(status) in _CANCELLABLE_BY[Actor(actor)]


def check_cancel(status: CaseStatus | str, actor: Actor | str) -> None:
    """Refuse a cancellation this actor may not make now, e.g. a customer once the carrier has the parcel."""
    if not can_cancel(status, actor):
        raise InvalidTransition(
            f"a return case in {CaseStatus(status)} cannot be cancelled by the {Actor(actor)}",
            code="cancel_not_allowed",
        )
