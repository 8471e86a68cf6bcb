"""Money as integer minor units plus an ISO-4217 currency. Floats never enter."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

from domain.errors import InvalidInput


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """True when `code` is an ISO-4217 currency that Babel (CLDR) knows."""
    return code in _known_currencies()


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (JPY 0, CNY 2, KWD 3)."""
    return int(get_currency_precision(currency))


def check_currency(code: str, field: str = "currency") -> str:
    code = code.strip().upper()
    if not is_currency(code):
        raise InvalidInput(f"'{code}' is not an ISO-4217 currency code", fields={field: "unknown currency"})
    return code


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool and float are refused on purpose
            raise TypeError(f"Money.minor must be int, got {type(self.minor).__name__}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str | Decimal, currency: str) -> Money:
        """Parse a decimal amount in major units ('12.30') into minor units, refusing sub-minor digits."""
        currency = check_currency(currency)
        try:
            value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
        except InvalidOperation:
            raise InvalidInput(f"'{text}' is not an amount", fields={"amount": "not a number"}) from None
        if not value.is_finite():
            raise InvalidInput(f"'{text}' is not an amount", fields={"amount": "not a number"})
        scaled = value.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise InvalidInput(
                f"{text} has more decimals than {currency} allows ({exponent(currency)})",
                fields={"amount": "too many decimals"},
            )
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def times(self, quantity: int) -> Money:
        return Money(self.minor * quantity, self.currency)

    def share(self, numerator: int, denominator: int) -> Money:
        """numerator/denominator of this amount, rounded half-even to the minor unit."""
        if denominator <= 0:
            raise ValueError("denominator must be positive")
        q = (Decimal(self.minor) * numerator / denominator).quantize(Decimal(1), ROUND_HALF_EVEN)
        return Money(int(q), self.currency)

    def as_dict(self) -> dict[str, int | str]:
        return {"amount": self.minor, "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.to_decimal():f} {self.currency}"
