"""What the supplies pages show: stock per point and item, lots expiring soon."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from linli.places.models import Place
from linli.supplies import dispatch, needs
from linli.supplies.access import KEEP, VIEW
from linli.supplies.models import Lot, StoragePoint, Target

EXPIRING_DAYS = 60


def visible_points(user: Any) -> QuerySet[StoragePoint]:
    return StoragePoint.objects.restrict(user, VIEW).filter(is_active=True).select_related("place")


def keeps_any(user: Any) -> bool:
    """A role that includes the supplies, or a keeper named on some point."""
    return StoragePoint.objects.restrict(user, VIEW).exists() or StoragePoint.objects.restrict(user, KEEP).exists()


def stock_by_point(points: QuerySet[StoragePoint]) -> dict[int, dict[int, int]]:
    """point id → item id → quantity on hand (one grouped query)."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (Lot.objects.filter(point__in=points.values("pk"), quantity__gt=0)
            .values("point_id", "item_id").annotate(n=Sum("quantity")))
    for row in rows:
        out[row["point_id"]][row["item_id"]] = row["n"]
    return out


def expiring(points: QuerySet[StoragePoint], today: datetime.date, days: int = EXPIRING_DAYS) -> QuerySet[Lot]:
    """Lots in stock that expire within ``days`` (or already have)."""
    return (Lot.objects.filter(point__in=points.values("pk"), quantity__gt=0)
            .filter(Q(expires_on__lte=today + datetime.timedelta(days=days)))
            .select_related("point", "item").order_by("expires_on", "pk"))


@dataclass
class Cell:
    need: int
    stock: int

    @property
    def shortfall(self) -> int:
        return max(self.need - self.stock, 0)

    @property
    def surplus(self) -> int:
        return max(self.stock - self.need, 0)


# The registry's figures behind the needs (residents, households with elders or vulnerable
# members, quarantines) take one pass over the street's residents: a quarter of a million rows
# in a large street, most of the street page's time. They move slowly, so the page reuses them
# for two minutes (decision 0033); the stock beside them is always read fresh.
FIGURES_SECONDS = 120


def registry_figures(street: Place, communities: list[Place], today: datetime.date) -> dict[str, needs.Figures]:
    from django.core.cache import cache

    key = f"supplies:figures:{street.path}:{today.isoformat()}:{len(communities)}"
    found = cache.get(key)
    if found is None:
        found = dict(needs.figures(communities, today))
        cache.set(key, found, FIGURES_SECONDS)
    return defaultdict(needs.Figures, found)


def street_view(street: Place, today: datetime.date) -> dict[str, Any]:
    """Every community's stock of every item with a target, against its need; the street's
    own points (its warehouse, the agreement reserves) as a source with no need."""
    communities = needs.communities_of(street)
    figures = registry_figures(street, communities, today)
    targets = list(Target.objects.filter(community__in=communities).select_related("item", "community"))
    items = sorted({t.item for t in targets}, key=lambda i: (i.category, i.code))
    width = len(communities[0].path) if communities else 0
    stock: dict[tuple[str, int], int] = defaultdict(int)
    for row in (Lot.objects.filter(path__startswith=street.path, quantity__gt=0, point__is_active=True)
                .values("path", "item_id").annotate(n=Sum("quantity"))):
        site = row["path"][:width] if len(row["path"]) >= width else street.path
        stock[(site, row["item_id"])] += row["n"]
    cells = {(t.community.path, t.item_id): Cell(needs.target_quantity(t, figures[t.community.path]),
                                                 stock[(t.community.path, t.item_id)]) for t in targets}
    rows = [{"community": c, "figures": figures[c.path],
             "cells": [cells.get((c.path, i.pk)) or Cell(0, stock[(c.path, i.pk)]) for i in items]}
            for c in communities]
    street_stock = [stock[(street.path, i.pk)] for i in items]
    return {"communities": communities, "figures": figures, "targets": targets, "items": items, "rows": rows,
            "stock": stock, "street_stock": street_stock}


def dispatch_plan(street: Place, view: dict[str, Any]) -> dispatch.Plan:
    """The optimiser's plan for the street's communities, from the street view's figures."""
    communities, figures = view["communities"], view["figures"]
    sites = [dispatch.Site(c.path, c.name, figures[c.path].quarantined_households,
                           figures[c.path].vulnerable_households) for c in communities]
    sites.append(dispatch.Site(street.path, street.name))
    items = [dispatch.Item(str(i.pk), i.name, i.unit) for i in view["items"]]
    stock = {(site, str(item_id)): n for (site, item_id), n in view["stock"].items()}
    tier_needs = [dispatch.Need(t.community.path, str(t.item_id), tier, n)
                  for t in view["targets"] for tier, n in needs.tiers(t, figures[t.community.path]).items() if n]
    centres = _centres(street, [s.key for s in sites])
    return dispatch.plan(sites, items, stock, tier_needs, lambda a, b: _metres(centres.get(a), centres.get(b)))


def _centres(street: Place, paths: list[str]) -> dict[str, tuple[float, float]]:
    """Each community's centre: the mean of its compounds' points (the street's: all of them)."""
    from linli.places.models import LOCATED, Level

    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for path, lat, lon in Place.objects.filter(LOCATED, path__startswith=street.path, level=Level.COMPOUND) \
            .values_list("path", "latitude", "longitude"):
        if lat is None or lon is None:  # never, by LOCATED: for the type checker
            continue
        for key in paths:
            if path.startswith(key):
                points[key].append((lat, lon))
    return {k: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v)) for k, v in points.items()}


def _metres(a: tuple[float, float] | None, b: tuple[float, float] | None) -> int:
    if a is None or b is None:
        return 2000  # no map for one of them: as if across the street
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return int(2 * 6_371_000 * math.asin(math.sqrt(h)))
