"""Return reason codes and who is at fault for each: fault decides postage, fees and insurance."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    CHANGED_MIND = "changed_mind"
    WRONG_SIZE = "wrong_size"
    NOT_AS_DESCRIBED = "not_as_described"
    DEFECTIVE = "defective"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    WRONG_ITEM_SENT = "wrong_item_sent"
    MISSING_PARTS = "missing_parts"
    ARRIVED_LATE = "arrived_late"
    OTHER = "other"


class Fault(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    CARRIER = "carrier"
    UNKNOWN = "unknown"  # `other`: an agent decides from the comment and photos


_FAULT: dict[Reason, Fault] = {
    Reason.CHANGED_MIND: Fault.CUSTOMER,
    Reason.WRONG_SIZE: Fault.CUSTOMER,
    Reason.NOT_AS_DESCRIBED: Fault.MERCHANT,
    Reason.DEFECTIVE: Fault.MERCHANT,
    Reason.WRONG_ITEM_SENT: Fault.MERCHANT,
    Reason.MISSING_PARTS: Fault.MERCHANT,
    # Late delivery breaks the merchant's promise to the customer; the merchant settles with its carrier.
    Reason.ARRIVED_LATE: Fault.MERCHANT,
    Reason.DAMAGED_IN_TRANSIT: Fault.CARRIER,
    Reason.OTHER: Fault.UNKNOWN,
}


def fault(reason: Reason | str) -> Fault:
    """Who is at fault for a return with this reason (ValueError for an unknown reason code)."""
    return _FAULT[Reason(reason)]


def customer_pays_fees(f: Fault) -> bool:
    """Restocking fees and diminished value may only ever be charged when the customer is at fault."""
    return f is Fault.CUSTOMER
