"""From stored device events to alerts (registered with ``linli.devices.hooks``).

A batch of events costs a fixed number of queries whatever its size: the facts of its devices
(which persons are elders living alone, which persons or houses are under an active home
quarantine order) and the open alerts of its houses are read once; the rules
(``linli.alerts.rules``) run in memory; then only the events that raise or clear something
write. Events for a house and condition already open attach to the open alert (one timeline
line per batch, the count and the last event time updated).

The absence rules ("door not opened for 24 h") are not caused by an event: :func:`sweep_absence`
runs periodically over the devices' last activity.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from linli.alerts import actions, rules
from linli.alerts.models import OPEN_STATES, Alert, Condition
from linli.alerts.raising import raise_many
from linli.people.models import Person
from linli.people.search import group_token
from linli.places.models import Place

ALONE_ELDER = "alone_elder"


def _facts(devices: Sequence[Any]) -> dict[int, dict[str, bool]]:
    """device id → the facts the rules read, for all the devices at once (two queries)."""
    from linli.health.models import OrderKind, OrderStatus, QuarantineOrder

    persons = {d.person_id for d in devices if d.person_id}
    houses = {d.house_id for d in devices}
    alone_people: set[int] = set()
    alone_houses: set[int] = set()
    for pk, house in (Person.objects.filter(Q(pk__in=persons) | Q(current_house_id__in=houses), is_active=True,
                                            special_groups_index__contains=group_token(ALONE_ELDER))
                      .values_list("pk", "current_house_id")):
        alone_people.add(pk)
        if house:
            alone_houses.add(house)
    quarantined_people: set[int] = set()
    quarantined_houses: set[int] = set()
    orders = QuarantineOrder.objects.filter(kind=OrderKind.HOME, status=OrderStatus.ACTIVE).filter(
        Q(person_id__in=persons) | Q(person__current_house_id__in=houses))
    for pk, house in orders.values_list("person_id", "person__current_house_id"):
        quarantined_people.add(pk)
        if house:
            quarantined_houses.add(house)
    found = {}
    for d in devices:
        if d.person_id:
            alone = d.person_id in alone_people
            quarantine = d.person_id in quarantined_people or d.house_id in quarantined_houses
        else:
            alone, quarantine = d.house_id in alone_houses, d.house_id in quarantined_houses
        found[d.pk] = {"alone_elder": alone, "home_quarantine": quarantine}
    return found


def handle_events(events: Sequence[Any]) -> None:
    """The ``on_events`` hook: ``events`` are new DeviceEvents with their devices loaded."""
    if not events:
        return
    # The facts only of the devices whose events the rules read (a batch is mostly heartbeats).
    devices = {e.device_id: e.device for e in events if e.type in rules.INTERESTING}
    facts = _facts(list(devices.values())) if devices else {}
    # (house id, condition) → the decisions and the events behind them, in event order
    raising: dict[tuple[int, str], list[tuple[rules.Decision, Any]]] = defaultdict(list)
    clearing: dict[tuple[int, str], tuple[rules.Decision, Any]] = {}
    silent_houses = set()
    for event in events:
        device = event.device
        if event.type not in rules.INTERESTING:
            silent_houses.add(device.house_id)  # might clear a "device silent" alert
            continue
        for decision in rules.evaluate(rules.Event(device.kind_id, event.type, event.value), facts.get(device.pk, {})):
            key = (device.house_id, decision.condition)
            if decision.action == rules.RAISE:
                raising[key].append((decision, event))
                clearing.pop(key, None)  # a later raise wins over an earlier clear
            elif decision.condition == Condition.SILENT:
                silent_houses.add(device.house_id)
            else:
                clearing[key] = (decision, event)
    houses = {h for h, _ in raising} | {h for h, _ in clearing} | silent_houses
    if not houses:
        return
    open_alerts = {(a.house_id, a.condition): a for a in Alert.objects.filter(
        house_id__in=houses, state__in=OPEN_STATES, is_drill=False).select_related("house")}
    _raise_all(raising, open_alerts)
    _clear_all(clearing, open_alerts, events, silent_houses)


def _raise_all(raising: dict[tuple[int, str], list[tuple[rules.Decision, Any]]],
               open_alerts: dict[tuple[int, str], Alert]) -> None:
    """Attach to the open alerts; raise the new ones together (a burst of falls in one batch)."""
    new = [key for key in raising if key not in open_alerts]
    houses = Place.objects.in_bulk({house for house, _condition in new})
    specs = []
    for key in new:
        decision, first = raising[key][0]
        explanation = decision.explanation()
        if decision.list_neighbours:
            explanation["neighbours"] = neighbours(houses[first.device.house_id])
        device = first.device
        specs.append(actions.Raise(
            house=houses[device.house_id], condition=decision.condition, severity=decision.severity,
            at=first.occurred_at, team=decision.team, person_id=device.person_id, device_id=device.pk,
            explanation=explanation))
    raised = dict(zip(new, raise_many(specs), strict=True))
    for key, found in raising.items():
        decision, _first = found[0]
        last_at = max(e.occurred_at for _, e in found)
        existing = open_alerts.get(key)
        if existing is not None:
            actions._attach(existing, at=last_at, events=len(found), data={"rule": decision.rule})
            continue
        alert, created = raised[key]
        if created and len(found) > 1:
            actions._attach(alert, at=last_at, events=len(found) - 1)
        open_alerts[key] = alert


def _clear_all(clearing: dict[tuple[int, str], tuple[rules.Decision, Any]], open_alerts: dict[tuple[int, str], Alert],
               events: Sequence[Any], silent_houses: set[int]) -> None:
    for key, (decision, event) in clearing.items():
        alert = open_alerts.get(key)
        if alert is not None and event.occurred_at >= alert.opened_at:
            actions.do_clear(alert, at=event.occurred_at, reason=decision.explanation())
    # A device heard again clears its own "silent" alert.
    if silent_houses:
        heard = {e.device_id: e.occurred_at for e in events}
        for (house, condition), alert in open_alerts.items():
            if condition == Condition.SILENT and house in silent_houses and alert.device_id in heard:
                reason = {"rule": "heard_again", "reason_zh": "设备恢复上报。", "reason_en": "The device reports again."}
                actions.do_clear(alert, at=max(heard[alert.device_id], alert.opened_at), reason=reason)


def neighbours(house: Any) -> list[str]:
    """The building's other households (short addresses), for a smoke alert."""
    from linli.places.models import Level, Place
    from linli.tasks.targets import addresses, building_path

    building = building_path(house.path)
    if not building:
        return []
    paths = list(Place.objects.filter(path__startswith=building, level=Level.HOUSE).exclude(pk=house.pk)
                 .order_by("path").values_list("path", flat=True)[:200])
    names = addresses(paths)
    return [names[p] for p in paths]


def handle_silence(devices: Sequence[Any]) -> None:
    """The ``on_silence`` hook: active devices silent for longer than their heartbeat."""
    if not devices:
        return
    now = timezone.now()
    open_silent = set(Alert.objects.filter(house_id__in={d.house_id for d in devices}, condition=Condition.SILENT,
                                           state__in=OPEN_STATES, is_drill=False).values_list("house_id", flat=True))
    specs = []
    for device in devices:
        if device.house_id in open_silent:
            continue
        for decision in rules.evaluate_silence(device.kind_id, device.kind.heartbeat_minutes):
            explanation = decision.explanation()
            explanation["read"]["last_seen_at"] = device.last_seen_at.isoformat() if device.last_seen_at else None
            specs.append(actions.Raise(house=device.house, condition=decision.condition, severity=decision.severity,
                                       at=now, team=decision.team, person_id=device.person_id, device_id=device.pk,
                                       explanation=explanation, events=0))
            open_silent.add(device.house_id)
    raise_many(specs)


def sweep_absence(now: datetime.datetime | None = None) -> int:
    """Raise the absence rules ("door not opened for 24 h in an elder's flat") that hold now;
    returns how many alerts were raised. Reads only the devices idle long enough."""
    from linli.devices.models import Device, DeviceStatus

    now = now or timezone.now()
    raised = 0
    for kind in sorted(rules.absence_kinds()):
        cutoff = now - datetime.timedelta(hours=rules.absence_hours(kind))
        idle = list(Device.objects.filter(kind_id=kind, status=DeviceStatus.ACTIVE).filter(
            Q(last_activity_at__lte=cutoff) | Q(last_activity_at__isnull=True, activated_at__lte=cutoff))
            .select_related("house", "kind"))
        if not idle:
            continue
        facts = _facts(idle)
        conditions = {rule.condition for rule in rules.RULES if kind in rule.kinds and rule.absence_hours}
        already = set(Alert.objects.filter(house_id__in={d.house_id for d in idle}, condition__in=conditions,
                                           state__in=OPEN_STATES, is_drill=False)
                      .values_list("house_id", "condition"))
        specs = []
        for device in idle:
            found = rules.evaluate_absence(rules.DeviceFacts(kind, device.last_activity_at, device.activated_at,
                                                             facts[device.pk]), now)
            for decision in found:
                if (device.house_id, decision.condition) in already:
                    continue
                specs.append(actions.Raise(house=device.house, condition=decision.condition,
                                           severity=decision.severity, at=now, team=decision.team,
                                           person_id=device.person_id, device_id=device.pk,
                                           explanation=decision.explanation(), events=0))
                already.add((device.house_id, decision.condition))
        raise_many(specs)
        raised += len(specs)
    return raised
