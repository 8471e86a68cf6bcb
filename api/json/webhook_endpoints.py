"""/api/v1/webhook-endpoints: where merchants' systems hear about returns (admin, or a key with `webhooks`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from api.callers import Caller, CallerDep
from api.deps import RowId, SessionDep, SettingsDep
from domain.errors import Forbidden
from services import webhook_endpoints as endpoints

router = APIRouter(prefix="/api/v1", tags=["webhooks (outbound)"])


async def manager(who: CallerDep) -> Caller:
    """Admins and integration keys with the `webhooks` scope manage endpoints; nobody else."""
    if (who.kind == "staff" and who.role == "admin") or (who.kind == "integration" and "webhooks" in who.scopes):
        return who
    raise Forbidden("managing webhook endpoints needs an admin or an API key with the 'webhooks' scope")


Manager = Annotated[Caller, Depends(manager)]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    url: str = Field(min_length=8, max_length=2000)
    events: list[str] = Field(min_length=1, description='event types, or ["*"] for all')
    description: str | None = Field(default=None, max_length=200)


@router.post("/webhook-endpoints", status_code=201)
async def register(body: EndpointIn, session: SessionDep, settings: SettingsDep, who: Manager) -> dict[str, Any]:
    """Register an endpoint; its `whsec_` secret is in this answer only."""
    endpoint = await endpoints.register(
        session, settings, url=body.url, events=body.events, description=body.description, by=who.name
    )
    answer = {**endpoints.endpoint_json(endpoint), "secret": endpoint.secret}
    await session.commit()
    return answer


@router.get("/webhook-endpoints")
async def listing(session: SessionDep, _who: Manager) -> list[dict[str, Any]]:
    return await endpoints.listing(session)


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204)
async def delete(endpoint_id: RowId, session: SessionDep, _who: Manager) -> Response:
    await session.delete(await endpoints.get(session, endpoint_id))
    await session.commit()
    return Response(status_code=204)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret")
async def rotate(endpoint_id: RowId, session: SessionDep, settings: SettingsDep, _who: Manager) -> dict[str, Any]:
    """A new secret (shown once); the previous one keeps signing during the overlap so receivers can switch."""
    endpoint = await endpoints.rotate(session, settings, endpoint_id, now=datetime.now(UTC))
    answer = {
        "id": endpoint.id,
        "secret": endpoint.secret,
        "previous_valid_until": endpoint.previous_valid_until.isoformat() if endpoint.previous_valid_until else None,
    }
    await session.commit()
    return answer


@router.post("/webhook-endpoints/{endpoint_id}/enable")
async def enable(endpoint_id: RowId, session: SessionDep, _who: Manager) -> dict[str, Any]:
    """Switch an endpoint back on (it is switched off after repeated three-day failures)."""
    answer = endpoints.endpoint_json(await endpoints.enable(session, endpoint_id))
    await session.commit()
    return answer


@router.get("/webhook-endpoints/{endpoint_id}/deliveries")
async def deliveries(endpoint_id: RowId, session: SessionDep, _who: Manager) -> list[dict[str, Any]]:
    """The delivery log: each event, every attempt's response code and latency."""
    return await endpoints.delivery_log(session, endpoint_id)


@router.post("/webhook-deliveries/{delivery_id}/resend", status_code=202)
async def resend(delivery_id: RowId, session: SessionDep, _who: Manager) -> dict[str, Any]:
    delivery = await endpoints.resend(session, delivery_id)
    answer = {"id": delivery.id, "status": delivery.status, "resends": delivery.resends}
    await session.commit()
    return answer
