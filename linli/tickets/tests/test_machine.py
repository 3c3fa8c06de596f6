"""The state table, move by move from every state."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from linli.tickets import machine
from linli.tickets.models import Status

EXPECTED = {
    # (move, from) → to; every pair not listed is refused
    ("accept", "new"): "accepted",
    ("note", "new"): "new", ("note", "accepted"): "accepted",
    ("transfer", "new"): "new", ("transfer", "accepted"): "new",
    ("return", "new"): "new", ("return", "accepted"): "new",
    ("assign", "new"): "new", ("assign", "accepted"): "new",
    ("resolve", "accepted"): "resolved",
    ("close_unfixed", "new"): "unresolvable", ("close_unfixed", "accepted"): "unresolvable",
    ("merge", "new"): "merged", ("merge", "accepted"): "merged",
    ("rate", "resolved"): "closed", ("rate", "closed"): "closed", ("rate", "unresolvable"): "closed",
    ("reopen", "resolved"): "new", ("reopen", "closed"): "new", ("reopen", "unresolvable"): "new",
    ("auto_close", "resolved"): "closed",
    ("follow_resolved", "merged"): "merged",
    ("take_delivery", "new"): "accepted", ("take_delivery", "accepted"): "accepted",
    ("delivery_step", "new"): "new", ("delivery_step", "accepted"): "accepted",
    ("confirm_receipt", "new"): "resolved", ("confirm_receipt", "accepted"): "resolved",
}


@pytest.mark.parametrize("move", sorted(machine.MOVES))
@pytest.mark.parametrize("status", Status.values)
def test_every_move_from_every_state(move: str, status: str) -> None:
    expected = EXPECTED.get((move, status))
    if expected is None:
        with pytest.raises(ValidationError) as refused:
            machine.check(move, status)
        assert refused.value.code == "ticket_state"
    else:
        assert machine.check(move, status) == expected


def test_table_and_expectations_agree() -> None:
    assert {move for move, _ in EXPECTED} == set(machine.MOVES)
    assert set(machine.MOVE_NAMES) == set(machine.MOVES)


def test_refusal_says_the_state_in_words() -> None:
    with pytest.raises(ValidationError) as refused:
        machine.check("resolve", "closed")
    assert str(refused.value.messages[0]) == "这条诉求目前的状态是“已关闭”，不能办结。"
    with translation.override("en"):
        assert str(refused.value.messages[0]) == "This request is now “closed”: you cannot resolve it."


def test_allowed_moves() -> None:
    assert set(machine.allowed_moves("resolved")) == {"rate", "reopen", "auto_close"}
    assert machine.allowed_moves("merged") == ["follow_resolved"]
