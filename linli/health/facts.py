"""The facts the rules read (``linli.health.rules.FACTS``), computed in bulk from the records.

A street has a quarter of a million residents and, on a bad day, a few thousand with any
epidemic record at all. So facts are gathered with one query per kind of record over the
people concerned, and everyone without a record shares the same empty facts (the compiled
rule set turns identical facts into one shared decision).

Who must check in daily: people with an active quarantine order, and arrivals within the
last 14 days. Missing today's check-in counts only for them, and only after the deadline
(``LINLI_CHECKIN_DEADLINE_HOUR``, 10:00 by default).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from linli.health.models import (
    Arrival,
    Case,
    CheckIn,
    HealthStatus,
    LabOutcome,
    LabResult,
    OrderStatus,
    QuarantineOrder,
    RiskArea,
    RiskLevel,
)

FEVER = Decimal("37.3")
ARRIVAL_WATCH_DAYS = 14
LOOKBACK_DAYS = 28  # far enough back for every default rule (14 days) and the streak (≤ 28)


def deadline_hour() -> int:
    return int(getattr(settings, "LINLI_CHECKIN_DEADLINE_HOUR", 10))


def region_prefix(code: str) -> str:
    """``310000`` → ``31``, ``310115000`` → ``310115``: trailing zero pairs of a GB/T 2260
    code (and the township's three zeros) mean "the whole region"."""
    code = code.strip()
    if len(code) > 6 and code[6:].strip("0") == "":
        code = code[:6]
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


@dataclass
class RiskMap:
    """The risk areas valid on one day, looked up by the longest matching region prefix."""

    levels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def on(cls, day: datetime.date) -> RiskMap:
        areas = RiskArea.objects.filter(valid_from__lte=day).exclude(valid_to__lt=day)
        levels: dict[str, str] = {}
        rank = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
        for code, level in areas.values_list("region_code", "level"):
            prefix = region_prefix(code)
            if prefix not in levels or rank[RiskLevel(level)] > rank[RiskLevel(levels[prefix])]:
                levels[prefix] = level
        return cls(levels)

    def level_of(self, origin_code: str) -> str | None:
        code = origin_code.strip()
        for end in range(len(code), 1, -1):
            level = self.levels.get(code[:end])
            if level is not None:
                return level
        return None


def _days(today: datetime.date, day: datetime.date | None) -> int | None:
    return None if day is None else max((today - day).days, 0)


def _latest(pairs: Iterable[tuple[int, datetime.date]]) -> dict[int, datetime.date]:
    latest: dict[int, datetime.date] = {}
    for person_id, day in pairs:
        if person_id not in latest or day > latest[person_id]:
            latest[person_id] = day
    return latest


def _streak(days: set[datetime.date], today: datetime.date) -> int:
    """Consecutive normal check-in days ending today (or yesterday, before today's)."""
    day = today if today in days else today - datetime.timedelta(days=1)
    count = 0
    while day in days and count < LOOKBACK_DAYS:
        count += 1
        day -= datetime.timedelta(days=1)
    return count


def gather(person_ids: list[int] | None, *, now: datetime.datetime | None = None,
           risk: RiskMap | None = None) -> dict[int, dict[str, Any]]:
    """Facts for the people with any epidemic record (``person_ids`` None: the whole
    database; else only those). People left out have no record: their facts are
    :data:`EMPTY` with their previous colour."""
    now = timezone.localtime(now)
    today = now.date()
    since = today - datetime.timedelta(days=LOOKBACK_DAYS)
    risk = risk or RiskMap.on(today)

    def only(queryset: Any) -> Any:
        return queryset if person_ids is None else queryset.filter(person_id__in=person_ids)

    facts: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    for person_id in only(Case.objects.all()).values_list("person_id", flat=True):
        facts[person_id]["confirmed"] = True
    tests = only(LabResult.objects.filter(sampled_on__gte=since)).order_by("sampled_on", "pk")
    last_test: dict[int, tuple[datetime.date, str]] = {}
    positive: list[tuple[int, datetime.date]] = []
    for person_id, day, outcome in tests.values_list("person_id", "sampled_on", "outcome"):
        last_test[person_id] = (day, outcome)
        if outcome == LabOutcome.POSITIVE:
            positive.append((person_id, day))
    for person_id, day in _latest(positive).items():
        facts[person_id]["days_since_positive_test"] = _days(today, day)
    for person_id, (day, outcome) in last_test.items():
        facts[person_id]["last_test_negative"] = outcome == LabOutcome.NEGATIVE
        if outcome == LabOutcome.NEGATIVE:
            facts[person_id]["days_since_last_negative_test"] = _days(today, day)

    orders = only(QuarantineOrder.objects.exclude(status=OrderStatus.CANCELLED).filter(end_date__gte=since))
    must_check_in: set[int] = set()
    contacts: dict[str, list[tuple[int, datetime.date]]] = {"close_contact": [], "secondary_contact": []}
    for person_id, reason, start, status, basis in orders.values_list(
            "person_id", "reason", "start_date", "status", "start_basis"):
        if status == OrderStatus.ACTIVE:
            facts[person_id]["quarantine_completed"] = False
            must_check_in.add(person_id)
        if reason in contacts and basis == "exposure":
            contacts[reason].append((person_id, start))
    for reason, pairs in contacts.items():
        for person_id, day in _latest(pairs).items():
            facts[person_id][f"days_since_{reason}"] = _days(today, day)

    watch_from = today - datetime.timedelta(days=ARRIVAL_WATCH_DAYS)
    high_risk: list[tuple[int, datetime.date]] = []
    for person_id, origin, arrived in only(Arrival.objects.filter(arrived_on__gte=watch_from)).values_list(
            "person_id", "origin_code", "arrived_on"):
        must_check_in.add(person_id)
        facts.setdefault(person_id, {})  # an arrival alone is a record: the person gets a row
        if risk.level_of(origin) == RiskLevel.HIGH:
            high_risk.append((person_id, arrived))
    for person_id, day in _latest(high_risk).items():
        facts[person_id]["days_since_high_risk_arrival"] = _days(today, day)

    normal: defaultdict[int, set[datetime.date]] = defaultdict(set)
    checked_today: set[int] = set()
    for person_id, day, temperature in only(CheckIn.objects.filter(day__gte=since)).values_list(
            "person_id", "day", "temperature"):
        if day == today:
            checked_today.add(person_id)
            current = facts[person_id].get("max_temperature_today")
            facts[person_id]["max_temperature_today"] = max(float(temperature), current or 0.0)
        if temperature < FEVER:
            normal[person_id].add(day)
        else:
            facts.setdefault(person_id, {})  # a fever is a record too
    for person_id, days in normal.items():
        facts[person_id]["consecutive_normal_checkins"] = _streak(days, today)
    if now.hour >= deadline_hour():
        for person_id in must_check_in - checked_today:
            facts[person_id]["missed_checkin"] = True

    previous = HealthStatus.objects.all() if person_ids is None else \
        HealthStatus.objects.filter(person_id__in=person_ids)
    for person_id, colour in previous.values_list("person_id", "colour"):
        facts[person_id]["previous_colour"] = colour
    return {person_id: {**EMPTY, **values} for person_id, values in facts.items()}


EMPTY: dict[str, Any] = {
    "confirmed": False, "days_since_positive_test": None, "days_since_close_contact": None,
    "days_since_secondary_contact": None, "days_since_high_risk_arrival": None, "max_temperature_today": None,
    "missed_checkin": False, "previous_colour": None, "quarantine_completed": True,
    "consecutive_normal_checkins": 0, "last_test_negative": False, "days_since_last_negative_test": None,
}
