"""Liveness of the parts Rebound needs, and Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import ResourcesDep
from core.metrics import case_exposition
from db.repositories.queues import status_counts

router = APIRouter(tags=["operations"])
log = logging.getLogger("rebound.metrics")


class Health(BaseModel):
    status: str
    database: str
    temporal: str


@router.get(
    "/healthz",
    response_model=None,
    responses={
        200: {"model": Health, "description": "Every part answers"},
        503: {"model": Health, "description": "The parts that do not answer say why"},
    },
)
async def healthz(resources: ResourcesDep) -> JSONResponse:
    """200 when the database and Temporal answer; 503 naming the part that does not."""
    body = {"status": "ok", "database": "ok", "temporal": "ok"}
    try:
        async with asyncio.timeout(3), resources.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy", never a 500
        body["database"] = f"error: {type(exc).__name__}"
    try:
        if resources.temporal is None:
            raise RuntimeError("no client")
        async with asyncio.timeout(3):
            await resources.temporal.service_client.check_health()
    except Exception as exc:
        body["temporal"] = f"error: {type(exc).__name__}"
    healthy = body["database"] == "ok" and body["temporal"] == "ok"
    body["status"] = "ok" if healthy else "degraded"
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(resources: ResourcesDep) -> Response:
    """This process's HTTP metrics, and cases by status and SLA breaches as the database has them now."""
    body = generate_latest()
    try:
        async with asyncio.timeout(5), resources.sessionmaker() as session:
            body += case_exposition(await status_counts(session, datetime.now(UTC)))
    except Exception as exc:  # the database away: still answer with what this process knows (healthz says why)
        log.warning("case metrics left out: the database did not answer (%s)", type(exc).__name__)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
