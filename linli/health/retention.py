"""Once the emergency is over, epidemic records older than the retention period go.

Health data is sensitive personal information (PIPL art. 28, 47): it is kept no longer than
the purpose needs. ``purge(before)`` first keeps what statistics need — daily counts per
community (arrivals, check-ins, tests, cases, quarantine orders, colour changes) — then
deletes the person-level records dated before ``before``. Ledger entries about quarantine
orders stay: they hold only salted hashes and pseudonyms, never personal data.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from linli.core import audit
from linli.core.access import area_of
from linli.health.models import (
    AccessRecord,
    Arrival,
    Case,
    CheckIn,
    DailyFigure,
    EpidemicMode,
    FollowUp,
    IssuedPass,
    LabResult,
    MonitoringDevice,
    OrderStatus,
    QuarantineOrder,
    StatusChange,
    Trace,
)

COMMUNITY_DEPTH = 5  # path segments down to the community: province/city/district/street/community


def retention_days() -> int:
    return int(getattr(settings, "LINLI_HEALTH_RETENTION_DAYS", 180))


def _community(path: str) -> str:
    return "/".join(path.strip("/").split("/")[:COMMUNITY_DEPTH]) + "/"


def _tally(figures: Counter[tuple[str, datetime.date, str]], rows: Any, measure: Any) -> None:
    for path, day, *rest in rows:
        if isinstance(day, datetime.datetime):
            day = timezone.localtime(day).date()
        figures[(_community(path), day, measure(*rest) if callable(measure) else measure)] += 1


@dataclass(frozen=True)
class EpidemicRecords:
    """Epidemic records that an app built on health keeps (the gates' scans and visitors).

    They are purged and counted with health's own, in the same transaction. Health cannot
    import the apps above it, so each adds its records from its ``AppConfig.ready()``.
    """

    name: str  # the key in Purged.deleted
    dated_before: Callable[[datetime.date], QuerySet[Any]]
    counted_by: tuple[str, str, str]  # path, date or time, and the field whose value names the measure
    measure_prefix: str


OTHER_RECORDS: dict[str, EpidemicRecords] = {}


def purge_with_health(records: EpidemicRecords) -> None:
    OTHER_RECORDS[records.name] = records


@dataclass(frozen=True)
class Purged:
    before: datetime.date
    figures: int
    deleted: dict[str, int]


@transaction.atomic
def purge(before: datetime.date, *, acting_user: Any = None) -> Purged:
    """Count, then delete everything dated before ``before``; orders only once they ended."""
    figures: Counter[tuple[str, datetime.date, str]] = Counter()
    arrivals = Arrival.objects.filter(arrived_on__lt=before)
    checkins = CheckIn.objects.filter(day__lt=before)
    tests = LabResult.objects.filter(sampled_on__lt=before)
    cases = Case.objects.filter(confirmed_on__lt=before)
    orders = QuarantineOrder.objects.filter(end_date__lt=before).exclude(status=OrderStatus.ACTIVE)
    changes = StatusChange.objects.filter(at__date__lt=before)
    _tally(figures, arrivals.values_list("path", "arrived_on"), "arrivals")
    _tally(figures, checkins.values_list("path", "day", "channel"), lambda channel: f"checkins_{channel}")
    _tally(figures, tests.values_list("path", "sampled_on", "outcome"), lambda outcome: f"tests_{outcome}")
    _tally(figures, cases.values_list("path", "confirmed_on"), "cases")
    _tally(figures, orders.values_list("path", "start_date", "reason"), lambda reason: f"orders_{reason}")
    _tally(figures, changes.values_list("path", "at", "colour"), lambda colour: f"became_{colour}")
    for (community, day, measure), value in figures.items():
        _add_figure(community, day, measure, value)
    deleted: dict[str, int] = {}
    order_ids = list(orders.values_list("pk", flat=True))
    querysets: list[tuple[str, QuerySet[Any]]] = [
        ("follow_ups", FollowUp.objects.filter(order_id__in=order_ids)),
        ("devices", MonitoringDevice.objects.filter(order_id__in=order_ids)),
        ("orders", QuarantineOrder.objects.filter(pk__in=order_ids)),
        ("traces", Trace.objects.filter(window_end__date__lt=before, orders__isnull=True)),
        ("arrivals", arrivals), ("checkins", checkins), ("tests", tests), ("cases", cases),
        ("status_changes", changes),
        ("access_records", AccessRecord.objects.filter(left_at__date__lt=before)),
        ("passes", IssuedPass.objects.filter(expires_at__date__lt=before)),
    ]
    for records in OTHER_RECORDS.values():
        rows = records.dated_before(before)
        # Kept out of ``figures``: Purged.figures counts health's own figures.
        other_figures: Counter[tuple[str, datetime.date, str]] = Counter()
        _tally(other_figures, rows.values_list(*records.counted_by),
               lambda value, prefix=records.measure_prefix: f"{prefix}{value}")
        for (community, day, measure), value in other_figures.items():
            _add_figure(community, day, measure, value)
        querysets.append((records.name, rows))
    for name, queryset in querysets:
        deleted[name] = _delete(queryset)
    audit.record("health.purge", actor=acting_user, path=area_of(acting_user, "health.change"), detail={"before": str(before), "figures": len(figures),
                                                            "deleted": deleted})
    return Purged(before, len(figures), deleted)


def _add_figure(community: str, day: datetime.date, measure: str, value: int) -> None:
    figure, created = DailyFigure.objects.get_or_create(community_path=community, day=day, measure=measure,
                                                        defaults={"value": value})
    if not created:
        DailyFigure.objects.filter(pk=figure.pk).update(value=figure.value + value)


def _delete(queryset: QuerySet[Model]) -> int:
    count, _by_model = queryset.delete()
    return count


def emergency_over() -> bool:
    return not EpidemicMode.objects.filter(active=True).exists()


def purge_expired(today: datetime.date | None = None) -> Purged | None:
    """The periodic task: only once no place is in epidemic mode any more."""
    if not emergency_over():
        return None
    today = today or timezone.localdate()
    return purge(today - datetime.timedelta(days=retention_days()))
