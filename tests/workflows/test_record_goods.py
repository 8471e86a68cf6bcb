"""Records an exchange for a pricier item (stock held, difference charged, new goods shipped) and an
out-of-warranty repair whose quote is accepted, each with its child, for test_replay.py (only with
REBOUND_RECORD_HISTORIES=1; the other histories are left as they are)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_exchanges import catalogue, deliver_new_goods, exchange, goods_reach, return_arrives, tee_order
from tests.e2e.test_repairs import decide, parcel_back_arrives, send_for_repair
from tests.support.stack import Stack
from workflows.contracts import case_workflow_id, exchange_workflow_id, repair_workflow_id

HISTORIES = Path(__file__).parent / "histories"
pytestmark = pytest.mark.skipif(
    os.environ.get("REBOUND_RECORD_HISTORIES") != "1",
    reason="records replay fixtures only when REBOUND_RECORD_HISTORIES=1",
)


async def _save(stack: Stack, *named: tuple[str, str]) -> None:
    for name, workflow_id in named:
        history = await stack.temporal.get_workflow_handle(workflow_id).fetch_history()
        (HISTORIES / f"{name}__{workflow_id}.json").write_text(history.to_json())


async def test_record_exchange(stack: Stack) -> None:
    order = await tee_order(stack, price=10_000)
    await catalogue(stack, "HOODIE-M", 15_900, product="HOODIE")
    number = await exchange(stack, order, "HOODIE-M")
    await return_arrives(stack, number)
    await deliver_new_goods(stack, number)
    await _save(stack, ("exchange_case", case_workflow_id(number)), ("exchange", exchange_workflow_id(number)))


async def test_record_repair(stack: Stack) -> None:
    number, token = await send_for_repair(stack)
    await decide(stack, number, "out_of_warranty", quote={"amount": 8_800, "currency": "CNY"})
    await goods_reach(stack, number, "quoted")
    got = await stack.api.post(
        f"/api/v1/returns/{number}/repair-quote", json={"accepted": True}, headers={"Authorization": f"Bearer {token}"}
    )
    assert got.status_code == 200, got.text
    await goods_reach(stack, number, "repairing")
    await decide(stack, number, "repaired")
    await goods_reach(stack, number, "repaired")
    await parcel_back_arrives(stack, number)
    await _save(stack, ("repair_case", case_workflow_id(number)), ("repair", repair_workflow_id(number)))
