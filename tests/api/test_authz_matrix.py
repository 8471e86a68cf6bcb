"""Every route × every kind of caller, against one table of who may do what. A route missing from the table
fails the test: a new route must say who may call it before it ships.

Outcomes: ok (passed authorisation: 2xx, 3xx, 409 or 503 from the absent case engine, a 404 for a missing
sub-resource, a 422 for the deliberately thin body), 401, 403, 404 (not yours, said as "not found"), login (a
page redirecting to the sign-in page). A 500 is never expected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.app import create_app
from api.web.workspace.actions import ACTIONS as CASE_PAGE_ACTIONS
from core.settings import Settings
from services.access import create_api_key, create_staff_user
from tests.api.authz_support import (
    ROLES,
    SCOPES,
    SKIPPED,
    STAFF_PASSWORD,
    Caller,
    app_routes,
    outcome,
    session_cookie,
    staff_caller,
    with_csrf,
    without_rate_limits,
)
from tests.support.builders import order_payload

KINDS = ["anonymous", "customer_a", "customer_b", *(f"key_{s.replace(':', '_')}" for s in SCOPES), "key_none", *ROLES]
GROUPS = {
    "customers": ["customer_a", "customer_b"],
    "keys": [k for k in KINDS if k.startswith("key_")],
    "staff": list(ROLES),
}


def r(default: str, **changes: str) -> dict[str, str]:
    """Expected outcome per caller kind: `default`, then groups (customers, keys, staff), then single kinds."""
    expected = dict.fromkeys(KINDS, default)
    for name, value in sorted(changes.items(), key=lambda kv: kv[0] not in GROUPS):
        for kind in GROUPS.get(name, [name]):
            assert kind in expected, kind
            expected[kind] = value
    return expected


def key(scope: str) -> dict[str, str]:
    """Integration keys holding `scope`; other keys are refused, every other credential is not a key."""
    return r("401", keys="403", **{f"key_{scope.replace(':', '_')}": "ok"})


PUBLIC = r("ok")
SIGNED = r("401")  # partner webhooks: only the partner's HMAC signature over the body counts
CASE_READ = r("ok", anonymous="401", customer_b="404", keys="403", key_returns_read="ok")
CASE_ACT = r("403", anonymous="401", customer_b="404", agent="ok", supervisor="ok", admin="ok")
SUPERVISE = {**CASE_ACT, "agent": "403"}
CUSTOMER_ACT = {**CASE_ACT, "customer_a": "ok"}  # the customer may cancel their own case
CASE_LIST = r("ok", anonymous="401", customers="403", keys="403", key_returns_read="ok")
FINANCE_API = r("401", staff="403", finance="ok", admin="ok")
ADMIN_API = r("401", staff="403", admin="ok")
WEBHOOK_ADMIN = r("403", anonymous="401", key_webhooks="ok", admin="ok")
PORTAL_CASE = r("404", customer_a="ok")  # only the browser holding the case's token
FILING = r("404", customers="ok")  # only a browser that found its order (number + email) first
WORK_PAGE = r("login", staff="ok", finance="403")
FINANCE_PAGE = r("login", staff="403", finance="ok", admin="ok")
ADMIN_PAGE = r("login", staff="403", admin="ok")
SUPERVISOR_PAGE = r("login", staff="403", supervisor="ok", admin="ok")

R = "/api/v1/returns/{number}"
W = "/api/v1/webhook-endpoints"
REC = "/finance/reconciliations"
ACT = "/workspace/cases/{number}/{action}"
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/codec/decode"): r("401", staff="ok"),  # the Temporal UI's codec: any staff member
    ("POST", "/codec/encode"): r("401", staff="ok"),
    ("OPTIONS", "/codec/{operation}"): PUBLIC,  # the CORS preflight carries no credentials by design
    ("POST", "/api/v1/orders"): key("orders:write"),
    ("POST", "/api/v1/orders/import"): key("orders:write"),
    ("GET", "/api/v1/orders/{number}"): key("orders:read"),
    ("POST", "/api/v1/returns/eligibility"): key("returns:write"),
    ("POST", "/api/v1/returns"): key("returns:write"),
    ("GET", "/api/v1/returns"): CASE_LIST,
    ("GET", R): CASE_READ,
    ("GET", R + "/customs/invoice.pdf"): CASE_READ,
    **{("POST", f"{R}/{a}"): CASE_ACT for a in ("approve", "reject", "request-info", "inspection", "assign", "notes")},
    ("POST", R + "/compensate"): CASE_ACT,
    ("POST", R + "/customs/classify"): CASE_ACT,
    ("POST", R + "/customs/documents"): CASE_ACT,
    ("POST", R + "/override"): SUPERVISE,
    ("POST", R + "/claims/{kind}/evidence"): CASE_ACT,
    ("POST", R + "/cancel"): CUSTOMER_ACT,
    ("POST", R + "/exchange-choice"): CUSTOMER_ACT,  # the customer answers for themselves, or staff for them
    ("POST", R + "/repair-quote"): CUSTOMER_ACT,
    ("PUT", "/api/v1/products/{sku}"): key("orders:write"),
    ("GET", "/api/v1/products/{sku}"): key("orders:read"),
    ("POST", "/api/v1/drawbacks/{reference}/paid"): FINANCE_API,
    ("POST", "/api/v1/webhooks/carrier"): SIGNED,
    ("POST", "/api/v1/webhooks/payments"): SIGNED,
    ("POST", "/api/v1/webhooks/customs"): SIGNED,
    ("POST", "/api/v1/webhooks/insurer"): SIGNED,
    ("POST", "/api/v1/webhooks/repair"): SIGNED,
    ("POST", W): WEBHOOK_ADMIN,
    ("GET", W): WEBHOOK_ADMIN,
    ("DELETE", W + "/{endpoint_id}"): WEBHOOK_ADMIN,
    ("POST", W + "/{endpoint_id}/rotate-secret"): WEBHOOK_ADMIN,
    ("POST", W + "/{endpoint_id}/enable"): WEBHOOK_ADMIN,
    ("GET", W + "/{endpoint_id}/deliveries"): WEBHOOK_ADMIN,
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/resend"): WEBHOOK_ADMIN,
    ("POST", "/api/v1/customers/export"): ADMIN_API,  # a customer's personal data: admins only
    ("POST", "/api/v1/customers/erase"): ADMIN_API,
    # The audit log holds staff addresses and the reasons they typed: admins export it for auditors (finance's own
    # actions are in it, so finance is not its reader).
    ("GET", "/api/v1/audit-log"): ADMIN_API,
    ("GET", "/api/v1/ledger"): FINANCE_API,
    ("POST", "/api/v1/reconciliations"): FINANCE_API,
    ("GET", "/api/v1/reconciliations"): FINANCE_API,
    ("GET", "/api/v1/reconciliations/{run_id}.csv"): FINANCE_API,
    ("GET", "/api/v1/reconciliations/{run_id}.xlsx"): FINANCE_API,
    ("POST", "/api/v1/reconciliations/{run_id}/rerun"): FINANCE_API,
    ("GET", "/api/v1/reconciliations/{run_id}"): FINANCE_API,
    ("POST", "/api/v1/reconciliations/discrepancies/{discrepancy_id}/resolve"): FINANCE_API,
    ("GET", "/api/v1/finance/trial-balance"): FINANCE_API,
    ("GET", "/api/v1/finance/cost-of-returns"): FINANCE_API,
    ("GET", "/api/v1/finance/overview"): FINANCE_API,
    ("GET", "/api/v1/finance/refund-ageing"): FINANCE_API,
    ("GET", "/api/v1/finance/cases/{number}"): FINANCE_API,
    ("GET", "/api/v1/finance/held-refunds"): FINANCE_API,
    **{("GET", p): FINANCE_PAGE for p in ("/finance", "/finance/ledger", "/finance/ledger.csv", "/finance/costs.csv")},
    **{("GET", p): FINANCE_PAGE for p in ("/finance/trial-balance", "/finance/costs", "/finance/cases/{number}")},
    ("GET", REC): FINANCE_PAGE,
    ("POST", REC): FINANCE_PAGE,
    ("GET", REC + "/{run_id:int}"): FINANCE_PAGE,
    ("POST", REC + "/{run_id:int}/rerun"): FINANCE_PAGE,
    ("POST", REC + "/discrepancies/{discrepancy_id:int}/resolve"): FINANCE_PAGE,
    ("GET", REC + "/{run_id:int}.csv"): FINANCE_PAGE,
    ("GET", REC + "/{run_id:int}.xlsx"): FINANCE_PAGE,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): r("login"),  # anyone may sign out; it always lands on the sign-in page
    ("GET", "/returns"): PUBLIC,
    ("POST", "/returns"): PUBLIC,
    ("GET", "/returns/start"): PUBLIC,
    ("GET", "/returns/new"): FILING,
    ("POST", "/returns/check"): FILING,
    ("POST", "/returns/confirm"): FILING,
    ("GET", "/returns/check"): PUBLIC,  # only redirects back to the items page
    ("GET", "/returns/confirm"): PUBLIC,
    ("GET", "/returns/{number}"): PORTAL_CASE,
    ("GET", "/returns/{number}/label.pdf"): PORTAL_CASE,
    ("GET", "/returns/{number}/qr.svg"): PORTAL_CASE,
    ("GET", "/returns/{number}/photos/{photo_id}"): PORTAL_CASE,
    **{
        ("POST", f"/returns/{{number}}/{a}"): PORTAL_CASE
        for a in ("cancel", "reply", "complaint", "rating", "exchange-choice", "repair-quote")
    },
    ("GET", "/workspace"): WORK_PAGE,
    ("GET", "/workspace/complaints"): WORK_PAGE,
    ("GET", "/workspace/insights"): SUPERVISOR_PAGE,
    ("POST", "/workspace/complaints/{complaint_id}/resolve"): WORK_PAGE,
    ("POST", "/workspace/bulk"): WORK_PAGE,
    ("GET", "/workspace/cases/{number}"): WORK_PAGE,
    ("GET", "/workspace/cases/{number}/photos/{photo_id}"): WORK_PAGE,
    ("POST", ACT): WORK_PAGE,  # checked once per action the route accepts, as ACTION_RULES says
    ("GET", "/workspace/cases/{number}/customs/invoice.pdf"): WORK_PAGE,
    ("GET", "/admin"): ADMIN_PAGE,
    ("POST", "/admin/staff"): ADMIN_PAGE,
    ("POST", "/admin/staff/{username}/active"): ADMIN_PAGE,
    ("POST", "/admin/keys"): ADMIN_PAGE,
    ("POST", "/admin/keys/{key_id}/revoke"): ADMIN_PAGE,
    ("GET", "/admin/webhooks"): ADMIN_PAGE,
    ("POST", "/admin/webhooks"): ADMIN_PAGE,
    ("GET", "/admin/webhooks/{endpoint_id}"): ADMIN_PAGE,
    ("POST", "/admin/webhooks/{endpoint_id}/rotate"): ADMIN_PAGE,
    ("POST", "/admin/webhooks/{endpoint_id}/enable"): ADMIN_PAGE,
    ("POST", "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend"): ADMIN_PAGE,
    ("GET", "/admin/orders/import"): ADMIN_PAGE,
    ("POST", "/admin/orders/import"): ADMIN_PAGE,
}
# Bodies valid enough to get past validation to the route's own checks (some of which sit inside the handler).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/auth/token"): {"username": "agent", "password": STAFF_PASSWORD},
    ("POST", R + "/reject"): {"reason": "matrix"},
    ("POST", R + "/request-info"): {"message": "matrix"},
    ("POST", R + "/inspection"): {"items": [{"line_id": "L1", "grade": "A"}]},
    ("POST", R + "/assign"): {"username": ""},
    ("POST", R + "/notes"): {"text": "matrix"},
    ("POST", R + "/compensate"): {"amount": {"amount": 1, "currency": "CNY"}, "reason": "matrix"},
    ("POST", R + "/override"): {"reason": "matrix"},
    ("POST", R + "/customs/classify"): {"codes": {"L1": "6109.10"}},
    ("POST", R + "/customs/documents"): {"note": "matrix"},
    ("POST", R + "/claims/{kind}/evidence"): {"note": "matrix"},
    ("POST", R + "/exchange-choice"): {"choice": "wait"},
    ("POST", R + "/repair-quote"): {"accepted": False},
    ("PUT", "/api/v1/products/{sku}"): {"product": "P", "title": "T", "category": "c", "prices": {"CNY": 100}},
    ("POST", W): {"url": "https://merchant.example/hooks", "events": ["*"]},
    ("POST", "/api/v1/customers/export"): {"email": "customer_a@example.com"},
    ("POST", "/api/v1/customers/erase"): {"email": "nobody@example.com", "reason": "matrix"},
}
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/returns/{number}/reply"): {"text": "matrix"},
    ("POST", "/returns/{number}/exchange-choice"): {"choice": "wait"},
    ("POST", "/returns/{number}/repair-quote"): {"answer": "decline"},
}

# The case page's actions share one route: every action it accepts (its own table, CASE_PAGE_ACTIONS) is checked
# on its own, with who may take it and a form filled well enough to get past the action's own checks.
ACTION_RULES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "approve": (WORK_PAGE, {"approve_reason": "matrix"}),
    "reject": (WORK_PAGE, {"reject_reason": "matrix"}),
    "request-info": (WORK_PAGE, {"info_message": "matrix"}),
    "inspect": (WORK_PAGE, {"grade_L1": "A"}),
    "cancel": (WORK_PAGE, {"cancel_reason": "matrix"}),
    "assign": (WORK_PAGE, {"assign_to": ""}),
    "note": (WORK_PAGE, {"note_text": "matrix"}),
    "override": (SUPERVISOR_PAGE, {"override_reason": "matrix"}),  # agents are refused: supervisors only
    "compensate": (WORK_PAGE, {"goodwill_amount": "1.00", "goodwill_reason": "matrix", "goodwill_kind": "refund"}),
    "classify": (WORK_PAGE, {"hs_L1": "6109.10"}),
    "customs-documents": (WORK_PAGE, {"documents_note": "matrix"}),
    "claim-evidence": (WORK_PAGE, {"claim_kind": "transit", "evidence_note": "matrix"}),
    "exchange-choice": (WORK_PAGE, {"exchange_choice": "wait", "choice_note": "matrix"}),
    "repair-quote": (WORK_PAGE, {"quote_answer": "decline", "quote_note": "matrix"}),
}


def url_for(path: str, number: str, order: str, action: str = "note") -> str:
    filled = (
        path.replace("/orders/{number}", f"/orders/{order}")
        .replace("{number}", number)
        .replace("{action}", action)
        .replace("{username}", "nobody")
        .replace("{sku}", "SKU-MATRIX")
    )
    filled = (
        filled.replace("{reference}", "DRB-NONE")
        .replace("{kind}", "transit")
        .replace("{operation}", "decode")
        .replace(":int}", "}")
    )
    for name in ("endpoint_id", "delivery_id", "run_id", "discrepancy_id", "photo_id", "complaint_id", "key_id"):
        filled = filled.replace("{" + name + "}", "999999")
    return filled


async def _callers(client: httpx.AsyncClient, settings: Settings, sessionmaker: Any) -> dict[str, Caller]:
    async with sessionmaker() as s:
        for role in ROLES:
            await create_staff_user(s, role, STAFF_PASSWORD, role)
        raw = {f"key_{sc.replace(':', '_')}": await create_api_key(s, sc, [sc]) for sc in SCOPES}
        raw["key_none"] = await create_api_key(s, "no scopes", [])
        await s.commit()
    callers = {kind: Caller(kind, bearer=value) for kind, value in raw.items()}
    callers["anonymous"] = Caller("anonymous")
    for kind in ("customer_a", "customer_b"):
        order = order_payload(email=f"{kind}@example.com")
        assert (await client.post("/api/v1/orders", json=order)).status_code == 201
        body = {
            "order_number": order["number"],
            "email": order["customer"]["email"],
            "items": [{"line_id": "L1", "quantity": 1, "reason": "changed_mind"}],
            "resolution": "refund",
        }
        created = (await client.post("/api/v1/returns", json=body)).json()
        kept = {
            "cases": {created["number"]: created["customer_token"]},
            "filing": {"order": order["number"], "email": order["customer"]["email"]},
        }
        cookie = session_cookie(settings, kept)
        callers[kind] = await with_csrf(
            client,
            Caller(
                kind,
                bearer=created["customer_token"],
                cookie=cookie,
                extra={"number": created["number"], "order": order["number"]},
            ),
        )
    for role in ROLES:
        callers[role] = await staff_caller(client, role)
    return callers


@pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
async def test_every_route_answers_every_caller_as_the_matrix_says(
    settings: Settings, sessionmaker: Any, api_key: str
) -> None:
    settings = without_rate_limits(settings)  # every caller signs in and files
    app = create_app(settings)
    routes = {(m, p) for m, p in app_routes(app) if p not in SKIPPED}
    assert routes <= set(MATRIX), f"routes without a matrix entry: {sorted(routes - set(MATRIX))}"
    assert set(MATRIX) <= routes, f"matrix entries for routes that are gone: {sorted(set(MATRIX) - routes)}"
    actions = set(CASE_PAGE_ACTIONS)
    assert actions <= set(ACTION_RULES), f"case page actions without a rule: {sorted(actions - set(ACTION_RULES))}"
    assert set(ACTION_RULES) <= actions, (
        f"rules for case page actions that are gone: {sorted(set(ACTION_RULES) - actions)}"
    )
    # As a server would: an unexpected error is logged and answered (Starlette re-raises it after answering).
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://rebound.test") as client,
    ):
        setup = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://rebound.test",
            headers={"Authorization": f"Bearer {api_key}"},
        )
        async with setup:
            callers = await _callers(setup, settings, sessionmaker)
        number, order = callers["customer_a"].extra["number"], callers["customer_a"].extra["order"]
        wrong: list[str] = []
        checks = [
            (method, path, action, ACTION_RULES[action][0] if path == ACT else expected)
            for (method, path), expected in sorted(MATRIX.items(), key=lambda kv: kv[0][1])
            for action in (CASE_PAGE_ACTIONS if path == ACT else ["note"])
        ]
        for method, path, action, expected in checks:
            is_json = path.startswith(("/api/", "/codec/"))
            form = {**ACTION_RULES[action][1], "seq": "0"} if path == ACT else FORMS.get((method, path), {})
            for kind in KINDS:
                caller = callers[kind]
                kwargs: dict[str, Any] = {"headers": caller.headers(json_route=is_json)}
                if method != "GET" and is_json:
                    kwargs["json"] = BODIES.get((method, path), {})
                elif method == "POST":
                    kwargs["data"] = {"csrf_token": caller.csrf, **form}
                got = await client.request(method, url_for(path, number, order, action), **kwargs)
                client.cookies.clear()  # each request carries exactly its caller's credentials
                if (seen := outcome(got)) != expected[kind]:
                    shown = path.replace("{action}", action)
                    wrong.append(f"{method} {shown} as {kind}: {seen} ({got.status_code}), expected {expected[kind]}")
        assert not wrong, "\n".join(wrong)
