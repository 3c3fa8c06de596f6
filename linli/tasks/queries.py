"""What the task and visit pages show: progress by grid, who is due, each worker's workload.
Everything is read through the policy layer, so each viewer counts only her own share."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from linli.core.access import allows, may
from linli.core.models import RoleAssignment
from linli.grids.models import Grid, GridMember
from linli.people.models import SpecialGroup
from linli.tasks import schedule
from linli.tasks.access import DO, RECORD, VIEW, VISITS_VIEW
from linli.tasks.models import (
    COUNTING_OUTCOMES,
    ItemStatus,
    Task,
    TaskItem,
    TaskStatus,
    Visit,
    VisitPlan,
)
from linli.tickets.models import Ticket
from linli.tickets.workload import HandlerFigures, handler_figures

GROUPS = "people.view_groups"
TICKETS_VIEW = "tickets.view"
SOON_DAYS = 3


# --- tasks --------------------------------------------------------------------------------------------

@dataclass
class Counts:
    total: int = 0
    done: int = 0
    could_not: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.done - self.could_not

    @property
    def percent(self) -> int:
        return round(100 * (self.done + self.could_not) / self.total) if self.total else 0

    @property
    def width(self) -> int:
        """The bar's width as a class in steps of 5 (no inline style under the CSP, decision 0014)."""
        return 5 * round(self.percent / 5)

    def as_json(self) -> dict[str, int]:
        return {"total": self.total, "done": self.done, "could_not": self.could_not, "pending": self.pending,
                "percent": self.percent}


@dataclass
class GridProgress:
    grid_id: int | None
    name: str
    counts: Counts


@dataclass
class Progress:
    total: Counts
    grids: list[GridProgress]
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total.as_json(), "overdue": self.overdue,
                "grids": [{"grid_id": g.grid_id, "name": g.name, **g.counts.as_json()} for g in self.grids],
                "at": timezone.now().isoformat(timespec="seconds")}


def visible_items(user: Any, task: Task) -> QuerySet[TaskItem]:
    return TaskItem.objects.restrict(user, VIEW).filter(task=task)


def progress(user: Any, task: Task, today: datetime.date | None = None) -> Progress:
    """Completion by grid, of the items the user may see (a grid worker: her grid's share)."""
    today = today or timezone.localdate()
    rows = (visible_items(user, task).values("grid_id", "status").annotate(n=Count("pk")).order_by())
    by_grid: dict[int | None, Counts] = defaultdict(Counts)
    for row in rows:
        counts = by_grid[row["grid_id"]]
        counts.total += row["n"]
        if row["status"] == ItemStatus.DONE:
            counts.done += row["n"]
        elif row["status"] == ItemStatus.COULD_NOT:
            counts.could_not += row["n"]
    names = dict(Grid.objects.filter(pk__in=[g for g in by_grid if g is not None]).values_list("pk", "name"))
    grids = sorted((GridProgress(g, names.get(g, "") if g is not None else "", c) for g, c in by_grid.items()),
                   key=lambda p: (p.grid_id is None, p.name))
    total = Counts(sum(c.total for c in by_grid.values()), sum(c.done for c in by_grid.values()),
                   sum(c.could_not for c in by_grid.values()))
    return Progress(total, grids, task.status == TaskStatus.OPEN and task.due_on < today and total.pending > 0)


def task_rows(user: Any, tasks: QuerySet[Task]) -> list[tuple[Task, Counts]]:
    """Each task with the counts of the items the user may see, in one query for all."""
    tasks_list = list(tasks)
    counts: dict[int, Counts] = defaultdict(Counts)
    rows = (TaskItem.objects.restrict(user, VIEW).filter(task__in=[t.pk for t in tasks_list])
            .values("task_id", "status").annotate(n=Count("pk")).order_by())
    for row in rows:
        c = counts[row["task_id"]]
        c.total += row["n"]
        c.done += row["n"] if row["status"] == ItemStatus.DONE else 0
        c.could_not += row["n"] if row["status"] == ItemStatus.COULD_NOT else 0
    return [(task, counts[task.pk]) for task in tasks_list]


def my_pending_items(user: Any) -> QuerySet[TaskItem]:
    """Households and places of open tasks the user may tick that are still to do."""
    return TaskItem.objects.restrict(user, DO).filter(status=ItemStatus.PENDING, task__status=TaskStatus.OPEN)


# --- visits ---------------------------------------------------------------------------------------------

def plans_for(user: Any) -> QuerySet[VisitPlan]:
    """Active plans the user sees: her grid's for a grid worker, her area's for the office."""
    return VisitPlan.objects.restrict(user, VISITS_VIEW).filter(active=True)


@dataclass
class DueList:
    overdue: list[VisitPlan] = field(default_factory=list)
    today: list[VisitPlan] = field(default_factory=list)
    soon: list[VisitPlan] = field(default_factory=list)
    may_record: bool = False
    shows_groups: bool = False


LIST_LIMIT = 300


# What a row of the list shows: the person's name, not her sealed ID number and phone (decrypting
# them for every row would cost more than the rest of the page).
ROW_FIELDS = ("path", "house_id", "grid_id", "person_id", "people_count", "address", "reasons", "interval_days",
              "starts_on", "last_visit_on", "last_attempt_on", "last_outcome", "next_due_on", "person__name")


def due_list(user: Any, today: datetime.date | None = None, soon: bool = True) -> DueList:
    """Who is overdue, due today (and, with ``soon``, in the next few days), most overdue first."""
    today = today or timezone.localdate()
    last = today + datetime.timedelta(days=SOON_DAYS if soon else 0)
    rows = list(plans_for(user).filter(next_due_on__lte=last).select_related("person").only(*ROW_FIELDS)
                .order_by("next_due_on", "path")[:LIST_LIMIT])
    result = DueList(may_record=may(user, RECORD), shows_groups=may(user, GROUPS))
    for plan in rows:
        bucket = result.overdue if plan.next_due_on < today else result.today if plan.next_due_on == today \
            else result.soon
        bucket.append(plan)
    return result


def reasons_shown(user: Any, plan: VisitPlan) -> list[str]:
    """The special groups behind a plan, in words, for a viewer who may see the tags (else none)."""
    if not allows(user, GROUPS, plan.path):
        return []
    labels = dict(SpecialGroup.choices)
    return [str(labels.get(group, group)) for group in plan.reasons]


def due_counts(user: Any, today: datetime.date | None = None, ahead: int = 0) -> tuple[int, int, int]:
    """(due today, overdue, due in the next ``ahead`` days) among the plans the user sees."""
    today = today or timezone.localdate()
    counts = plans_for(user).filter(next_due_on__lte=today + datetime.timedelta(days=ahead)).aggregate(
        today=Count("pk", filter=Q(next_due_on=today)), overdue=Count("pk", filter=Q(next_due_on__lt=today)),
        soon=Count("pk", filter=Q(next_due_on__gt=today)))
    return counts["today"] or 0, counts["overdue"] or 0, counts["soon"] or 0


@dataclass
class WorkerLoad:
    user: Any
    grid: Grid
    role: str = ""
    visits: int = 0
    counted: int = 0
    needs_found: int = 0
    items_ticked: int = 0
    requests: HandlerFigures | None = None  # None: the viewer does not see requests

    @property
    def role_label(self) -> str:
        return str(GridMember.Role(self.role).label) if self.role in GridMember.Role.values else ""


@dataclass
class GridLoad:
    grid: Grid
    plans: int = 0
    due: int = 0  # visits the grid's plans ask for in the period
    overdue: int = 0  # households overdue now
    visits: int = 0
    workers: list[WorkerLoad] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.visits / self.due)) if self.due else 100


def _grid_workers(user: Any, grids: list[Grid]) -> dict[int, list[GridMember]]:
    """grid id → the team members who record visits there (volunteers of the team do not),
    as the viewer may see them: an office its area's, a grid worker herself."""
    members = (GridMember.objects.restrict(user, VISITS_VIEW).filter(grid__in=grids)
               .select_related("user").order_by("grid_id", "role", "pk"))
    holders = {(a.user_id, a.grid_id) for a in RoleAssignment.objects.current()
               .filter(grid__in=grids, user__in=[m.user_id for m in members]).select_related("role")
               if RECORD in a.role.actions}
    found: dict[int, list[GridMember]] = defaultdict(list)
    for member in members:
        if (member.user_id, member.grid_id) in holders:
            found[member.grid_id].append(member)
    return found


def workload(user: Any, days: int = 30, today: datetime.date | None = None) -> list[GridLoad]:
    """For each grid the user sees: visits the plans asked for in the last ``days`` days, visits
    recorded (counted: met or refused), households overdue now, and each worker's visits,
    ticked task items and, for a viewer who sees requests, the requests she handled."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days - 1)
    grids = list(Grid.objects.restrict(user, VISITS_VIEW).order_by("code"))
    loads = {g.pk: GridLoad(g) for g in grids}
    plans = plans_for(user).filter(grid__in=grids).values_list("grid_id", "interval_days", "next_due_on")
    for grid_id, interval, due_on in plans:
        load = loads[grid_id]
        load.plans += 1
        load.due += schedule.visits_due_in(days, interval)
        load.overdue += due_on < today
    visits = (Visit.objects.restrict(user, VISITS_VIEW).filter(grid__in=grids, visited_on__gte=since,
                                                                visited_on__lte=today)
              .values("grid_id", "recorded_by_id")
              .annotate(n=Count("pk"), counted=Count("pk", filter=Q(outcome__in=COUNTING_OUTCOMES)),
                        needs=Count("pk", filter=Q(needs_found=True))).order_by())
    by_worker: dict[tuple[int, int], dict[str, int]] = {}
    for row in visits:
        loads[row["grid_id"]].visits += row["counted"]
        by_worker[(row["grid_id"], row["recorded_by_id"])] = row
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    ticked = dict(((row["grid_id"], row["done_by_id"]), row["n"]) for row in
                  TaskItem.objects.restrict(user, VIEW).filter(grid__in=grids, done_at__gte=start)
                  .exclude(status=ItemStatus.PENDING).values("grid_id", "done_by_id").annotate(n=Count("pk"))
                  .order_by())
    workers = _grid_workers(user, grids)
    requests = _requests(user, [m.user_id for team in workers.values() for m in team], start)
    for grid_id, team in workers.items():
        for member in team:
            row = by_worker.get((grid_id, member.user_id), {})
            loads[grid_id].workers.append(WorkerLoad(
                member.user, loads[grid_id].grid, role=member.role, visits=row.get("n", 0),
                counted=row.get("counted", 0), needs_found=row.get("needs", 0),
                items_ticked=ticked.get((grid_id, member.user_id), 0),
                requests=None if requests is None else requests.get(member.user_id, HandlerFigures())))
    return [loads[g.pk] for g in grids]


def _requests(user: Any, worker_ids: list[int], start: datetime.datetime) -> dict[int, HandlerFigures] | None:
    """Each worker's requests since ``start``, among those the viewer sees; None for a viewer
    who sees no requests."""
    if not may(user, TICKETS_VIEW):
        return None
    return handler_figures(Ticket.objects.restrict(user, TICKETS_VIEW), worker_ids, start, timezone.now())
