"""Recorded histories of real lifecycles replay against today's workflow code: a non-deterministic change
(reordered activities, a new timer without `workflow.patched`) fails here before it breaks running cases.

Re-record after an intended, patched change with: REBOUND_RECORD_HISTORIES=1 make test (see test_record.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.claims import InsuranceClaimWorkflow
from workflows.exchange import ExchangeWorkflow
from workflows.refund import RefundWorkflow
from workflows.repair import RepairWorkflow
from workflows.return_case import ReturnCaseWorkflow

HISTORIES = Path(__file__).parent / "histories"


def _load() -> list[WorkflowHistory]:
    return [WorkflowHistory.from_json(p.stem, p.read_text()) for p in sorted(HISTORIES.glob("*.json"))]


async def _each(histories: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


async def test_recorded_lifecycles_replay_deterministically() -> None:
    histories = _load()
    kinds = {h.workflow_id.split("__")[0] for h in histories}
    # Guard against an empty folder making this test pass by doing nothing.
    expected = {"happy_path", "rejected", "customer_cancel", "keep_it", "review_approved", "refund"}
    assert expected | {"insured_loss", "claim", "exchange_case", "exchange", "repair_case", "repair"} <= kinds, kinds
    replayer = Replayer(
        workflows=[ReturnCaseWorkflow, RefundWorkflow, InsuranceClaimWorkflow, ExchangeWorkflow, RepairWorkflow],
        data_converter=pydantic_data_converter,
    )
    results = await replayer.replay_workflows(_each(histories), raise_on_replay_failure=False)
    failures = {wid: str(err) for wid, err in results.replay_failures.items()}
    assert failures == {}
