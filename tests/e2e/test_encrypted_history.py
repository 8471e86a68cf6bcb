"""What the Temporal server stores about a case is ciphertext: reading the history without the key shows no
case data, while the engine (holding the key) runs the case as usual."""

from __future__ import annotations

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


async def test_case_history_is_encrypted_at_rest(e2e_settings: Settings, temporal_client: Client) -> None:
    target = temporal_client.service_client.config.target_host
    keyed = await Client.connect(target, data_converter=data_converter(e2e_settings))
    async with running_stack(e2e_settings, keyed) as stack:
        order = await stack.order(amount=2_000)
        created = await stack.open_return(order, resolution="keep_it", reason="not_as_described")
        number = created.json()["number"]
        assert (await stack.reach(number, "completed")).status == "completed"
    history = await temporal_client.get_workflow_handle(case_workflow_id(number)).fetch_history()  # no key
    found = [(p, indexed) for event in history.events for p, indexed in _payloads(event)]
    coded = [p for p, indexed in found if not indexed]
    sealed = [p for p in coded if p.metadata["encoding"] == ENCODING]
    plain = [p for p in coded if p.metadata["encoding"] != ENCODING]
    assert len(sealed) >= 10
    # Only the SDK's own local-activity bookkeeping (sequence, attempt, activity type, time) is left in clear.
    assert all(b'"activity_type"' in p.data and b'"seq"' in p.data for p in plain), plain
    assert not any(number.encode() in p.data or b"refund" in p.data or b"estimate" in p.data for p in coded)
