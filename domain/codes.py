"""Stable codes for refusals and review triggers; domain.messages renders each for customers."""

from __future__ import annotations

from enum import StrEnum


class RefusalCode(StrEnum):
    WINDOW_EXPIRED = "window_expired"  # params: deadline (ISO date)
    NOT_DELIVERED = "not_delivered"
    EXCLUDED_TAG = "excluded_tag"  # params: tag
    QUANTITY_EXCEEDS_REMAINING = "quantity_exceeds_remaining"  # params: requested, remaining
    ALREADY_RETURNED = "already_returned"  # nothing left of the line to return
    UNKNOWN_LINE = "unknown_line"  # params: line_id
    DUPLICATE_LINE = "duplicate_line"  # params: line_id
    INVALID_QUANTITY = "invalid_quantity"  # params: quantity
    RESOLUTION_NOT_ALLOWED = "resolution_not_allowed"  # params: resolution, allowed (comma-separated)
    KEEP_IT_ABOVE_THRESHOLD = "keep_it_above_threshold"  # params: threshold (Money text)
    EMPTY_REQUEST = "empty_request"
    NO_ELIGIBLE_ITEMS = "no_eligible_items"


class ReviewCode(StrEnum):
    HIGH_VALUE = "high_value"  # params: threshold
    HIGH_RETURN_RATE = "high_return_rate"
    BLOCKLISTED = "blocklisted"
    EMPTY_BOX_HISTORY = "empty_box_history"
    MANUAL_APPROVAL = "manual_approval"  # auto-approval switched off for the market
    UNKNOWN_FAULT = "unknown_fault"  # reason `other`: an agent decides who is at fault
    FAULT_CLAIM_ON_EXCLUDED_ITEM = "fault_claim_on_excluded_item"  # params: tag
