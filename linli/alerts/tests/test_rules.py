"""The rules table, row by row (pure: no database)."""

from __future__ import annotations

import datetime

import pytest

from linli.alerts import rules
from linli.alerts.rules import CLEAR, CRITICAL, HEALTH, MAJOR, MINOR, RAISE, DeviceFacts, Event

ALONE = {"alone_elder": True}
QUARANTINE = {"home_quarantine": True}
NOTHING: dict[str, bool] = {}

# (kind, event type, value, facts) → the (action, condition, severity, team) decisions expected
RAISING = [
    ("fall", "fall", None, NOTHING, [(RAISE, "fall", CRITICAL, "grid")]),
    ("wearable", "fall", None, NOTHING, [(RAISE, "fall", CRITICAL, "grid")]),
    ("sos", "sos", None, NOTHING, [(RAISE, "sos", CRITICAL, "grid")]),
    ("wearable", "sos", None, NOTHING, [(RAISE, "sos", CRITICAL, "grid")]),
    ("smoke", "smoke", None, NOTHING, [(RAISE, "smoke", CRITICAL, "grid")]),
    ("gas", "gas", None, NOTHING, [(RAISE, "gas", CRITICAL, "grid")]),
    ("door", "door_open", None, QUARANTINE, [(RAISE, "door_quarantine", MAJOR, HEALTH), (CLEAR, "door_idle", MAJOR, "grid")]),
    ("door", "door_open", None, NOTHING, [(CLEAR, "door_idle", MAJOR, "grid")]),
    ("door", "door_close", None, QUARANTINE, [(CLEAR, "door_idle", MAJOR, "grid")]),
    ("wearable", "temperature", 37.3, QUARANTINE, [(RAISE, "fever", MAJOR, HEALTH)]),
    ("wearable", "temperature", 38.5, QUARANTINE, [(RAISE, "fever", MAJOR, HEALTH)]),
    ("wearable", "temperature", 38.5, NOTHING, []),
    ("wearable", "temperature", 37.2, QUARANTINE, [(CLEAR, "fever", MAJOR, "grid")]),
    ("wearable", "temperature", None, QUARANTINE, []),
    ("smoke", "clear", None, NOTHING, [(CLEAR, "smoke", CRITICAL, "grid")]),
    ("gas", "clear", None, NOTHING, [(CLEAR, "gas", CRITICAL, "grid")]),
    ("water", "water", 3.5, ALONE, [(CLEAR, "water_idle", MAJOR, "grid")]),
    ("water", "water", 0.0, ALONE, []),
    ("door", "heartbeat", None, NOTHING, []),
    ("fall", "battery", 12, NOTHING, []),
    ("doorbell", "ring", None, ALONE, []),
    # An event of a kind a rule does not name raises nothing (a doorbell cannot "fall").
    ("doorbell", "fall", None, NOTHING, []),
]


def _shape(decisions: list[rules.Decision]) -> list[tuple[str, str, str, str]]:
    # Any event of a device also tells that it is heard again: that clearing is checked apart.
    return [(d.action, d.condition, d.severity, d.team) for d in decisions if d.condition != "silent"]


@pytest.mark.parametrize(("kind", "type_", "value", "facts", "expected"), RAISING)
def test_each_event_row(kind: str, type_: str, value: float | None, facts: dict[str, bool],
                        expected: list[tuple[str, str, str, str]]) -> None:
    assert _shape(rules.evaluate(Event(kind, type_, value), facts)) == expected


@pytest.mark.parametrize("kind", ["door", "sos", "fall", "smoke", "gas", "wearable", "water", "doorbell"])
def test_any_event_clears_a_silent_device(kind: str) -> None:
    found = [d for d in rules.evaluate(Event(kind, "heartbeat"), NOTHING) if d.condition == "silent"]
    assert [(d.action, d.silent) for d in found] == [(CLEAR, True)]


def test_critical_conditions_never_clear_silently() -> None:
    for event in (Event("smoke", "clear"), Event("gas", "clear")):
        (decision,) = [d for d in rules.evaluate(event, NOTHING) if d.action == CLEAR and d.condition != "silent"]
        assert decision.severity == CRITICAL and decision.silent is False
    (fever,) = [d for d in rules.evaluate(Event("wearable", "temperature", 36.6), QUARANTINE) if d.condition == "fever"]
    assert fever.silent is True


def test_smoke_lists_the_neighbours_and_explains_itself() -> None:
    (smoke,) = [d for d in rules.evaluate(Event("smoke", "smoke"), NOTHING) if d.action == RAISE]
    assert smoke.list_neighbours
    (fever,) = [d for d in rules.evaluate(Event("wearable", "temperature", 38.1), QUARANTINE) if d.action == RAISE]
    explained = fever.explanation()
    assert explained["rule"] == "fever"
    assert explained["read"] == {"home_quarantine": True, "value": 38.1, "threshold": 37.3}
    assert "37.3" in explained["reason_zh"] and "37.3" in explained["reason_en"]


NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
HOURS = datetime.timedelta(hours=1)

# (kind, last activity, activated, facts) → conditions raised
ABSENCE = [
    ("door", NOW - 25 * HOURS, None, ALONE, ["door_idle"]),
    ("door", NOW - 24 * HOURS, None, ALONE, ["door_idle"]),
    ("door", NOW - 23 * HOURS, None, ALONE, []),
    ("door", NOW - 30 * HOURS, None, NOTHING, []),
    ("door", None, NOW - 30 * HOURS, ALONE, ["door_idle"]),
    ("door", None, None, ALONE, []),
    ("water", NOW - 26 * HOURS, None, ALONE, ["water_idle"]),
    ("water", NOW - 2 * HOURS, None, ALONE, []),
    ("smoke", NOW - 100 * HOURS, None, ALONE, []),
]


@pytest.mark.parametrize(("kind", "last", "since", "facts", "expected"), ABSENCE)
def test_each_absence_row(kind: str, last: datetime.datetime | None, since: datetime.datetime | None,
                          facts: dict[str, bool], expected: list[str]) -> None:
    found = rules.evaluate_absence(DeviceFacts(kind, last, since, facts), NOW)
    assert [d.condition for d in found] == expected
    for decision in found:
        assert decision.severity == MAJOR and decision.read["alone_elder"] is True
        assert decision.read["idle_hours"] >= 24


def test_silence_is_minor_for_every_kind() -> None:
    (decision,) = rules.evaluate_silence("door", 60)
    assert (decision.condition, decision.severity, decision.read) == ("silent", MINOR, {"heartbeat_minutes": 60})


def test_every_rule_names_known_facts_and_every_condition_has_a_severity() -> None:
    for rule in rules.RULES:
        assert set(rule.requires) <= set(rules.FACTS)
        assert rule.severity in (CRITICAL, MAJOR, MINOR)
        assert bool(rule.event) != bool(rule.absence_hours)
    for clearing in rules.CLEARINGS:
        assert clearing.condition in rules.SEVERITY_OF
    assert rules.absence_kinds() == {"door", "water"}
    assert rules.absence_hours("door") == 24
