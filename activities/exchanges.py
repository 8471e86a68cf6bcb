"""Exchange activities: stock held and released at the warehouse, the price difference charged, an instant
exchange's hold placed, captured or voided, the new goods shipped. Every partner call carries a key derived
from the case's exchange id, so a retry never reserves, charges or ships twice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.partners import _permanent
from domain.errors import DomainError
from domain.ledger import EXCHANGE_REVENUE, UNRETURNED_REVENUE, charge_legs
from integrations.carriers import Address
from integrations.errors import PermanentPartnerError
from integrations.payments import PaymentProvider
from integrations.warehouse import Warehouse
from services.exchange_steps import add_replacement, case_goods, exchange_for
from services.goodwill import reserve_goodwill
from workflows.contracts import (
    Dispatch,
    ExchangeCall,
    GoodwillIn,
    LedgerLeg,
    LedgerTxn,
    Paid,
    RefundPlan,
    Reservation,
    exchange_workflow_id,
)


def charge_txn(txn_id: str, type_: str, revenue: str, amount: int, currency: str, reference: str | None) -> LedgerTxn:
    """A charge to the customer's card as one balanced ledger movement: cash in, `revenue` earned."""
    legs = [LedgerLeg.model_validate(leg) for leg in charge_legs(revenue, amount, currency)]
    return LedgerTxn(txn_id=txn_id, type=type_, reference=reference, legs=legs)


class ExchangeActivities:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], warehouse: Warehouse, payments: PaymentProvider
    ) -> None:
        self.sessionmaker, self.warehouse, self.payments = sessionmaker, warehouse, payments

    async def _mark(self, case_number: str, **fields: object) -> None:
        async with self.sessionmaker() as session:
            _, exchange = await exchange_for(session, case_number)
            for name, value in fields.items():
                setattr(exchange, name, value)
            await session.commit()

    @activity.defn(name="exchanges.reserve")
    async def reserve(self, call: ExchangeCall) -> Reservation:
        """Hold the new goods at the warehouse; out of stock is an answer (what is short), not a failure."""
        async with self.sessionmaker() as session:
            _, exchange = await exchange_for(session, call.case_number)
            items = [(str(i["sku"]), int(i["quantity"])) for i in exchange.items]
            if exchange.reservation_id and exchange.status in ("reserved", "shipped"):
                return Reservation(reserved=True, reservation_id=exchange.reservation_id)
        key = exchange_workflow_id(call.case_number)
        try:
            held = await self.warehouse.reserve(
                idempotency_key=f"{key}-reserve-{call.attempt}", reference=key, items=items
            )
        except PermanentPartnerError as err:
            if err.code == "out_of_stock":
                return Reservation(reserved=False, short=dict(getattr(err, "fields", None) or {}))
            raise _permanent(err) from err
        await self._mark(call.case_number, reservation_id=held.id, status="reserved")
        return Reservation(reserved=True, reservation_id=held.id)

    @activity.defn(name="exchanges.release")
    async def release(self, call: ExchangeCall) -> bool:
        """Give the held stock back (the case was cancelled, the goods failed inspection, or a refund replaces
        the exchange) and void any hold on the customer's card. False when the goods had already shipped."""
        async with self.sessionmaker() as session:
            _, exchange = await exchange_for(session, call.case_number)
            reservation, authorization = exchange.reservation_id, exchange.authorization_id
            held = exchange.authorization_status == "authorized"
        if reservation:
            try:
                await self.warehouse.release(reservation)
            except PermanentPartnerError as err:
                if err.code == "already_shipped":
                    return False
                raise _permanent(err) from err
        if authorization and held:
            await self.payments.void_authorization(authorization)
        status = "refunded_instead" if call.status == "refunded_instead" else "released"
        fields: dict[str, object] = {"status": status, "note": call.note}
        if authorization and held:
            fields["authorization_status"] = "voided"
        await self._mark(call.case_number, **fields)
        return True

    @activity.defn(name="exchanges.authorize_hold")
    async def authorize_hold(self, call: ExchangeCall) -> Paid:
        """Instant exchange: hold the value of the goods that should come back on the customer's card."""
        async with self.sessionmaker() as session:
            goods = await case_goods(session, call.case_number)
            _, exchange = await exchange_for(session, call.case_number)
            amount, currency = exchange.hold_minor, exchange.currency
        if goods.card_charge_id is None or amount <= 0:
            return Paid(ok=False, why="no_card_on_file")
        key = exchange_workflow_id(call.case_number)
        try:
            held = await self.payments.authorize(
                idempotency_key=f"{key}-hold",
                source_charge_id=goods.card_charge_id,
                amount=amount,
                currency=currency,
                reference=key,
            )
        except PermanentPartnerError as err:  # declined: the exchange goes on, but not before the return
            return Paid(ok=False, why=err.code)
        await self._mark(call.case_number, authorization_id=held.id, authorization_status="authorized")
        return Paid(ok=True)

    @activity.defn(name="exchanges.charge_difference")
    async def charge_difference(self, call: ExchangeCall) -> Paid:
        """Charge what the new goods cost beyond the returned ones, once; declined is an answer."""
        async with self.sessionmaker() as session:
            goods = await case_goods(session, call.case_number)
            _, exchange = await exchange_for(session, call.case_number)
            amount, currency = exchange.difference_minor, exchange.currency
        if amount <= 0:
            return Paid(ok=True)
        if goods.card_charge_id is None:
            return Paid(ok=False, why="no_card_on_file")
        key = f"{exchange_workflow_id(call.case_number)}-difference"
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
        return Paid(
            ok=True, ledger=[charge_txn(key, "exchange_difference", EXCHANGE_REVENUE, amount, currency, charge.id)]
        )

    @activity.defn(name="exchanges.ship")
    async def ship(self, call: ExchangeCall) -> Dispatch:
        """Send the held goods to the customer's address on the order; a warehouse that cannot is final."""
        async with self.sessionmaker() as session:
            goods = await case_goods(session, call.case_number)
            _, exchange = await exchange_for(session, call.case_number)
            reservation = exchange.reservation_id
        if reservation is None:
            raise ApplicationError("nothing is reserved to ship", type="not_reserved", non_retryable=True)
        try:
            sent = await self.warehouse.ship(reservation, Address.model_validate(goods.address))
        except PermanentPartnerError as err:
            raise _permanent(err) from err
        assert sent.tracking_number is not None  # a shipped reservation always has its parcel
        await self._mark(call.case_number, tracking_number=sent.tracking_number, status="shipped")
        return Dispatch(tracking_number=sent.tracking_number, label_url=sent.label_url)

    @activity.defn(name="exchanges.settle_hold")
    async def settle_hold(self, call: ExchangeCall) -> Paid:
        """Instant exchange: capture the hold when the return never came (the customer bought the new goods),
        void it once the return is received."""
        async with self.sessionmaker() as session:
            _, exchange = await exchange_for(session, call.case_number)
            authorization, status = exchange.authorization_id, exchange.authorization_status
            amount, currency = exchange.hold_minor, exchange.currency
        if authorization is None:
            return Paid(ok=True)
        key = f"{exchange_workflow_id(call.case_number)}-hold"
        if not call.capture:
            if status == "authorized":
                await self.payments.void_authorization(authorization)
                await self._mark(call.case_number, authorization_status="voided")
            return Paid(ok=True)
        try:
            captured = await self.payments.capture(authorization)
        except PermanentPartnerError as err:  # the hold expired or was voided: an agent must chase it
            return Paid(ok=False, why=err.code)
        await self._mark(call.case_number, authorization_status="captured")
        txn = charge_txn(
            f"{key}-captured", "exchange_capture", UNRETURNED_REVENUE, amount, currency, captured.charge_id
        )
        return Paid(ok=True, ledger=[txn])

    @activity.defn(name="exchanges.mark")
    async def mark(self, call: ExchangeCall) -> None:
        """Record where the exchange stands (out of stock with the choice deadline, waiting, delivered...)."""
        fields: dict[str, object] = {"status": call.status, "note": call.note}
        if call.due_at is not None:
            fields["choice_due_at"] = call.due_at
        await self._mark(call.case_number, **fields)

    @activity.defn(name="exchanges.reserve_difference")
    async def reserve_difference(self, call: ExchangeCall) -> RefundPlan:
        """The new goods cost less: plan refund 1 of the difference over the order's tenders (no parts when
        the exchange came out even or dearer)."""
        async with self.sessionmaker() as session:
            case, exchange = await exchange_for(session, call.case_number)
            due = -exchange.difference_minor
            if due <= 0:
                return RefundPlan(case_number=case.number, n=1, kind="refund", parts=[])
            try:
                plan = await reserve_goodwill(
                    session, GoodwillIn(case_number=case.number, n=1, amount_minor=due, kind="refund")
                )
            except DomainError as exc:  # the order has less left than the difference: an agent decides
                raise ApplicationError(exc.detail, type=exc.code, non_retryable=True) from exc
            await session.commit()
        return plan.model_copy(update={"breakdown": {"exchange_difference": due}})

    @activity.defn(name="exchanges.replace_unrepairable")
    async def replace_unrepairable(self, call: ExchangeCall) -> None:
        """An item the repair centre cannot repair is replaced by the same item: its exchange row, even."""
        async with self.sessionmaker() as session:
            await add_replacement(session, call.case_number)
            await session.commit()
