"""What the supplier pages show: grades from the delivery record, price history, qualifications
expiring soon."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from linli.suppliers import grading
from linli.suppliers.access import VIEW
from linli.suppliers.models import Delivery, OrderLine, Qualification, QualificationStatus, Supplier

WARN_DAYS, URGENT_DAYS = 60, 30


def visible_suppliers(user: Any) -> QuerySet[Supplier]:
    return Supplier.objects.restrict(user, VIEW).select_related("street")


@dataclass
class Graded:
    supplier: Supplier
    figures: grading.GradeFigures

    @property
    def grade(self) -> str:
        return self.supplier.grade_override or self.figures.grade

    @property
    def overridden(self) -> bool:
        return bool(self.supplier.grade_override) and self.supplier.grade_override != self.figures.grade


def graded(suppliers: list[Supplier]) -> list[Graded]:
    """Each supplier with its grade from its deliveries (one query for all)."""
    records: dict[int, list[grading.Record]] = defaultdict(list)
    for supplier_id, on_time, quality in (Delivery.objects.filter(order__supplier__in=[s.pk for s in suppliers])
                                          .values_list("order__supplier_id", "on_time", "quality")):
        records[supplier_id].append(grading.Record(on_time, quality))
    return [Graded(s, grading.grade(records[s.pk])) for s in suppliers]


def price_history(supplier: Supplier) -> dict[Any, list[OrderLine]]:
    """Item → the prices ordered at, oldest first."""
    history: dict[Any, list[OrderLine]] = defaultdict(list)
    for line in (OrderLine.objects.filter(order__supplier=supplier).select_related("item", "order")
                 .order_by("item__code", "order__ordered_on", "pk")):
        history[line.item].append(line)
    return dict(history)


def expiring(qualifications: QuerySet[Qualification], today: datetime.date,
             days: int = WARN_DAYS) -> QuerySet[Qualification]:
    """Qualifications that count (not rejected) and end within ``days`` or already have."""
    return (qualifications.exclude(status=QualificationStatus.REJECTED)
            .filter(valid_until__isnull=False, valid_until__lte=today + datetime.timedelta(days=days),
                    supplier__is_active=True)
            .select_related("supplier").order_by("valid_until", "pk"))
