"""The return request contract (API.md): what a customer or storefront sends to open a return."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.reasons import Reason
from services.order_input import Email

REASONS = ", ".join(r.value for r in Reason)


class ReturnItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    line_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(strict=True, gt=0, le=100_000)
    reason: str
    comment: str | None = Field(default=None, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if value not in Reason.__members__.values():
            raise ValueError(f"unknown reason '{value}'; use one of {REASONS}")
        return value


class ExchangeItemIn(BaseModel):
    """The new item for one returned line (same quantity): another size or colour, or another product."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    line_id: str = Field(min_length=1, max_length=64)
    sku: str = Field(min_length=1, max_length=64)


class ReturnInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    order_number: str = Field(min_length=1, max_length=64)
    email: Email
    items: list[ReturnItemIn] = Field(min_length=1, max_length=100)
    resolution: Literal["refund", "store_credit", "exchange", "replacement", "repair", "keep_it"]
    exchange_items: list[ExchangeItemIn] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _distinct_lines(self) -> ReturnInput:
        ids = [i.line_id for i in self.items]
        duplicate = sorted({i for i in ids if ids.count(i) > 1})
        if duplicate:
            raise ValueError(f"line {', '.join(duplicate)} appears more than once: give one quantity per line")
        if self.exchange_items and self.resolution != "exchange":
            raise ValueError("exchange_items go with the resolution 'exchange' only")
        swapped = [e.line_id for e in self.exchange_items or []]
        twice = sorted({i for i in swapped if swapped.count(i) > 1})
        if twice:
            raise ValueError(f"line {', '.join(twice)} has more than one new item: choose one per line")
        return self
