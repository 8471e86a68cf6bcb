"""POST /workspace/cases/{number}/{action}: an agent's action through the case's workflow update, audited;
refused actions re-render the case page with the reason (409 not now, 403 not your role, 422 bad input)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.audited import audited_act, refuse
from api.deps import ResourcesDep, SessionDep, Staff, TemporalDep
from api.web.forms import Form, read_form
from api.web.i18n import N_, gettext
from api.web.pages import flash
from api.web.portal.photos import read_photos
from api.web.workspace import claims, customs, goods
from api.web.workspace.case_page import render_case
from api.web.workspace.common import CHANGED, Agent, who
from core.settings import Settings
from db.models import ReturnCase
from db.repositories.access import get_staff_user
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from domain.money import Money
from services import photos
from services.case_views import case_view, get_case
from services.goodwill import check_goodwill
from services.photos import CleanPhoto
from workflows.contracts import Action, Goodwill, InspectedItem, Inspection, Note

router = APIRouter(include_in_schema=False)
FILL = N_("Please fill in this field.")


@dataclass
class Ctx:
    form: Form
    staff: Staff
    case: ReturnCase
    session: AsyncSession
    seq: int
    settings: Settings
    photos: dict[str, list[CleanPhoto]] = field(default_factory=dict)  # per line, kept once the action is accepted

    def text(self, name: str, *, required: bool = False, max_len: int = 2000) -> str:
        value = str(self.form.values.get(name, "")).strip()
        if required and not value:
            self.form.error(name, FILL)
        elif len(value) > max_len:
            self.form.error(name, N_("This is too long."))
        return value


Builder = Callable[[Ctx], Awaitable[Any]]


@dataclass(frozen=True)
class Spec:
    update: str
    build: Builder
    done: str
    roles: tuple[str, ...] = ()  # empty: every case worker
    role_refusal: str = ""


async def _approve(c: Ctx) -> Action:
    return Action(actor=c.staff.username, reason=c.text("approve_reason") or None, expected_seq=c.seq)


async def _reject(c: Ctx) -> Action:
    return Action(actor=c.staff.username, reason=c.text("reject_reason", required=True), expected_seq=c.seq)


async def _cancel(c: Ctx) -> Action:
    return Action(actor=c.staff.username, reason=c.text("cancel_reason", required=True), expected_seq=c.seq)


async def _override(c: Ctx) -> Action:
    return Action(actor=c.staff.username, reason=c.text("override_reason", required=True), expected_seq=c.seq)


async def _info(c: Ctx) -> Note:
    return Note(actor=c.staff.username, text=c.text("info_message", required=True, max_len=4000), expected_seq=c.seq)


async def _note(c: Ctx) -> Note:
    return Note(actor=c.staff.username, text=c.text("note_text", required=True, max_len=4000), expected_seq=c.seq)


async def _assign(c: Ctx) -> Note:
    name = c.text("assign_to")
    if name and await get_staff_user(c.session, name) is None:
        c.form.error("assign_to", N_("There is no such staff user."))
    return Note(actor=c.staff.username, text=name, expected_seq=c.seq)


async def _inspect(c: Ctx) -> Inspection:
    view = await case_view(c.session, c.case, with_timeline=False)
    graded = []
    for item in (i for i in view["items"] if i["eligible"]):
        line = item["line_id"]
        grade = c.text(f"grade_{line}")
        if grade not in ("A", "B", "C", "D", "X"):
            c.form.error(f"grade_{line}", N_("Choose a grade for this item."))
        graded.append(InspectedItem(line_id=line, grade=grade, notes=c.text(f"notes_{line}") or None))
        taken = sum(len(p) for p in c.photos.values())
        cleaned = await read_photos(c.form, c.settings, f"photos_{line}", already=taken)
        if cleaned:
            c.photos[line] = cleaned
    return Inspection(actor=c.staff.username, items=graded, expected_seq=c.seq)


async def _compensate(c: Ctx) -> Goodwill | None:
    reason = c.text("goodwill_reason", required=True)
    kind = "store_credit" if c.form.values.get("goodwill_kind") == "store_credit" else "refund"
    try:
        amount = Money.parse(c.text("goodwill_amount", required=True) or "x", c.case.currency)
    except DomainError:
        c.form.error("goodwill_amount", N_("Please enter an amount."))
        return None
    if amount.minor <= 0:
        c.form.error("goodwill_amount", N_("Please enter an amount."))
        return None
    await check_goodwill(c.session, c.case, c.staff.role, amount)
    return Goodwill(actor=c.staff.username, amount_minor=amount.minor, reason=reason, kind=kind, expected_seq=c.seq)


ACTIONS: dict[str, Spec] = {
    "approve": Spec("approve", _approve, N_("The return is approved.")),
    "reject": Spec("reject", _reject, N_("The return is rejected.")),
    "request-info": Spec("request_info", _info, N_("Your request was sent to the customer.")),
    "inspect": Spec("inspect", _inspect, N_("The inspection is recorded.")),
    "cancel": Spec("cancel", _cancel, N_("The return is cancelled.")),
    "assign": Spec("assign", _assign, N_("The assignee is changed.")),
    "note": Spec("note", _note, N_("The note is added.")),
    "override": Spec(
        "override",
        _override,
        N_("The rejection is overridden: the return is approved."),
        roles=("supervisor",),
        role_refusal=N_("Only a supervisor can override a rejection."),
    ),
    "compensate": Spec("compensate", _compensate, N_("Goodwill compensation is on its way.")),
    "classify": Spec("classify", customs.classify, N_("The HS codes are recorded: the declaration is checked again.")),
    "customs-documents": Spec(
        "customs_documents", customs.send_documents, N_("The documents are sent to the customs broker.")
    ),
    "claim-evidence": Spec("claim_evidence", claims.supply_evidence, N_("The evidence is sent to the insurer.")),
    "exchange-choice": Spec("exchange_choice", goods.choose, N_("The customer's choice is recorded.")),
    "repair-quote": Spec("quote_answer", goods.answer_quote, N_("The customer's answer to the quote is recorded.")),
}
REASON_FIELDS = (
    "approve_reason",
    "reject_reason",
    "cancel_reason",
    "override_reason",
    "goodwill_reason",
    "documents_note",
    "evidence_note",
    "choice_note",
    "quote_note",
)


@router.post("/workspace/cases/{number}/{action}")
async def act_on_case(
    number: str,
    action: str,
    request: Request,
    staff: Agent,
    session: SessionDep,
    resources: ResourcesDep,
    temporal: TemporalDep,
) -> Response:
    """Run one action on the case through its workflow, or show the case again with why it was refused."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound(f"there is no action '{action}'", code="action_not_found")
    form = await read_form(request)
    case = await get_case(session, number)
    me = who(request, staff)
    audit_action = f"case.{spec.update}"
    reason = next((str(form.values[f]) for f in REASON_FIELDS if form.values.get(f)), None)

    async def again(status: int, refusal: str | None = None) -> Response:
        fresh = await get_case(session, number)
        return await render_case(
            request, resources, session, staff, fresh, status_code=status, refusal=refusal, errors=form.errors,
            values=form.values,
        )  # fmt: skip

    if spec.roles and staff.role not in spec.roles and staff.role != "admin":
        await refuse(session, me, audit_action, number, "role", reason=reason)
        raise Forbidden(gettext(spec.role_refusal), code="role_forbidden")
    seq_text = str(form.values.get("seq", ""))
    ctx = Ctx(form, staff, case, session, int(seq_text) if seq_text.isdigit() else -1, resources.settings)
    try:
        arg = await spec.build(ctx)
    except Forbidden as over:  # goodwill above the role's limit
        await refuse(session, me, audit_action, number, over.detail, reason=reason)
        form.errors.setdefault("goodwill_amount", over.detail)
        return await again(403, over.detail)
    except Conflict as cap:  # goodwill over what the order paid
        form.errors.setdefault("goodwill_amount", cap.detail)
        return await again(409, cap.detail)
    if not form.ok or arg is None:
        return await again(422)
    if ctx.seq != case.last_event_seq:
        await refuse(session, me, audit_action, number, CHANGED, reason=reason)
        return await again(409, CHANGED)
    try:
        await audited_act(temporal, session, me, number, spec.update, arg, reason=reason or getattr(arg, "text", None))
    except (Conflict, InvalidInput) as refused:
        return await again(409, refused.detail)
    for line, taken in ctx.photos.items():  # the inspection's photos, kept once the workflow took it
        photos.store(
            session, resources.settings.upload_dir, case.id, taken, uploaded_by=staff.username, purpose="inspection",
            line_id=line,
        )  # fmt: skip
    await session.commit()
    flash(request, gettext(spec.done))
    return RedirectResponse(f"/workspace/cases/{number}", status_code=303)
