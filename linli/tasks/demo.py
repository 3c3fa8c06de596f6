"""The demo's working day in tasks and visits.

- Visit plans for every special-group household of the street, started 90 days ago, and a
  history of visits since: each grid keeps its rhythm more or less well (a few grids fall
  behind), households are sometimes not at home and visited again a day or two later, a
  few refuse, one visit in twenty finds a need. So some households are overdue today, some
  due today, and the workload page has something to compare.
- "冬季寒潮前走访独居老人", pushed down by the street office to every grid three days ago
  (through the action, so it is audited), two thirds done in the keen grids, less elsewhere.
- "每周消防安全巡查" of the first community's buildings, weekly: last week's occurrence done
  and closed, this week's started by the same code the worker runs every hour.

Rows are written in bulk; the tasks go through ``actions``. Running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from linli.core import bulk
from linli.core.models import RoleAssignment, User
from linli.people.models import SpecialGroup
from linli.places.models import Level, Place
from linli.tasks import actions, plans, schedule
from linli.tasks.models import (
    COUNTING_OUTCOMES,
    ItemStatus,
    Repeat,
    TargetKind,
    Task,
    TaskItem,
    Visit,
    VisitOutcome,
    VisitPlan,
)

HISTORY_DAYS = 90
COLD_WAVE = "冬季寒潮前走访独居老人"
FIRE_CHECK = "每周消防安全巡查"
OBSERVATIONS = ["身体状况良好，精神不错", "独自在家，已提醒注意保暖", "血压偏高，已提醒按时服药", "家中整洁，无安全隐患",
                "腿脚不便，需要有人帮忙买菜", "子女本周回来探望过", "情绪低落，建议多来看看", "燃气灶使用正常，已检查"]
NOTES = ["已上门，老人情况良好", "取暖器线路老化，已提醒更换", "已留联系卡", "家中有人照看"]
NOT_DONE = ["多次敲门无人应答", "老人外出就医", "住户拒绝入户"]


def _local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _workers_by_grid() -> dict[int, list[int]]:
    """grid id → the users who record visits there (grid workers; volunteers do not)."""
    found: dict[int, list[int]] = defaultdict(list)
    for assignment in (RoleAssignment.objects.current().filter(grid__isnull=False).select_related("role")
                       .order_by("grid_id", "user_id")):
        if "visits.record" in assignment.role.actions:
            found[assignment.grid_id].append(assignment.user_id)  # type: ignore[index]
    return found


class _History:
    def __init__(self, seed: int, today: datetime.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.today = today
        self.workers = _workers_by_grid()
        self.keenness: dict[int | None, float] = {}

    def keen(self, grid_id: int | None) -> float:
        """How well a grid keeps its rhythm (1: on the day); a few grids fall behind."""
        if grid_id not in self.keenness:
            self.keenness[grid_id] = self.rng.choice([1.0, 1.0, 1.0, 0.9, 0.8, 0.6])
        return self.keenness[grid_id]

    def visits(self, plan: VisitPlan) -> list[tuple[Any, ...]]:
        """The plan's visits as rows of VISIT_FIELDS, oldest first."""
        rng, rows = self.rng, []
        workers: list[int | None] = [*self.workers.get(plan.grid_id or 0, [])] or [None]
        late = plan.interval_days * (1 - self.keen(plan.grid_id))
        day = plan.starts_on + datetime.timedelta(days=rng.randint(0, plan.interval_days - 1))
        while day <= self.today:
            draw = rng.random()
            outcome = VisitOutcome.NOT_HOME if draw < 0.1 else VisitOutcome.REFUSED if draw < 0.13 else VisitOutcome.MET
            needs = outcome == VisitOutcome.MET and rng.random() < 0.05
            observations = rng.choice(OBSERVATIONS) if outcome == VisitOutcome.MET and rng.random() < 0.4 else ""
            rows.append((plan.pk, plan.path, plan.grid_id, plan.person_id, day, outcome, needs, observations,
                         rng.choice(workers)))
            if outcome == VisitOutcome.NOT_HOME:
                day += datetime.timedelta(days=rng.randint(1, 3))  # tried again soon
            else:
                day += datetime.timedelta(days=plan.interval_days + rng.randint(-1, 1) + round(rng.random() * late * 2))
        return rows


# A visit row as _History.visits makes it, in bulk.insert_values' terms.
VISIT_FIELDS = ["plan", "path", "grid", "person", "visited_on", "outcome", "needs_found", "observations",
                "recorded_by"]
_DAY, _OUTCOME = VISIT_FIELDS.index("visited_on"), VISIT_FIELDS.index("outcome")


def _follow(plan: VisitPlan, visits: list[tuple[Any, ...]]) -> None:
    """The plan's last visit, last attempt and next due date after its history."""
    for visit in visits:
        plan.last_attempt_on, plan.last_outcome = visit[_DAY], visit[_OUTCOME]
        if visit[_OUTCOME] in COUNTING_OUTCOMES:
            plan.last_visit_on = visit[_DAY]
    plan.next_due_on = schedule.next_visit_due(plan.starts_on, plan.interval_days, plan.last_visit_on)


def build_visit_history(seed: int, today: datetime.date) -> dict[str, int]:
    start = today - datetime.timedelta(days=HISTORY_DAYS)
    for community in Place.objects.filter(level=Level.COMMUNITY).order_by("path"):
        plans.refresh_plans(community, today=start)
    history = _History(seed, today)
    all_plans = list(VisitPlan.objects.filter(active=True).order_by("pk"))
    visits: list[tuple[Any, ...]] = []
    for plan in all_plans:
        rows = history.visits(plan)
        _follow(plan, rows)
        visits.extend(rows)
    foreign_keys = bulk.drop_foreign_keys(Visit)  # checked once after the load (PostgreSQL)
    bulk.insert_values(Visit, VISIT_FIELDS, visits)
    bulk.add_foreign_keys(foreign_keys)
    bulk.update(VisitPlan, all_plans, ["last_visit_on", "last_attempt_on", "last_outcome", "next_due_on"])
    return {"plans": len(all_plans), "visits": len(visits),
            "overdue": sum(1 for p in all_plans if p.next_due_on < today),
            "due_today": sum(1 for p in all_plans if p.next_due_on == today)}


def _shift_back(task: Task, days: int) -> None:
    delta = datetime.timedelta(days=days)
    Task.objects.filter(pk=task.pk).update(starts_on=task.starts_on - delta, due_on=task.due_on - delta)
    task.refresh_from_db()


def _tick(task: Task, seed: int, done_share: dict[int | None, float], days: int) -> int:
    """Tick items off as their grids' workers would have over the last ``days`` days."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    workers = _workers_by_grid()
    items = list(TaskItem.objects.filter(task=task).order_by("pk"))
    ticked = []
    for item in items:
        share = done_share.get(item.grid_id, done_share.get(None, 0.5))
        if rng.random() >= share:
            continue
        could_not = rng.random() < 0.06
        item.status = ItemStatus.COULD_NOT if could_not else ItemStatus.DONE
        item.note = rng.choice(NOT_DONE) if could_not else (rng.choice(NOTES) if rng.random() < 0.3 else "")
        item.answers = [True] * len(task.checklist) if not could_not else []
        item.done_by_id = rng.choice(workers.get(item.grid_id or 0) or [None])
        item.done_at = _local(timezone.localdate() - datetime.timedelta(days=rng.randint(0, days)), rng.randint(9, 17))
        ticked.append(item)
    bulk.update(TaskItem, ticked, ["status", "note", "answers", "done_by", "done_at"])
    return len(ticked)


def push_demo_tasks(seed: int, today: datetime.date) -> dict[str, int]:
    users = {u.username: u for u in User.objects.filter(username__in=["demo-street", "demo-community"])}
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("path").first()
    figures: dict[str, int] = {}
    if street is not None and "demo-street" in users:
        cold = actions.do_create_task(actions.TaskInput(
            title=COLD_WAVE, due_on=today + datetime.timedelta(days=4), target_kind=TargetKind.GROUP_HOUSEHOLDS,
            groups=[SpecialGroup.ALONE_ELDER], areas=[street],
            description="寒潮将至，请各网格在截止日前逐户上门走访辖区内独居老人，检查取暖与用电安全，确认常备药品和紧急联系人。",
            checklist=["取暖设备安全", "门窗密封良好", "常备药品充足", "紧急联系人已确认"]), acting_user=users["demo-street"])
        _shift_back(cold, 3)
        rng = random.Random(seed)  # noqa: S311 - demo data
        shares: dict[int | None, float] = {g: rng.choice([0.9, 0.7, 0.65, 0.5, 0.3, 0.1])
                                           for g in cold.grids.values_list("pk", flat=True)}
        figures["cold_wave_items"] = cold.items.count()
        figures["cold_wave_ticked"] = _tick(cold, seed, shares, days=3)
    if community is not None and "demo-community" in users:
        fire = actions.do_create_task(actions.TaskInput(
            title=FIRE_CHECK, due_on=today + datetime.timedelta(days=5), target_kind=TargetKind.BUILDINGS,
            areas=[community], repeat=Repeat.WEEKLY,
            description="检查楼道、消防通道和电动自行车停放充电情况。",
            checklist=["消防通道畅通", "灭火器在有效期内", "楼道无电动车充电"]), acting_user=users["demo-community"])
        _shift_back(fire, 7)
        _tick(fire, seed + 1, {None: 0.97}, days=7)
        figures["fire_check_occurrences"] = 1 + actions.create_due_occurrences(today)
    return figures


@transaction.atomic
def prepare_demo_work(seed: int = 1) -> dict[str, Any] | None:
    """Build the demo's visits and tasks; None when they are there already (or no street)."""
    if Task.objects.filter(title=COLD_WAVE).exists() or not Place.objects.filter(level=Level.COMMUNITY).exists():
        return None
    today = timezone.localdate()
    figures: dict[str, Any] = build_visit_history(seed, today)
    figures.update(push_demo_tasks(seed, today))
    transaction.on_commit(_analyze)
    return figures


def _analyze() -> None:
    """Fresh statistics for the new tables (the street's were taken before they were filled), so
    the planner finds a grid worker's rows through their place path, as it does for the registry.
    On PostgreSQL the plans and task items, every row of which was written twice (inserted, then
    updated after their history), are vacuumed too: where autovacuum is off or behind, the dead
    half stayed in the indexes, and the overview's count of visits due read 182,000 index entries
    for 20,000 plans on the million-resident district."""
    rewritten = (VisitPlan, TaskItem)
    with connection.cursor() as cursor:
        for model in (VisitPlan, Visit, Task, TaskItem):
            vacuum = connection.vendor == "postgresql" and model in rewritten and not connection.in_atomic_block
            command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
