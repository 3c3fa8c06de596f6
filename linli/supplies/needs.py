"""Reserve targets and needs per community, from the registry in grouped queries.

A community's reserve target for an item is ``per_resident × residents + per_elder_household ×
households with someone aged 60 or over + fixed`` (the street sets the rates). During an
emergency the dispatch plan splits the need into tiers: the households with vulnerable members
(special groups) at the elder-household rate, the residents under an active quarantine order and
the staff on duty at the resident rate, and the rest of the standing reserve.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr

from linli.people.models import Person
from linli.places.models import Level, Place
from linli.supplies import dispatch
from linli.supplies.models import Target

ELDER_AGE = 60


@dataclass
class Figures:
    residents: int = 0
    elder_households: int = 0
    vulnerable_households: int = 0
    quarantined: int = 0
    quarantined_households: int = 0


def _by_community(rows: Any, width: int) -> Any:
    return rows.annotate(c=Substr("path", 1, width)).values("c")


def figures(communities: list[Place], today: datetime.date) -> dict[str, Figures]:
    """community path → its figures (a handful of grouped queries, whatever the street's size)."""
    from linli.health.models import OrderStatus, QuarantineOrder

    out: dict[str, Figures] = defaultdict(Figures)
    if not communities:
        return out
    width = len(communities[0].path)
    street = communities[0].path[: width - 4]
    people = Person.objects.filter(path__startswith=street, is_active=True)
    elder_born = today.replace(year=today.year - ELDER_AGE) if not (today.month == 2 and today.day == 29) else \
        today.replace(year=today.year - ELDER_AGE, day=28)
    # One pass over the street's residents (a quarter of a million in a large street), not three.
    housed = Q(current_house__isnull=False)
    for row in _by_community(people, width).annotate(
            n=Count("pk"),
            elder=Count("current_house", distinct=True, filter=housed & Q(birth_date__lte=elder_born)),
            vulnerable=Count("current_house", distinct=True, filter=housed & ~Q(special_groups_index=""))):
        fig = out[row["c"]]
        fig.residents, fig.elder_households, fig.vulnerable_households = row["n"], row["elder"], row["vulnerable"]
    orders = QuarantineOrder.objects.filter(path__startswith=street, status=OrderStatus.ACTIVE)
    for row in _by_community(orders, width).annotate(n=Count("person", distinct=True),
                                                     h=Count("person__current_house", distinct=True)):
        out[row["c"]].quarantined, out[row["c"]].quarantined_households = row["n"], row["h"]
    return out


def target_quantity(target: Target, fig: Figures) -> int:
    value = target.per_resident * fig.residents + target.per_elder_household * fig.elder_households + target.fixed
    return math.ceil(value)


def tiers(target: Target, fig: Figures) -> dict[str, int]:
    """The emergency tiers of one community's need for one item; together they are at least the target."""
    per_household = max(target.per_elder_household, target.per_resident)
    vulnerable = math.ceil(per_household * fig.vulnerable_households)
    quarantine = math.ceil(target.per_resident * fig.quarantined)
    reserve = max(target_quantity(target, fig) - vulnerable - quarantine, 0)
    return {dispatch.VULNERABLE: vulnerable, dispatch.QUARANTINE: quarantine, dispatch.RESERVE: reserve}


def communities_of(street: Place) -> list[Place]:
    return list(Place.objects.filter(parent=street, level=Level.COMMUNITY).order_by("path"))


def rate(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"))
