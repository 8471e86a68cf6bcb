"""SmtpMailer delivers UTF-8 multipart mail that the sandbox sink reads back intact."""

from __future__ import annotations

from integrations.mail import RecordingMailer, SmtpMailer
from tests.sandbox.harness import free_port, make_config, running

SUBJECT = "您的退貨申請 R-2026-000123 已核准 ✓"


async def test_chinese_mail_reaches_the_sink() -> None:
    port = free_port()
    async with running(make_config(smtp_port=port)) as env:
        mailer = SmtpMailer("127.0.0.1", port, "退货中心 <returns@rebound.example>")
        message_id = await mailer.send(
            to="lin@example.com",
            subject=SUBJECT,
            text="退款 ¥12.99 已處理。",
            html="<p>退款 <b>¥12.99</b> 已處理。</p>",
        )
        await mailer.send(to="someone.else@example.com", subject="other", text="x")
        got = (await env.client.get("/mail/messages", params={"to": "LIN@example.com"})).json()
        assert len(got) == 1
        mail = got[0]
        assert mail["subject"] == SUBJECT
        assert mail["text"].strip() == "退款 ¥12.99 已處理。"
        assert mail["html"].strip() == "<p>退款 <b>¥12.99</b> 已處理。</p>"
        assert mail["message_id"] == message_id and mail["mail_from"] == "returns@rebound.example"
        assert "退货中心" in mail["headers"]["From"]
        assert len((await env.client.get("/mail/messages")).json()) == 2
        assert (await env.client.delete("/mail/messages")).status_code == 204
        assert (await env.client.get("/mail/messages")).json() == []


async def test_stable_message_id_is_kept() -> None:
    mailer = RecordingMailer()
    sent = await mailer.send(to="a@example.com", subject="主题", text="t", message_id="<R-1.approved@rebound>")
    assert sent == "<R-1.approved@rebound>"
    assert mailer.sent[0]["Subject"] == "主题"
    assert mailer.sent[0].get_content_type() == "text/plain"  # no html given: a single text part
