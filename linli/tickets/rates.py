"""The three rates a 12345 hotline is judged by, computed from the requests themselves:

- 响应率 (response rate): first responses within the limit, of the requests whose limit has
  passed or that were answered;
- 解决率 (resolution rate): resolved and not reopened, of the requests whose resolution limit
  has passed or that were resolved or closed — as the office records it, and as the residents
  who rated said it (the share of rated requests not rated "not satisfied" and not reopened),
  so that the office cannot grade itself;
- 满意率 (satisfaction rate): satisfied or basically satisfied, of the rated requests, with the
  share of resolved requests that residents rated at all beside it.

Each over the requests filed in a period (a week from Monday, or a calendar month), by grid,
community, category or outside department, with the previous period for comparison. One
aggregate query per period, whatever the number of requests.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from linli.grids.models import Grid
from linli.places.models import Place
from linli.tickets.models import Category, Level, Rating, Status, Ticket

GROUPS = {"community": "community_id", "grid": "grid_id", "category": "category_id", "department": "department"}
RESOLVED = (Status.RESOLVED, Status.CLOSED)


@dataclass
class Rates:
    key: Any
    name: str
    filed: int
    response: float | None
    resolution: float | None
    resolution_by_residents: float | None
    satisfaction: float | None
    rated_share: float | None
    response_n: int = 0
    resolution_n: int = 0
    rated: int = 0


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def period(kind: str, offset: int = 0, today: datetime.date | None = None) -> tuple[datetime.datetime,
                                                                                   datetime.datetime]:
    """[start, end) of the week (Monday first) or month ``offset`` periods before the current one."""
    today = today or timezone.localdate()
    if kind == "week":
        monday = today - datetime.timedelta(days=today.weekday()) - datetime.timedelta(weeks=offset)
        start_day, end_day = monday, monday + datetime.timedelta(days=7)
    else:
        month = today.year * 12 + today.month - 1 - offset
        start_day = datetime.date(month // 12, month % 12 + 1, 1)
        end_day = datetime.date((month + 1) // 12, (month + 1) % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start_day, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end_day, datetime.time.min, tzinfo=tz))


def three_rates(rows: QuerySet[Ticket], group: str, start: datetime.datetime, end: datetime.datetime,
                now: datetime.datetime | None = None) -> list[Rates]:
    now = now or timezone.now()
    rows = rows.filter(created_at__gte=start, created_at__lt=end).exclude(status=Status.MERGED)
    if group == "department":
        rows = rows.filter(level=Level.DEPARTMENT)
    elif group == "grid":
        rows = rows.filter(grid__isnull=False)
    if group == "all":
        row = rows.aggregate(**_counts(now))
        return [_rates(None, "", row)] if row["filed"] else []
    return by_group(rows, group, now)[0]


def by_group(rows: QuerySet[Ticket], group: str, now: datetime.datetime) -> tuple[list[Rates], Rates | None]:
    """The rates of each group and of all of them together, from one grouped query (every
    request belongs to exactly one community, so the area's counts are the groups' sums)."""
    # Grouped by the key column alone: joining the names in would read every row's place, grid
    # or category; they are looked up afterwards for the few dozen groups.
    found: list[Any] = list(rows.values(k=F(GROUPS[group])).order_by().annotate(**_counts(now)))
    names = _names(group, [row["k"] for row in found])
    groups = sorted((_rates(row["k"], names.get(row["k"], ""), row) for row in found),
                    key=lambda r: (-r.filed, r.name))
    summed = {k: sum(row[k] for row in found) for k in _counts(now)}
    return groups, (_rates(None, "", summed) if summed["filed"] else None)


def _names(group: str, keys: list[Any]) -> dict[Any, str]:
    if group == "department":
        return {k: k or "" for k in keys}
    rows: QuerySet[Any] = {"community": Place.objects.all(), "grid": Grid.objects.all(),
                           "category": Category.objects.all()}[group]
    return dict(rows.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", "name"))


def area_rates(rows: QuerySet[Ticket], start: datetime.datetime, end: datetime.datetime,
               now: datetime.datetime | None = None) -> tuple[list[Rates], Rates | None]:
    """By community, and the whole area, for the requests filed in [start, end)."""
    now = now or timezone.now()
    rows = rows.filter(created_at__gte=start, created_at__lt=end).exclude(status=Status.MERGED)
    return by_group(rows, "community", now)


def _counts(now: datetime.datetime) -> dict[str, Count]:
    response_due = Q(responded_at__isnull=False) | Q(respond_by__lte=now)
    resolution_due = Q(resolved_at__isnull=False) | Q(closed_at__isnull=False) | Q(resolve_by__lte=now)
    rated = ~Q(rating="")
    return {
        "filed": Count("pk"),
        "response_n": Count("pk", filter=response_due),
        "response_ok": Count("pk", filter=Q(responded_at__isnull=False, responded_late=False)),
        "resolution_n": Count("pk", filter=resolution_due),
        "resolved_ok": Count("pk", filter=Q(status__in=RESOLVED, reopened=0) & resolution_due),
        "rated": Count("pk", filter=rated),
        "rated_resolved": Count("pk", filter=rated & ~Q(rating=Rating.UNSATISFIED) & Q(reopened=0)),
        "satisfied": Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.PARTLY])),
        "resolved_any": Count("pk", filter=Q(resolved_at__isnull=False)),
    }


def _rates(key: Any, name: str, row: Any) -> Rates:
    return Rates(key=key, name=name, filed=row["filed"],
                 response=_share(row["response_ok"], row["response_n"]),
                 resolution=_share(row["resolved_ok"], row["resolution_n"]),
                 resolution_by_residents=_share(row["rated_resolved"], row["rated"]),
                 satisfaction=_share(row["satisfied"], row["rated"]),
                 rated_share=_share(row["rated"], row["resolved_any"]),
                 response_n=row["response_n"], resolution_n=row["resolution_n"], rated=row["rated"])


def with_previous(rows: QuerySet[Ticket], group: str, kind: str, offset: int = 0,
                  now: datetime.datetime | None = None) -> list[tuple[Rates, Rates | None]]:
    """This period's rates beside the previous period's, matched by group."""
    start, end = period(kind, offset)
    before_start, before_end = period(kind, offset + 1)
    current = three_rates(rows, group, start, end, now)
    previous = {r.key: r for r in three_rates(rows, group, before_start, before_end, now)}
    return [(r, previous.get(r.key)) for r in current]


@dataclass
class RatesTable:
    """The rates page and API: each group now and in the previous period, and the whole area."""

    start: datetime.datetime
    end: datetime.datetime  # exclusive
    rows: list[tuple[Rates, Rates | None]]
    overall: Rates | None
    overall_before: Rates | None


def rates_table(area: QuerySet[Ticket], group: str, kind: str, offset: int = 0) -> RatesTable:
    start, end = period(kind, offset)
    overall = three_rates(area, "all", start, end)
    before = three_rates(area, "all", *period(kind, offset + 1))
    return RatesTable(start, end, with_previous(area, group, kind, offset), overall[0] if overall else None,
                      before[0] if before else None)


def overdue_summary(overdue: QuerySet[Ticket], now: datetime.datetime) -> tuple[list[dict[str, Any]],
                                                                                list[dict[str, Any]]]:
    """督办: overdue requests counted by community and by outside department, with the age in
    days of the oldest of each ("name", "n", "days")."""
    def groups(rows: QuerySet[Ticket], name: str) -> list[dict[str, Any]]:
        found = rows.values(name).annotate(n=Count("pk"), oldest=Min("created_at")).order_by("-n")
        return [{"name": row[name] or "", "n": row["n"], "days": (now - row["oldest"]).days} for row in found]

    return groups(overdue, "community__name"), groups(overdue.filter(level=Level.DEPARTMENT), "department")
