"""Mail to customers at each step they care about: queued in the same transaction as the event it announces
(so never lost, never sent for a change that rolled back), sent afterwards by a durable sender with retries."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from db.models import MailOutbox, ReturnCase
from db.repositories.mails import add_once, claim_due, customer_of
from domain.messages import normalize_locale
from domain.policy import Refusal
from integrations.mail import Mailer
from services import case_links, staff_alerts

log = logging.getLogger("rebound.mails")

# Timeline event -> mail template (templates/emails/<name>.{subject.txt,txt,html}).
MAIL_FOR_EVENT = {
    "requested": "received",
    "label_issued": "approved",
    "rejected": "rejected",
    "refund.succeeded": "refunded",
    "store_credit.issued": "refunded",
    "exchange.out_of_stock": "exchange_out_of_stock",
    "exchange.shipped": "goods_shipped",
    "repair.repaired": "goods_shipped",
    "repair.returned_unrepaired": "goods_shipped",
    "repair.quoted": "repair_quoted",
}
MAX_ATTEMPTS = 8  # ~2 days of backoff, then a person looks at it
LEASE = timedelta(minutes=5)  # a claimed row is left alone this long by other senders


class Renderer(Protocol):
    def render_text(self, name: str, context: dict[str, Any], locale: Any) -> str: ...


def _reasons(case: ReturnCase, data: dict[str, Any], locale: str) -> list[str]:
    """Why the case was rejected, in the customer's words: the agent's reason or the policy's refusals."""
    if data.get("reason"):
        return [str(data["reason"])]
    elig = case.eligibility or {}
    found = [r for item in elig.get("items", []) for r in item.get("refusals", [])] + elig.get("refusals", [])
    return list(dict.fromkeys(Refusal.model_validate(r).text(locale) for r in found))


async def enqueue_for_event(
    session: AsyncSession,
    case: ReturnCase,
    *,
    seq: int,
    event_type: str,
    data: dict[str, Any],
    supervisors: str | None = None,
) -> None:
    """Queue the customer's mail for this event, if it is one they are told about (and the supervisors' for an
    SLA breach); once per event."""
    if supervisors and event_type == "escalated":
        await staff_alerts.enqueue_sla_breach(session, case, seq=seq, data=data, to=supervisors)
    template = MAIL_FOR_EVENT.get(event_type)
    if template is None:
        return
    customer = await customer_of(session, case.order_id)
    locale = normalize_locale(case.locale)
    context: dict[str, Any] = {"number": case.number, "name": customer.name, "resolution": case.resolution}
    if template == "refunded":
        context["amount"] = {"amount": int(data.get("amount", 0)), "currency": case.currency}
        context["store_credit"] = event_type == "store_credit.issued"
    if template == "received":
        context["estimate"] = {"amount": case.estimate_minor, "currency": case.currency}
    if template == "approved":
        context["ship_by"] = data.get("ship_by")
        context["tracking_number"] = data.get("tracking_number")
    if template == "rejected":
        context["reasons"] = _reasons(case, data, locale)
    if template == "exchange_out_of_stock":
        context["choose_by"] = data.get("choose_by")
    if template == "goods_shipped":
        context["tracking_number"] = data.get("tracking_number")
        context["repair"] = event_type.removeprefix("repair.") if event_type.startswith("repair.") else None
    if template == "repair_quoted":
        context["amount"] = {"amount": int(data.get("amount") or 0), "currency": case.currency}
        context["answer_by"] = data.get("answer_by")
    mail = MailOutbox(
        dedupe_key=f"{case.number}:{seq}",
        case_id=case.id,
        to_address=customer.email,
        locale=locale,
        template=template,
        context=context,
    )
    await add_once(session, mail)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes between tries, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _links(settings: Settings, mail: MailOutbox) -> dict[str, str]:
    if not mail.context.get("number"):  # a mail to staff: at most a link to the case in the workspace
        found = mail.context.get("case_number")
        return {"workspace_url": f"{settings.public_base_url}/workspace/cases/{found}"} if found else {}
    secret, number = settings.session_secret.get_secret_value(), str(mail.context["number"])
    return {
        "status_url": case_links.case_url(settings.public_base_url, secret, number),
        "label_url": case_links.case_url(settings.public_base_url, secret, number, "/label.pdf"),
    }


async def _send_one(mailer: Mailer, renderer: Renderer, settings: Settings, mail: MailOutbox) -> str:
    context = {**mail.context, **_links(settings, mail)}
    name = f"emails/{mail.template}"
    subject = renderer.render_text(f"{name}.subject.txt", context, mail.locale).strip()
    text = renderer.render_text(f"{name}.txt", context, mail.locale)
    html = renderer.render_text(f"{name}.html", context, mail.locale)
    domain = settings.mail_sender.rpartition("@")[2] or "rebound.local"
    # A stable Message-ID: a retry after a lost answer is recognisably the same mail.
    return await mailer.send(
        to=mail.to_address,
        subject=subject,
        text=text,
        html=html,
        message_id=f"<{mail.dedupe_key.replace(':', '.')}@{domain}>",
    )


async def send_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    renderer: Renderer,
    settings: Settings,
    *,
    now: datetime,
    limit: int = 20,
) -> int:
    """Send the mails that are due; a failure is retried later with backoff, then marked failed. Returns sent."""
    async with sessionmaker() as session:
        due = await claim_due(session, now=now, until=now + LEASE, limit=limit)
        await session.commit()
    sent = 0
    for mail in due:
        async with sessionmaker() as session:
            row = await session.get(MailOutbox, mail.id)
            if row is None or row.status != "pending":
                continue
            row.attempts += 1
            try:
                row.message_id = await _send_one(mailer, renderer, settings, row)
                row.status, row.sent_at, row.last_error = "sent", now, None
                sent += 1
            except Exception as exc:  # SMTP down, refused, or a template error: retried, never lost
                log.warning("mail %s not sent (attempt %s): %s", row.dedupe_key, row.attempts, exc)
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                row.next_attempt_at = now + backoff(row.attempts)
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
            await session.commit()
    return sent
