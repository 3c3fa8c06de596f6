"""Which device events raise an alert, which clear one, and why: the rules as data.

Pure standard-library Python (no Django), so the table can be read, tested and benchmarked
alone. The Django layer (``linli.alerts.intake``) gathers the *facts* of each device in bulk
(does the device's flat belong to an elder living alone? is a home quarantine order active
for its person or house?) and turns each :class:`Decision` into an alert, an attached event
or a clearing.

A :class:`Rule` row says: for these device kinds, on this event type (or on an *absence*: no
activity for ``absence_hours``; or on the device falling silent), when the value is within
the thresholds and the required facts hold, raise this condition with this severity for this
team. A :class:`Clearing` row says which event ends a condition. Every decision carries its
explanation like the health code's: the rule's id, its sentence in Chinese and English, and
the facts and value it read, so the alert's page can say in words why it was raised.

Critical conditions never clear silently: a clearing of a critical condition is returned
(so the alert's timeline says the device reports it over) but with ``silent=False``, and the
alert waits for a person to resolve it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CRITICAL, MAJOR, MINOR = "critical", "major", "minor"
GRID, HEALTH = "grid", "health"
RAISE, CLEAR = "raise", "clear"
SILENCE = "silence"  # the pseudo event of a device that stopped reporting
ANY = "*"  # any event of the device (a silent device heard again)

# The facts a rule may require (gathered per device by the intake).
FACTS: dict[str, tuple[str, str]] = {
    "alone_elder": ("独居老人的住户", "the flat of an elder living alone"),
    "home_quarantine": ("居家隔离令生效中", "a home quarantine order is active"),
}

FEVER_THRESHOLD = 37.3


@dataclass(frozen=True)
class Rule:
    id: str
    kinds: tuple[str, ...]
    condition: str
    severity: str
    reason_zh: str
    reason_en: str
    event: str = ""  # the event type that raises it; "" for an absence rule
    absence_hours: int = 0  # > 0: raised when the device has shown no activity for this long
    min_value: float | None = None  # the event's value must be at least this
    requires: tuple[str, ...] = ()  # facts that must hold
    team: str = GRID
    list_neighbours: bool = False  # the alert lists the building's other households


@dataclass(frozen=True)
class Clearing:
    id: str
    kinds: tuple[str, ...]
    condition: str
    event: str  # the event type that ends the condition, or ANY
    reason_zh: str
    reason_en: str
    below: float | None = None  # the value must be below this (a temperature back to normal)
    above: float | None = None  # the value must be above this (water used)


RULES: tuple[Rule, ...] = (
    Rule("fall", ("fall", "wearable"), "fall", CRITICAL, "设备报告跌倒。", "The device reported a fall.", event="fall"),
    Rule("sos", ("sos", "wearable"), "sos", CRITICAL, "按下了紧急呼叫。", "The SOS button was pressed.", event="sos"),
    Rule("smoke", ("smoke",), "smoke", CRITICAL, "烟感报警：请同时通知本楼其他住户。",
         "The smoke detector went off: warn the building's other households too.", event="smoke",
         list_neighbours=True),
    Rule("gas", ("gas",), "gas", CRITICAL, "燃气泄漏报警。", "The gas detector went off.", event="gas"),
    Rule("door_quarantine", ("door",), "door_quarantine", MAJOR, "居家隔离期间开门。",
         "The door was opened during a home quarantine order.", event="door_open",
         requires=("home_quarantine",), team=HEALTH),
    Rule("fever", ("wearable",), "fever", MAJOR, "隔离人员体温不低于37.3°C。",
         "A person in quarantine has a temperature of 37.3 °C or more.", event="temperature",
         min_value=FEVER_THRESHOLD, requires=("home_quarantine",), team=HEALTH),
    Rule("door_idle", ("door",), "door_idle", MAJOR, "独居老人家门24小时未开。",
         "The door of an elder living alone has not opened for 24 hours.", absence_hours=24,
         requires=("alone_elder",)),
    Rule("water_idle", ("water",), "water_idle", MAJOR, "独居老人家24小时未用水。",
         "No water has been used for 24 hours in the flat of an elder living alone.", absence_hours=24,
         requires=("alone_elder",)),
    Rule("silent", (ANY,), "silent", MINOR, "设备超过心跳周期未上报。",
         "The device has not reported for longer than its heartbeat.", event=SILENCE),
)

CLEARINGS: tuple[Clearing, ...] = (
    Clearing("smoke_clear", ("smoke",), "smoke", "clear", "烟感报告已恢复正常。", "The smoke detector reports clear."),
    Clearing("gas_clear", ("gas",), "gas", "clear", "燃气报警器报告已恢复正常。", "The gas detector reports clear."),
    Clearing("fever_clear", ("wearable",), "fever", "temperature", "体温已低于37.3°C。",
             "The temperature is back below 37.3 °C.", below=FEVER_THRESHOLD),
    Clearing("door_open_clears_idle", ("door",), "door_idle", "door_open", "家门已打开。", "The door was opened."),
    Clearing("door_close_clears_idle", ("door",), "door_idle", "door_close", "家门已有开关。", "The door moved."),
    Clearing("water_clears_idle", ("water",), "water_idle", "water", "已用水。", "Water was used.", above=0),
    Clearing("heard_again", (ANY,), "silent", ANY, "设备恢复上报。", "The device reports again."),
)

SEVERITY_OF = {rule.condition: rule.severity for rule in RULES}


@dataclass(frozen=True)
class Event:
    kind: str
    type: str
    value: float | None = None


@dataclass(frozen=True)
class DeviceFacts:
    """What the absence rules read about one device."""

    kind: str
    last_activity_at: datetime.datetime | None
    since: datetime.datetime | None = None  # activation: the clock starts here when nothing moved yet
    facts: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    action: str  # RAISE or CLEAR
    rule: str
    condition: str
    severity: str = ""
    team: str = GRID
    silent: bool = True  # a clearing that may close the alert on its own (never for critical)
    list_neighbours: bool = False
    reason_zh: str = ""
    reason_en: str = ""
    read: Mapping[str, Any] = field(default_factory=dict)  # the facts and the value the rule read

    def explanation(self) -> dict[str, Any]:
        """What the alert's page shows: the rule, its sentence, and what it read."""
        return {"rule": self.rule, "reason_zh": self.reason_zh, "reason_en": self.reason_en, "read": dict(self.read)}


def _kind_matches(kinds: tuple[str, ...], kind: str) -> bool:
    return ANY in kinds or kind in kinds


def _facts_hold(rule: Rule, facts: Mapping[str, bool]) -> bool:
    return all(bool(facts.get(name)) for name in rule.requires)


def _raise(rule: Rule, read: dict[str, Any]) -> Decision:
    return Decision(RAISE, rule.id, rule.condition, rule.severity, rule.team, list_neighbours=rule.list_neighbours,
                    reason_zh=rule.reason_zh, reason_en=rule.reason_en, read=read)


def _clear(clearing: Clearing, read: dict[str, Any]) -> Decision:
    severity = SEVERITY_OF.get(clearing.condition, MINOR)
    return Decision(CLEAR, clearing.id, clearing.condition, severity, silent=severity != CRITICAL,
                    reason_zh=clearing.reason_zh, reason_en=clearing.reason_en, read=read)


# Event types some rule or clearing reads (anything else only clears a silent device).
_RAISING = {rule.event for rule in RULES if rule.event and rule.event != SILENCE}
_CLEARING = {c.event for c in CLEARINGS if c.event != ANY}
INTERESTING = frozenset(_RAISING | _CLEARING)


def evaluate(event: Event, facts: Mapping[str, bool]) -> list[Decision]:
    """The raisings and clearings one event causes, in table order."""
    found: list[Decision] = []
    if event.type in _RAISING:
        for rule in RULES:
            if rule.event != event.type or not _kind_matches(rule.kinds, event.kind):
                continue
            if rule.min_value is not None and (event.value is None or event.value < rule.min_value):
                continue
            if not _facts_hold(rule, facts):
                continue
            read: dict[str, Any] = {name: True for name in rule.requires}
            if event.value is not None:
                read["value"] = event.value
            if rule.min_value is not None:
                read["threshold"] = rule.min_value
            found.append(_raise(rule, read))
    for clearing in CLEARINGS:
        if clearing.event not in (ANY, event.type) or not _kind_matches(clearing.kinds, event.kind):
            continue
        if clearing.below is not None and (event.value is None or event.value >= clearing.below):
            continue
        if clearing.above is not None and (event.value is None or event.value <= clearing.above):
            continue
        read = {} if event.value is None else {"value": event.value}
        found.append(_clear(clearing, read))
    return found


def evaluate_absence(device: DeviceFacts, now: datetime.datetime) -> list[Decision]:
    """The absence rules that hold for a device now: no activity for the rule's hours, counted
    from the last activity, or from activation when nothing moved since (an unknown start
    raises nothing)."""
    start = device.last_activity_at or device.since
    if start is None:
        return []
    idle = now - start
    found = []
    for rule in RULES:
        if rule.absence_hours <= 0 or not _kind_matches(rule.kinds, device.kind) or ANY in rule.kinds:
            continue
        if idle < datetime.timedelta(hours=rule.absence_hours) or not _facts_hold(rule, device.facts):
            continue
        read: dict[str, Any] = {name: True for name in rule.requires}
        read["idle_hours"] = int(idle.total_seconds() // 3600)
        read["hours"] = rule.absence_hours
        found.append(_raise(rule, read))
    return found


def evaluate_silence(kind: str, heartbeat_minutes: int) -> list[Decision]:
    """A device silent for longer than its kind's heartbeat."""
    return [_raise(rule, {"heartbeat_minutes": heartbeat_minutes}) for rule in RULES
            if rule.event == SILENCE and _kind_matches(rule.kinds, kind)]


def absence_kinds() -> set[str]:
    """The device kinds an absence rule watches (the periodic sweep reads only these)."""
    return {kind for rule in RULES if rule.absence_hours > 0 for kind in rule.kinds if kind != ANY}


def absence_hours(kind: str) -> int:
    hours = [rule.absence_hours for rule in RULES if rule.absence_hours > 0 and kind in rule.kinds]
    return min(hours) if hours else 0
