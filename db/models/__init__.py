"""All tables, imported together so alembic and the mapper registry see every one."""

from db.models.access import ApiKey, IdempotencyKey, InboundEvent, StaffUser
from db.models.audit import AuditEntry
from db.models.cases import CaseEvent, Counter, LedgerEntry, ReturnCase, ReturnItem, Shipment
from db.models.claims import InsuranceClaim
from db.models.customs import CustomsDeclaration, DrawbackClaim, FxRate
from db.models.exchanges import Exchange, Product, Repair
from db.models.feedback import CasePhoto, CaseRating, Complaint
from db.models.finance import Discrepancy, ReconciliationRun
from db.models.money import Refund
from db.models.orders import Customer, Order, OrderLine, Tender
from db.models.outbox import MailOutbox
from db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage

__all__ = [
    "ApiKey",
    "AuditEntry",
    "CaseEvent",
    "CasePhoto",
    "CaseRating",
    "Complaint",
    "Counter",
    "Customer",
    "CustomsDeclaration",
    "Discrepancy",
    "DrawbackClaim",
    "Exchange",
    "FxRate",
    "IdempotencyKey",
    "InboundEvent",
    "InsuranceClaim",
    "LedgerEntry",
    "MailOutbox",
    "Order",
    "OrderLine",
    "Product",
    "ReconciliationRun",
    "Refund",
    "Repair",
    "ReturnCase",
    "ReturnItem",
    "Shipment",
    "StaffUser",
    "Tender",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
]
