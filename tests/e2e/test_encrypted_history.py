"""What the Temporal server stores about a case is ciphertext: reading the history without the key shows no
case data, while the engine (holding the key) runs the case as usual."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from core.codec import ENCODING
from core.settings import Settings
from core.temporal import data_converter
from tests.support.stack import running_stack
from workflows.contracts import case_workflow_id


def _payloads(message: Any, inside_search_attributes: bool = False) -> Iterator[tuple[Payload, bool]]:
    """Every Payload in a protobuf message, noting those that are search attributes (indexed, never encoded)."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if hasattr(value, "ListFields"):
            values = [value]  # a single message
        elif field.message_type.GetOptions().map_entry:
            values = list(value.values())
        else:
            values = list(value)  # a repeated field
        for item in values:
            if isinstance(item, Payload):
                yield item, inside_search_attributes
            else:
                yield from _payloads(item, inside_search_attributes or field.name == "search_attributes")


# Customer data distinctive enough that finding it anywhere in the stored history can only mean a leak.
CUSTOMER = {"email": "pii.leak.check@example.com", "name": "Qiao Xiaoming", "phone": "+8613912345678", "locale": "en"}
SHIP_TO = {"country": "CN", "name": "Qiao Xiaoming", "line1": "77 Hidden Lane 5F", "city": "Hangzhou",
           "postal_code": "310099"}  # fmt: skip
PII = [CUSTOMER["email"], CUSTOMER["name"], CUSTOMER["phone"], SHIP_TO["line1"], SHIP_TO["postal_code"]]


def _local_activity_marker(data: bytes) -> bool:
    return b'"activity_type"' in data and b'"seq"' in data


def _patch_marker(data: bytes) -> bool:
    return set(json.loads(data)) == {"id", "deprecated"}


async def test_case_history_is_encrypted_at_rest(e2e_settings: Settings, temporal_client: Client) -> None:
    target = temporal_client.service_client.config.target_host
    keyed = await Client.connect(target, data_converter=data_converter(e2e_settings))
    async with running_stack(e2e_settings, keyed) as stack:
        # A refund with a return label (addressed from the customer) and a real refund: the customer's contact
        # and address pass through the label, mail and refund steps of this history.
        order = await stack.order(amount=2_000, email=CUSTOMER["email"], customer=CUSTOMER, ship_to=SHIP_TO)
        created = await stack.open_return(order, resolution="refund", reason="not_as_described")
        number = created.json()["number"]
        await stack.through_to_refund(number)
        assert (await stack.case(number))["status"] == "completed"
    history = await temporal_client.get_workflow_handle(case_workflow_id(number)).fetch_history()  # no key
    stored = b"".join(event.SerializeToString() for event in history.events)  # every field, not only payloads
    assert not [text for text in PII if text.encode() in stored], "customer data in plaintext in Temporal history"
    found = [(p, indexed) for event in history.events for p, indexed in _payloads(event)]
    coded = [p for p, indexed in found if not indexed]
    sealed = [p for p in coded if p.metadata["encoding"] == ENCODING]
    plain = [p for p in coded if p.metadata["encoding"] != ENCODING]
    assert len(sealed) >= 10
    # Only the SDK's own bookkeeping is left in clear: local-activity markers (sequence, attempt, activity type,
    # time) and `workflow.patched` markers (a patch id and a flag).
    bookkeeping = [p for p in plain if _local_activity_marker(p.data) or _patch_marker(p.data)]
    assert bookkeeping == plain, [p.data for p in plain if p not in bookkeeping]
    assert not any(number.encode() in p.data or b"refund" in p.data or b"estimate" in p.data for p in coded)
