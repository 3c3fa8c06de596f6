"""Visit plans from the registry: which households are visited, and how often.

A community's care levels say how often each special group is visited (defaults below,
changed by the community secretary). A household is on the plan while someone living there
belongs to a group with a level; its interval is the shortest of its members' levels. Plans
are derived through the groups' blind indexes, without decrypting anyone's tags, when the
levels change and every night (people join and leave groups, move in and out). A household
that leaves the plan keeps its history; it is only marked inactive.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from linli.core import bulk
from linli.people.models import Person, SpecialGroup
from linli.people.search import group_token
from linli.places.models import Level, Place
from linli.tasks import schedule, targets
from linli.tasks.models import CareLevel, VisitPlan

WEEKLY, FORTNIGHTLY, MONTHLY = 7, 14, 30
# Seed 002/003's 责任清单 in numbers: elders living alone every week, people with a disability
# every fortnight, every other special group every month.
DEFAULT_LEVELS: dict[str, int] = {
    SpecialGroup.ALONE_ELDER: WEEKLY,
    SpecialGroup.DISABLED: FORTNIGHTLY,
    SpecialGroup.OLDEST_OLD: MONTHLY,
    SpecialGroup.INFANT: MONTHLY,
    SpecialGroup.SUBSISTENCE: MONTHLY,
    SpecialGroup.EXTREME_POVERTY: MONTHLY,
    SpecialGroup.MEAL_AID: MONTHLY,
    SpecialGroup.KEY_CARE: MONTHLY,
}
# What the secretary may choose: weekly, fortnightly, monthly, quarterly, or not on a plan.
INTERVAL_CHOICES = (7, 14, 30, 90, 0)


def levels_of(community: Place) -> dict[str, int]:
    """group → days between visits (0: not visited on a plan) in ``community``."""
    levels = dict(DEFAULT_LEVELS)
    levels.update(CareLevel.objects.filter(community=community).values_list("group", "interval_days"))
    return levels


@dataclass
class Refreshed:
    added: int = 0
    changed: int = 0
    ended: int = 0
    active: int = 0


@dataclass
class _Household:
    path: str
    interval: int
    person: int
    groups: set[str]
    people: set[int]


def _households(community: Place, levels: dict[str, int]) -> dict[int, _Household]:
    """house → who on it is on a plan, read in one pass over the community's people in any group.
    A household is seen as often as its most frequently visited member's group asks; that
    member (the first by id, where several share the group) is the plan's person."""
    keys = {group_token(group): (interval, group) for group, interval in levels.items() if interval > 0}
    found: dict[int, _Household] = {}
    best: dict[int, tuple[int, str]] = {}
    rows = (Person.objects.filter(path__under=community.path, is_active=True, current_house__isnull=False)
            .exclude(special_groups_index="").order_by("pk")
            .values_list("current_house_id", "pk", "path", "special_groups_index"))
    for house, person, path, index in rows:
        mine = [keys[token] for token in index.split() if token in keys]
        if not mine:
            continue
        key = min(mine)
        household = found.get(house)
        if household is None:
            found[house], best[house] = _Household(path, key[0], person, {g for _, g in mine}, {person}), key
            continue
        household.groups.update(g for _, g in mine)
        household.people.add(person)
        if key < best[house]:  # ids come in order: only a more frequent group takes the person over
            best[house], household.interval, household.person, household.path = key, key[0], person, path
    return found


@transaction.atomic
def refresh_plans(community: Place, today: datetime.date | None = None) -> Refreshed:
    """Bring one community's plans in line with its people and its care levels."""
    today = today or timezone.localdate()
    wanted = _households(community, levels_of(community))
    existing = {plan.house_id: plan for plan in VisitPlan.objects.filter(path__under=community.path)}
    grids = targets.grids_by_building(household.path for household in wanted.values())
    new_paths = {h.path for house, h in wanted.items() if house not in existing}
    names = targets.addresses(new_paths)
    result, new, changed = Refreshed(), [], []
    for house, household in wanted.items():
        grid = grids.get(targets.building_path(household.path))
        reasons = sorted(household.groups)
        plan = existing.get(house)
        if plan is None:
            # bulk.new, not VisitPlan(): a community's first refresh makes thousands of plans
            new.append(bulk.new(VisitPlan, house_id=house, path=household.path, grid_id=grid,
                                person_id=household.person, people_count=len(household.people),
                                address=names[household.path][:200], reasons=reasons,
                                interval_days=household.interval, starts_on=today,
                                next_due_on=schedule.next_visit_due(today, household.interval, None)))
            continue
        before = (plan.active, plan.grid_id, plan.person_id, plan.people_count, plan.interval_days, plan.reasons)
        if not plan.active:
            plan.active, plan.starts_on = True, today
        plan.grid_id, plan.person_id, plan.people_count = grid, household.person, len(household.people)
        plan.interval_days, plan.reasons, plan.path = household.interval, reasons, household.path
        if before != (plan.active, plan.grid_id, plan.person_id, plan.people_count, plan.interval_days,
                      plan.reasons):
            plan.next_due_on = schedule.next_visit_due(plan.starts_on, plan.interval_days, plan.last_visit_on)
            changed.append(plan)
    for house, plan in existing.items():
        if house not in wanted and plan.active:
            plan.active = False
            changed.append(plan)
            result.ended += 1
    bulk.insert(VisitPlan, new)
    bulk.update(VisitPlan, changed, ["active", "starts_on", "grid", "person", "people_count", "interval_days",
                                     "reasons", "path", "next_due_on"])
    result.added, result.changed = len(new), len(changed) - result.ended
    result.active = len(wanted)
    return result


def refresh_all_plans(today: datetime.date | None = None) -> dict[str, int]:
    """Every community's plans (the nightly job)."""
    totals: dict[str, int] = defaultdict(int)
    for community in Place.objects.filter(level=Level.COMMUNITY).order_by("path"):
        result = refresh_plans(community, today)
        for name in ("added", "changed", "ended", "active"):
            totals[name] += getattr(result, name)
    return dict(totals)
