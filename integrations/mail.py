"""Mail to customers and staff: multipart text + HTML, UTF-8, sent without blocking the event loop."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol


class Mailer(Protocol):
    async def send(
        self, *, to: str, subject: str, text: str, html: str | None = None, message_id: str | None = None
    ) -> str:
        """Send one mail; returns its Message-ID (pass a stable one to make resends recognisable)."""
        ...


def build_message(
    sender: str, to: str, subject: str, text: str, html: str | None, message_id: str | None
) -> EmailMessage:
    message = EmailMessage()  # default policy: RFC 2047 headers and UTF-8 bodies when needed
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


class SmtpMailer:
    """Mailer over plain SMTP (the sandbox sink in dev; a relay in production)."""

    def __init__(self, host: str, port: int, sender: str, *, timeout_s: float = 10) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout_s = timeout_s

    async def send(
        self, *, to: str, subject: str, text: str, html: str | None = None, message_id: str | None = None
    ) -> str:
        message = build_message(self.sender, to, subject, text, html, message_id)
        # smtplib blocks; a thread keeps the loop serving requests meanwhile.
        await asyncio.to_thread(self._deliver, message)
        return str(message["Message-ID"])

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            smtp.send_message(message)


@dataclass
class RecordingMailer:
    """Keeps mails in memory; for tests of code that sends mail, not of mail itself."""

    sender: str = "returns@rebound.example"
    sent: list[EmailMessage] = field(default_factory=list)

    async def send(
        self, *, to: str, subject: str, text: str, html: str | None = None, message_id: str | None = None
    ) -> str:
        message = build_message(self.sender, to, subject, text, html, message_id)
        self.sent.append(message)
        return str(message["Message-ID"])
