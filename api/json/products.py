"""/api/v1/products: the merchant's catalogue of variants and prices, which exchanges are priced from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from api.deps import SessionDep, integration
from services.access import Integration
from services.catalogue import ProductInput, exchange_options, product_view, read_product, upsert_product

router = APIRouter(prefix="/api/v1/products", tags=["products"])
Sku = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-/]+$")]


@router.put("/{sku}", responses={201: {"description": "A new variant was added"}})
async def put_product(
    sku: Sku,
    body: ProductInput,
    session: SessionDep,
    response: Response,
    _key: Annotated[Integration, Depends(integration("orders:write"))],
) -> dict[str, Any]:
    """Add the variant or replace its details and prices (gross, minor units per currency)."""
    product, created = await upsert_product(session, sku, body)
    view = product_view(product)
    await session.commit()
    response.status_code = 201 if created else 200
    return view


@router.get("/{sku}")
async def get_product(
    sku: Sku, session: SessionDep, _key: Annotated[Integration, Depends(integration("orders:read"))]
) -> dict[str, Any]:
    """The variant, and the other variants a customer could exchange it for (per currency they are sold in)."""
    product = await read_product(session, sku)
    view = product_view(product)
    options = {cur: await exchange_options(session, sku, cur) for cur in product.prices}
    view["exchange_options"] = {cur: [p.sku for p in found] for cur, found in options.items()}
    return view
