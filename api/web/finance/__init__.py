"""Finance pages under /finance (finance and admin only): reports, charts and reconciliation."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.finance import reconciliations, reports
from api.web.finance.reconciliations import body_limits

router = APIRouter(include_in_schema=False)
router.include_router(reports.router)
router.include_router(reconciliations.router)

__all__ = ["body_limits", "router"]
