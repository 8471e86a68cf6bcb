"""The case lifecycle: allowed moves, terminal states, and who may cancel when."""

from __future__ import annotations

from itertools import pairwise

import pytest

from domain.case_states import (
    CLOSED,
    TERMINAL,
    TRANSITIONS,
    Actor,
    CaseStatus,
    allowed_next,
    can_cancel,
    check_cancel,
    check_transition,
    is_terminal,
)
from domain.errors import InvalidTransition

S = CaseStatus

HAPPY_PATHS = [
    [S.REQUESTED, S.APPROVED, S.AWAITING_SHIPMENT, S.IN_TRANSIT, S.RECEIVED, S.INSPECTED, S.RESOLVING, S.COMPLETED],
    [S.REQUESTED, S.PENDING_REVIEW, S.APPROVED, S.RESOLVING, S.COMPLETED],  # returnless after review
    [S.REQUESTED, S.APPROVED, S.AWAITING_SHIPMENT, S.IN_TRANSIT, S.CUSTOMS_HOLD, S.IN_TRANSIT, S.RECEIVED],
    [S.REQUESTED, S.REJECTED, S.PENDING_REVIEW, S.APPROVED],  # appeal
    [S.IN_TRANSIT, S.RESOLVING, S.COMPLETED],  # lost by the carrier
]


@pytest.mark.parametrize("path", HAPPY_PATHS)
def test_lifecycle_paths_are_allowed(path: list[CaseStatus]) -> None:
    for src, dst in pairwise(path):
        check_transition(src, dst)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (S.REQUESTED, S.RECEIVED),
        (S.REQUESTED, S.COMPLETED),
        (S.APPROVED, S.INSPECTED),
        (S.IN_TRANSIT, S.CANCELLED),  # the carrier has the parcel
        (S.RECEIVED, S.RESOLVING),  # inspection first
        (S.RESOLVING, S.CANCELLED),  # money is moving
        (S.COMPLETED, S.RESOLVING),
        (S.CANCELLED, S.REQUESTED),
        (S.REJECTED, S.COMPLETED),
        (S.IN_TRANSIT, S.IN_TRANSIT),
        ("received", "approved"),
    ],
)
def test_disallowed_moves_raise(src: CaseStatus | str, dst: CaseStatus | str) -> None:
    with pytest.raises(InvalidTransition) as err:
        check_transition(src, dst)
    assert err.value.code == "invalid_transition"


def test_table_covers_every_status_and_terminal_states_are_dead_ends() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)
    for status in CaseStatus:
        assert (not allowed_next(status)) is (status in TERMINAL)
        assert is_terminal(status) is (status in TERMINAL)
    assert S.REJECTED in CLOSED and S.REJECTED not in TERMINAL


def test_every_status_can_still_reach_an_end() -> None:
    for start in CaseStatus:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in TRANSITIONS[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert seen & TERMINAL, f"{start} can never finish"


CANCEL_TABLE = [
    (S.REQUESTED, Actor.CUSTOMER, True),
    (S.PENDING_REVIEW, Actor.CUSTOMER, True),
    (S.APPROVED, Actor.CUSTOMER, True),
    (S.AWAITING_SHIPMENT, Actor.CUSTOMER, True),
    (S.IN_TRANSIT, Actor.CUSTOMER, False),  # handed to the carrier
    (S.CUSTOMS_HOLD, Actor.CUSTOMER, False),
    (S.RECEIVED, Actor.CUSTOMER, False),
    (S.CUSTOMS_HOLD, Actor.AGENT, True),
    (S.IN_TRANSIT, Actor.AGENT, False),
    (S.RESOLVING, Actor.AGENT, False),
    (S.COMPLETED, Actor.AGENT, False),
    (S.AWAITING_SHIPMENT, Actor.SYSTEM, True),  # ship-by deadline passed
    (S.PENDING_REVIEW, Actor.SYSTEM, False),  # a late review is escalated, never silently cancelled
]


@pytest.mark.parametrize(("status", "actor", "allowed"), CANCEL_TABLE)
def test_who_may_cancel_when(status: CaseStatus, actor: Actor, allowed: bool) -> None:
    assert can_cancel(status, actor) is allowed
    if allowed:
        check_cancel(status, actor)
        check_transition(status, S.CANCELLED)
    else:
        with pytest.raises(InvalidTransition) as err:
            check_cancel(status, actor)
        assert err.value.code == "cancel_not_allowed"


@pytest.mark.parametrize("actor", list(Actor))
def test_cancellation_rights_match_the_transition_table(actor: Actor) -> None:
    for status in CaseStatus:
        if can_cancel(status, actor):
            assert S.CANCELLED in TRANSITIONS[status]
