"""/api/v1/orders: storefronts and order systems upsert orders; returns are checked against them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from api.deps import SessionDep, integration
from services.access import Integration
from services.order_input import OrderInput
from services.orders import order_view, read_order, upsert_order

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


@router.post("", status_code=201, responses={200: {"description": "An existing order was updated"}})
async def put_order(
    body: OrderInput,
    session: SessionDep,
    response: Response,
    _key: Annotated[Integration, Depends(integration("orders:write"))],
) -> dict[str, Any]:
    """Create the order, or update the one with the same number (never a duplicate)."""
    order, created = await upsert_order(session, body)
    view = order_view(order)
    await session.commit()
    response.status_code = 201 if created else 200
    return view


@router.get("/{number}")
async def get_order(
    number: str,
    session: SessionDep,
    _key: Annotated[Integration, Depends(integration("orders:read"))],
) -> dict[str, Any]:
    return order_view(await read_order(session, number))
