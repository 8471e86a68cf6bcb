"""All tables, imported together so alembic and the mapper registry see every one."""

from db.models.access import ApiKey, IdempotencyKey, InboundEvent, StaffUser
from db.models.cases import CaseEvent, LedgerEntry, ReturnCase, ReturnItem, Shipment
from db.models.money import Refund
from db.models.orders import Customer, Order, OrderLine, Tender

__all__ = [
    "ApiKey",
    "CaseEvent",
    "Customer",
    "IdempotencyKey",
    "InboundEvent",
    "LedgerEntry",
    "Order",
    "OrderLine",
    "Refund",
    "ReturnCase",
    "ReturnItem",
    "Shipment",
    "StaffUser",
    "Tender",
]
