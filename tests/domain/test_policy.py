"""The policy document: defaults per market, lookup, validation, JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from domain.orders import Tag
from domain.policy import (
    EU_MEMBER_STATES,
    LawBasis,
    MarketPolicy,
    MerchantPolicy,
    Payer,
    Sla,
    default_policy,
    window_end,
)
from domain.reasons import Fault


def test_default_policy_round_trips_through_json() -> None:
    policy = default_policy()
    text = json.dumps(policy.model_dump(mode="json"))
    assert MerchantPolicy.model_validate(json.loads(text)) == policy
    assert MerchantPolicy.model_validate_json(policy.model_dump_json()) == policy


def test_market_snapshot_is_json_and_stamped() -> None:
    snap = default_policy("2026-03").for_market("cn")
    data = snap.model_dump(mode="json")
    assert data["country"] == "CN" and data["policy_version"] == "2026-03"
    assert MarketPolicy.model_validate(json.loads(json.dumps(data))) == snap
    assert "blocklist" not in data  # other customers' emails never travel with a case


@pytest.mark.parametrize(
    ("country", "law", "days", "final_sale_excluded"),
    [
        ("CN", LawBasis.CN_NO_REASON_7D, 7, True),
        ("TW", LawBasis.TW_COOLING_OFF_7D, 7, False),
        ("DE", LawBasis.EU_WITHDRAWAL_14D, 14, False),
        ("GR", LawBasis.EU_WITHDRAWAL_14D, 14, False),
        ("NO", LawBasis.EU_WITHDRAWAL_14D, 14, False),  # EEA: the directive applies
        ("GB", LawBasis.MERCHANT, 30, True),  # left the EU
        ("CH", LawBasis.MERCHANT, 30, True),
        ("US", LawBasis.MERCHANT, 30, True),
        ("HK", LawBasis.MERCHANT, 30, True),
    ],
)
def test_default_rules_per_market(country: str, law: LawBasis, days: int, final_sale_excluded: bool) -> None:
    m = default_policy().for_market(country)
    assert (m.law_basis, m.window_days) == (law, days)
    assert (Tag.FINAL_SALE in m.excluded_tags) is final_sale_excluded
    assert {Tag.PERISHABLE, Tag.CUSTOMIZED, Tag.DIGITAL, Tag.GIFT_CARD} <= set(m.excluded_tags)
    assert Tag.THREE_GUARANTEES not in m.excluded_tags


def test_statutory_refund_clocks() -> None:
    policy = default_policy()
    cn, eu = policy.for_market("CN").sla, policy.for_market("FR").sla
    t = datetime(2026, 3, 1, tzinfo=UTC)
    assert cn.refund_due(requested_at=t, received_at=None) is None
    assert cn.refund_due(requested_at=t, received_at=t + timedelta(days=3)) == t + timedelta(days=10)
    assert eu.refund_due(requested_at=t, received_at=None) == t + timedelta(days=14)


def test_eu_list_has_the_27_member_states() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert {"DE", "FR", "GR", "HR", "HU", "IE"} <= EU_MEMBER_STATES
    assert not {"GB", "CH", "NO", "EL"} & EU_MEMBER_STATES


def test_taiwan_cooling_off_costs_the_customer_nothing() -> None:
    tw = default_policy().for_market("TW")
    assert tw.return_postage.payer(Fault.CUSTOMER) is Payer.MERCHANT
    assert default_policy().for_market("CN").return_postage.payer(Fault.CUSTOMER) is Payer.CUSTOMER


def test_country_rule_wins_over_eu_and_default() -> None:
    policy = default_policy()
    data = policy.model_dump(mode="json")
    data["markets"]["FR"] = {**data["eu"], "window_days": 30}
    custom = MerchantPolicy.model_validate(data)
    assert custom.for_market("FR").window_days == 30
    assert custom.for_market("DE").window_days == 14


@pytest.mark.parametrize(
    "change",
    [
        {"law_basis": "eu_withdrawal_14d", "window_days": 10},  # shorter than the law allows
        {"law_basis": "cn_no_reason_7d", "category_window_days": {"food": 3}},
        {"restocking_fee_bp": 10_001},
        {"returnless_threshold": {"ABC": 100}},
        {"returnless_threshold": {"CNY": -1}},
        {"excluded_tags": ["not_a_tag"]},
        {"law_basis": "uk_14d"},
        {"unknown_field": 1},
        {"sla": {"ship_by_days": 3, "ship_by_reminder_days": 3}},
    ],
)
def test_invalid_market_rules_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MarketPolicy.model_validate({**MarketPolicy().model_dump(), **change})


def test_market_keys_must_be_countries() -> None:
    with pytest.raises(ValidationError):
        MerchantPolicy(version="1", default=MarketPolicy(), markets={"EUR": MarketPolicy()})
    assert set(MerchantPolicy(version="1", default=MarketPolicy(), markets={"tw": MarketPolicy()}).markets) == {"TW"}


@pytest.mark.parametrize(
    ("email", "listed"),
    [("Bad@Example.com", True), ("bad@example.com ", True), ("good@example.com", False), ("x@spam.test", True)],
)
def test_blocklist_matches_emails_and_domains(email: str, listed: bool) -> None:
    policy = MerchantPolicy(version="1", default=MarketPolicy(), blocklist=("BAD@example.com", "@spam.test"))
    assert policy.is_blocklisted(email) is listed


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        # Delivered late in the evening: the whole 7th following day still counts, in the delivery's offset.
        (
            datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=8))),
            7,
            datetime(2026, 3, 10, 0, 0, tzinfo=timezone(timedelta(hours=8))),
        ),
        (datetime(2026, 12, 25, 9, 0, tzinfo=UTC), 14, datetime(2027, 1, 9, 0, 0, tzinfo=UTC)),
    ],
)
def test_window_end_is_end_of_the_last_day(start: datetime, days: int, end: datetime) -> None:
    assert window_end(start, days) == end


def test_sla_timers() -> None:
    sla = Sla(ship_by_days=10, ship_by_reminder_days=2, review_sla_hours=24)
    t = datetime(2026, 3, 1, tzinfo=UTC)
    assert sla.ship_by(t) == t + timedelta(days=10)
    assert sla.ship_by_reminder(t) == t + timedelta(days=8)
    assert sla.review_due(t) == t + timedelta(hours=24)
    assert sla.claim_due(t) == t + timedelta(days=30)
