"""SMTP sink: keeps every mail Rebound sends, decoded, so people and tests can read what customers got."""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import APIRouter, Request, Response

from sandbox.store import iso, utcnow


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    id: int
    received_at: str
    mail_from: str
    to: list[str]  # envelope recipients: who the mail was really delivered to
    subject: str
    text: str | None
    html: str | None
    message_id: str | None
    headers: dict[str, str]


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None


def parse(raw: bytes, mail_from: str, rcpt_tos: list[str], number: int) -> ReceivedMail:
    """Decode headers (RFC 2047) and bodies (quoted-printable, base64, any charset) to str."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return ReceivedMail(
        id=number,
        received_at=iso(utcnow()),
        mail_from=mail_from,
        to=list(rcpt_tos),
        subject=str(message.get("Subject", "")),
        text=_body(message, "plain"),
        html=_body(message, "html"),
        message_id=message.get("Message-ID"),
        headers={k: str(v) for k, v in message.items()},
    )


class MailBox:
    """Received mails in memory; a sink for dev and tests, not an archive."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self._numbers = itertools.count(1)
        self._server: asyncio.Server | None = None

    # aiosmtpd calls handle_<COMMAND> hooks by name.
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        mail_from = envelope.mail_from or ""
        self.messages.append(parse(raw, mail_from, list(envelope.rcpt_tos), next(self._numbers)))
        return "250 Message accepted for delivery"

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        # SMTPUTF8 on: Rebound may send to or from non-ASCII addresses.
        self._server = await loop.create_server(
            lambda: SMTP(self, enable_SMTPUTF8=True, hostname="sandbox.smtp"), host=host, port=port
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def find(self, to: str | None) -> list[ReceivedMail]:
        if to is None:
            return list(self.messages)
        wanted = to.strip().lower()
        return [m for m in self.messages if wanted in (r.lower() for r in m.to)]


router = APIRouter(prefix="/mail", tags=["mail"])


def _box(request: Request) -> MailBox:
    box: MailBox = request.app.state.sandbox.mail
    return box


@router.get("/messages")
async def list_messages(request: Request, to: str | None = None) -> list[dict[str, Any]]:
    """Mails received by the sink, oldest first, optionally only those delivered to `to`."""
    return [asdict(m) for m in _box(request).find(to)]


@router.delete("/messages", status_code=204)
async def clear_messages(request: Request) -> Response:
    _box(request).messages.clear()
    return Response(status_code=204)
