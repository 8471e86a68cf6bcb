"""GET /workspace/insights: how returns go, for supervisors — return rates, refund times, SLAs, inspections,
carriers, ratings and complaints, filtered by period, market, channel, category and carrier."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.deps import ResourcesDep, SessionDep, Staff
from api.web import i18n
from api.web.finance.charts import Chart, Segment, stacked_bars
from api.web.finance.common import chosen_period, use_locale
from api.web.i18n import N_
from api.web.staff import staff_page
from db.repositories.insights import filter_choices
from domain.insights import BUCKETS_H, Scope
from domain.messages import label
from services.insights import insights

router = APIRouter(include_in_schema=False)
Supervisor = Annotated[Staff, Depends(staff_page("supervisor"))]  # and admin
FILTERS = ("market", "channel", "category", "carrier")
NOT_LISTED = N_("Choose one from the list.")
SLA_LABELS = {"review": N_("Agent review"), "inspection": N_("Inspection")}
COMPLAINT_LABELS = {
    "late_refund": N_("Late refund"),
    "damaged_replacement": N_("Damaged replacement"),
    "courier": N_("Courier"),
    "other": N_("Other"),
}


def _locale() -> Any:
    return i18n.babel_locale(i18n.current())


def percent(share: Decimal | None) -> str:
    """A share as a percentage in the page's language; a dash when there was nothing to divide by."""
    return "—" if share is None else format_percent(share, format="#,##0.0%", locale=_locale())


def duration(hours: float | None) -> str:
    """Hours below two days, days above, with one decimal, in the page's language."""
    if hours is None:
        return "—"
    if hours < 48:
        return i18n.gettext(N_("%(n)s h")) % {"n": format_decimal(round(hours, 1), locale=_locale())}
    return i18n.gettext(N_("%(n)s d")) % {"n": format_decimal(round(hours / 24, 1), locale=_locale())}


def _bars(title: str, columns: list[tuple[str, int]], fmt: Callable[[int], str] = str) -> Chart:
    """One plain bar per column, its value in its tooltip."""
    stacks = [[Segment("", value, f"{name}: {fmt(value)}")] for name, value in columns]
    return stacked_bars(title, [name for name, _ in columns], stacks, fmt)


def _charts(data: dict[str, Any], locale: str) -> dict[str, Chart]:
    t = i18n.gettext
    met, breached = t(N_("Met")), t(N_("Breached"))
    sla_stacks = [
        [Segment("sla-met", s.met, f"{t(SLA_LABELS.get(k, k))}: {met} {s.met}"),
         Segment("sla-breached", s.breached, f"{t(SLA_LABELS.get(k, k))}: {breached} {s.breached}")]
        for k, s in data["sla"].items()
    ]  # fmt: skip
    return {
        "reasons": _bars(
            t(N_("Units asked to be returned, by reason")),
            [(label("reason", r, locale), n) for r, n in data["reasons"]],
        ),
        "categories": _bars(
            t(N_("Return rate by category")),
            [(row.key, int((row.rate or 0) * 10_000)) for row in data["categories"]],
            lambda bp: percent(Decimal(bp) / 10_000),
        ),
        "refund_time": _bars(
            t(N_("Cases by time from request to refund")),
            list(zip([name for _, name in BUCKETS_H], data["refund_buckets"], strict=True)),
        ),
        "sla": stacked_bars(
            t(N_("SLAs met and breached")),
            [t(SLA_LABELS.get(k, k)) for k in data["sla"]],
            sla_stacks,
            str,
            legend=[("sla-met", met), ("sla-breached", breached)],
        ),
        "grades": _bars(t(N_("Inspected units by grade")), list(data["grades"].items())),
        "carriers": _bars(
            t(N_("Median time from label to delivery, by carrier")),
            [(c["carrier"], round(c["time"].median_h or 0)) for c in data["carriers"]],
            lambda h: duration(h),
        ),
        "ratings": _bars(
            t(N_("Ratings by score")), [(f"{s} ★", n) for s, n in enumerate(data["ratings"]["by_score"], 1)]
        ),
        "complaints": _bars(
            t(N_("Complaints by theme")),
            [(t(COMPLAINT_LABELS.get(c["kind"], c["kind"])), c["total"]) for c in data["complaints"]],
        ),
    }


@router.get("/workspace/insights")
async def insights_page(request: Request, staff: Supervisor, session: SessionDep, resources: ResourcesDep) -> Response:
    """Supervisors see how returns go and where they stall, for the period and filters they choose."""
    use_locale(request)
    period, values, errors = chosen_period(request)
    choices = await filter_choices(session)
    chosen: dict[str, str | None] = {}
    for name in FILTERS:
        value = request.query_params.get(name, "").strip()
        values[name] = value
        if value and value not in choices[name]:
            errors[name] = i18n.gettext(NOT_LISTED)
            value = ""
        chosen[name] = value or None
    data = await insights(session, Scope(period.start, period.end, **chosen))
    await session.commit()
    context = {
        "staff": staff,
        "values": values,
        "errors": errors,
        "choices": choices,
        "data": data,
        "charts": _charts(data, str(i18n.current())),
        "percent": percent,
        "duration": duration,
        "sla_labels": SLA_LABELS,
        "complaint_labels": COMPLAINT_LABELS,
    }
    return resources.pages.render(request, "workspace/insights.html", context, status_code=422 if errors else 200)
