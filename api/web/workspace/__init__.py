"""The agent workspace pages (queues, case page, actions, bulk actions, complaints) and the admin page."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import admin
from api.web.workspace import actions, bulk, case_page, complaints, customs, insights, queues

router = APIRouter(include_in_schema=False)
for module in (queues, complaints, bulk, insights, case_page, customs, actions, admin):
    router.include_router(module.router)
