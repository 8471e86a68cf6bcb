"""The customer returns portal (/returns): file a return, follow it, act on it. Pages work without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter

from api.web.portal import actions, filing, find, photos, status
from api.web.portal.photos import body_limits

router = APIRouter(include_in_schema=False)
# Fixed paths (/returns/new, /returns/check, ...) before /returns/{number}.
for module in (find, filing, status, photos, actions):
    router.include_router(module.router)

__all__ = ["body_limits", "router"]
