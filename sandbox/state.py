"""What every sandbox route reaches: config, books, faults, webhook sender, mail box."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from babel.numbers import get_currency_precision, list_currencies
from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from sandbox.authorization_books import AuthorizationBooks
from sandbox.config import SandboxConfig
from sandbox.customs_books import Broker
from sandbox.faults import FaultBook
from sandbox.insurer_books import InsurerBooks
from sandbox.mail import MailBox
from sandbox.repair_books import RepairBooks
from sandbox.store import Store
from sandbox.warehouse_books import WarehouseBooks
from sandbox.webhooks import Jobs, WebhookSender

T = TypeVar("T")


@dataclass
class Sandbox:
    config: SandboxConfig
    store: Store
    faults: FaultBook
    webhooks: WebhookSender
    jobs: Jobs
    mail: MailBox
    broker: Broker = field(default_factory=Broker)  # the customs broker's books (in memory)
    insurer: InsurerBooks = field(default_factory=InsurerBooks)  # the insurer's claims (in memory)
    # Books kept in the store's SQLite file, like charges and shipments, so a restart keeps them.
    warehouse: WarehouseBooks = field(init=False)
    repair: RepairBooks = field(init=False)
    authorizations: AuthorizationBooks = field(init=False)

    def __post_init__(self) -> None:
        self.warehouse = WarehouseBooks(self.store, self.config.default_stock)
        self.repair = RepairBooks(self.store)
        self.authorizations = AuthorizationBooks(self.store)

    async def quiet(self) -> None:
        """Wait until no deferred work and no webhook is left: everything Rebound will be told, was."""
        while True:
            await self.jobs.wait_idle()
            await self.webhooks.wait_idle()
            if self.jobs.idle and self.webhooks.idle:
                return


async def get_sandbox(request: Request) -> Sandbox:  # async: no threadpool hop per request
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]


def error(status: int, code: str, detail: str, fields: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "detail": detail}
    if fields is not None:  # what was wrong per field or item, as the 400 for an invalid request has
        body["fields"] = fields
    return JSONResponse(body, status_code=status)


def stored(found: T | None) -> T:
    """A row that an idempotency record or a write just made points at: it is there."""
    assert found is not None
    return found


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def fingerprint(payload: dict[str, Any]) -> str:
    """Canonical hash of a request body: the same key must come back with the same request."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_currency(code: str) -> bool:
    return code in list_currencies()


def exponent(currency: str) -> int:
    return int(get_currency_precision(currency))


def replay(
    sandbox: Sandbox, kind: str, key: str, body_print: str, answer: Callable[[str], dict[str, Any]]
) -> JSONResponse | None:
    """A repeat of an Idempotency-Key: the first answer again (200), or 409 when the body differs; None if new."""
    seen = sandbox.store.idempotent(kind, key)
    if seen is None:
        return None
    if seen[0] != body_print:
        return error(409, "idempotency_key_reused", "this Idempotency-Key was used with a different request body")
    return JSONResponse(answer(seen[1]), status_code=200)
