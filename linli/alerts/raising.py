"""Raising many alerts at once: a silent-device or absence sweep, a burst of falls in one batch.

:func:`raise_many` gives the same result as :func:`linli.alerts.actions.do_raise` called for each
spec in turn (the same alerts, timeline lines, pages, texts, audit entries and live events) in
a fixed number of queries for the lookups: the open alerts, communities, grids, chains and
their steps, the people on call and the short addresses are read once for the whole set, and
the alerts and their timeline lines are written with one INSERT each. The audit chain still
gets one entry per alert. Should another consumer raise one of the same alerts meanwhile (the
database's one-open-alert constraint refuses the INSERT), the set is raised one by one instead,
where the loser attaches to the winner as ``do_raise`` does.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.alerts import actions, clock, roster
from linli.alerts.actions import Raise
from linli.alerts.models import (
    OPEN_STATES,
    Alert,
    AlertEntry,
    EntryKind,
    EscalationChain,
    EscalationStep,
    Shift,
    Target,
    Team,
)
from linli.core import audit
from linli.core.models import RoleAssignment, User
from linli.grids.models import GridMember
from linli.places.models import Place
from linli.places.rules import ancestor_paths
from linli.tasks.targets import addresses, building_path, grids_by_building

Who = Callable[[str, datetime.datetime], list[roster.Recipient]]


class Rosters:
    """The roster lookups (``roster.lookup_for``) of many alerts at one time. A target is looked
    up for every alert of the set the first time one alert asks for it (a query or two for all),
    then answered from memory; another time, or the family, is looked up alone."""

    def __init__(self, alerts: Sequence[Alert], at: datetime.datetime, communities: dict[str, int]) -> None:
        self.alerts, self.at, self.communities = list(alerts), at, communities
        self.found: dict[str, dict[int, list[int]]] = {}  # target → id(alert) → user ids
        self.users: dict[int, roster.Recipient] = {}

    def who(self, alert: Alert) -> Who:
        alone = roster.lookup_for(alert)

        def who(target: str, at: datetime.datetime) -> list[roster.Recipient]:
            if at != self.at or target not in (Target.GRID_ON_DUTY, Target.GRID_LEADER, Target.COMMUNITY_DUTY,
                                               Target.CALL_OUT, Target.HEALTH):
                return alone(target, at)
            key = Target.COMMUNITY_DUTY if target == Target.CALL_OUT else target
            if key not in self.found:
                self.found[key] = self._load(key)
                self._load_users({u for ids in self.found[key].values() for u in ids})
            ids = set(self.found[key].get(id(alert), ()))
            return [self.users[u] for u in sorted(ids) if u in self.users]

        return who

    def _community(self, alert: Alert) -> int:
        return self.communities.get(actions.community_path(alert.path), 0)

    def _load(self, target: str) -> dict[int, list[int]]:
        if target in (Target.GRID_ON_DUTY, Target.GRID_LEADER):
            grids = {a.grid_id for a in self.alerts if a.grid_id is not None}
            teams: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
            rows = GridMember.objects.filter(grid_id__in=grids).order_by("pk").values_list("grid_id", "user_id", "role")
            for grid, user, role in rows:  # (members, leader) as roster.grid_team
                if role == GridMember.Role.MEMBER:
                    teams[grid][0].append(user)
                elif role == GridMember.Role.LEADER:
                    teams[grid][1].append(user)
            if target == Target.GRID_LEADER:
                return {id(a): teams[a.grid_id][1] for a in self.alerts if a.grid_id is not None}
            shifts = self._shifts(grids)
            return {id(a): shifts.get((self._community(a), a.grid_id)) or teams[a.grid_id][0] or teams[a.grid_id][1]
                    for a in self.alerts if a.grid_id is not None}
        if target == Target.COMMUNITY_DUTY:
            shifts = self._shifts(set())
            paths = {actions.community_path(a.path) for a in self.alerts}
            holders = self._holders(paths, ("alerts.manage",))
            return {id(a): shifts.get((self._community(a), None))
                    or holders(frozenset([actions.community_path(a.path)])) for a in self.alerts}
        # The health officers: on the house's own place or any place above it.
        above = {id(a): frozenset([*ancestor_paths(a.path), a.path]) for a in self.alerts}
        holders = self._holders(set().union(*above.values()), ("health.change", "alerts.respond"))
        return {id(a): holders(above[id(a)]) for a in self.alerts}

    def _shifts(self, grids: set[int]) -> dict[tuple[int, int | None], list[int]]:
        """(community, grid or None) → who is on shift at the time, in ``roster.on_shift``'s order."""
        communities = {self._community(a) for a in self.alerts}
        rows = (Shift.objects.filter(community_id__in=communities, starts_at__lte=self.at, ends_at__gt=self.at)
                .order_by("starts_at", "pk").values_list("community_id", "grid_id", "user_id"))
        found: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for community, grid, user in rows:
            if grid is None or grid in grids:
                found[(community, grid)].append(user)
        return found

    def _holders(self, paths: set[str], need: tuple[str, ...]) -> Callable[[frozenset[str]], list[int]]:
        rows = (RoleAssignment.objects.current().filter(place__path__in=sorted(paths)).order_by("pk")
                .values_list("user_id", "place__path", "role__actions"))
        able = [(user, path) for user, path, done in rows if all(action in (done or []) for action in need)]

        def holders(where: frozenset[str]) -> list[int]:
            return list(dict.fromkeys(user for user, path in able if path in where))

        return holders

    def _load_users(self, ids: set[int]) -> None:
        missing = ids - set(self.users)
        if not missing:
            return
        # As roster._users: active users only, each with the phone of the person behind the account.
        for user in User.objects.filter(pk__in=sorted(missing), is_active=True).select_related("person"):
            self.users[user.pk] = roster.Recipient(user, user.display_name or user.get_username(),
                                                   (user.person.phone if user.person else "") or "")


def _chains(communities: dict[str, int], severities: set[str]) -> dict[tuple[int, str], EscalationChain | None]:
    """(community id, severity) → the chain ``actions.chain_for`` picks, with its steps loaded."""
    rows = list(EscalationChain.objects.filter(community_id__in=set(communities.values()), team=Team.GRID,
                                               severity__in=[*severities, ""]))
    steps: dict[int, list[EscalationStep]] = defaultdict(list)
    for step in EscalationStep.objects.filter(chain__in=rows).order_by("order"):
        steps[step.chain_id].append(step)
    by = {(c.community_id, c.severity): c for c in rows}
    for chain in rows:
        chain.__dict__["_steps"] = tuple(clock.Step(s.target, s.wait_minutes, s.by_phone) for s in steps[chain.pk])
    return {(community, severity): by.get((community, severity)) or by.get((community, ""))
            for community in communities.values() for severity in severities}


def _steps(alert: Alert) -> tuple[clock.Step, ...]:
    """``actions.steps_of`` with the chain's steps read beforehand."""
    if alert.team == Team.HEALTH:
        return actions.steps_of(alert)  # the community's health chain, or the default (rare: read here)
    if alert.chain is not None:
        return alert.chain.__dict__.get("_steps") or actions.DEFAULT_CHAIN
    return actions.DEFAULT_CHAIN


def raise_many(specs: Sequence[Raise]) -> list[tuple[Alert, bool]]:
    """Raise an alert from devices for each spec: (alert, created) for each, in order, exactly as
    ``do_raise(spec)`` one after the other would (see the module's docstring)."""
    if not specs:
        return []
    if len(specs) == 1:
        return [actions.do_raise(specs[0])]
    with transaction.atomic():
        try:
            with transaction.atomic():
                return _raise_many(specs)
        except IntegrityError:
            # Raced by another consumer: one at a time, the losers attaching to the winners.
            return [actions.do_raise(spec) for spec in specs]


def _raise_many(specs: Sequence[Raise]) -> list[tuple[Alert, bool]]:
    open_alerts = {(a.house_id, a.condition): a for a in Alert.objects.filter(
        house_id__in={s.house.pk for s in specs}, condition__in={s.condition for s in specs},
        state__in=OPEN_STATES, is_drill=False)}
    fresh = {}
    for spec in specs:
        key = (spec.house.pk, spec.condition)
        if key not in open_alerts and key not in fresh:
            fresh[key] = spec
    created = _create(list(fresh.values()))
    results: list[tuple[Alert, bool]] = []
    for spec in specs:
        key = (spec.house.pk, spec.condition)
        alert = created.pop(key, None)
        if alert is not None:
            results.append((alert, True))
            open_alerts[key] = alert
        else:  # open before, or raised by an earlier spec of the set
            actions._attach(open_alerts[key], at=spec.at, events=spec.events)
            results.append((open_alerts[key], False))
    return results


def _create(specs: list[Raise]) -> dict[tuple[int, str], Alert]:
    if not specs:
        return {}
    paths = {s.house.path for s in specs}
    communities = dict(Place.objects.filter(path__in={actions.community_path(p) for p in paths})
                       .values_list("path", "pk"))
    grids = grids_by_building(paths)
    chains = _chains(communities, {s.severity for s in specs})
    names = addresses(paths)
    alerts = []
    for spec in specs:
        community = communities.get(actions.community_path(spec.house.path))
        alert = Alert(house=spec.house, path=spec.house.path, person_id=spec.person_id, device_id=spec.device_id,
                      grid_id=grids.get(building_path(spec.house.path)), condition=spec.condition,
                      severity=spec.severity, team=spec.team, is_drill=False,
                      explanation=dict(spec.explanation or {}), opened_at=spec.at,
                      last_event_at=spec.at if spec.events else None, event_count=spec.events,
                      chain=chains.get((community, spec.severity)) if community is not None else None, note="")
        alert.__dict__["_short_address"] = names.get(spec.house.path) or spec.house.name
        alerts.append(alert)
    now = timezone.now()
    rosters = Rosters(alerts, now, communities)
    ticks = [clock.advance(_steps(a), step=a.step, next_at=None, acknowledged=False, now=now, who=rosters.who(a))
             for a in alerts]
    for alert, tick in zip(alerts, ticks, strict=True):
        alert.step, alert.next_step_at = tick.step, tick.next_at
    Alert.objects.bulk_create(alerts)
    entries: list[AlertEntry] = []
    for alert, tick in zip(alerts, ticks, strict=True):
        entries.append(AlertEntry(alert=alert, at=alert.opened_at, kind=EntryKind.RAISED,
                                  text=str(alert.explanation.get("reason_zh", ""))[:300], data={"drill": False},
                                  path=alert.path))
        entries.extend(actions._page_entries(alert, tick, now))
    AlertEntry.objects.bulk_create(entries)
    audit.record_many(audit.Entry("alert.raise", obj=alert, detail={
        "condition": alert.condition, "severity": alert.severity, "team": alert.team}) for alert in alerts)
    for alert in alerts:
        actions._publish(alert, notify=True)
    return {(a.house_id, a.condition): a for a in alerts}
