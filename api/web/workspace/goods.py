"""The exchange and repair panels of the case page: their labels, and the forms an agent uses to answer for a
customer who was asked (out of stock: wait or refund; out of warranty: accept or decline the quote)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api.web.i18n import N_
from workflows.contracts import ExchangeChoice, QuoteAnswer

if TYPE_CHECKING:
    from api.web.workspace.actions import Ctx

EXCHANGE_STATUS = {
    "requested": N_("Priced: stock not yet reserved"),
    "reserved": N_("Stock reserved at the warehouse"),
    "out_of_stock": N_("Out of stock: waiting for the customer's choice"),
    "waiting_for_stock": N_("The customer waits for stock"),
    "shipped": N_("New goods shipped"),
    "delivered": N_("New goods delivered"),
    "released": N_("Stock released"),
    "refunded_instead": N_("Refunded instead"),
}
REPAIR_STATUS = {
    "requested": N_("On its way to the repair centre"),
    "at_repair_centre": N_("At the repair centre"),
    "quoted": N_("Quote waiting for the customer's answer"),
    "repaired": N_("Repaired: on its way back"),
    "returned_unrepaired": N_("Sent back unrepaired"),
    "not_repairable": N_("Not repairable"),
    "delivered": N_("Back with the customer"),
}
KINDS = {"exchange": N_("Exchange"), "replacement": N_("Replacement")}
HOLDS = {"authorized": N_("held on the card"), "captured": N_("captured"), "voided": N_("released")}
QUOTE_ANSWERS = {"accepted": N_("Accepted"), "declined": N_("Declined"), "lapsed": N_("Not answered in time")}
CHOICES = {"wait": N_("Wait for stock"), "refund": N_("Refund instead of the new goods")}
ANSWERS = {
    "accept": N_("Accept: the quote is charged to the order's card"),
    "decline": N_("Decline: the item is sent back unrepaired"),
}
LABELS = {
    "exchange": EXCHANGE_STATUS,
    "repair": REPAIR_STATUS,
    "kinds": KINDS,
    "holds": HOLDS,
    "quote_answers": QUOTE_ANSWERS,
    "choices": CHOICES,
    "answers": ANSWERS,
}
# The workflow's refusals of these updates, so the page shows them in the agent's language.
REFUSALS = (
    N_("this exchange is not waiting for your choice"),
    N_("choose to wait for stock or to get a refund"),
    N_("there is no repair quote waiting for an answer"),
)
CHOOSE = N_("Please choose one of the options.")


def _last(events: list[dict[str, Any]], asked: str, answered: tuple[str, ...]) -> bool:
    """The latest of the question and its answers on the timeline is the question: nobody answered it yet."""
    seen = [e["type"] for e in events if e["type"] == asked or e["type"] in answered]
    return bool(seen) and seen[-1] == asked


def waiting_for_customer(view: dict[str, Any]) -> dict[str, bool]:
    """Which answer the customer owes, for showing the form (the exchange and repair rows follow the answer a
    moment later, the timeline at once; the workflow still decides whether an answer is taken)."""
    exchange = view["exchanges"][0] if view["exchanges"] else None
    repair = view["repair"]
    events = view.get("timeline", [])
    choice = exchange is not None and exchange["status"] == "out_of_stock"
    quote = repair is not None and repair["status"] == "quoted"
    return {
        "choice": choice and _last(events, "exchange.out_of_stock", ("exchange.customer_chose",)),
        "quote": quote and _last(events, "repair.quoted", ("repair.quote_accepted", "repair.quote_declined")),
    }


async def choose(c: Ctx) -> ExchangeChoice | None:
    """The customer's answer to an out-of-stock exchange, given by an agent with how the customer said it."""
    choice = c.text("exchange_choice")
    c.text("choice_note", required=True, max_len=2000)
    if choice not in CHOICES:
        c.form.error("exchange_choice", CHOOSE)
    return ExchangeChoice(actor=c.staff.username, choice=choice) if c.form.ok else None


async def answer_quote(c: Ctx) -> QuoteAnswer | None:
    """The customer's answer to the repair centre's quote, given by an agent with how the customer said it."""
    answer = c.text("quote_answer")
    c.text("quote_note", required=True, max_len=2000)
    if answer not in ANSWERS:
        c.form.error("quote_answer", CHOOSE)
    return QuoteAnswer(actor=c.staff.username, accepted=answer == "accept") if c.form.ok else None
