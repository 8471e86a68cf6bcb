"""The simulated carrier: idempotent labels, printable PDFs with Chinese addresses, ordered tracking events."""

from __future__ import annotations

import asyncio
import re

from tests.sandbox.harness import address, pdffonts, running, tool_output


def _label(reference: str = "R-2026-000007") -> dict[str, object]:
    return {
        "reference": reference,
        "from_address": address("张三", "北京"),
        "to_address": address("Rebound 退货仓 臺北", "上海"),
        "weight_g": 1200,
    }


async def _create(env, key: str | None = "label-R-7-1") -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    response = await env.client.post("/carrier/labels", json=_label(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_label_is_idempotent_and_starts_at_label_created() -> None:
    async with running() as env:
        label = await _create(env)
        assert label["status"] == "label_created"
        assert label["label_url"].endswith(f"/carrier/labels/{label['tracking_number']}.pdf")
        again = await env.client.post("/carrier/labels", json=_label(), headers={"Idempotency-Key": "label-R-7-1"})
        assert again.status_code == 200 and again.json()["tracking_number"] == label["tracking_number"]
        other = await env.client.post(
            "/carrier/labels", json={**_label(), "weight_g": 1}, headers={"Idempotency-Key": "label-R-7-1"}
        )
        assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"
        created = await env.inbox.next_json()
        assert (created["tracking_number"], created["status"]) == (label["tracking_number"], "label_created")


async def test_a_label_is_priced_by_weight_and_service_in_the_currency_asked_for() -> None:
    async with running() as env:
        default = await _create(env)  # 1.2 kg: three started half-kilos, billed in CNY when no currency is asked
        assert default["price"] == {"amount": 1_200 + 3 * 200, "currency": "CNY"}
        asked = {**_label(), "currency": "USD", "service": "express"}
        usd = await env.client.post("/carrier/labels", json=asked, headers={"Idempotency-Key": "label-R-7-2"})
        assert usd.status_code == 201 and usd.json()["price"] == {"amount": 2 * (500 + 3 * 100), "currency": "USD"}
        again = await env.client.post("/carrier/labels", json=asked, headers={"Idempotency-Key": "label-R-7-2"})
        assert again.status_code == 200 and again.json()["price"] == usd.json()["price"]  # the same bill, once
        kwd = {**_label(), "currency": "KWD"}
        other = await env.client.post("/carrier/labels", json=kwd, headers={"Idempotency-Key": "label-R-7-3"})
        assert other.json()["price"]["currency"] == "CNY"  # not a currency it bills in
        bad = await env.client.post("/carrier/labels", json={**_label(), "currency": "usd"})
        assert bad.status_code == 400  # not an ISO code: refused, nothing bought


async def test_advance_emits_every_event_in_order() -> None:
    async with running() as env:
        label = await _create(env)
        tracking = label["tracking_number"]
        response = await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})
        assert response.status_code == 200
        await env.sandbox.quiet()
        events = [await env.inbox.next_json() for _ in range(4)]
        assert [e["status"] for e in events] == ["label_created", "picked_up", "in_transit", "delivered"]
        times = [e["occurred_at"] for e in events]
        assert times == sorted(times) and len(set(times)) == 4
        assert events[1]["location"] == "北京" and events[3]["location"] == "上海"
        shipment = (await env.client.get(f"/carrier/shipments/{tracking}")).json()
        assert shipment["status"] == "delivered"
        assert [e["event_id"] for e in shipment["events"]] == [e["event_id"] for e in events]
        back = await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "in_transit"})
        assert back.status_code == 409 and back.json()["error"] == "invalid_transition"


async def test_duplicated_events_keep_their_ids_and_first_arrivals_their_order() -> None:
    async with running() as env:
        await env.client.put("/faults", json={"carrier": {"duplicate_webhooks": True}})
        tracking = (await _create(env))["tracking_number"]
        emitted = (await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})).json()[
            "events"
        ]
        await env.sandbox.quiet()
        arrived = [await env.inbox.next_json() for _ in range(8)]
        ids = [e["event_id"] for e in arrived]
        assert sorted(ids) == sorted([e["event_id"] for e in emitted] * 2)
        assert list(dict.fromkeys(ids)) == [e["event_id"] for e in emitted]
        assert env.inbox.queue.empty()


async def test_mishaps_come_after_transit() -> None:
    async with running() as env:
        tracking = (await _create(env))["tracking_number"]
        held = (await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "exception"})).json()
        assert [e["status"] for e in held["events"]] == ["label_created", "picked_up", "in_transit", "exception"]
        resumed = (await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "lost"})).json()
        assert resumed["status"] == "lost" and len(resumed["emitted"]) == 1
        final = await env.client.post(f"/carrier/shipments/{tracking}/advance", json={"to": "delivered"})
        assert final.status_code == 409


async def test_void_only_before_pickup() -> None:
    async with running() as env:
        unused = (await _create(env, key="a"))["tracking_number"]
        voided = await env.client.post(f"/carrier/labels/{unused}/void")
        assert voided.status_code == 200 and voided.json()["status"] == "voided"
        assert (
            await env.client.post(f"/carrier/shipments/{unused}/advance", json={"to": "picked_up"})
        ).status_code == 409
        moving = (await _create(env, key="b"))["tracking_number"]
        await env.client.post(f"/carrier/shipments/{moving}/advance", json={"to": "picked_up"})
        refused = await env.client.post(f"/carrier/labels/{moving}/void")
        assert refused.status_code == 409 and refused.json()["error"] == "already_picked_up"


async def test_label_pdf_embeds_a_cjk_font_and_a_readable_qr() -> None:
    async with running() as env:
        label = await _create(env)
        response = await env.client.get(label["label_url"].removeprefix("http://sandbox.test"))
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        pdf = response.content
        assert pdf.startswith(b"%PDF")
        fonts = await asyncio.to_thread(pdffonts, pdf)
        if fonts is None:  # no poppler: look for the embedded font program in the PDF itself
            assert re.search(rb"/FontFile[23]? \d+ 0 R", pdf)
        else:
            assert fonts and all(f["emb"] == "yes" for f in fonts)
        text = await asyncio.to_thread(tool_output, ["pdftotext", "-", "-"], pdf)
        if text is not None:
            assert "退货仓 臺北" in text and label["tracking_number"] in text
        png = await env.client.get(label["qr_url"].removeprefix("http://sandbox.test"))
        assert png.content.startswith(b"\x89PNG")
        decoded = await asyncio.to_thread(tool_output, ["zbarimg", "--raw", "-q", "-"], png.content)
        if decoded is not None:
            assert decoded.strip() == label["tracking_number"]


async def test_carrier_faults_apply_to_label_purchase() -> None:
    async with running() as env:
        await env.client.put("/faults", json={"carrier": {"error_rate": 1.0, "error_commit_rate": 1.0}})
        failed = await env.client.post("/carrier/labels", json=_label(), headers={"Idempotency-Key": "x"})
        assert failed.status_code == 500
        await env.client.delete("/faults")
        retry = await env.client.post("/carrier/labels", json=_label(), headers={"Idempotency-Key": "x"})
        assert retry.status_code == 200  # the label bought during the failed call


async def test_unknown_shipment_is_404() -> None:
    async with running() as env:
        for path in ("/carrier/shipments/NOPE", "/carrier/labels/NOPE.pdf", "/carrier/labels/NOPE/qr.png"):
            assert (await env.client.get(path)).status_code == 404
