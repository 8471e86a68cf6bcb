"""The customs panel's forms and documents on the case page: classify items waiting for an HS code, answer the
broker's hold, and the commercial invoice PDF for staff signed in to the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.web.documents import commercial_invoice_response
from api.web.i18n import N_
from api.web.workspace.common import Agent
from db.repositories.customs import declaration_for
from domain.errors import InvalidInput
from services.case_views import get_case
from services.customs import check_codes
from workflows.contracts import Classification, CustomsDocuments

if TYPE_CHECKING:
    from api.web.workspace.actions import Ctx

router = APIRouter(include_in_schema=False)

CUSTOMS_STATUS = {
    "needs_classification": N_("Waiting for HS codes"),
    "ready": N_("Ready to file"),
    "submitted": N_("With the broker"),
    "held": N_("Held: documents requested"),
    "cleared": N_("Cleared"),
    "refused": N_("Refused entry"),
}
WAIVERS = {
    "de_minimis": N_("below the de-minimis threshold"),
    "returned_goods_relief": N_("returned-goods relief"),
}
PAYERS = {"merchant": N_("The merchant pays"), "customer": N_("The customer pays")}
PROBLEMS = {
    "hs_missing": N_("no HS code"),
    "hs_invalid": N_("HS code malformed"),
    "hs_unknown": N_("HS code not in the nomenclature"),
}
LABELS = {"status": CUSTOMS_STATUS, "waivers": WAIVERS, "payers": PAYERS, "problems": PROBLEMS}
# The workflow's refusals of these updates, so the page shows them in the agent's language.
REFUSALS = (
    N_("this case has no customs items waiting for a code"),
    N_("customs is not waiting for documents on this case"),
    N_("this return does not cross a border: it has no customs declaration"),
)
BAD_FORMAT = N_("Use 6, 8 or 10 digits, e.g. 6109.10.")
UNKNOWN = N_("This code is not in the WCO nomenclature.")


def hs_field(line_id: str) -> str:
    return f"hs_{line_id}"


async def classify(c: Ctx) -> Classification | None:
    """The HS codes typed for each problem line, checked against the nomenclature before the workflow sees them."""
    declaration = await declaration_for(c.session, c.case.id)
    if declaration is None:
        c.form.error("form", REFUSALS[2])
        return None
    waiting = list(dict.fromkeys(p["line_id"] for p in declaration.problems if p.get("field") == "hs_code"))
    if not waiting:  # nothing to classify: the workflow says so (409), in its own words
        return Classification(actor=c.staff.username, codes={})
    typed = {line: c.text(hs_field(line), required=True, max_len=20) for line in waiting}
    if not c.form.ok:
        return None
    try:
        codes = check_codes(typed, {i["line_id"] for i in declaration.items})
    except InvalidInput as wrong:
        for key, why in (wrong.fields or {}).items():
            line = key.partition(".")[2]
            c.form.error(hs_field(line), UNKNOWN if "nomenclature" in why else BAD_FORMAT)
        return None
    return Classification(actor=c.staff.username, codes=codes)


async def send_documents(c: Ctx) -> CustomsDocuments:
    """The agent's note of what was sent to the broker to answer its hold."""
    return CustomsDocuments(actor=c.staff.username, note=c.text("documents_note", required=True, max_len=4000))


@router.get("/workspace/cases/{number}/customs/invoice.pdf")
async def invoice_pdf(number: str, staff: Agent, session: SessionDep, settings: SettingsDep) -> Response:
    """The commercial invoice of a cross-border return, for an agent to print or send to the broker."""
    case = await get_case(session, number)
    return await commercial_invoice_response(session, settings, case)
