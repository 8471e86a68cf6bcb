"""Repair activities: the repair order at the repair centre, the customer's answer to a quote and its payment,
and where the repair stands on the case's repair row."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.exchanges import charge_txn
from activities.partners import _permanent
from domain.ledger import REPAIR_REVENUE
from integrations.carriers import Address
from integrations.errors import PermanentPartnerError
from integrations.payments import PaymentProvider
from integrations.repair import RepairCentre
from services.exchange_steps import case_goods, repair_for, repaired_item
from workflows.contracts import Paid, RepairCall, repair_workflow_id


class RepairActivities:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], centre: RepairCentre, payments: PaymentProvider
    ) -> None:
        self.sessionmaker, self.centre, self.payments = sessionmaker, centre, payments

    async def _mark(self, case_number: str, **fields: object) -> None:
        async with self.sessionmaker() as session:
            _, repair = await repair_for(session, case_number)
            for name, value in fields.items():
                setattr(repair, name, value)
            await session.commit()

    @activity.defn(name="repairs.file")
    async def file(self, call: RepairCall) -> None:
        """Open the repair order for the item that reached the repair centre, once per case."""
        async with self.sessionmaker() as session:
            goods = await case_goods(session, call.case_number)
            case, repair = await repair_for(session, call.case_number)
            sku, fault = await repaired_item(session, case)
            if repair.centre_ref:
                return
        key = repair_workflow_id(call.case_number)
        try:
            order = await self.centre.create_order(
                idempotency_key=key,
                reference=key,
                case_number=call.case_number,
                sku=sku,
                fault=fault,
                return_address=Address.model_validate(goods.address),
            )
        except PermanentPartnerError as err:
            raise _permanent(err) from err
        await self._mark(call.case_number, centre_ref=order.id, status="at_repair_centre")

    @activity.defn(name="repairs.mark")
    async def mark(self, call: RepairCall) -> None:
        """Record the centre's verdict or the quote waiting for the customer."""
        fields: dict[str, object] = {"status": call.status}
        if call.note is not None:
            fields["note"] = call.note
        if call.tracking_number is not None:
            fields["tracking_number"] = call.tracking_number
        if call.quote_minor is not None:
            fields["quote_minor"], fields["quote_due_at"] = call.quote_minor, call.due_at
        await self._mark(call.case_number, **fields)

    @activity.defn(name="repairs.charge_quote")
    async def charge_quote(self, call: RepairCall) -> Paid:
        """Charge the accepted out-of-warranty quote to the order's card, once; declined is an answer."""
        async with self.sessionmaker() as session:
            goods = await case_goods(session, call.case_number)
            _, repair = await repair_for(session, call.case_number)
            amount, currency = repair.quote_minor or 0, repair.currency
        if goods.card_charge_id is None or amount <= 0:
            return Paid(ok=False, why="no_card_on_file")
        key = f"{repair_workflow_id(call.case_number)}-quote"
        try:
            charge = await self.payments.charge(
                idempotency_key=key,
                source_charge_id=goods.card_charge_id,
                amount=amount,
                currency=currency,
                reference=key,
            )
        except PermanentPartnerError as err:
            return Paid(ok=False, why=err.code)
        await self._mark(call.case_number, charge_id=charge.id)
        return Paid(ok=True, ledger=[charge_txn(key, "repair_fee", REPAIR_REVENUE, amount, currency, charge.id)])

    @activity.defn(name="repairs.answer_quote")
    async def answer_quote(self, call: RepairCall) -> None:
        """Tell the centre to repair (the quote is paid) or to send the item back as it is."""
        async with self.sessionmaker() as session:
            _, repair = await repair_for(session, call.case_number)
            centre_ref = repair.centre_ref
        assert centre_ref is not None  # a quote comes from a filed repair order
        try:
            await self.centre.answer_quote(centre_ref, bool(call.accepted))
        except PermanentPartnerError as err:
            if err.code != "no_quote_pending":  # answered already (a retry after the centre took it)
                raise _permanent(err) from err
        await self._mark(call.case_number, quote_answer=call.note, status="at_repair_centre")
