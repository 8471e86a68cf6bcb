"""How a partner call failed, in the two kinds a caller must tell apart."""

from __future__ import annotations


class PartnerError(Exception):
    """A partner call failed; `code` is the partner's stable error code (or ours when it sent none), `fields` what
    it said was wrong per field or item (e.g. out_of_stock: SKU -> "2 available"), empty when it said nothing."""

    def __init__(
        self,
        partner: str,
        code: str,
        detail: str = "",
        *,
        status: int | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{partner}: {code}" + (f" ({detail})" if detail else ""))
        self.partner = partner
        self.code = code
        self.detail = detail
        self.status = status
        self.fields: dict[str, str] = dict(fields or {})


class TransientPartnerError(PartnerError):
    """5xx, 429, timeout or unreachable: the outcome is unknown; retry with the SAME idempotency key."""


class PermanentPartnerError(PartnerError):
    """4xx: the partner refused this request; retrying it unchanged will fail the same way."""
