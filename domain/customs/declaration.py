"""The customs declaration of a return: which returns need one, what each item must carry, what is missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from domain.customs.hs import HsCode, parse_hs
from domain.errors import InvalidInput
from domain.money import Money

REASON = "returned goods"


def is_cross_border(origin_country: str, warehouse_country: str) -> bool:
    """Goods coming back from the customer's country into another country's warehouse cross a border.
    Hong Kong, Macau and Taiwan are separate customs territories from the mainland."""
    return origin_country.upper() != warehouse_country.upper()


@dataclass(frozen=True)
class DeclarationItem:
    line_id: str
    description: str
    quantity: int
    value: Money  # declared value for the returned quantity, in the order's currency
    hs_code: str | None = None
    origin_country: str | None = None
    weight_g: int | None = None


@dataclass(frozen=True)
class Problem:
    line_id: str
    field: str
    code: str  # hs_missing | hs_invalid | hs_unknown | origin_missing | weight_missing


@dataclass(frozen=True)
class Declaration:
    from_country: str
    to_country: str
    items: tuple[DeclarationItem, ...]
    export_reference: str | None = None
    reason: str = REASON
    problems: tuple[Problem, ...] = field(default=())

    @property
    def needs_classification(self) -> bool:
        return any(p.field == "hs_code" for p in self.problems)

    @property
    def complete(self) -> bool:
        return not self.problems

    def hs(self, line_id: str) -> HsCode:
        item = next(i for i in self.items if i.line_id == line_id)
        if item.hs_code is None:
            raise ValueError(f"line {line_id} has no HS code")
        return parse_hs(item.hs_code)


def check_item(item: DeclarationItem, known_subheading: Callable[[str], bool]) -> list[Problem]:
    """What a broker would send back: no or malformed HS code, one not in the WCO nomenclature, no origin/weight."""
    problems: list[Problem] = []
    if not item.hs_code:
        problems.append(Problem(item.line_id, "hs_code", "hs_missing"))
    else:
        try:
            hs = parse_hs(item.hs_code)
        except InvalidInput:
            problems.append(Problem(item.line_id, "hs_code", "hs_invalid"))
        else:
            if not known_subheading(hs.subheading):
                problems.append(Problem(item.line_id, "hs_code", "hs_unknown"))
    if not item.origin_country:
        problems.append(Problem(item.line_id, "origin_country", "origin_missing"))
    if not item.weight_g or item.weight_g <= 0:
        problems.append(Problem(item.line_id, "weight_g", "weight_missing"))
    return problems


def build(
    from_country: str,
    to_country: str,
    items: list[DeclarationItem],
    known_subheading: Callable[[str], bool],
    *,
    export_reference: str | None = None,
) -> Declaration:
    problems = tuple(p for item in items for p in check_item(item, known_subheading))
    return Declaration(from_country, to_country, tuple(items), export_reference, problems=problems)
