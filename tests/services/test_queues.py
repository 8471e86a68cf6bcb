"""The queues on both databases: keyset pages cover every matching case exactly once, in order; filters and
saved-view counts agree with the rows; search finds a case by each of its identifiers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from db.models import Order, ReturnCase, Shipment
from db.repositories.queues import Filters
from domain.risk import RiskFlag
from services.queues import QueueRequest, decode_cursor, encode_cursor, filters_from, queue_page
from tests.support.factories import create_case

NOW = datetime.now(UTC)


async def _cases(sessionmaker, n: int) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        for i in range(n):
            case = await create_case(s, number=f"R-2026-{i:06d}", status="received" if i % 3 else "pending_review")
            case.created_at = NOW - timedelta(minutes=i % 7)  # ties on purpose: the id breaks them
            case.estimate_minor = 1_000 * (i % 5)
            case.sla_due_at = NOW + timedelta(hours=(i % 10) - 3)
        await s.commit()


async def test_keyset_pages_visit_every_case_once_in_each_sort_order(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _cases(sessionmaker, 120)
    for sort in ("newest", "oldest", "value", "sla"):
        seen: list[str] = []
        cursor = None
        async with sessionmaker() as s:
            while True:
                page = await queue_page(s, Filters(), now=NOW, sort=sort, cursor=cursor, me=None)
                seen += [r["number"] for r in page.rows]
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        assert len(seen) == len(set(seen)) == 120, sort


async def test_filters_counts_and_search(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _cases(sessionmaker, 30)
    async with sessionmaker() as s:
        await s.execute(update(ReturnCase).where(ReturnCase.number == "R-2026-000004").values(escalated=True))
        await s.commit()
        page = await queue_page(s, Filters(), now=NOW, sort="newest", cursor=None, me=None)
        assert page.counts["review"] == 10 and page.counts["inspection"] == 20
        late = await queue_page(s, Filters(sla="breached"), now=NOW, sort="newest", cursor=None, me=None)
        assert page.counts["breached"] == late.total == len(late.rows)
        assert all(r["sla"] == "breached" for r in late.rows) and "R-2026-000004" in {r["number"] for r in late.rows}
        found = await queue_page(s, Filters(q="r-2026-000007"), now=NOW, sort="newest", cursor=None, me=None)
        assert [r["number"] for r in found.rows] == ["R-2026-000007"]
        dear = filters_from(QueueRequest({"currency": "CNY", "value_min": "30"}), me=None, assignee_id=None)
        rich = await queue_page(s, dear, now=NOW, sort="value", cursor=None, me=None)
        assert {r["estimate"]["amount"] for r in rich.rows} == {3_000, 4_000}


async def test_search_finds_a_case_by_each_of_its_identifiers(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _cases(sessionmaker, 5)  # other customers' cases, which no term below finds
    customer = {"email": "Lee.Ming@example.com", "name": "Lee", "phone": "+85291234567", "locale": "en"}
    async with sessionmaker() as s:
        case = await create_case(s, number="R-2026-000900", customer=customer)
        order_number = await s.scalar(select(Order.number).where(Order.id == case.order_id))
        s.add(Shipment(case_id=case.id, direction="return", carrier="sandbox", tracking_number="SF123456789CN",
                       status="in_transit", events=[]))  # fmt: skip
        await s.commit()
        terms = [
            "r-2026-000900",  # the case number, typed in lower case
            order_number,
            "lee.ming@EXAMPLE.com",  # e-mail in any case
            "+85291234567",  # the phone as stored
            "+852 9123 4567",  # as a person reads it out
            "(852) 9123-4567",
            "SF123456789CN",  # the return parcel's tracking number
        ]
        for term in terms:
            found = await queue_page(s, Filters(q=term), now=NOW, sort="newest", cursor=None, me=None)
            assert [r["number"] for r in found.rows] == ["R-2026-000900"], term
        other = await queue_page(s, Filters(q="9123 4568"), now=NOW, sort="newest", cursor=None, me=None)
        assert other.rows == []


def test_bad_form_values_are_reported_not_raised() -> None:
    req = QueueRequest({"value_min": "1.234", "currency": "CNY", "age": "soon"})
    filters_from(req, me=None, assignee_id=None)
    assert set(req.errors) == {"value_min", "age"}
    assert decode_cursor("not-a-cursor", "newest") is None


async def test_the_risk_filter_narrows_the_queue_to_the_flagged_cases(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    flagged = {  # case number -> its flags
        "R-2026-000001": RiskFlag.HIGH_VALUE,
        "R-2026-000002": RiskFlag.HIGH_RETURN_RATE | RiskFlag.BLOCKLISTED,
        "R-2026-000003": RiskFlag.BLOCKLISTED,
        "R-2026-000004": RiskFlag.EMPTY_BOX_HISTORY,
    }
    await _cases(sessionmaker, 12)
    async with sessionmaker() as s:
        for number, flags in flagged.items():
            await s.execute(update(ReturnCase).where(ReturnCase.number == number).values(risk_flags=int(flags)))
        await s.commit()

    async def shown(risk: str, sort: str = "newest") -> dict[str, list[str]]:
        async with sessionmaker() as s:
            f = filters_from(QueueRequest({"risk": risk}), me=None, assignee_id=None)
            page = await queue_page(s, f, now=NOW, sort=sort, cursor=None, me=None)
            assert page.total == len(page.rows)
            return {r["number"]: r["risks"] for r in page.rows}

    assert await shown("blocklisted") == {
        "R-2026-000002": ["high_return_rate", "blocklisted"],
        "R-2026-000003": ["blocklisted"],
    }
    assert set(await shown("high_value", sort="value")) == {"R-2026-000001"}
    assert set(await shown("high_return_rate")) == {"R-2026-000002"}
    assert set(await shown("empty_box_history", sort="oldest")) == {"R-2026-000004"}
    assert set(await shown("any")) == set(flagged)
    everyone = await shown("")
    assert len(everyone) == 12 and everyone["R-2026-000005"] == []
    req = QueueRequest({"risk": "shady"})
    assert filters_from(req, me=None, assignee_id=None).risk is None and set(req.errors) == {"risk"}


async def test_customer_replied_view_counts_them_and_puts_the_longest_waiting_first(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _cases(sessionmaker, 10)
    waiting = {"R-2026-000007": 30, "R-2026-000002": 90, "R-2026-000005": 5}  # minutes since the reply
    async with sessionmaker() as s:
        for number, minutes in waiting.items():
            since = NOW - timedelta(minutes=minutes)
            await s.execute(update(ReturnCase).where(ReturnCase.number == number).values(customer_replied_at=since))
        await s.commit()
        f = filters_from(QueueRequest({"view": "replied"}), me=None, assignee_id=None)
        page = await queue_page(s, f, now=NOW, sort="replied", cursor=None, me=None)
    assert [r["number"] for r in page.rows] == ["R-2026-000002", "R-2026-000007", "R-2026-000005"]
    assert page.counts["replied"] == page.total == 3
    since = NOW - timedelta(minutes=30)
    assert decode_cursor(encode_cursor(since, 8), "replied") == (since, 8)
