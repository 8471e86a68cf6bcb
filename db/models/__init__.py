"""All tables, imported together so alembic and the mapper registry see every one."""

from db.models.access import ApiKey, IdempotencyKey, StaffUser
from db.models.cases import CaseEvent, LedgerEntry, ReturnCase, ReturnItem, Shipment
from db.models.orders import Customer, Order, OrderLine, Tender

__all__ = [
    "ApiKey",
    "CaseEvent",
    "Customer",
    "IdempotencyKey",
    "LedgerEntry",
    "Order",
    "OrderLine",
    "ReturnCase",
    "ReturnItem",
    "Shipment",
    "StaffUser",
    "Tender",
]
