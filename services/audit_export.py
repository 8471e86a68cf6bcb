"""The audit log for auditors: the entries of a period (and action), as JSON pages or as one CSV streamed a page
at a time. Reading only: the log is append-only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry
from db.repositories.audit import entries_between
from domain.period import Period, parse_bound
from services.csv_text import csv_lines_async, inert_text

PAGE_MAX = 1000
TEXT_COLUMNS = ["actor", "actor_role", "ip", "action", "outcome", "case_number", "target", "reason"]
COLUMNS = ["id", "at", *TEXT_COLUMNS, "before", "after"]  # before and after as JSON text


def _bounds(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """Either bound may be left open; a date covers its whole UTC day, and the period must end after it starts."""
    since = parse_bound(start, end=False, field="from") if start else None
    until = parse_bound(end, end=True, field="to") if end else None
    if since is not None and until is not None:
        Period(since, until)
    return since, until


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "ip": entry.ip,
        "action": entry.action,
        "outcome": entry.outcome,
        "case_number": entry.case_number,
        "target": entry.target,
        "reason": entry.reason,
        "before": entry.before,
        "after": entry.after,
    }


async def list_audit(
    session: AsyncSession,
    *,
    start: str | None = None,
    end: str | None = None,
    action: str | None = None,
    after: int = 0,
    limit: int = 200,
) -> dict[str, Any]:
    """One page of audit entries in the order they were written; `next_after` continues (None on the last page)."""
    since, until = _bounds(start, end)
    limit = max(1, min(limit, PAGE_MAX))
    rows = await entries_between(session, start=since, end=until, action=action, after_id=after, limit=limit)
    entries = [entry_view(e) for e in rows]
    return {"entries": entries, "next_after": entries[-1]["id"] if len(entries) == limit else None}


def _json_text(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


async def _rows(
    session: AsyncSession, start: str | None, end: str | None, action: str | None
) -> AsyncIterator[Sequence[object]]:
    yield COLUMNS
    after: int | None = 0
    while after is not None:
        page = await list_audit(session, start=start, end=end, action=action, after=after, limit=PAGE_MAX)
        for e in page["entries"]:
            text = [inert_text(e[c]) for c in TEXT_COLUMNS]
            yield [e["id"], e["at"], *text, _json_text(e["before"]), _json_text(e["after"])]
        after = page["next_after"]


def audit_csv(
    session: AsyncSession, *, start: str | None, end: str | None, action: str | None
) -> tuple[str, AsyncIterator[str]]:
    """A file name for the period and every entry of it (and of the action) as CSV lines; a bad period is refused
    here, before the first line."""
    since, until = _bounds(start, end)
    first = since.date().isoformat() if since else "start"
    last = (until - timedelta(microseconds=1)).date().isoformat() if until else "now"
    return f"audit-log-{first}-{last}.csv", csv_lines_async(_rows(session, start, end, action))
