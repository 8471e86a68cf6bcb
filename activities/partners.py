"""Activities that talk to partners: the carrier (labels) and the payment provider (refunds)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.settings import Settings
from domain.money import Money
from integrations.carriers import Address, Carrier
from integrations.errors import PermanentPartnerError
from integrations.payments import PaymentProvider
from services.return_ledger import label_postage
from services.shipping import label_request
from workflows.contracts import LabelOut, ProviderRefund, RefundPart


def _permanent(err: PermanentPartnerError) -> ApplicationError:
    return ApplicationError(
        f"{err.partner} refused: {err.code} {err.detail}".strip(), type=err.code, non_retryable=True
    )


class ShippingActivities:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], carrier: Carrier, settings: Settings) -> None:
        self.sessionmaker, self.carrier, self.settings = sessionmaker, carrier, settings

    @activity.defn(name="shipping.create_label")
    async def create_label(self, case_number: str) -> LabelOut:
        """Buy the return label from the customer to the market's warehouse (a repair: to the repair centre),
        once per case."""
        async with self.sessionmaker() as session:
            request = await label_request(session, case_number)
        repair = request.resolution == "repair"
        warehouse = self.settings.repair_centre if repair else self.settings.warehouse_for(request.market)
        try:
            label = await self.carrier.create_label(
                idempotency_key=f"label-{case_number}",
                reference=case_number,
                from_address=Address.model_validate(request.sender),
                to_address=Address.model_validate(warehouse.model_dump()),
                weight_g=request.weight_g,
                currency=request.currency,
            )
        except PermanentPartnerError as err:
            raise _permanent(err) from err
        price = Money(label.price.amount, label.price.currency) if label.price else None
        async with self.sessionmaker() as session:
            ledger = await label_postage(
                session, case_number, price, request.currency, label.tracking_number, datetime.now(UTC).date()
            )
            await session.commit()  # a rate looked up for it is kept
        return LabelOut(
            tracking_number=label.tracking_number, label_url=label.label_url, carrier="sandbox", ledger=ledger
        )

    @activity.defn(name="shipping.void_label")
    async def void_label(self, tracking_number: str) -> bool:
        """Cancel an unused label so it is not charged; False when the carrier already has the parcel."""
        try:
            await self.carrier.void_label(tracking_number)
        except PermanentPartnerError:
            return False
        return True


class PaymentActivities:
    def __init__(self, provider: PaymentProvider) -> None:
        self.provider = provider

    @activity.defn(name="payments.create_refund")
    async def create_refund(self, part: RefundPart) -> ProviderRefund:
        """Ask the provider to refund one part; retried with the same key, so it is paid at most once."""
        if part.charge_id is None:
            raise ApplicationError(
                "the order's payment has no provider charge id to refund", type="no_charge_id", non_retryable=True
            )
        try:
            got = await self.provider.create_refund(
                idempotency_key=part.idempotency_key,
                charge_id=part.charge_id,
                amount=part.amount_minor,
                currency=part.currency,
                reference=part.idempotency_key,
            )
        except PermanentPartnerError as err:
            raise _permanent(err) from err
        return ProviderRefund(id=got.id, status=got.status.value, failure_reason=got.failure_reason)

    @activity.defn(name="payments.get_refund")
    async def get_refund(self, refund_id: str) -> ProviderRefund:
        try:
            got = await self.provider.get_refund(refund_id)
        except PermanentPartnerError as err:
            raise _permanent(err) from err
        return ProviderRefund(id=got.id, status=got.status.value, failure_reason=got.failure_reason)
