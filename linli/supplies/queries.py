"""What the supplies pages show: stock per point and item, lots expiring soon."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum

from linli.supplies.access import KEEP, VIEW
from linli.supplies.models import Lot, StoragePoint

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
