"""Reason codes and who is at fault."""

from __future__ import annotations

import pytest

from domain.reasons import Fault, Reason, customer_pays_fees, fault


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("changed_mind", Fault.CUSTOMER),
        ("wrong_size", Fault.CUSTOMER),
        ("defective", Fault.MERCHANT),
        ("not_as_described", Fault.MERCHANT),
        ("wrong_item_sent", Fault.MERCHANT),
        ("missing_parts", Fault.MERCHANT),
        ("arrived_late", Fault.MERCHANT),
        ("damaged_in_transit", Fault.CARRIER),
        ("other", Fault.UNKNOWN),
    ],
)
def test_fault_per_reason(reason: str, expected: Fault) -> None:
    assert fault(reason) is expected
    assert fault(Reason(reason)) is expected
    assert customer_pays_fees(expected) is (expected is Fault.CUSTOMER)


def test_every_reason_has_a_fault_and_unknown_codes_fail() -> None:
    assert {fault(r) for r in Reason} == set(Fault)
    with pytest.raises(ValueError):
        fault("bored")
