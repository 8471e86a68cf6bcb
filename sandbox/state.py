"""What every sandbox route reaches: config, books, faults, webhook sender, mail box."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from babel.numbers import get_currency_precision, list_currencies
from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from sandbox.config import SandboxConfig
from sandbox.customs_books import Broker
from sandbox.faults import FaultBook
from sandbox.insurer_books import InsurerBooks
from sandbox.mail import MailBox
from sandbox.store import Store
from sandbox.webhooks import Jobs, WebhookSender


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


def error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


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
