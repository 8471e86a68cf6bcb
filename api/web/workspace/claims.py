"""The claims panel's form on the case page: the evidence an insurer asked for, supplied by an agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.web.i18n import N_
from workflows.contracts import ClaimEvidence

if TYPE_CHECKING:
    from api.web.workspace.actions import Ctx

KINDS = ("shipping_fee", "transit")
# The workflow's refusals of the evidence update, so the page shows them in the agent's language.
REFUSALS = (
    N_("the insurer is not waiting for evidence on this claim"),
    N_("describe the evidence supplied"),
)


async def supply_evidence(c: Ctx) -> ClaimEvidence | None:
    """The agent's evidence for the claim (its kind from the form's hidden field) the insurer is waiting on."""
    kind = str(c.form.values.get("claim_kind", ""))
    note = c.text("evidence_note", required=True, max_len=4000)
    if kind not in KINDS:
        c.form.error("evidence_note", N_("This claim is not on the case."))
        return None
    return ClaimEvidence(actor=c.staff.username, kind=kind, note=note)
