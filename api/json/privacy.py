"""Admin API for a customer's data rights: export everything held about them, or erase it (audited both ways)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.audited import client_ip
from api.deps import SessionDep, SettingsDep, Staff, staff
from domain.errors import DomainError
from services import audit, photos
from services.audit import Who
from services.retention import erase_customer, export_customer

router = APIRouter(prefix="/api/v1/customers", tags=["privacy"])
AdminStaff = Annotated[Staff, Depends(staff("admin"))]


class Subject(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: str = Field(min_length=3, max_length=254, description="the customer's email address")


class Erasure(Subject):
    reason: str = Field(min_length=1, max_length=2000, description="the request this answers, e.g. its ticket")


def _who(request: Request, admin: Staff) -> Who:
    return Who(admin.username, admin.role, client_ip(request))


@router.post("/export")
async def export(body: Subject, request: Request, session: SessionDep, admin: AdminStaff) -> dict[str, Any]:
    """Everything held about one customer, as JSON; the export itself is audited."""
    data = await export_customer(session, body.email)
    target = f"customer:{data['customer']['id']}"
    await audit.record(session, _who(request, admin), "customer.export", target=target)
    await session.commit()
    return data


@router.post("/erase")
async def erase(
    body: Erasure, request: Request, session: SessionDep, settings: SettingsDep, admin: AdminStaff
) -> dict[str, Any]:
    """Erase one customer's personal data now (their cases must be closed); money and audit rows stay."""
    try:
        done = await erase_customer(session, body.email, now=datetime.now(UTC), upload_dir=settings.upload_dir)
    except DomainError as refused:
        await session.rollback()
        await audit.record(
            session, _who(request, admin), "customer.erase", reason=body.reason, outcome="refused",
            after={"refusal": refused.code},
        )  # fmt: skip
        await session.commit()
        raise
    await audit.record(session, _who(request, admin), "customer.erase", reason=body.reason, after=done.summary())
    await session.commit()
    photos.discard(done.files)  # only once the rows are gone for good
    return done.summary()
