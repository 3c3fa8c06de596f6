"""What the registry of residents gives the one-screen overview: residents, people in special
groups (only to those who may see the tags, ``people.view_groups``), and the buildings where
elders living alone live, as icons on the map (seed 001: "独居老人的图标")."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.access import may, restricted
from linli.overview import grouping, tallies
from linli.overview.registry import (
    ALL_SCENARIOS,
    FLOOD,
    NORMAL,
    POINTS,
    Layer,
    LegendEntry,
    register_counter,
    register_layer,
)
from linli.overview.registry import Count as Number
from linli.people.models import Person, SpecialGroup
from linli.people.search import group_token

VIEW, GROUPS = "people.view", "people.view_groups"
CACHE_SECONDS = 60
SHOWN_GROUPS = (SpecialGroup.ALONE_ELDER, SpecialGroup.OLDEST_OLD, SpecialGroup.DISABLED, SpecialGroup.INFANT,
                SpecialGroup.SUBSISTENCE, SpecialGroup.KEY_CARE)
COUNTED_GROUPS = SHOWN_GROUPS  # elders living alone are among them (the map's icons)
TALLY = "people"


def _by_building(people: Any) -> dict[str, dict[str, int]]:
    """building path (or the shorter path of people above any building) → residents, people
    in any special group and in each counted group, in one grouped query."""
    n = grouping.prefix_length(grouping.BUILDING)
    grouped = Q(special_groups_index__gt="")
    rows = (people.annotate(_at=Substr("path", 1, n)).values("_at").order_by()
            .annotate(all=Count("pk"), any=Count("pk", filter=grouped), **{group.value: Count("pk", filter=Q(
                special_groups_index__contains=group_token(group))) for group in COUNTED_GROUPS}))
    return {str(row["_at"]): {k: int(v or 0) for k, v in row.items() if k != "_at"}  # type: ignore[call-overload]
            for row in rows}


def tally() -> dict[str, dict[str, int]]:
    """The summary the screen reads (``linli.overview.tallies``): every active resident, by
    building; recomputed each minute, so a street's screen does not count 250,000 rows cold."""
    return _by_building(Person.objects.filter(is_active=True))


def residents(user: Any, place: Any, today: datetime.date) -> Number | None:
    if not may(user, VIEW):
        return None
    kept = tallies.read(TALLY, user, place)
    if kept is not None:
        n = sum(row["all"] for row in kept.values())
    else:  # a scope finer than a building: counted live
        n = Person.objects.restrict(user, VIEW).filter(path__under=place.path, is_active=True).count()
    return Number(n, url=reverse("places:detail", args=[place.pk]))


def _groups_by_building(user: Any, place: Any) -> dict[str, dict[str, int]]:
    """building path → people in any special group and in each shown group (and elders living
    alone): from the summary table where the user's scope allows, else in one grouped query
    over those with a group at all; shared by the counter and the layer of one request."""
    memo: dict[int, dict[str, dict[str, int]]] = user.__dict__.setdefault("_linli_overview_groups", {})
    if place.pk not in memo:
        kept = tallies.read(TALLY, user, place, action=GROUPS)
        if kept is None:
            kept = _by_building(restricted(Person.objects.filter(path__under=place.path, is_active=True), user,
                                           GROUPS).exclude(special_groups_index=""))
        memo[place.pk] = {path: row for path, row in kept.items() if row["any"]}
    return memo[place.pk]


def special_groups(user: Any, place: Any, today: datetime.date) -> Number | None:
    if not may(user, GROUPS):
        return None
    by_building = _groups_by_building(user, place).values()
    total = sum(row["any"] for row in by_building)
    return Number(total, parts=tuple((str(g.label), sum(row[g.value] for row in by_building)) for g in SHOWN_GROUPS))


def elders_alone(user: Any, place: Any, today: datetime.date) -> Layer | None:
    """A point per building with elders living alone, with how many (per compound on a
    district's screen)."""
    if not may(user, GROUPS):
        return None
    counts = {path: row[SpecialGroup.ALONE_ELDER.value] for path, row in _groups_by_building(user, place).items()
              if row[SpecialGroup.ALONE_ELDER.value]}
    level = grouping.marker_level(place)
    if level != grouping.BUILDING:
        counts = grouping.rolled_up(counts, level)
    marked = grouping.points_at(counts, level, under=place.path)
    pages = reverse("places:detail", args=[0])[:-2]  # "/places/"; reversed once, not per building
    features = []
    for path, n in counts.items():
        if path not in marked:
            continue
        pk, name, point = marked[path]
        features.append({"type": "Feature", "geometry": point, "properties": {
            "place": pk, "icon": "elder", "colour": "elder", "value": n, "text": str(n),
            "name": name, "url": f"{pages}{pk}/"}})
    if level == grouping.BUILDING:
        return Layer(features, (LegendEntry("elder", "#6f42c1", _("a building where elders living alone live")),),
                     _("elders living alone, by building"))
    return Layer(features, (LegendEntry("elder", "#6f42c1", _("a compound where elders living alone live")),),
                 _("elders living alone, by compound"))


def register() -> None:
    # The registry changes slowly: summed from the summary table (at most a minute and a half
    # old), and the sums cached a minute for everyone with the same scope.
    tallies.register_source(TALLY, tally, action=VIEW)
    register_counter("people.residents", residents, scenarios=ALL_SCENARIOS, label=gettext_lazy("Residents"),
                     order=10, cache_seconds=CACHE_SECONDS, cache_action=VIEW)
    register_counter("people.special_groups", special_groups, scenarios=(NORMAL, FLOOD),
                     label=gettext_lazy("People in special groups"), order=20, cache_seconds=CACHE_SECONDS,
                     cache_action=GROUPS)
    register_layer("people.elders_alone", elders_alone, scenarios=(NORMAL, FLOOD), kind=POINTS,
                   label=gettext_lazy("Elders living alone"), order=30, cache_seconds=CACHE_SECONDS,
                   cache_action=GROUPS)
