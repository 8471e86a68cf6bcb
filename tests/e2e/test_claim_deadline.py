"""The insurer's filing deadline from the policy, with time skipped on the real dev server: a claim whose
requested evidence never comes lapses at the deadline, and what it claimed is booked as a shortfall."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from temporalio.client import Client

from core.settings import Settings
from tests.e2e.test_claims import case_closes, insurer_decides, lost_in_return
from tests.support.ledger import assert_books_balance, ledger_of
from tests.support.stack import Stack, running_stack
from workflows.contracts import claim_workflow_id


@pytest.fixture
async def skipping_stack(
    e2e_settings: Settings, temporal_client: Client, skipping_client: Client
) -> AsyncIterator[Stack]:
    async with running_stack(e2e_settings, temporal_client, api_temporal=skipping_client) as running:
        yield running


async def test_claim_waiting_for_evidence_lapses_at_the_filing_deadline(skipping_stack: Stack) -> None:
    stack = skipping_stack
    number = await lost_in_return(stack)
    await insurer_decides(stack, number, "transit", "more_evidence")
    await case_closes(stack, number)  # nobody answers: the 30-day deadline passes on the skipped clock
    case = await stack.case(number)
    [claim] = case["claims"]
    assert (claim["status"], claim["paid"]["amount"], claim["shortfall"]["amount"]) == ("lapsed", 0, 10_000)
    filed = datetime.fromisoformat(next(e for e in case["timeline"] if e["type"] == "claim.filed")["at"])
    assert round((datetime.fromisoformat(claim["due_at"]) - filed).total_seconds() / 86_400) == 30  # CN policy
    child = stack.temporal.get_workflow_handle(claim_workflow_id(number, "transit"))
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        async for e in child.fetch_history_events()
        if e.HasField("timer_started_event_attributes")
    ]
    assert [round(t.total_seconds() / 86_400) for t in timers] == [30]  # waited for evidence up to the deadline
    assert (await ledger_of(stack, number))["insurance_shortfall"][0] == ("returns:insurance_shortfall", 10_000)
    await assert_books_balance(stack, booked=[number])
