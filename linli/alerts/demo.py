"""The demo street's alerts: two months of answered alerts, and who is on call now.

- a plausible history of the last ~60 days in every community: falls, SOS calls, smoke, doors
  of elders living alone not opened for 24 hours, silent devices, and a few drills (counted
  apart). Most were acknowledged within a few minutes and reached on site within the 15-minute
  goal, some not (an escalation to the grid leader or the duty officer shows in the timeline);
  every one is resolved or cleared, so nothing open is left over when the demo starts;
- on-call shifts for the demo grid worker (demo-grid) in the first grid, day and night, from
  yesterday for four weeks, and for the community's secretary (demo-community) as the
  community's duty officer: the escalation clock pages them.

Rows are written in bulk: a 50,000 resident street takes well under a second. Running it again
adds nothing.

    from linli.alerts.demo import prepare_demo_alerts
    prepare_demo_alerts(seed=1)
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.alerts import actions
from linli.alerts.models import (
    Alert,
    AlertEntry,
    Condition,
    EntryKind,
    OnSiteMethod,
    Outcome,
    Severity,
    State,
    Target,
)
from linli.alerts.rules import RULES
from linli.core import bulk
from linli.core.models import User
from linli.devices.models import Device, DeviceStatus
from linli.grids.models import Grid, GridMember
from linli.places.models import Level, Place
from linli.tasks.targets import building_path, grids_by_building

DAYS = 60
DEVICES_PER_ALERT = 12  # over the 60 days: a 50,000 resident street (~5,000 devices) has ~400 alerts
DRILLS_PER_COMMUNITY = 2
SHIFT_WEEKS = 4
# condition → the device kinds it comes from and its share of the history
MIX: dict[str, tuple[tuple[str, ...], float]] = {
    Condition.FALL: (("wearable", "sos"), 0.22),
    Condition.SOS: (("sos",), 0.23),
    Condition.SMOKE: (("smoke",), 0.15),
    Condition.DOOR_IDLE: (("door",), 0.2),
    Condition.SILENT: (("door", "sos", "smoke", "water", "wearable"), 0.2),
}
RULE = {rule.condition: rule for rule in RULES}
OUTCOMES: dict[str, tuple[tuple[str, float], ...]] = {
    Condition.FALL: ((Outcome.HELPED, 0.5), (Outcome.HOSPITAL, 0.25), (Outcome.FAMILY, 0.15),
                     (Outcome.FALSE_ALARM, 0.1)),
    Condition.SOS: ((Outcome.HELPED, 0.45), (Outcome.FALSE_ALARM, 0.35), (Outcome.HOSPITAL, 0.1),
                    (Outcome.FAMILY, 0.1)),
    Condition.SMOKE: ((Outcome.FALSE_ALARM, 0.7), (Outcome.HELPED, 0.3)),
    Condition.DOOR_IDLE: ((Outcome.FALSE_ALARM, 0.55), (Outcome.FAMILY, 0.3), (Outcome.HELPED, 0.15)),
    Condition.SILENT: ((Outcome.OTHER, 1.0),),
}
NOTES: dict[str, str] = {
    Outcome.HELPED: "已上门协助，老人无大碍。",
    Outcome.HOSPITAL: "已联系120送医，家属已通知。",
    Outcome.FAMILY: "家属已到场照看。",
    Outcome.FALSE_ALARM: "误报：现场一切正常。",
    Outcome.OTHER: "已上门更换设备电池，设备恢复上报。",
}
SILENT_HEARD_AGAIN = 0.5  # of the silent devices: heard from again before anybody acknowledged


def _choice(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([w for w, _ in weighted], weights=[p for _, p in weighted])[0]


def _response(rng: random.Random) -> tuple[float, float]:
    """Minutes to acknowledge and to be on site: most within the goal, a tail beyond it."""
    ack = min(rng.lognormvariate(0.9, 0.7), 40.0)  # median ~2.5 min
    travel = min(rng.lognormvariate(1.85, 0.5), 60.0)  # median ~6.4 min
    return ack, ack + travel


class _History:
    def __init__(self, rng: random.Random, now: datetime.datetime, staff: dict[int, list[int]]) -> None:
        self.rng, self.now, self.staff = rng, now, staff
        self.alerts: list[Alert] = []
        self.entries: list[tuple[int, AlertEntry]] = []  # (index of the alert, entry)

    def _entry(self, kind: str, at: datetime.datetime, path: str, *, actor: int | None = None, text: str = "",
               data: dict[str, Any] | None = None) -> None:
        self.entries.append((len(self.alerts), AlertEntry(at=at, kind=kind, actor_id=actor, text=text[:300],
                                                          data=data or {}, path=path)))

    def add(self, condition: str, house: int, path: str, grid: int | None, *, device: int | None = None,
            person: int | None = None, drill: bool = False) -> None:
        rng, opened = self.rng, self.now - datetime.timedelta(days=self.rng.uniform(0.3, DAYS))
        team = self.staff.get(grid or 0) or self.staff[0]
        worker, leader, duty = team[0], team[-1], self.staff[0][0]
        explanation: dict[str, Any]
        severity: str
        if drill:
            explanation = {"rule": "drill", "reason_zh": "演练。", "reason_en": "A drill."}
            severity = Severity.CRITICAL
        else:
            rule = RULE[condition]
            explanation = {"rule": rule.id, "reason_zh": rule.reason_zh, "reason_en": rule.reason_en, "read": {}}
            severity = rule.severity
        events = 0 if drill or condition in (Condition.DOOR_IDLE, Condition.SILENT) else 1
        alert = Alert(house_id=house, path=path, person_id=person, device_id=device, grid_id=grid, condition=condition,
                      severity=severity, state=State.RESOLVED, is_drill=drill, explanation=explanation,
                      opened_at=opened, last_event_at=opened if events else None, event_count=events,
                      note="季度应急演练。" if drill else "")
        self._entry(EntryKind.RAISED, opened, path, text=explanation["reason_zh"], data={"drill": drill})
        if events:
            self._entry(EntryKind.EVENT, opened, path, data={"events": 1, "rule": explanation["rule"]})
        self._entry(EntryKind.PAGED, opened, path, data={"step": 0, "target": Target.GRID_ON_DUTY, "by_phone": False,
                                                         "repeat": False, "users": [worker], "phones": []})
        if condition == Condition.SILENT and not drill and rng.random() < SILENT_HEARD_AGAIN:
            alert.state, alert.cleared_at = State.CLEARED, opened + datetime.timedelta(minutes=rng.uniform(0.5, 1.8))
            self._entry(EntryKind.CLEARED, alert.cleared_at, path, text="设备恢复上报。",
                        data={"rule": "heard_again", "reason_zh": "设备恢复上报。",
                              "reason_en": "The device reports again."})
            self.alerts.append(alert)
            return
        ack, site = _response(rng)
        if condition == Condition.SILENT:  # a battery to change: no hurry
            site = ack + rng.uniform(30, 240)
        acker = worker
        for step, (after, target, user) in enumerate(((2, Target.GRID_LEADER, leader),
                                                      (5, Target.COMMUNITY_DUTY, duty)), start=1):
            if ack > after:
                self._entry(EntryKind.ESCALATED, opened + datetime.timedelta(minutes=after), path,
                            data={"step": step, "target": target, "by_phone": False, "repeat": False,
                                  "users": [user], "phones": []})
                acker = user if rng.random() < 0.5 else acker
        alert.acknowledged_at = opened + datetime.timedelta(minutes=ack)
        alert.on_site_at = opened + datetime.timedelta(minutes=site)
        alert.resolved_at = alert.on_site_at + datetime.timedelta(minutes=rng.uniform(8, 50))
        alert.acknowledged_by_id = alert.on_site_by_id = alert.resolved_by_id = acker
        alert.on_site_method = _choice(rng, ((OnSiteMethod.QR, 0.7), (OnSiteMethod.LOCATION, 0.2),
                                             (OnSiteMethod.CONFIRMED, 0.1)))
        alert.step = 2 if ack > 5 else 1 if ack > 2 else 0
        alert.outcome = Outcome.OTHER if drill else _choice(rng, OUTCOMES[condition])
        text = "演练完成，响应流程正常。" if drill else NOTES[alert.outcome]
        self._entry(EntryKind.ACKNOWLEDGED, alert.acknowledged_at, path, actor=acker)
        self._entry(EntryKind.ON_SITE, alert.on_site_at, path, actor=acker, data={"method": alert.on_site_method})
        self._entry(EntryKind.RESOLVED, alert.resolved_at, path, actor=acker, text=text,
                    data={"outcome": alert.outcome})
        self.alerts.append(alert)

    def write(self) -> None:
        with transaction.atomic():
            bulk.insert(Alert, self.alerts)
            rows = []
            for index, entry in self.entries:
                entry.alert_id = self.alerts[index].pk
                rows.append(entry)
            bulk.insert(AlertEntry, rows)


def _staff(street: Place, first_grid: Grid | None) -> dict[int, list[int]]:
    """grid → [worker on duty, …, leader]; 0 → [the community office] (the first community's)."""
    teams: dict[int, list[int]] = {}
    rows = (GridMember.objects.filter(grid__path__startswith=street.path)
            .order_by("grid_id", "pk").values_list("grid_id", "user_id", "role"))
    for grid, user, role in rows:
        team = teams.setdefault(grid, [])
        if role == GridMember.Role.LEADER:
            team.append(user)
        else:
            team.insert(0, user)
    office = User.objects.filter(username="demo-community").values_list("pk", flat=True).first()
    if office is None and teams:
        office = next(iter(teams.values()))[-1]
    teams[0] = [office] if office is not None else []
    if first_grid is not None and first_grid.pk in teams:  # the demo grid worker answers her grid's alerts
        grid_worker = User.objects.filter(username="demo-grid").values_list("pk", flat=True).first()
        if grid_worker is not None:
            teams[first_grid.pk] = [grid_worker, grid_worker]
    return teams


def build_history(street: Place, rng: random.Random, *, now: datetime.datetime | None = None) -> int:
    """Answered alerts of the last 60 days in ``street``; how many were made."""
    if Alert.objects.filter(path__startswith=street.path).exists():
        return 0
    now = now or timezone.now()
    devices = list(Device.objects.filter(path__startswith=street.path, status=DeviceStatus.ACTIVE)
                   .order_by("pk").values_list("pk", "kind_id", "house_id", "person_id", "path"))
    first_grid = Grid.objects.filter(path__startswith=street.path).order_by("code").first()
    staff = _staff(street, first_grid)
    if not devices or not staff[0]:
        return 0
    grids = grids_by_building({path for *_, path in devices})
    history = _History(rng, now, staff)
    by_kind: dict[str, list[tuple[int, str, int, int | None, str]]] = {}
    for row in devices:
        by_kind.setdefault(row[1], []).append(row)
    total = max(20, len(devices) // DEVICES_PER_ALERT)
    for condition, (kinds, share) in MIX.items():
        pool = [d for kind in kinds for d in by_kind.get(kind, [])]
        if condition == Condition.DOOR_IDLE:
            pool = [d for d in pool if d[3] is not None]  # the doors of elders living alone
        if not pool:
            continue
        for _ in range(round(total * share)):
            pk, kind, house, person, path = rng.choice(pool)
            # A fall from an SOS pendant is reported by hand (the pendant has no fall sensor).
            device = pk if kind in RULE[condition].kinds or condition == Condition.SILENT else None
            history.add(condition, house, path, grids.get(building_path(path)), device=device, person=person)
    communities = Place.objects.filter(path__startswith=street.path, level=Level.COMMUNITY).order_by("path")
    houses = [(house, path) for _pk, _kind, house, _person, path in devices]
    for community in communities:
        inside = [h for h in houses if h[1].startswith(community.path)]
        for house, path in rng.sample(inside, min(DRILLS_PER_COMMUNITY, len(inside))):
            history.add(Condition.DRILL, house, path, grids.get(building_path(path)), drill=True)
    history.write()
    return len(history.alerts)


def on_call(street: Place, *, today: datetime.date | None = None) -> int:
    """Day and night shifts for demo-grid in the first grid, and demo-community as the duty
    officer of the first community, from yesterday for four weeks; how many were made."""
    users = {u.username: u for u in User.objects.filter(username__in=["demo-grid", "demo-community"])}
    grid = Grid.objects.filter(path__startswith=street.path).order_by("code").select_related("community").first()
    manager = users.get("demo-community")
    if grid is None or manager is None or "demo-grid" not in users:
        return 0
    first_day = (today or timezone.localdate()) - datetime.timedelta(days=1)
    every_day = dict.fromkeys(range(7), users["demo-grid"])
    made = actions.do_create_shifts(grid.community, acting_user=manager, grid=grid, first_day=first_day,
                                    weeks=SHIFT_WEEKS, day=every_day, night=every_day)
    duty = dict.fromkeys(range(7), manager)
    made += actions.do_create_shifts(grid.community, acting_user=manager, grid=None, first_day=first_day,
                                     weeks=SHIFT_WEEKS, day=duty, night=duty)
    return len(made)


def prepare_demo_alerts(seed: int) -> dict[str, int]:
    """The demo street's alert history and on-call shifts (``linli demo``)."""
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    if street is None:
        return {}
    rng = random.Random(seed)  # noqa: S311 - made-up data
    return {"alerts": build_history(street, rng), "shifts": on_call(street)}
