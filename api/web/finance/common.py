"""What every finance page shares: the role check, the period filter, labels, and the charts' formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import Response
from starlette.requests import Request

from api.audited import client_ip
from api.deps import ResourcesDep, Staff
from api.web import i18n
from api.web.i18n import N_
from api.web.staff import staff_page
from domain.errors import InvalidInput
from domain.period import Period
from services.audit import Who

FinancePage = Annotated[Staff, Depends(staff_page("finance"))]  # finance, or admin
DEFAULT_DAYS = 30
MAX_DAYS = 366  # a year of daily bars is still readable; longer periods are for the JSON API and exports

CATEGORY_LABELS = {
    "refunds": N_("Refunds"),
    "store_credits": N_("Store credits"),
    "claims": N_("Insurance claims"),
    "duties": N_("Duties paid"),
}
KIND_LABELS = {
    "matched": N_("Matched"),
    "missing_at_provider": N_("Missing at provider"),
    "unknown_at_provider": N_("Unknown at provider"),
    "amount_mismatch": N_("Amount mismatch"),
    "currency_mismatch": N_("Currency mismatch"),
    "duplicate": N_("Duplicate"),
    "status_mismatch": N_("Paid but failed here"),
}
RUN_STATUS_LABELS = {"reconciled": N_("Reconciled"), "open": N_("Open"), "resolved": N_("Resolved")}
COMPONENT_LABELS = {
    "return_postage": N_("Return postage"),
    "refunds": N_("Refunds"),
    "store_credit": N_("Store credit"),
    "goodwill": N_("Goodwill"),
    "exchanges": N_("Exchanges and repairs"),
    "fees_kept": N_("Fees kept"),
    "insurance_recovered": N_("Insurance recovered"),
    "duties": N_("Duties"),
    "drawback": N_("Drawback"),
    "disposition_recovered": N_("Resale value recovered"),
    "other": N_("Other"),
}
GROUP_LABELS = {
    "reason": N_("Reason"),
    "sku": N_("Product (SKU)"),
    "category": N_("Category"),
    "channel": N_("Channel"),
}
BAD_DATE = N_("Please enter a date as YYYY-MM-DD.")
BAD_ORDER = N_("The period must end on or after the day it starts.")
TOO_LONG = N_("Please choose a period of at most 366 days.")


def actor(request: Request, staff: Staff) -> Who:
    """Who acts, for the audit log: the signed-in member, their role and address."""
    return Who(staff.username, staff.role, client_ip(request))


def translated(labels: dict[str, str]) -> dict[str, str]:
    return {key: i18n.gettext(text) for key, text in labels.items()}


def labels() -> dict[str, Any]:
    """Every label table, in the page's language (call after the locale is chosen)."""
    return {
        "category_labels": translated(CATEGORY_LABELS),
        "kind_labels": translated(KIND_LABELS),
        "component_labels": translated(COMPONENT_LABELS),
        "group_labels": translated(GROUP_LABELS),
        "run_status_labels": translated(RUN_STATUS_LABELS),
    }


def use_locale(request: Request) -> None:
    """Choose the page's language before building texts in Python (chart titles and axis labels)."""
    i18n.activate(i18n.choose(request))


def chosen_period(request: Request, *, now: datetime | None = None) -> tuple[Period, dict[str, str], dict[str, str]]:
    """The period from ?from=&to= (dates, both inclusive), the last 30 days by default; a wrong one is reported
    on its field and the default is shown instead, so the page still answers."""
    today = (now or datetime.now(UTC)).date()
    default = {"from": str(today - timedelta(days=DEFAULT_DAYS - 1)), "to": str(today)}
    values = {k: request.query_params.get(k, "").strip() or default[k] for k in ("from", "to")}
    errors: dict[str, str] = {}
    period = None
    for name in ("from", "to"):
        if len(values[name]) != 10:
            errors[name] = i18n.gettext(BAD_DATE)
    if not errors:
        try:
            period = Period.parse(values["from"], values["to"])
        except InvalidInput as err:
            for name, why in (err.fields or {"to": ""}).items():
                message = BAD_DATE if why == "not a date" else BAD_ORDER
                errors[name] = i18n.gettext(message)
    if period is not None and (period.end - period.start).days > MAX_DAYS:
        errors["to"], period = i18n.gettext(TOO_LONG), None
    if period is None:
        period = Period.parse(default["from"], default["to"])
        assert period is not None
    return period, values, errors


def query(values: dict[str, str], **more: object) -> str:
    """The filters as a query string for links (pagination, exports) that keep them."""
    return urlencode({k: v for k, v in {**values, **more}.items() if v not in (None, "")})


def render(
    request: Request,
    resources: ResourcesDep,
    who: Staff,
    template: str,
    /,
    *,
    section: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    """A finance page with the staff header, its section marked, every label table, and 422 when a field is wrong."""
    ctx = {"staff": who, "section": section, "values": values or {}, "errors": errors or {}, **labels(), **context}
    return resources.pages.render(request, f"finance/{template}.html", ctx, status_code=422 if errors else 200)
