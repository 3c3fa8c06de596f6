"""Who a chain's target is for an alert at a time: the roster lookup the clock calls.

- the grid worker on duty: the shift covering the time for the alert's grid; with no shift, the
  grid's members (and its leader when it has no members);
- the grid leader: the grid's leader;
- the community's duty officer: the community shift (no grid) covering the time; with none,
  whoever holds ``alerts.manage`` on the community itself (the community office);
- the health officer: those holding ``health.change`` and ``alerts.respond`` over the house;
- the family: the other adult members of the household with a phone (texted, never users);
- the call-out to 120/110: the community's duty officer, asked to call and record it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from linli.alerts.models import Alert, Shift, Target
from linli.core.models import RoleAssignment, User
from linli.grids.models import GridMember
from linli.people.models import Person, Residence
from linli.places.models import Place
from linli.places.rules import ancestor_paths

ADULT_YEARS = 18


@dataclass(frozen=True)
class Recipient:
    user: Any  # a member of staff (paged in the platform), or None: a phone only
    name: str
    phone: str = ""  # stored (full) number: for texts and calls, never shown


def _users(ids: Sequence[int]) -> list[Recipient]:
    users = User.objects.filter(pk__in=list(ids), is_active=True).select_related("person").order_by("pk")
    return [Recipient(u, u.display_name or u.get_username(), (u.person.phone if u.person else "") or "")
            for u in users]


def on_shift(community_id: int, grid_id: int | None, at: datetime.datetime) -> list[int]:
    shifts = Shift.objects.filter(community_id=community_id, starts_at__lte=at, ends_at__gt=at)
    shifts = shifts.filter(grid__isnull=True) if grid_id is None else shifts.filter(grid_id=grid_id)
    return list(shifts.order_by("starts_at", "pk").values_list("user_id", flat=True))


def grid_team(grid_id: int) -> tuple[list[int], list[int]]:
    """(members, leader) of a grid."""
    rows = GridMember.objects.filter(grid_id=grid_id).order_by("pk").values_list("user_id", "role")
    return [u for u, r in rows if r == GridMember.Role.MEMBER], [u for u, r in rows if r == GridMember.Role.LEADER]


def _holders(paths: Sequence[str], *need: str) -> list[int]:
    """Users whose current role at one of ``paths`` includes every action of ``need``."""
    rows = (RoleAssignment.objects.current().filter(place__path__in=list(paths))
            .select_related("role").order_by("pk"))
    seen: list[int] = []
    for row in rows:
        if all(action in row.role.actions for action in need) and row.user_id not in seen:
            seen.append(row.user_id)
    return seen


def community_duty(community_id: int, community_path: str, at: datetime.datetime) -> list[int]:
    return on_shift(community_id, None, at) or _holders([community_path], "alerts.manage")


def family_of(alert: Alert) -> list[Recipient]:
    """The other adults of the person's household (or of the house) with a phone."""
    today = timezone.localdate()
    adult_born_by = today.replace(year=today.year - ADULT_YEARS) if not (today.month == 2 and today.day == 29) \
        else today.replace(year=today.year - ADULT_YEARS, day=28)
    living = Residence.objects.filter(moved_out__isnull=True)
    if alert.person_id is not None:
        households = living.filter(person_id=alert.person_id, household__isnull=False).values("household_id")
        living = living.filter(Q(household_id__in=households) | Q(house_id=alert.house_id))
    else:
        living = living.filter(house_id=alert.house_id)
    people = (Person.objects.filter(pk__in=living.values("person_id"), is_active=True)
              .exclude(pk=alert.person_id or 0)
              .filter(Q(birth_date__isnull=True) | Q(birth_date__lte=adult_born_by)).order_by("pk"))
    return [Recipient(None, p.name, p.phone) for p in people if p.phone]


def lookup_for(alert: Alert) -> Callable[[str, datetime.datetime], list[Recipient]]:
    """The roster lookup for one alert (the clock's ``who``)."""
    community_path = "/".join(alert.path.split("/")[:5]) + "/"
    community_id: Any = None

    def community() -> int:
        nonlocal community_id
        if community_id is None:
            community_id = Place.objects.filter(path=community_path).values_list("pk", flat=True).first()
        return int(community_id or 0)

    def who(target: str, at: datetime.datetime) -> list[Recipient]:
        if target == Target.GRID_ON_DUTY:
            if alert.grid_id is None:
                return []
            members, leader = grid_team(alert.grid_id)
            return _users(on_shift(community(), alert.grid_id, at) or members or leader)
        if target == Target.GRID_LEADER:
            return _users(grid_team(alert.grid_id)[1]) if alert.grid_id is not None else []
        if target in (Target.COMMUNITY_DUTY, Target.CALL_OUT):
            return _users(community_duty(community(), community_path, at))
        if target == Target.HEALTH:
            return _users(_holders(ancestor_paths(alert.path) + [alert.path], "health.change", "alerts.respond"))
        if target == Target.FAMILY:
            return family_of(alert)
        return []

    return who
