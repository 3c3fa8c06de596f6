"""Warnings to keepers on their home page: lots expiring within 60 days, materials below their
community's reserve target, stock-takings waiting for their approval."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.today import Item
from linli.supplies import needs, queries
from linli.supplies.access import APPROVE, KEEP
from linli.supplies.models import CountSheet, Lot, SheetStatus, StoragePoint, Target


def short_targets(points: Any, today: datetime.date) -> int:
    """Targets of the points' communities that their stock does not reach."""
    communities = {p.place for p in points if p.place.level == "community"}
    if not communities:
        return 0
    figures = needs.figures(sorted(communities, key=lambda c: c.path), today)
    stock = {(row["path"], row["item_id"]): row["n"] for row in Lot.objects.filter(
        point__place__in=communities, point__is_active=True).values("path", "item_id").annotate(n=Sum("quantity"))}
    return sum(1 for t in Target.objects.filter(community__in=communities)
               if stock.get((t.community.path, t.item_id), 0) < needs.target_quantity(t, figures[t.community.path]))


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    if not getattr(user, "is_authenticated", False):
        return
    points = StoragePoint.objects.restrict(user, KEEP).filter(is_active=True).select_related("place")
    if not points.exists():
        return
    url = reverse("supplies:index")
    expiring = queries.expiring(points, today).count()
    if expiring:
        yield Item(_("Lots of emergency materials expiring within 60 days: %(n)d") % {"n": expiring}, url,
                   count=expiring)
    short = short_targets(list(points), today)
    if short:
        yield Item(_("Emergency materials below their reserve target: %(n)d") % {"n": short}, url, count=short)
    waiting = (CountSheet.objects.restrict(user, APPROVE).filter(status=SheetStatus.SUBMITTED)
               .exclude(created_by=user).exclude(submitted_by=user).count())
    if waiting:
        yield Item(_("Stock-takings waiting for your approval: %(n)d") % {"n": waiting}, url, count=waiting)
