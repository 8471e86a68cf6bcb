"""A case committed without its workflow (the API died between commit and start) is started by the sweeper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from db.models import ReturnCase
from domain.policy import default_policy
from services.cases import open_case
from services.return_input import ReturnInput
from tests.support.stack import Stack
from worker import sweep


async def test_sweeper_starts_a_committed_case_whose_workflow_never_started(stack: Stack) -> None:
    order = await stack.order()
    request = ReturnInput.model_validate(
        {
            "order_number": order["number"],
            "email": order["customer"]["email"],
            "resolution": "refund",
            "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
        }
    )
    async with stack.sessionmaker() as s:
        opened = await open_case(s, request, default_policy(), now=datetime.now(UTC), prefix=stack.settings.case_prefix)
        await s.commit()
        number = opened.case.number
        # The crash: committed, never started; and old enough for the sweeper to step in.
        await s.execute(
            update(ReturnCase)
            .where(ReturnCase.number == number)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=5))
        )
        await s.commit()
    assert await sweep(stack.temporal, stack.settings, stack.sessionmaker) == 1
    await stack.reach(number, "awaiting_shipment")
    assert await sweep(stack.temporal, stack.settings, stack.sessionmaker) == 0  # started once, not again
