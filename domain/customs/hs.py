"""Harmonized System codes: the 6-digit WCO subheading plus an optional national extension (up to 10 digits)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"^\d{6}(\d{2}){0,2}$")  # 6, 8 or 10 digits


@dataclass(frozen=True, slots=True)
class HsCode:
    digits: str

    @property
    def chapter(self) -> str:
        return self.digits[:2]

    @property
    def heading(self) -> str:
        return self.digits[:4]

    @property
    def subheading(self) -> str:
        """The internationally harmonised part, the same in every country."""
        return self.digits[:6]

    @property
    def national(self) -> str:
        return self.digits[6:]

    def __str__(self) -> str:
        d = self.digits
        return f"{d[:4]}.{d[4:6]}" + (f".{d[6:]}" if len(d) > 6 else "")


def parse_hs(text: str, field: str = "hs_code") -> HsCode:
    """Accept '6109.10', '610910', '6109 10 00 10'; refuse anything that is not 6, 8 or 10 digits."""
    digits = _SEPARATORS.sub("", text or "")
    if not _DIGITS.match(digits):
        raise InvalidInput(
            f"'{text}' is not an HS code: use the 6-digit subheading, optionally with a national extension "
            "(8 or 10 digits), e.g. 6109.10",
            code="invalid_hs_code",
            fields={field: "6, 8 or 10 digits"},
        )
    return HsCode(digits)
