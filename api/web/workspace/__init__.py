"""The agent workspace pages (queues, case page, actions, bulk actions, complaints) and the admin pages."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import admin, admin_orders, admin_webhooks
from api.web.portal.photos import photos_body_bytes
from api.web.workspace import actions, bulk, case_page, complaints, customs, insights, queues
from core.settings import Settings

router = APIRouter(include_in_schema=False)
for module in (queues, complaints, bulk, insights, case_page, customs, actions, admin, admin_webhooks, admin_orders):
    router.include_router(module.router)


def body_limits(settings: Settings) -> dict[str, int]:
    """Paths whose bodies may exceed the default limit: the admin's orders upload, and case actions (an inspection
    carries its photos)."""
    return admin_orders.body_limits(settings) | {"/workspace/cases/": photos_body_bytes(settings)}
