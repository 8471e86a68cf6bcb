"""Records an insured return lost by the carrier, its claim asking for more evidence before approval, for
test_replay.py (only with REBOUND_RECORD_HISTORIES=1; the other histories are left as they are)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_claims import case_closes, claim_reaches, insurer_decides, lost_in_return
from tests.support.stack import Stack
from workflows.contracts import case_workflow_id, claim_workflow_id

HISTORIES = Path(__file__).parent / "histories"
pytestmark = pytest.mark.skipif(
    os.environ.get("REBOUND_RECORD_HISTORIES") != "1",
    reason="records replay fixtures only when REBOUND_RECORD_HISTORIES=1",
)


async def test_record_insured_loss(stack: Stack) -> None:
    number = await lost_in_return(stack)
    await insurer_decides(stack, number, "transit", "more_evidence")
    await claim_reaches(stack, number, "transit", "more_evidence")
    got = await stack.api.post(
        f"/api/v1/returns/{number}/claims/transit/evidence", json={"note": "loss report"}, headers=await stack.staff()
    )
    assert got.status_code == 200, got.text
    await stack.sandbox_app.state.sandbox.quiet()
    await insurer_decides(stack, number, "transit", "partial", 4_000)
    await case_closes(stack, number)
    for name, workflow_id in [
        ("insured_loss", case_workflow_id(number)),
        ("claim", claim_workflow_id(number, "transit")),
    ]:
        history = await stack.temporal.get_workflow_handle(workflow_id).fetch_history()
        (HISTORIES / f"{name}__{workflow_id}.json").write_text(history.to_json())
